use gocua_core::ValidationErrors;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("wrong database key, or the file is not a Gõ Cửa database")]
    WrongKey,
    #[error("this device is not set up yet: run init first")]
    NotInitialised,
    #[error("this device is already set up")]
    AlreadyInitialised,
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationErrors),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("database schema version {found} is newer than this program knows ({known})")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// A stable code for programs.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::WrongKey => "wrong_key",
            StoreError::NotInitialised => "not_initialised",
            StoreError::AlreadyInitialised => "already_initialised",
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound { .. } => "not_found",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Sqlite(_) => "database",
        }
    }

    /// The sentence for a Vietnamese user.
    pub fn message_vi(&self) -> String {
        match self {
            StoreError::WrongKey => "Sai mã khóa hoặc tệp không phải dữ liệu Gõ Cửa.".into(),
            StoreError::NotInitialised => "Thiết bị chưa được thiết lập.".into(),
            StoreError::AlreadyInitialised => "Thiết bị đã được thiết lập.".into(),
            StoreError::Invalid(e) => e.message_vi(),
            StoreError::NotFound { .. } => "Không tìm thấy bản ghi.".into(),
            StoreError::SchemaTooNew { .. } => {
                "Dữ liệu được tạo bởi phiên bản mới hơn; hãy cập nhật ứng dụng.".into()
            }
            StoreError::Corrupt(_) | StoreError::Sqlite(_) => {
                "Lỗi cơ sở dữ liệu trên thiết bị; dữ liệu chưa lưu không bị mất.".into()
            }
        }
    }
}
