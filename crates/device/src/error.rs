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
    #[error("this device is not enrolled with a server yet")]
    NotEnrolled,
    #[error(
        "{count} unsent change(s) were stamped by another device identity; \
         enrolling would make the server refuse them"
    )]
    UnsentFromOtherDevice { count: i64 },
    #[error("this database holds another commune's data; use a new database file")]
    OtherCommune,
    #[error("{0}")]
    Review(#[from] gocua_core::review::ReviewError),
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
            StoreError::NotEnrolled => "not_enrolled",
            StoreError::UnsentFromOtherDevice { .. } => "unsent_from_other_device",
            StoreError::OtherCommune => "other_commune",
            StoreError::Review(e) => e.code(),
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
            StoreError::NotEnrolled => {
                "Thiết bị chưa đăng ký với máy chủ của xã: hãy chạy đăng ký trước.".into()
            }
            StoreError::UnsentFromOtherDevice { count } => format!(
                "Thiết bị còn {count} thay đổi chưa gửi của lần đăng ký trước. Không thể \
                 đăng ký lại vì máy chủ sẽ không nhận các thay đổi đó; dữ liệu vẫn được giữ \
                 nguyên trên máy. Hãy liên hệ quản trị xã."
            ),
            StoreError::OtherCommune => {
                "Tệp dữ liệu này đang chứa dữ liệu của xã khác; hãy dùng một tệp dữ liệu mới."
                    .into()
            }
            StoreError::Review(e) => e.message_vi(),
            StoreError::Corrupt(_) | StoreError::Sqlite(_) => {
                "Lỗi cơ sở dữ liệu trên thiết bị; dữ liệu chưa lưu không bị mất.".into()
            }
        }
    }
}
