//! Serving: the routes under `/relay/v1`, over TLS with the relay's own
//! certificate, until told to stop: by the process's signals (SIGTERM,
//! Ctrl-C; the CLI's `relay serve`), or by its owner (the app's switch).

use crate::{RelayError, ensure_identity, handlers};
use axum::Router;
use axum::routing::{get, post};
use axum_server::tls_rustls::RustlsConfig;
use gocua_device::Store;
use gocua_wire::relay::{RELAY_JOIN, RELAY_PULL, RELAY_PUSH};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) store: Arc<Mutex<Store>>,
}

/// Where the relay listens, told once it does.
#[derive(Debug, Clone)]
pub struct Listening {
    pub url: String,
    pub fingerprint: String,
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route(RELAY_JOIN, post(handlers::join))
        .route(RELAY_PUSH, post(handlers::push))
        .route(RELAY_PULL, get(handlers::pull))
        .with_state(shared)
}

/// Serve the relay on `bind` from the leader's store until the process
/// gets SIGTERM or Ctrl-C. `listening` is called once bound (the address,
/// the fingerprint). Only a team leader's device; the certificate is made
/// on first use.
pub fn serve(
    store: Store,
    bind: SocketAddr,
    listening: impl FnOnce(&Listening),
) -> Result<(), RelayError> {
    serve_until(store, bind, listening, signalled())
}

/// `serve` until `stop` is ready (the app's switch), then stop taking
/// connections and let requests under way finish (5 s at most). Installs
/// no signal handler: the process's signals stay its owner's.
pub fn serve_until(
    mut store: Store,
    bind: SocketAddr,
    listening: impl FnOnce(&Listening),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), RelayError> {
    let identity = ensure_identity(&mut store)?;
    let config = crate::identity::server_config(&identity)?;
    let listener = std::net::TcpListener::bind(bind)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let url = format!("https://{addr}");
    if !addr.ip().is_unspecified() {
        store.note_relay_url(&url)?;
    }
    let shared = Shared {
        store: Arc::new(Mutex::new(store)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let handle = axum_server::Handle::new();
        let stopping = handle.clone();
        tokio::spawn(async move {
            stop.await;
            stopping.graceful_shutdown(Some(Duration::from_secs(5)));
        });
        let server =
            axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(Arc::new(config)))?
                .handle(handle);
        listening(&Listening {
            url,
            fingerprint: identity.fingerprint.clone(),
        });
        server
            .serve(router(shared).into_make_service())
            .await
            .map_err(RelayError::Io)
    })
}

/// Ready when the process gets Ctrl-C or SIGTERM.
async fn signalled() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
