//! The one place where anything that goes wrong in a request becomes an
//! HTTP status and an `ErrorBody {code, message}` with a Vietnamese
//! sentence. Bad input is always a 4xx; a 5xx means the server itself
//! failed, and is logged.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gocua_central::{AccountError, CentralError};
use gocua_wire::{ErrorBody, MAX_PUSH_CHANGES};

#[derive(Debug)]
pub enum ApiError {
    Central(CentralError),
    Json(JsonRejection),
    Query(QueryRejection),
    /// No `Authorization: Bearer …` header.
    NoToken,
    TooManyChanges(usize),
    /// A push whose signatures are neither absent nor one per change.
    SignatureCount {
        changes: usize,
        signatures: usize,
    },
    /// A pull naming both a village and a household.
    OneFilter,
    TooManyAttempts,
    RouteNotFound,
    MethodNotAllowed,
    /// The server failed (a panic, a lost worker thread).
    Internal(String),
    /// The request took longer than `serve --request-timeout` (its body
    /// sent slowly, or its answer slow to make).
    RequestTimeout,
}

impl From<CentralError> for ApiError {
    fn from(e: CentralError) -> Self {
        ApiError::Central(e)
    }
}

/// Text from a parser inside a message, cut short so a huge input does not
/// come back in full.
fn detail(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

impl ApiError {
    /// Status, code and Vietnamese message (the web pages show the same).
    pub(crate) fn parts(&self) -> (StatusCode, &'static str, String) {
        use ApiError::*;
        match self {
            Central(e) => (central_status(e), e.code(), e.message_vi()),
            Json(JsonRejection::JsonDataError(e)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!(
                    "Dữ liệu gửi lên không đúng cấu trúc ({}).",
                    detail(&e.body_text())
                ),
            ),
            Json(JsonRejection::JsonSyntaxError(e)) => (
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!(
                    "Dữ liệu gửi lên không phải JSON hợp lệ ({}).",
                    detail(&e.body_text())
                ),
            ),
            Json(JsonRejection::MissingJsonContentType(_)) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Dữ liệu phải gửi dạng JSON (Content-Type: application/json).".into(),
            ),
            Json(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            Json(r) => (
                r.status(),
                "bad_body",
                "Không đọc được dữ liệu gửi lên.".into(),
            ),
            Query(e) => (
                StatusCode::BAD_REQUEST,
                "bad_query",
                format!(
                    "Tham số trên địa chỉ không hợp lệ ({}).",
                    detail(&e.body_text())
                ),
            ),
            NoToken => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Thiếu mã truy cập của thiết bị; hãy đăng ký thiết bị trước.".into(),
            ),
            TooManyChanges(n) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_changes",
                format!(
                    "Mỗi lần gửi tối đa {MAX_PUSH_CHANGES} thay đổi (lần này có {n}); hãy chia nhỏ."
                ),
            ),
            SignatureCount {
                changes,
                signatures,
            } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "signature_count",
                format!(
                    "Mỗi thay đổi cần đúng một chữ ký ({changes} thay đổi, {signatures} chữ ký)."
                ),
            ),
            OneFilter => (
                StatusCode::BAD_REQUEST,
                "bad_query",
                "Chỉ lấy lịch sử của một thôn, một hộ hoặc một người mỗi lần.".into(),
            ),
            TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "Nhập sai mã đăng ký quá nhiều lần; hãy đợi 10 phút rồi thử lại.".into(),
            ),
            RouteNotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Không có địa chỉ này trên máy chủ.".into(),
            ),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Địa chỉ này không nhận kiểu yêu cầu đó.".into(),
            ),
            RequestTimeout => (
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Yêu cầu quá thời gian cho phép; dữ liệu trên thiết bị vẫn còn nguyên, xin thử lại sau."
                    .into(),
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Máy chủ gặp lỗi; dữ liệu trên thiết bị vẫn còn nguyên, xin thử lại sau.".into(),
            ),
        }
    }
}

fn too_large() -> (StatusCode, &'static str, String) {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!(
            "Dữ liệu gửi lên quá lớn (tối đa {} MB).",
            gocua_wire::MAX_BODY_BYTES / (1024 * 1024)
        ),
    )
}

fn central_status(e: &CentralError) -> StatusCode {
    match e {
        CentralError::Invalid(_)
        | CentralError::OtherCommune { .. }
        | CentralError::TeamRequired
        | CentralError::Percent
        | CentralError::UnknownIndicator(_)
        | CentralError::Training(_)
        | CentralError::MergeRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        CentralError::NotFound { .. } => StatusCode::NOT_FOUND,
        CentralError::CodeUnknown | CentralError::MemberInactive(_) => StatusCode::FORBIDDEN,
        CentralError::CodeUsed | CentralError::CodeExpired => StatusCode::GONE,
        CentralError::Unauthorized => StatusCode::UNAUTHORIZED,
        CentralError::DeviceIdTaken | CentralError::SigningKeyConflict => StatusCode::CONFLICT,
        CentralError::BadSigningKey => StatusCode::UNPROCESSABLE_ENTITY,
        CentralError::NotALeader => StatusCode::FORBIDDEN,
        CentralError::Account(a) => match a {
            AccountError::SignInFailed | AccountError::SessionExpired => StatusCode::UNAUTHORIZED,
            AccountError::LoginTaken(_) => StatusCode::CONFLICT,
            AccountError::NoWebRole => StatusCode::FORBIDDEN,
            AccountError::PasswordLength | AccountError::BadLogin => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        },
        CentralError::Corrupt(_)
        | CentralError::SchemaTooNew { .. }
        | CentralError::WrongKey
        | CentralError::Encrypting(_)
        | CentralError::Backup(_)
        | CentralError::Sqlite(_)
        | CentralError::Postgres(_)
        | CentralError::Backend(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            match &self {
                ApiError::Central(e) => tracing::error!(error = %e, "request failed"),
                ApiError::Internal(e) => tracing::error!(error = %e, "request failed"),
                // Logged where it bites, at most a line per period
                // (`crate::conn`): a client can cause as many as it likes.
                ApiError::RequestTimeout => {}
                _ => tracing::error!(code, "request failed"),
            }
        } else {
            tracing::debug!(status = status.as_u16(), code, "request refused");
        }
        let mut response = (
            status,
            Json(ErrorBody {
                code: code.to_string(),
                message,
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// A panic inside a handler becomes a 500 with an `ErrorBody`, not a
/// dropped connection.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into());
    ApiError::Internal(what).into_response()
}
