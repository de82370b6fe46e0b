//! The one error the UI receives: `{code, message}`, a stable code and a
//! Vietnamese sentence. Every command's failure is turned into it here.

use gocua_device::StoreError;
use gocua_sync::client::SyncError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// No unlocked session (never unlocked, locked by the member, or idle).
    pub fn locked() -> Self {
        ApiError::new("locked", "Ứng dụng đã khóa: hãy nhập mã PIN để mở lại.")
    }

    pub fn not_set_up() -> Self {
        ApiError::new(
            "not_set_up",
            "Thiết bị chưa được đăng ký: hãy đăng ký bằng mã do tổ trưởng cấp.",
        )
    }

    /// Something on this device went wrong (files, threads): no detail for
    /// the member, the data is safe.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let _ = detail.to_string();
        ApiError::new(
            "internal",
            "Ứng dụng gặp lỗi trên thiết bị; dữ liệu đã lưu không bị mất. Hãy thử lại.",
        )
    }

    pub fn io(e: std::io::Error) -> Self {
        ApiError::new(
            "io",
            format!(
                "Không đọc/ghi được dữ liệu của ứng dụng trên máy ({}).",
                e.kind()
            ),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(e.code(), e.message_vi())
    }
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        ApiError::new(e.code(), e.message_vi())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
