//! Who is asking: the session cookie, the signed-in `Officer` a page
//! extracts, and `Posted` forms whose CSRF token is checked before the
//! handler sees them (the only way a handler gets a form body).

use super::csrf;
use super::error::PageError;
use crate::app::AppState;
use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use gocua_central::{WebSession, constant_time_eq};
use gocua_core::CommuneId;
use maud::{Markup, html};
use std::collections::BTreeMap;

/// The session's random id. `__Host-`: the browser keeps it only if it is
/// `Secure`, for `Path=/`, without a domain, so no other site can set it.
pub const SESSION_COOKIE: &str = "__Host-gocua_session";
/// The sign-in form's token, before there is a session (a form posted
/// from elsewhere cannot sign a browser in to someone else's account).
pub const SIGN_IN_COOKIE: &str = "__Host-gocua_signin";
/// The form field every POST carries.
pub const CSRF_FIELD: &str = "csrf";

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// `Set-Cookie` for a browser-session cookie (gone when the browser
/// closes; the server ends it sooner). Values are our hex tokens.
pub fn set_cookie(name: &str, value: &str) -> (axum::http::HeaderName, HeaderValue) {
    let v = format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict");
    (
        SET_COOKIE,
        HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

/// `Set-Cookie` that removes the cookie.
pub fn clear_cookie(name: &str) -> (axum::http::HeaderName, HeaderValue) {
    let v = format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    (
        SET_COOKIE,
        HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

/// A signed-in commune officer or admin.
pub struct Officer {
    pub session: WebSession,
    /// The cookie's token (to end the session at sign-out).
    pub token: String,
}

impl Officer {
    pub fn commune(&self) -> CommuneId {
        self.session.member.commune_id
    }

    /// The hidden field a form must carry (masked afresh each page).
    pub fn csrf_field(&self) -> Markup {
        html! {
            input type="hidden" name=(CSRF_FIELD) value=(csrf::mask(&self.session.csrf_token));
        }
    }
}

impl FromRequestParts<AppState> for Officer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(PageError::SignInRequired)?;
        let lookup = token.clone();
        let session = state.db(move |db| db.web_session(&lookup)).await?;
        Ok(Officer { session, token })
    }
}

/// A posted form (`application/x-www-form-urlencoded`) from a signed-in
/// officer, its CSRF token already checked and taken out.
pub struct Posted {
    pub officer: Officer,
    pub fields: BTreeMap<String, String>,
}

/// The form's pairs, read whole; a repeated name keeps its last value.
async fn form_fields(
    req: Request,
    state: &AppState,
) -> Result<BTreeMap<String, String>, PageError> {
    let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, state)
        .await
        .map_err(|_| PageError::BadForm)?;
    Ok(pairs.into_iter().collect())
}

/// Whether the posted (masked) token is `expected`.
pub fn csrf_ok(expected: &str, posted: Option<&String>) -> bool {
    posted
        .and_then(|p| csrf::unmask(p))
        .is_some_and(|t| constant_time_eq(t.as_bytes(), expected.as_bytes()))
}

impl FromRequest<AppState> for Posted {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let officer = Officer::from_request_parts(&mut parts, state).await?;
        let mut fields = form_fields(Request::from_parts(parts, body), state).await?;
        if !csrf_ok(&officer.session.csrf_token, fields.get(CSRF_FIELD)) {
            tracing::warn!(member = %officer.session.member.id, "form refused: CSRF token");
            return Err(PageError::Csrf);
        }
        fields.remove(CSRF_FIELD);
        Ok(Posted { officer, fields })
    }
}

/// The sign-in form as posted: its token checked against the sign-in
/// cookie (double submit: there is no session yet).
pub struct SignInPost {
    pub fields: BTreeMap<String, String>,
    /// The sign-in cookie's token (a form shown again reuses it).
    pub token: String,
}

impl FromRequest<AppState> for SignInPost {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = cookie(req.headers(), SIGN_IN_COOKIE);
        let mut fields = form_fields(req, state).await?;
        let token = match expected {
            Some(e) if e.len() == 64 && csrf_ok(&e, fields.get(CSRF_FIELD)) => e,
            _ => return Err(PageError::Csrf),
        };
        fields.remove(CSRF_FIELD);
        Ok(SignInPost { fields, token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; __Host-gocua_session=abc"),
        );
        h.append(
            COOKIE,
            HeaderValue::from_static("x__Host-gocua_signin=no; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, SIGN_IN_COOKIE), None);
        let (_, v) = set_cookie(SESSION_COOKIE, "abc");
        let v = v.to_str().unwrap();
        for part in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(v.contains(part), "{v}");
        }
        assert!(!v.contains("Domain"));
    }

    #[test]
    fn only_a_masked_copy_of_the_token_passes() {
        let t = csrf::new_token();
        assert!(csrf_ok(&t, Some(&csrf::mask(&t))));
        assert!(!csrf_ok(&t, Some(&t)));
        assert!(!csrf_ok(&t, None));
        assert!(!csrf_ok(&t, Some(&csrf::mask(&csrf::new_token()))));
        assert!(!csrf_ok(&t, Some(&String::new())));
    }
}
