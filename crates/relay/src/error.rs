//! What the relay answers when it says no: an HTTP status, a stable code
//! and a Vietnamese sentence (`gocua_wire::ErrorBody`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gocua_device::StoreError;
use gocua_wire::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("{code}: {message}")]
    Http {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl RelayError {
    pub(crate) fn http(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        RelayError::Http {
            status,
            code,
            message: message.into(),
        }
    }

    /// This device is not a team leader's: it cannot be a relay.
    pub(crate) fn not_a_leader() -> Self {
        RelayError::http(
            StatusCode::FORBIDDEN,
            "not_a_leader",
            "Chỉ thiết bị của tổ trưởng mới làm được trạm chuyển tiếp cho tổ. Thiết bị này \
             không phải của tổ trưởng (hoặc chưa đăng ký với máy chủ của xã).",
        )
    }

    pub(crate) fn unauthorized() -> Self {
        RelayError::http(
            StatusCode::UNAUTHORIZED,
            "relay_unauthorized",
            "Thiết bị chưa ghép nối với trạm chuyển tiếp này (hoặc đã ghép nối lại): hãy quét \
             mã ghép nối trên máy của tổ trưởng.",
        )
    }

    pub(crate) fn not_your_team() -> Self {
        RelayError::http(
            StatusCode::FORBIDDEN,
            "not_your_team",
            "Trạm chuyển tiếp này chỉ phục vụ thành viên trong tổ của tổ trưởng. Thiết bị của \
             bạn thuộc tổ khác: hãy đồng bộ qua tổ trưởng của tổ mình hoặc máy chủ của xã.",
        )
    }

    /// A stable code for programs.
    pub fn code(&self) -> &str {
        match self {
            RelayError::Http { code, .. } => code,
            RelayError::Store(e) => e.code(),
            RelayError::Tls(_) => "tls_setup",
            RelayError::Io(_) => "io",
        }
    }

    /// The sentence for a Vietnamese user.
    pub fn message_vi(&self) -> String {
        match self {
            RelayError::Http { message, .. } => message.clone(),
            RelayError::Store(e) => e.message_vi(),
            RelayError::Tls(_) => "Không tạo được kết nối bảo mật cho trạm chuyển tiếp.".into(),
            RelayError::Io(e) => format!("Lỗi mạng trên trạm chuyển tiếp: {e}"),
        }
    }
}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let status = match &self {
            RelayError::Http { status, .. } => *status,
            other => {
                tracing::error!(error = %other, "relay request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let body = match &self {
            RelayError::Http { .. } => ErrorBody {
                code: self.code().to_string(),
                message: self.message_vi(),
            },
            // Nothing of the store's inner error goes to the member.
            _ => ErrorBody {
                code: "relay_failed".into(),
                message: "Trạm chuyển tiếp gặp lỗi; dữ liệu trên máy của bạn vẫn được giữ \
                          nguyên. Hãy thử lại sau."
                    .into(),
            },
        };
        (status, Json(body)).into_response()
    }
}
