//! The HTTP application: shared state and the router. Database work runs on
//! the blocking pool: on SQLite one request at a time on the one connection
//! (SQLite has one writer anyway; WAL lets the admin commands read
//! meanwhile), on PostgreSQL each on a pooled connection.

use crate::error::{ApiError, panic_response};
use crate::limit::FailureLimiter;
use crate::routes;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use gocua_central::{CentralDb, CentralError};
use gocua_core::CommuneId;
use gocua_wire as wire;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// Wrong enrollment codes allowed per client address per window.
const ENROLL_MAX_FAILURES: usize = 10;
const ENROLL_WINDOW: Duration = Duration::from_secs(10 * 60);

/// `serve --request-timeout`'s default.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone)]
pub struct AppState {
    db: Arc<CentralDb>,
    /// On SQLite, database calls take turns here, in arrival order (tokio's
    /// semaphore is fair), before taking a blocking thread. Without it,
    /// each waiting request holds a blocking thread parked on the one
    /// connection's mutex, which is not fair: with 200 devices at once,
    /// requests that came late overtook early ones and the slowest took
    /// twice the median. PostgreSQL has its pool and needs no gate.
    gate: Option<Arc<Semaphore>>,
    /// On SQLite, calls that only read (`db_read`) take turns here instead:
    /// they run on read-only connections beside the writer (WAL), as many
    /// at once as there are cores.
    read_gate: Option<Arc<Semaphore>>,
    /// SHA-256 of our certificate, handed to devices at enrollment.
    pub fingerprint: Arc<str>,
    pub enroll_failures: Arc<FailureLimiter>,
    /// Wrong passwords at the web sign-in.
    pub sign_in_limits: Arc<crate::web::SignInLimits>,
    /// Communes whose report tables are to catch up after their pushes.
    pub projector: Arc<crate::projector::Projector>,
    /// On SQLite, pushes are committed in groups (`push_queue.rs`).
    pub push_queue: Option<Arc<crate::push_queue::PushQueue>>,
    /// On PostgreSQL, a group committer per commune (pushes of one commune
    /// take turns at its lock anyway; communes stay in parallel).
    commune_queues: Arc<std::sync::Mutex<HashMap<CommuneId, Arc<crate::push_queue::PushQueue>>>>,
    /// On PostgreSQL, which commune's committer a device's pushes go to,
    /// by the SHA-256 of its token (never the token itself).
    token_communes: Arc<std::sync::Mutex<HashMap<[u8; 32], CommuneId>>>,
    /// How long a request may take, its body read and its answer made
    /// (`serve --request-timeout`).
    pub request_timeout: Duration,
    /// The scheduled backups' last success and failure (`backups.rs`).
    pub backups: crate::backups::SharedStatus,
    /// The change log's identity, read at start: only `admin restore`
    /// changes it, and never under a running server.
    log_id: Arc<str>,
}

/// Devices whose commune is remembered at most; past it the map starts
/// over (each device then authenticates once more).
const TOKEN_COMMUNES_MAX: usize = 100_000;

impl AppState {
    pub fn new(db: Arc<CentralDb>, fingerprint: String) -> Self {
        let sqlite = db.backend_name() == "sqlite";
        let gate = sqlite.then(|| Arc::new(Semaphore::new(1)));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let read_gate = sqlite.then(|| Arc::new(Semaphore::new(cores)));
        let mut state = AppState {
            db,
            gate,
            read_gate,
            fingerprint: fingerprint.into(),
            enroll_failures: Arc::new(FailureLimiter::new(ENROLL_MAX_FAILURES, ENROLL_WINDOW)),
            sign_in_limits: Arc::new(crate::web::SignInLimits::new()),
            projector: Arc::default(),
            push_queue: None,
            commune_queues: Arc::default(),
            token_communes: Arc::default(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            backups: Arc::default(),
            log_id: Arc::from(""),
        };
        // The committer is a task: only inside a runtime (the server's).
        if sqlite && tokio::runtime::Handle::try_current().is_ok() {
            state.push_queue = Some(Arc::new(crate::push_queue::PushQueue::start(state.clone())));
        }
        state
    }

    /// The change log's identity every answer carries (read once at
    /// start, `CentralDb::log_identity`).
    pub fn set_log_id(&mut self, log_id: &str) {
        self.log_id = log_id.into();
    }

    /// The group committer of a commune's pushes on PostgreSQL (started on
    /// first use, from a request, so inside the runtime).
    pub fn commune_queue(&self, commune: CommuneId) -> Arc<crate::push_queue::PushQueue> {
        // Each update is one insert: the map is sound after a panic.
        let mut queues = self
            .commune_queues
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        queues
            .entry(commune)
            .or_insert_with(|| Arc::new(crate::push_queue::PushQueue::start(self.clone())))
            .clone()
    }

    /// The commune of the device holding `token`, remembered after its
    /// first push: only to pick the committer, which authenticates every
    /// push again inside its transaction (a revoked token is refused
    /// there), and a device never changes commune.
    pub async fn token_commune(&self, token: &str) -> Result<CommuneId, ApiError> {
        use sha2::Digest;
        let key: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        let known = self
            .token_communes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .copied();
        if let Some(commune) = known {
            return Ok(commune);
        }
        let t = token.to_string();
        let commune = self
            .db_read(move |db| db.authenticate(&t))
            .await?
            .scope
            .commune_id;
        // Each update is one insert or clear: the map is sound after a panic.
        let mut map = self
            .token_communes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if map.len() >= TOKEN_COMMUNES_MAX {
            map.clear();
        }
        map.insert(key, commune);
        Ok(commune)
    }

    /// Run `f` on the database, off the async threads.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&CentralDb) -> Result<T, CentralError> + Send + 'static,
    {
        self.db_through(self.gate.as_ref(), f).await
    }

    /// Run `f`, which only reads (`CentralDb`'s read transactions), on the
    /// database: on SQLite beside the writer rather than after it.
    pub async fn db_read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&CentralDb) -> Result<T, CentralError> + Send + 'static,
    {
        self.db_through(self.read_gate.as_ref(), f).await
    }

    async fn db_through<T, F>(&self, gate: Option<&Arc<Semaphore>>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&CentralDb) -> Result<T, CentralError> + Send + 'static,
    {
        let db = self.db.clone();
        let turn = match gate {
            Some(gate) => Some(
                gate.clone()
                    .acquire_owned()
                    .await
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            ),
            None => None,
        };
        // The turn goes with the work: a request dropped mid-call (client
        // gone) still holds it until the call ends.
        tokio::task::spawn_blocking(move || {
            let out = f(&db);
            drop(turn);
            out
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
    }
}

/// A request that takes longer than `limit` (a body sent slowly, or an
/// answer slow to make) is stopped with a 503 the client may try again.
async fn request_deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = req.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            crate::conn::log_request_timeout(peer.ip(), &path);
            ApiError::RequestTimeout.into_response()
        }
    }
}

pub fn router(state: AppState) -> Router {
    let request_timeout = state.request_timeout;
    Router::new()
        .route(wire::HEALTH, get(routes::health::health))
        .route(wire::ENROLL, post(routes::enroll::enroll))
        .route(wire::PUSH, post(routes::sync::push))
        .route(wire::PULL, get(routes::sync::pull))
        .route(wire::ORG, get(routes::org::org))
        .route(wire::SIGNING_KEY, post(routes::signing_key::register))
        .route(wire::RELAY_PUSH, post(routes::relay::push))
        // The commune office's pages (HTML, signed-in officers).
        .merge(crate::web::router(state.clone()))
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(wire::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            request_timeout,
            request_deadline,
        ))
        // gzip for clients that ask (the sync client does): a village's first
        // pull is ~13 MB of JSON, mostly ids and names that compress well.
        // Level 3: 1.45 MB for that (level 1: 2.04 MB), at a fraction of the
        // CPU of the default level, which took a fifth of the server's time
        // with 200 devices syncing (see the sync bench).
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(3)))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::map_response(stamp_server_time))
        .layer(axum::middleware::map_response_with_state(
            state.log_id.clone(),
            stamp_log_id,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The server's clock now, in milliseconds since the Unix epoch.
pub fn server_time_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Every answer, errors included, carries the server's clock: a device
/// keeps how far its own is off, to warn its member and to date and stamp
/// its work by the server's time (`gocua_core::skew`).
async fn stamp_server_time(mut resp: axum::response::Response) -> axum::response::Response {
    if let Ok(v) = axum::http::HeaderValue::from_str(&server_time_ms().to_string()) {
        resp.headers_mut().insert(wire::SERVER_TIME_HEADER, v);
    }
    resp
}

/// Every answer carries the change log's identity (`wire::LOG_ID_HEADER`).
async fn stamp_log_id(
    axum::extract::State(log_id): axum::extract::State<Arc<str>>,
    mut resp: axum::response::Response,
) -> axum::response::Response {
    if !log_id.is_empty()
        && let Ok(v) = axum::http::HeaderValue::from_str(&log_id)
    {
        resp.headers_mut().insert(wire::LOG_ID_HEADER, v);
    }
    resp
}
