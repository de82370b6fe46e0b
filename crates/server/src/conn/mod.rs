//! What a hostile network meets: every connection's TLS handshake, request
//! header and silences are timed, and the connections open at once are
//! capped per client address and in all, each refusal and timeout logged
//! (at most one line per kind per 10 s: `quiet`).
//!
//! Without these, connections that sent part of a request header and
//! stopped were never closed: 1,009 of them held every file descriptor of
//! a server limited to 1,024, and a real device could no longer connect.
//! Now one address holds at most `--max-connections-per-address`, the
//! rest are closed at once; each held one is closed after the header (or
//! handshake) timeout; and the total cap is kept below the open-file limit
//! so the database and the listener always have descriptors left.
//!
//! `Guard` is the acceptor `axum_server` runs for each new TCP connection:
//! it takes the connection's place in the `Gauge` (or refuses it), runs
//! the TLS handshake under its timeout, then wraps the stream (`Watched`)
//! and the service (`Tracked`) so that the connection's deadlines follow
//! what it is doing (`watch.rs`). The request timeout is a layer of the
//! router (`app.rs`), so a late answer is an `ApiError` like any other.

mod gauge;
mod quiet;
mod watch;

pub use quiet::{Bite, warn};

use crate::args::ConnArgs;
use axum_server::accept::Accept;
use axum_server::tls_rustls::RustlsAcceptor;
use gauge::Gauge;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use watch::{ConnState, Tracked, Watched};

/// File descriptors kept for everything but client connections: the
/// listener, the database files and connections, the certificate, logs.
const RESERVED_FDS: u64 = 64;

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub handshake: Duration,
    pub header: Duration,
    pub idle: Duration,
    pub request: Duration,
}

/// What every connection's guard shares.
pub struct Shared {
    pub timeouts: Timeouts,
    gauge: Arc<Gauge>,
}

impl Shared {
    /// The settings given, the total cap lowered to fit `fd_limit` (less
    /// what the database's `pool` connections and the rest need).
    pub fn new(args: &ConnArgs, fd_limit: Option<u64>, pool: u32) -> (Arc<Shared>, usize) {
        let secs = Duration::from_secs;
        let mut total = args.max_connections;
        if let Some(limit) = fd_limit {
            let room = limit.saturating_sub(RESERVED_FDS + u64::from(pool)).max(1);
            total = total.min(room);
        }
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        let per_address = usize::try_from(args.max_connections_per_address).unwrap_or(usize::MAX);
        let shared = Arc::new(Shared {
            timeouts: Timeouts {
                handshake: secs(args.handshake_timeout),
                header: secs(args.header_timeout),
                idle: secs(args.idle_timeout),
                request: secs(args.request_timeout),
            },
            gauge: Gauge::new(total, per_address),
        });
        (shared, total)
    }
}

/// The acceptor: a place in the gauge, the TLS handshake under its
/// timeout, then the connection's clock.
#[derive(Clone)]
pub struct Guard {
    tls: RustlsAcceptor,
    shared: Arc<Shared>,
}

impl Guard {
    pub fn new(tls: RustlsAcceptor, shared: Arc<Shared>) -> Guard {
        let tls = tls.handshake_timeout(shared.timeouts.handshake);
        Guard { tls, shared }
    }
}

type TlsStreamOf<S> = <RustlsAcceptor as Accept<TcpStream, S>>::Stream;
type TlsServiceOf<S> = <RustlsAcceptor as Accept<TcpStream, S>>::Service;

impl<S> Accept<TcpStream, S> for Guard
where
    S: Send + 'static,
{
    type Stream = Watched<TlsStreamOf<S>>;
    type Service = Tracked<TlsServiceOf<S>>;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let shared = self.shared.clone();
        let ip = match stream.peer_addr() {
            Ok(a) => a.ip(),
            Err(e) => return Box::pin(std::future::ready(Err(e))),
        };
        let place = match shared.gauge.open(ip) {
            Ok(p) => p,
            Err(bite) => {
                let open = shared.gauge.open_now();
                warn(bite, Some(ip), &format!("{open} connections open"));
                // Dropping the stream closes it now: its descriptor is free.
                return Box::pin(std::future::ready(Err(io::Error::other(bite.code()))));
            }
        };
        let handshake = self.tls.accept(stream, service);
        Box::pin(async move {
            match handshake.await {
                Ok((tls, service)) => {
                    let conn = ConnState::new(ip, shared);
                    Ok((
                        Watched::new(tls, conn.clone(), place),
                        Tracked::new(service, conn),
                    ))
                }
                Err(e) => {
                    if e.kind() == io::ErrorKind::TimedOut {
                        warn(Bite::HandshakeTimeout, Some(ip), "");
                    }
                    Err(e)
                }
            }
        })
    }
}

/// A request stopped by the request timeout (`app.rs`).
pub fn log_request_timeout(ip: std::net::IpAddr, path: &str) {
    warn(Bite::RequestTimeout, Some(ip), path);
}

/// The process's open-file limit, raised first to its hard limit where
/// that is allowed (many systems start services at a soft 1,024 with a
/// much higher hard limit). None where there is no such limit to read.
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the struct we own and reads nothing else.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
            return None;
        }
        if lim.rlim_cur != libc::RLIM_INFINITY && lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            // SAFETY: setrlimit reads the struct we own.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
        let cur: u64 = lim.rlim_cur;
        (cur != libc::RLIM_INFINITY).then_some(cur)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(max: u64) -> ConnArgs {
        ConnArgs {
            handshake_timeout: 10,
            header_timeout: 10,
            idle_timeout: 60,
            request_timeout: 120,
            max_connections: max,
            max_connections_per_address: 128,
        }
    }

    #[test]
    fn the_total_cap_fits_under_the_open_file_limit() {
        let (_, total) = Shared::new(&args(1024), Some(1024), 10);
        assert_eq!(total, 1024 - 64 - 10);
        let (_, total) = Shared::new(&args(100), Some(1024), 10);
        assert_eq!(total, 100);
        let (_, total) = Shared::new(&args(1024), None, 10);
        assert_eq!(total, 1024);
    }
}
