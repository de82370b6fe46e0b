//! What can go wrong in the central database, each with a stable code for
//! programs and a Vietnamese sentence for the person at the other end.

use gocua_core::ValidationErrors;
use gocua_core::indicators::Indicator;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CentralError {
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationErrors),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("{what} {id} belongs to another commune")]
    OtherCommune { what: &'static str, id: String },
    #[error("members and team leaders must belong to a team")]
    TeamRequired,
    #[error("percent must be between 0 and 100")]
    Percent,
    #[error("no indicator is called {0:?}")]
    UnknownIndicator(String),
    #[error("training: {0}")]
    Training(#[from] gocua_core::training::TrainingError),
    #[error("unknown enrollment code")]
    CodeUnknown,
    #[error("enrollment code already used")]
    CodeUsed,
    #[error("enrollment code expired")]
    CodeExpired,
    #[error("member {0} is no longer active")]
    MemberInactive(String),
    #[error("unknown or revoked device token")]
    Unauthorized,
    /// Re-enrolling a device file that must keep its id (it holds unsent
    /// changes stamped with it), while the server knows that id.
    #[error("this device's id is already known to the server")]
    DeviceIdTaken,
    /// A signing key that is not an Ed25519 public key in hex.
    #[error("malformed signing key")]
    BadSigningKey,
    /// The device has registered another signing key already.
    #[error("this device has another signing key")]
    SigningKeyConflict,
    /// Only a team leader's device may hand on its team's changes.
    #[error("only a team leader's device may relay changes")]
    NotALeader,
    /// Officers' web accounts and sessions.
    #[error(transparent)]
    Account(#[from] crate::AccountError),
    /// A merge of residents the judge or the rules refused (the sentence
    /// in Vietnamese).
    #[error("merge refused: {0}")]
    MergeRefused(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The key file given is not the one this database was made with.
    #[error("the server key does not open this database (another key file?)")]
    WrongKey,
    /// Turning a plain SQLite file from before keys into an encrypted one
    /// failed; the plain file is left as it was.
    #[error("encrypting the database failed: {0}")]
    Encrypting(String),
    /// A backup could not be written or did not check out; nothing is
    /// left under its name.
    #[error("backup failed: {0}")]
    Backup(String),
    #[error("the database was made by a newer version (schema {found}, known {known})")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[cfg(feature = "postgres")]
    #[error("database error: {0}")]
    Postgres(#[from] postgres::Error),
    /// The backend failed otherwise (no connection from the pool, a
    /// statement it cannot run).
    #[error("database error: {0}")]
    Backend(String),
}

impl CentralError {
    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        CentralError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// A stable code for programs.
    pub fn code(&self) -> &'static str {
        match self {
            CentralError::Invalid(_) => "invalid",
            CentralError::NotFound { .. } => "not_found",
            CentralError::OtherCommune { .. } => "other_commune",
            CentralError::TeamRequired => "team_required",
            CentralError::Percent => "percent",
            CentralError::UnknownIndicator(_) => "unknown_indicator",
            CentralError::Training(e) => e.code(),
            CentralError::CodeUnknown => "code_unknown",
            CentralError::CodeUsed => "code_used",
            CentralError::CodeExpired => "code_expired",
            CentralError::MemberInactive(_) => "member_inactive",
            CentralError::Unauthorized => "unauthorized",
            CentralError::DeviceIdTaken => "device_id_taken",
            CentralError::BadSigningKey => "bad_signing_key",
            CentralError::SigningKeyConflict => "key_already_registered",
            CentralError::NotALeader => "not_a_leader",
            CentralError::Account(e) => e.code(),
            CentralError::MergeRefused(_) => "merge_refused",
            CentralError::Corrupt(_) => "corrupt",
            CentralError::SchemaTooNew { .. } => "schema_too_new",
            CentralError::WrongKey => "wrong_key",
            CentralError::Encrypting(_) => "encrypting",
            CentralError::Backup(_) => "backup",
            CentralError::Sqlite(_) | CentralError::Backend(_) => "database",
            #[cfg(feature = "postgres")]
            CentralError::Postgres(_) => "database",
        }
    }

    /// The sentence for a Vietnamese user.
    pub fn message_vi(&self) -> String {
        match self {
            CentralError::Invalid(e) => e.message_vi(),
            CentralError::NotFound { what, .. } => format!("Không tìm thấy {}.", what_vi(what)),
            CentralError::OtherCommune { what, .. } => {
                format!("{} thuộc xã khác.", capitalise(what_vi(what)))
            }
            CentralError::TeamRequired => "Tổ viên và tổ trưởng phải thuộc một tổ.".into(),
            CentralError::Percent => "Chỉ tiêu phải từ 0 đến 100 phần trăm.".into(),
            CentralError::UnknownIndicator(code) => format!(
                "Không có chỉ số \"{code}\". Các chỉ số: {}.",
                Indicator::ALL.map(Indicator::code).join(", ")
            ),
            CentralError::Training(e) => e.message_vi(),
            CentralError::CodeUnknown => {
                "Mã đăng ký không đúng. Hãy kiểm tra lại hoặc xin mã mới.".into()
            }
            CentralError::CodeUsed => {
                "Mã đăng ký này đã được dùng. Mỗi mã chỉ dùng được một lần; hãy xin mã mới.".into()
            }
            CentralError::CodeExpired => "Mã đăng ký đã hết hạn; hãy xin mã mới.".into(),
            CentralError::MemberInactive(_) => {
                "Thành viên này không còn hoạt động trong tổ.".into()
            }
            CentralError::Unauthorized => {
                "Thiết bị chưa đăng ký hoặc đã bị thu hồi quyền truy cập.".into()
            }
            CentralError::DeviceIdTaken => "Máy này còn dữ liệu chưa gửi và máy chủ đã biết mã \
                 thiết bị của nó: chưa đăng ký lại được. Mã đăng ký chưa bị dùng; hãy đồng bộ \
                 trước, hoặc liên hệ cán bộ xã."
                .into(),
            CentralError::BadSigningKey => "Khóa ký của thiết bị không hợp lệ.".into(),
            CentralError::SigningKeyConflict => "Máy chủ đã giữ một khóa ký khác cho thiết bị \
                 này (có thể tệp dữ liệu được chép từ bản cũ). Thay đổi ký bằng khóa này sẽ bị \
                 từ chối; hãy đăng ký lại thiết bị với mã mới."
                .into(),
            CentralError::NotALeader => "Chỉ máy của tổ trưởng mới được làm trạm chuyển tiếp \
                 cho tổ."
                .into(),
            CentralError::Account(e) => e.message_vi(),
            CentralError::SchemaTooNew { .. } => {
                "Dữ liệu được tạo bởi phiên bản mới hơn; hãy cập nhật ứng dụng.".into()
            }
            CentralError::MergeRefused(m) => m.clone(),
            CentralError::WrongKey => "Tệp khóa của máy chủ không mở được cơ sở dữ liệu này \
                 (có thể nhầm tệp khóa); hãy dùng đúng tệp --key-file đã tạo cơ sở dữ liệu."
                .into(),
            CentralError::Backup(_) => "Không sao lưu được cơ sở dữ liệu; không có tệp sao lưu \
                 nào được để lại."
                .into(),
            CentralError::Encrypting(_) => "Không mã hóa được cơ sở dữ liệu cũ; tệp cũ vẫn \
                 được giữ nguyên."
                .into(),
            CentralError::Corrupt(_) | CentralError::Sqlite(_) | CentralError::Backend(_) => {
                DATABASE_FAILED.into()
            }
            #[cfg(feature = "postgres")]
            CentralError::Postgres(_) => DATABASE_FAILED.into(),
        }
    }
}

const DATABASE_FAILED: &str = "Lỗi cơ sở dữ liệu trên máy chủ; xin thử lại sau.";

fn what_vi(what: &str) -> &'static str {
    match what {
        "commune" => "xã",
        "village" => "thôn/xóm",
        "team" => "tổ",
        "member" => "thành viên",
        "device" => "thiết bị",
        "resident" => "nhân khẩu",
        "household" => "hộ gia đình",
        "training session" => "buổi tập huấn",
        _ => "bản ghi",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
