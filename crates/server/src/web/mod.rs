//! The commune office's web pages, served by the same HTTPS server as the
//! sync API: a commune officer (or admin) signs in with the password an
//! admin set (`gocua-server admin member set-password`) and sees the
//! commune's dashboard, the teams' quarter, recognition and the records
//! behind every figure, changes the commune's targets, records members'
//! training, reviews likely duplicate residents and merges them, opens a
//! household's records and marks any of them "needs fix", downloads the quarterly
//! report and sees who downloaded what (every export is audited).
//!
//! Server-rendered HTML (maud), a small hand-written stylesheet, bar charts
//! drawn as inline SVG; no script at all, so the Content-Security-Policy
//! allows none. Handlers are thin: extract (a signed-in `Officer`, a form
//! with its CSRF token checked), call `CentralDb`'s report API or
//! `crate::report`'s generators, render. Every failure becomes a page in
//! `error.rs`.
//!
//! Security: sessions live on the server (`gocua_central`
//! sessions: random id in a `__Host-` cookie, only its hash stored, idle
//! and absolute expiry); cookies are `Secure; HttpOnly; SameSite=Strict;
//! Path=/`; every POST carries the session's synchronizer token (masked
//! afresh in each page, so compression cannot leak it); wrong passwords are
//! limited per address and per login; ids in addresses are opaque UUIDs,
//! never names or ID numbers; personal pages are `no-store`.

mod auth;
mod charts;
mod csrf;
mod error;
mod headers;
mod layout;
mod links;
pub(crate) mod pages;
pub mod password;

use crate::app::AppState;
use crate::limit::{FailureLimiter, Slot};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::net::IpAddr;
use std::time::Duration;

/// Wrong passwords allowed per client address, and per login, per window.
const SIGN_IN_MAX_FAILURES_PER_ADDRESS: usize = 10;
const SIGN_IN_MAX_FAILURES_PER_LOGIN: usize = 20;
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Forms are small: a targets form is well under 2 KB.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// Wrong passwords, counted per client address and per login (a login
/// limit stops a slow attack from many addresses; it is higher so that
/// someone else's mistakes lock the officer out less easily).
pub struct SignInLimits {
    by_address: FailureLimiter<IpAddr>,
    by_login: FailureLimiter<String>,
}

impl SignInLimits {
    pub fn new() -> Self {
        SignInLimits {
            by_address: FailureLimiter::new(SIGN_IN_MAX_FAILURES_PER_ADDRESS, SIGN_IN_WINDOW),
            by_login: FailureLimiter::new(SIGN_IN_MAX_FAILURES_PER_LOGIN, SIGN_IN_WINDOW),
        }
    }

    /// Take a slot for one sign-in try, per address and per login, before
    /// the password is checked (see `crate::limit`); None when either is
    /// at its limit (then neither slot is kept).
    fn try_take(&self, ip: IpAddr, login: &str) -> Option<SignInSlot> {
        let address = self.by_address.try_take(ip)?;
        match self.by_login.try_take(login.to_string()) {
            Some(login) => Some(SignInSlot { address, login }),
            None => {
                self.by_address.give_back(address);
                None
            }
        }
    }

    /// The password was right (or never checked): the try does not count.
    fn give_back(&self, slot: SignInSlot) {
        self.by_address.give_back(slot.address);
        self.by_login.give_back(slot.login);
    }
}

/// One sign-in try's slots; dropped, it counts as a wrong password.
#[must_use = "a slot is a failure unless given back"]
struct SignInSlot {
    address: Slot<IpAddr>,
    login: Slot<String>,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self::new()
    }
}

/// The pages, to merge into the server's router.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(pages::dashboard::show))
        .route(
            "/sign-in",
            get(pages::sign_in::form).post(pages::sign_in::submit),
        )
        .route("/sign-out", post(pages::sign_in::sign_out))
        .route("/teams", get(pages::teams::show))
        .route("/recognition", get(pages::recognition::show))
        .route("/records", get(pages::records::show))
        .route(
            "/targets",
            get(pages::targets::form_page).post(pages::targets::save),
        )
        .route(
            "/training",
            get(pages::training::show).post(pages::training::save),
        )
        .route("/training/delete", post(pages::training_delete::delete))
        .route("/duplicates", get(pages::duplicates::show))
        .route(
            "/duplicates/merge",
            get(pages::merge::confirm).post(pages::merge::merge),
        )
        .route("/duplicates/unmerge", post(pages::merge::unmerge))
        .route("/resident", get(pages::duplicates::resident))
        .route("/household", get(pages::household::show))
        .route("/review", post(pages::review::open))
        .route(
            "/import",
            get(pages::import::form)
                .post(pages::import::check)
                .layer(DefaultBodyLimit::max(pages::import::MAX_UPLOAD_BYTES)),
        )
        .route("/import/confirm", post(pages::import::confirm))
        .route("/audit", get(pages::audit::show))
        .route("/report.xlsx", get(pages::download::xlsx))
        .route("/report.csv", get(pages::download::csv))
        .route(layout::STYLESHEET, get(layout::stylesheet))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state,
            error::with_menu,
        ))
        .layer(axum::middleware::map_response(headers::secure))
}
