//! The one place where anything that goes wrong on a web page becomes a
//! response: a signed-out visitor is sent to the sign-in form; everything
//! else is a small page with the status and a Vietnamese sentence (the
//! same sentences as the API's, from `ApiError::parts`), inside the menu
//! like every other page (`with_menu`). 5xx are logged.

use super::auth::{Officer, SESSION_COOKIE, cookie};
use super::layout::{self, Nav};
use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use gocua_central::{AccountError, CentralError};
use maud::{Markup, html};

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

/// What an error page says, kept on its response so that `with_menu`
/// can draw it again inside the signed-in officer's frame.
#[derive(Clone)]
struct ErrorPage {
    title: &'static str,
    message: String,
}

impl ErrorPage {
    fn body(&self) -> Markup {
        html! {
            h1 { (self.title) }
            p.error role="alert" { (self.message) }
            p { a href="/" { "Về trang tổng quan" } }
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
        let page = ErrorPage { title, message };
        // Drawn for a visitor first: an error knows nothing of the request.
        let body = layout::page_signed_out(title, page.body());
        let mut response = (status, body).into_response();
        response.extensions_mut().insert(page);
        response
    }
}

/// Every error page of the office's pages inside the normal frame: when the
/// request carries a live session, the page drawn by `PageError` is drawn
/// again with the officer's menu and name (one more session lookup, for
/// error pages only).
pub async fn with_menu(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let token = cookie(req.headers(), SESSION_COOKIE);
    let response = next.run(req).await;
    let (Some(page), Some(token)) = (response.extensions().get::<ErrorPage>().cloned(), token)
    else {
        return response;
    };
    let lookup = token.clone();
    let Ok(session) = state.db(move |db| db.web_session(&lookup)).await else {
        return response;
    };
    let officer = Officer { session, token };
    let (mut parts, _) = response.into_parts();
    let body = layout::page(page.title, &officer, Nav::Records, page.body());
    // The old body's length no longer holds.
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, body.into_response().into_body())
}
