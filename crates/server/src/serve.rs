//! `gocua-server serve`: open (or create) the data folder and the database
//! (SQLite in the folder, or PostgreSQL), load the certificate, bind,
//! announce one line on stdout for scripts and tests, then serve until
//! SIGTERM or Ctrl-C, finishing requests in flight.

use crate::app::{AppState, router};
use crate::args::{DbArgs, ServeArgs};
use crate::{key_file, tls};
use anyhow::{Context, Result};
use axum_server::tls_rustls::RustlsConfig;
use gocua_central::CentralDb;
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
    // Before the runtime: the PostgreSQL client runs its own, which may
    // neither start nor be dropped on an async thread. For the same reason
    // the last handle on the database is dropped here, after the runtime.
    // Held while serving: `admin restore` refuses to replace the database
    // under a running server.
    crate::data_dir::secure(&args.data)?;
    let Some(_lock) = crate::data_dir::try_lock(&args.data)? else {
        anyhow::bail!(
            "Một máy chủ khác đang chạy trên thư mục dữ liệu {} (another server holds {})",
            args.data.display(),
            crate::data_dir::LOCK_FILE
        );
    };
    let db = Arc::new(open_db(&args.data, &args.db, args.database_pool)?);
    if db.link_encrypted()? == Some(false) {
        tracing::warn!(
            "the link to PostgreSQL is not encrypted: fine on this machine, not across a \
             network (add sslmode=require, or verify-full with sslrootcert, to the URL)"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(serve(args, db.clone()));
    drop(runtime);
    drop(db);
    result
}

/// Open the database: PostgreSQL when a URL is given, else the SQLite file
/// in the data folder, under the key of `--key-file` (made here for a new
/// database, `key_file`). The folder is made the owner's only first (it
/// holds the TLS key and, with SQLite, every person of the commune:
/// `data_dir`).
pub fn open_db(data: &Path, db: &DbArgs, pool: u32) -> Result<CentralDb> {
    crate::data_dir::secure(data)?;
    if let Some(url) = &db.database_url {
        let loaded = key_file::load(&db.key_file, data, true)?;
        return undo_new_key(&loaded, CentralDb::connect(url, pool, &loaded.key))
            .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)));
    }
    let path = data.join(DB_FILE);
    // A file already encrypted has its key: a new one could not open it.
    let keyed = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0)
        && !gocua_central::is_plain_sqlite(&path)?;
    let loaded = key_file::load(&db.key_file, data, !keyed)?;
    crate::data_dir::create_private(&path)?;
    undo_new_key(&loaded, CentralDb::open(&path, &loaded.key))
        .with_context(|| format!("opening {}", path.display()))
}

/// A key file made by this start goes again if the database refused it,
/// so that the next start does not find a wrong key waiting.
fn undo_new_key(
    loaded: &key_file::LoadedKey,
    opened: Result<CentralDb, gocua_central::CentralError>,
) -> Result<CentralDb, gocua_central::CentralError> {
    if let (Err(_), Some(made)) = (&opened, &loaded.created) {
        let _ = std::fs::remove_file(made);
    }
    opened
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ if url.contains("password") => "(connection string)".to_string(),
        _ => url.to_string(),
    }
}

async fn serve(args: ServeArgs, db: Arc<CentralDb>) -> Result<()> {
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
    crate::data_dir::write_private(
        &args.data.join(INFO_FILE),
        serde_json::to_string_pretty(&info)?.as_bytes(),
    )
    .context("writing server.json")?;

    let database = db.backend_name();
    let fd_limit = crate::conn::raise_fd_limit();
    let (limits, max_connections) =
        crate::conn::Shared::new(&args.conn, fd_limit, args.database_pool);
    let identity = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || db.log_identity()).await??
    };
    let announcement = if args.no_announce {
        tracing::info!("not announced on the LAN (--no-announce)");
        None
    } else {
        announce(&db, addr, &tls.fingerprint).await
    };
    let mut state = AppState::new(db, tls.fingerprint.clone());
    state.set_log_id(&identity.log_id);
    state.request_timeout = limits.timeouts.request;
    if let Some(dir) = &args.backup_dir {
        crate::data_dir::private_dir(dir)?;
        let schedule = crate::backups::Schedule {
            dir: dir.clone(),
            every: args.backup_every,
            keep: args.backup_keep as usize,
        };
        tracing::info!(dir = %dir.display(), every = ?schedule.every, keep = schedule.keep, "backups scheduled");
        crate::backups::spawn(state.clone(), schedule, state.backups.clone());
    }
    let app = router(state);
    let handle = axum_server::Handle::new();
    tokio::spawn(shutdown_on_signal(handle.clone()));
    let server =
        axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(Arc::new(tls.config)))?
            .map(|tls| crate::conn::Guard::new(tls, limits.clone()))
            // Only the listener's own failures (out of descriptors, mostly):
            // refused and timed-out connections are logged by the guard.
            .accept_error_handler(move |peer, e| {
                if peer.is_none() {
                    crate::conn::warn(crate::conn::Bite::AcceptFailed, None, &e.to_string());
                }
            })
            .handle(handle);
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {url} fingerprint {}", tls.fingerprint)?;
        out.flush()?;
    }
    tracing::info!(%addr, fingerprint = %tls.fingerprint, database, "serving");
    tracing::info!(
        max_connections,
        per_address = args.conn.max_connections_per_address,
        open_file_limit = fd_limit,
        timeouts = ?limits.timeouts,
        "connection limits"
    );
    let served = server
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .context("serving");
    // Withdrawn before the last requests' end is reported: a phone
    // browsing now should not find a server that is going.
    if let Some(a) = announcement {
        let _ = tokio::task::spawn_blocking(move || drop(a)).await;
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// Announce on the LAN (`announce`): the communes' names read first. Never
/// fails: the server serves whatever happens here.
async fn announce(
    db: &Arc<CentralDb>,
    bind: SocketAddr,
    fingerprint: &str,
) -> Option<crate::announce::Announcement> {
    let db = db.clone();
    let communes = match tokio::task::spawn_blocking(move || db.communes()).await {
        Ok(Ok(list)) => list.into_iter().map(|c| c.name).collect(),
        Ok(Err(e)) => {
            tracing::warn!("reading the communes' names for the LAN announcement: {e}");
            Vec::new()
        }
        Err(e) => {
            tracing::warn!("reading the communes' names for the LAN announcement: {e}");
            Vec::new()
        }
    };
    let fingerprint = fingerprint.to_string();
    tokio::task::spawn_blocking(move || {
        crate::announce::Announcement::start(&crate::announce::Announced {
            bind,
            fingerprint: &fingerprint,
            communes: &communes,
        })
    })
    .await
    .ok()
    .flatten()
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

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("postgres://gocua:s3cret@127.0.0.1:5432/gocua"),
            "postgres://gocua:***@127.0.0.1:5432/gocua"
        );
        assert_eq!(
            redact("postgres://gocua@db/gocua"),
            "postgres://gocua@db/gocua"
        );
        assert_eq!(redact("host=db user=x"), "host=db user=x");
        assert_eq!(redact("host=db password=x"), "(connection string)");
    }
}
