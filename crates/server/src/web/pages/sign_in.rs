//! Signing in and out. A wrong login and a wrong password get the same
//! answer after the same work; too many of them from one address (or for
//! one login) are refused for a while before any password is checked.

use crate::app::AppState;
use crate::web::SIGN_IN_WINDOW;
use crate::web::auth::{
    CSRF_FIELD, Officer, Posted, SESSION_COOKIE, SIGN_IN_COOKIE, SignInPost, clear_cookie, cookie,
    set_cookie,
};
use crate::web::csrf;
use crate::web::error::PageError;
use crate::web::layout;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use gocua_central::{AccountError, CentralError, normalize_login};
use maud::{Markup, html};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    out: Option<String>,
}

fn form_page(token: &str, login: &str, message: Option<&str>, note: Option<&str>) -> Markup {
    layout::bare(
        "Đăng nhập",
        html! {
            div.signin {
                h1 { "Gõ Cửa" }
                p.muted { "Trang quản lý của xã — dành cho cán bộ xã và quản trị viên." }
                @if let Some(n) = note { p.notice role="status" { (n) } }
                @if let Some(m) = message { p.error role="alert" { (m) } }
                form method="post" action="/sign-in" {
                    input type="hidden" name=(CSRF_FIELD) value=(csrf::mask(token));
                    label for="login" { "Tên đăng nhập" }
                    input #login type="text" name="login" value=(login) required
                        autocomplete="username" autocapitalize="none" spellcheck="false";
                    label for="password" { "Mật khẩu" }
                    input #password type="password" name="password" required
                        autocomplete="current-password";
                    button type="submit" { "Đăng nhập" }
                }
                p.muted.small {
                    "Chưa có mật khẩu? Quản trị viên đặt bằng lệnh "
                    code { "gocua-server admin member set-password" } "."
                }
            }
        },
    )
}

/// `GET /sign-in`: the form, with a fresh token in a cookie and (masked)
/// in the form.
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Response {
    // Already signed in: straight to the dashboard.
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && state.db(move |db| db.web_session(&token)).await.is_ok()
    {
        return Redirect::to("/").into_response();
    }
    let token = csrf::new_token();
    let note = q.out.is_some().then_some("Bạn đã đăng xuất.");
    (
        [set_cookie(SIGN_IN_COOKIE, &token)],
        form_page(&token, "", None, note),
    )
        .into_response()
}

/// `POST /sign-in`.
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form: SignInPost,
) -> Result<Response, PageError> {
    let login = form.fields.get("login").cloned().unwrap_or_default();
    let password = form.fields.get("password").cloned().unwrap_or_default();
    let ip = peer.ip();
    // Counted per login as typed, folded (malformed ones count together).
    let key = normalize_login(&login).unwrap_or_default();
    let again = |status: StatusCode, message: String| {
        (status, form_page(&form.token, &login, Some(&message), None)).into_response()
    };
    // The slot is taken before the slow check: parallel tries cannot all
    // pass a limit they would each find not yet reached.
    let Some(slot) = state.sign_in_limits.try_take(ip, &key) else {
        // One line per period at most: each refused try costs an attacker
        // nothing, and must not cost the log a line.
        crate::conn::warn(crate::conn::Bite::SignInLimited, Some(ip), "");
        let minutes = SIGN_IN_WINDOW.as_secs() / 60;
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Đã nhập sai quá nhiều lần. Hãy đợi {minutes} phút rồi thử lại."),
        ));
    };
    let login_for_db = login.clone();
    let verified = match state.db(move |db| db.password_check(&login_for_db)).await {
        // argon2 on a blocking thread of its own, not holding the database.
        Ok(check) => tokio::task::spawn_blocking(move || check.verify(&password))
            .await
            .map_err(|e| PageError::Api(crate::error::ApiError::Internal(e.to_string()))),
        Err(e) => Err(e.into()),
    };
    let member = match verified {
        Ok(Ok(m)) => {
            state.sign_in_limits.give_back(slot);
            m
        }
        Ok(Err(CentralError::Account(e @ AccountError::SignInFailed))) => {
            // The slot stays taken: that is the failure counted.
            let _ = slot;
            tracing::info!(%ip, "sign-in refused: wrong login or password");
            return Ok(again(StatusCode::UNAUTHORIZED, e.message_vi()));
        }
        // The server failed, the password was not judged: no failure.
        Ok(Err(e)) => {
            state.sign_in_limits.give_back(slot);
            return Err(e.into());
        }
        Err(e) => {
            state.sign_in_limits.give_back(slot);
            return Err(e);
        }
    };
    let session = state.db(move |db| db.start_session(member.id)).await?;
    tracing::info!(member = %session.member.id, "signed in");
    // Appended: two `Set-Cookie` headers (an array of headers would keep
    // only the last).
    Ok((
        AppendHeaders([
            set_cookie(SESSION_COOKIE, &session.token),
            clear_cookie(SIGN_IN_COOKIE),
        ]),
        Redirect::to("/"),
    )
        .into_response())
}

/// `POST /sign-out`.
pub async fn sign_out(State(state): State<AppState>, form: Posted) -> Result<Response, PageError> {
    let Officer { session, token } = form.officer;
    state.db(move |db| db.end_session(&token)).await?;
    tracing::info!(member = %session.member.id, "signed out");
    Ok((
        [clear_cookie(SESSION_COOKIE)],
        Redirect::to("/sign-in?out=1"),
    )
        .into_response())
}
