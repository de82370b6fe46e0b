//! `gocua-server serve`: open (or create) the data folder, load the
//! certificate, bind, announce one line on stdout for scripts and tests,
//! then serve until SIGTERM or Ctrl-C, finishing requests in flight.

use crate::app::{AppState, router};
use crate::args::ServeArgs;
use crate::tls;
use anyhow::{Context, Result};
use axum_server::tls_rustls::RustlsConfig;
use gocua_store::central::CentralDb;
use serde::{Deserialize, Serialize};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Database file inside the data folder.
pub const DB_FILE: &str = "central.db";
/// Where the server notes how it was last reached (for enrollment QR codes).
pub const INFO_FILE: &str = "server.json";

/// How long requests in flight get to finish on shutdown.
const GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Serialize, Deserialize)]
pub struct ServerInfo {
    pub url: String,
    pub fingerprint: String,
}

pub fn run(args: ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(serve(args))
}

/// Open the database in the data folder, creating both on first use. A new
/// folder is the owner's only: it holds the communes' secrets.
pub fn open_db(data: &Path) -> Result<CentralDb> {
    if !data.exists() {
        std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    let path = data.join(DB_FILE);
    CentralDb::open(&path).with_context(|| format!("opening {}", path.display()))
}

async fn serve(args: ServeArgs) -> Result<()> {
    let db = open_db(&args.data)?;
    let given = args.tls_cert.as_deref().zip(args.tls_key.as_deref());
    let tls = tls::load(&args.data, &args.tls_sans, given)?;
    let listener = std::net::TcpListener::bind(args.bind)
        .with_context(|| format!("listening on {}", args.bind))?;
    let addr: SocketAddr = listener.local_addr()?;
    let url = format!("https://{addr}");
    let info = ServerInfo {
        url: url.clone(),
        fingerprint: tls.fingerprint.clone(),
    };
    std::fs::write(
        args.data.join(INFO_FILE),
        serde_json::to_string_pretty(&info)?,
    )
    .context("writing server.json")?;

    let app = router(AppState::new(db, tls.fingerprint.clone()));
    let handle = axum_server::Handle::new();
    tokio::spawn(shutdown_on_signal(handle.clone()));
    let server =
        axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(Arc::new(tls.config)))?
            .handle(handle);
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {url} fingerprint {}", tls.fingerprint)?;
        out.flush()?;
    }
    tracing::info!(%addr, fingerprint = %tls.fingerprint, "serving");
    server
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_on_signal(handle: axum_server::Handle<SocketAddr>) {
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
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(GRACE));
}
