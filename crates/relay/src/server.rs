//! Serving: the routes under `/relay/v1`, over TLS with the relay's own
//! certificate, until the process is told to stop (SIGTERM, Ctrl-C).

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

/// Serve the relay on `bind` from the leader's store until stopped.
/// `listening` is called once bound (the address, the fingerprint). Only a
/// team leader's device; the certificate is made on first use.
pub fn serve(
    mut store: Store,
    bind: SocketAddr,
    listening: impl FnOnce(&Listening),
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
        tokio::spawn(stop_on_signal(handle.clone()));
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

async fn stop_on_signal(handle: axum_server::Handle<SocketAddr>) {
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
    handle.graceful_shutdown(Some(Duration::from_secs(5)));
}
