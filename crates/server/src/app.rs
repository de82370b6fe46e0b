//! The HTTP application: shared state and the router. Database work runs on
//! the blocking pool: on SQLite one request at a time on the one connection
//! (SQLite has one writer anyway; WAL lets the admin commands read
//! meanwhile), on PostgreSQL each on a pooled connection.

use crate::error::{ApiError, panic_response};
use crate::limit::FailureLimiter;
use crate::routes;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use gocua_store::central::{CentralDb, CentralError};
use gocua_sync::wire;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// Wrong enrollment codes allowed per client address per window.
const ENROLL_MAX_FAILURES: usize = 10;
const ENROLL_WINDOW: Duration = Duration::from_secs(10 * 60);

#[derive(Clone)]
pub struct AppState {
    db: Arc<CentralDb>,
    /// SHA-256 of our certificate, handed to devices at enrollment.
    pub fingerprint: Arc<str>,
    pub enroll_failures: Arc<FailureLimiter>,
}

impl AppState {
    pub fn new(db: Arc<CentralDb>, fingerprint: String) -> Self {
        AppState {
            db,
            fingerprint: fingerprint.into(),
            enroll_failures: Arc::new(FailureLimiter::new(ENROLL_MAX_FAILURES, ENROLL_WINDOW)),
        }
    }

    /// Run `f` on the database, off the async threads.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&CentralDb) -> Result<T, CentralError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(ApiError::from)
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(wire::HEALTH, get(routes::health::health))
        .route(wire::ENROLL, post(routes::enroll::enroll))
        .route(wire::PUSH, post(routes::sync::push))
        .route(wire::PULL, get(routes::sync::pull))
        .route(wire::ORG, get(routes::org::org))
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(wire::MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
