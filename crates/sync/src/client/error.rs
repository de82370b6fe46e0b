//! What can stop enrollment or a sync round, with a stable code for
//! programs and a Vietnamese sentence for the member. Whatever the error,
//! unsent changes stay in the store's outbox.

use crate::tls::PinError;
use gocua_device::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("invalid server address or enrollment text: {0}")]
    InvalidTarget(String),
    #[error("this device is not enrolled with a server")]
    NotEnrolled,
    #[error("the server does not know this device or has revoked it (HTTP 401)")]
    Unauthorized,
    #[error("server certificate {seen} does not match the pinned fingerprint {expected}")]
    PinMismatch { expected: String, seen: String },
    #[error("server unreachable after {attempts} attempt(s): {source}")]
    Unreachable {
        attempts: u32,
        /// The HTTP client's error, or the connection failing mid-answer.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("server error (HTTP {status}) after {attempts} attempt(s): {code}: {message}")]
    ServerFailed {
        status: u16,
        attempts: u32,
        code: String,
        message: String,
    },
    #[error("server refused the request (HTTP {status}) {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("unexpected answer from the server: {0}")]
    BadResponse(String),
    /// The answer is bigger than any the protocol allows: a broken or
    /// hostile server. Not read further, and not asked again.
    #[error("the server's answer to {path} is larger than {limit} bytes")]
    ResponseTooLarge { path: String, limit: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tls(#[from] PinError),
}

impl SyncError {
    /// A stable code for programs.
    pub fn code(&self) -> &str {
        match self {
            SyncError::InvalidTarget(_) => "invalid_target",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::Unauthorized => "unauthorized",
            SyncError::PinMismatch { .. } => "pin_mismatch",
            SyncError::Unreachable { .. } => "unreachable",
            SyncError::ServerFailed { .. } => "server_failed",
            SyncError::Refused { code, .. } if !code.is_empty() => code,
            SyncError::Refused { .. } => "refused",
            SyncError::BadResponse(_) => "bad_response",
            SyncError::ResponseTooLarge { .. } => "response_too_large",
            SyncError::Store(e) => e.code(),
            SyncError::Tls(_) => "tls_setup",
        }
    }

    /// The sentence for a Vietnamese user.
    pub fn message_vi(&self) -> String {
        const KEPT: &str = "Dữ liệu chưa gửi vẫn được giữ nguyên trên máy.";
        match self {
            SyncError::InvalidTarget(_) => "Địa chỉ máy chủ hoặc mã đăng ký không hợp lệ. Địa chỉ \
                 phải bắt đầu bằng https://, hoặc dán nguyên văn nội dung mã QR đăng ký."
                .into(),
            SyncError::NotEnrolled => {
                "Thiết bị chưa đăng ký với máy chủ của xã: hãy đăng ký bằng mã do tổ trưởng cấp."
                    .into()
            }
            SyncError::Unauthorized => format!(
                "Máy chủ không nhận thiết bị này: thiết bị đã bị thu hồi, hoặc máy chủ xã vừa \
                 được khôi phục từ bản sao lưu cũ hơn lần đăng ký của máy. {KEPT} Hãy xin tổ \
                 trưởng mã đăng ký mới và đăng ký lại: máy sẽ tự gửi lại mọi dữ liệu của mình."
            ),
            SyncError::PinMismatch { .. } => format!(
                "Chứng chỉ bảo mật của máy chủ không khớp với chứng chỉ đã ghi nhận khi đăng ký: \
                 có thể đang kết nối nhầm máy chủ. Không có dữ liệu nào được gửi đi. {KEPT}"
            ),
            SyncError::Unreachable { attempts, .. } => format!(
                "Không kết nối được máy chủ (đã thử {attempts} lần). {KEPT} \
                 Hãy thử lại khi có mạng."
            ),
            SyncError::ServerFailed { status, .. } => {
                format!("Máy chủ đang gặp lỗi (mã {status}). {KEPT} Hãy thử lại sau.")
            }
            SyncError::Refused {
                status, message, ..
            } => {
                if message.trim().is_empty() {
                    format!("Máy chủ từ chối yêu cầu (mã {status}).")
                } else {
                    message.clone()
                }
            }
            SyncError::BadResponse(_) => {
                format!("Máy chủ trả lời không đúng định dạng. {KEPT}")
            }
            SyncError::ResponseTooLarge { limit, .. } => format!(
                "Máy chủ gửi về dữ liệu lớn bất thường (hơn {} MB) nên thiết bị đã dừng nhận \
                 để tự bảo vệ. {KEPT} Hãy báo quản trị xã kiểm tra máy chủ.",
                limit.div_ceil(1024 * 1024)
            ),
            SyncError::Store(e) => e.message_vi(),
            SyncError::Tls(_) => "Không thiết lập được kết nối bảo mật trên thiết bị.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_device_is_told_its_data_is_kept() {
        let m = SyncError::Unauthorized.message_vi();
        assert!(m.contains("thu hồi"), "{m}");
        assert!(m.contains("vẫn được giữ"), "{m}");
        assert_eq!(SyncError::Unauthorized.code(), "unauthorized");
    }

    #[test]
    fn the_servers_own_sentence_and_code_are_passed_on() {
        let e = SyncError::Refused {
            status: 400,
            code: "code_invalid".into(),
            message: "Mã đăng ký không đúng.".into(),
        };
        assert_eq!(e.code(), "code_invalid");
        assert_eq!(e.message_vi(), "Mã đăng ký không đúng.");
    }
}
