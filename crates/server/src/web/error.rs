//! The one place where anything that goes wrong on a web page becomes a
//! response: a signed-out visitor is sent to the sign-in form; everything
//! else is a small page with the status and a Vietnamese sentence (the
//! same sentences as the API's, from `ApiError::parts`). 5xx are logged.

use super::layout;
use crate::error::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gocua_central::{AccountError, CentralError};
use maud::html;

#[derive(Debug)]
pub enum PageError {
    Api(ApiError),
    /// No session, or it has ended: to the sign-in form.
    SignInRequired,
    /// A POST without this session's token (or the sign-in form's).
    Csrf,
    /// A body that is not a form.
    BadForm,
    /// Nothing here, or it belongs to another commune (told apart from
    /// nothing so as not to confirm another commune's ids).
    NotFound,
    /// A query parameter that cannot be read: what was expected.
    BadQuery(String),
    /// A form field that cannot be what the form sends: what was expected
    /// (nothing was saved).
    BadField(String),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Central(CentralError::Account(AccountError::SessionExpired)) => {
                PageError::SignInRequired
            }
            ApiError::Central(CentralError::NotFound { .. }) => PageError::NotFound,
            e => PageError::Api(e),
        }
    }
}

impl From<CentralError> for PageError {
    fn from(e: CentralError) -> Self {
        ApiError::from(e).into()
    }
}

impl PageError {
    fn parts(&self) -> (StatusCode, String) {
        match self {
            PageError::Api(e) => {
                let (status, _, message) = e.parts();
                (status, message)
            }
            PageError::SignInRequired => (
                StatusCode::UNAUTHORIZED,
                AccountError::SessionExpired.message_vi(),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "Biểu mẫu đã cũ hoặc không gửi từ trang của máy chủ này. Hãy tải lại trang \
                 rồi làm lại."
                    .into(),
            ),
            PageError::BadForm => (
                StatusCode::BAD_REQUEST,
                "Không đọc được dữ liệu của biểu mẫu.".into(),
            ),
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Không tìm thấy trang hoặc số liệu này trong xã của bạn.".into(),
            ),
            PageError::BadQuery(what) => (
                StatusCode::BAD_REQUEST,
                format!("Địa chỉ trang không hợp lệ: {what}"),
            ),
            PageError::BadField(what) => (
                StatusCode::BAD_REQUEST,
                format!("Biểu mẫu chưa đúng, chưa lưu gì: {what}"),
            ),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::SignInRequired = self {
            return Redirect::to("/sign-in").into_response();
        }
        let (status, message) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = ?self, "page failed");
        } else {
            tracing::debug!(status = status.as_u16(), "page refused");
        }
        let title = match status {
            StatusCode::NOT_FOUND => "Không tìm thấy",
            StatusCode::FORBIDDEN => "Không được phép",
            s if s.is_server_error() => "Máy chủ gặp lỗi",
            _ => "Không thực hiện được",
        };
        let body = layout::bare(
            title,
            html! {
                h1 { (title) }
                p.error role="alert" { (message) }
                p { a href="/" { "Về trang tổng quan" } }
            },
        );
        (status, body).into_response()
    }
}
