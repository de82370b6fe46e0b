//! The team leader's relay (issue 18) run inside the app: `gocua-relay`'s
//! server on a thread of its own, over its own connection to the unlocked
//! store, on every address of the device at a fixed port, so the pairing
//! codes shown stay good for as long as the address does. Also what the
//! member's device last did through a relay, for the sync card.
//!
//! The relay keeps running when the app locks itself (the leader's phone
//! sits in a pocket at the meeting): its connection serves only the relay's
//! routes. It stops when the leader turns it off, or the app exits.

use crate::error::{ApiError, ApiResult};
use gocua_device::Store;
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long starting waits for the relay to say it listens.
const START_WAIT: Duration = Duration::from_secs(20);

struct Running {
    port: u16,
    fingerprint: String,
    thread: JoinHandle<()>,
    /// Dropping or sending on it stops the relay (`serve_until`).
    stop: tokio::sync::oneshot::Sender<()>,
}

/// Managed by Tauri next to `AppState`.
#[derive(Default)]
pub struct RelayState {
    running: Mutex<Option<Running>>,
    /// Why the relay stopped on its own, in Vietnamese.
    failed: Arc<Mutex<Option<String>>>,
    /// What the last sync through the joined relay did (member's side),
    /// until a direct sync succeeds.
    notice: Mutex<Option<String>>,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RelayState {
    /// The relay's port and certificate fingerprint while it runs.
    pub fn running(&self) -> Option<(u16, String)> {
        let mut r = guard(&self.running);
        if r.as_ref().is_some_and(|x| x.thread.is_finished()) {
            *r = None;
        }
        r.as_ref().map(|x| (x.port, x.fingerprint.clone()))
    }

    pub fn failure(&self) -> Option<String> {
        guard(&self.failed).clone()
    }

    /// Serve the relay from `store` (a second connection to the leader's
    /// file) on all addresses at `port`, waiting until it listens.
    pub fn start(&self, store: Store, port: u16) -> ApiResult<()> {
        let mut r = guard(&self.running);
        if r.as_ref().is_some_and(|x| !x.thread.is_finished()) {
            return Ok(());
        }
        *guard(&self.failed) = None;
        let bind = SocketAddr::from(([0, 0, 0, 0], port));
        let (told, listening) = mpsc::channel::<Result<String, String>>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let failed = self.failed.clone();
        let thread = std::thread::Builder::new()
            .name("gocua-relay".into())
            .spawn(move || {
                let said = told.clone();
                let result = gocua_relay::serve_until(
                    store,
                    bind,
                    move |l| {
                        let _ = said.send(Ok(l.fingerprint.clone()));
                    },
                    async move {
                        // Sent, or the sender dropped: stop either way.
                        let _ = stopped.await;
                    },
                );
                if let Err(e) = result {
                    let message = relay_failure_vi(&e, port);
                    *guard(&failed) = Some(message.clone());
                    let _ = told.send(Err(message));
                }
            })
            .map_err(ApiError::io)?;
        match listening.recv_timeout(START_WAIT) {
            Ok(Ok(fingerprint)) => {
                *r = Some(Running {
                    port,
                    fingerprint,
                    thread,
                    stop,
                });
                Ok(())
            }
            Ok(Err(message)) => Err(ApiError::new("relay_failed", message)),
            Err(_) => Err(ApiError::new(
                "relay_failed",
                "Trạm chuyển tiếp không khởi động được. Hãy thử lại.",
            )),
        }
    }

    /// Stop the relay: it takes no new connection, lets requests under way
    /// finish (5 s at most), and lets go of its connection to the store.
    pub fn stop(&self) -> ApiResult<()> {
        let Some(running) = guard(&self.running).take() else {
            return Ok(());
        };
        let _ = running.stop.send(());
        running.thread.join().map_err(|_| {
            ApiError::new(
                "relay_failed",
                "Trạm chuyển tiếp dừng không bình thường; hãy thử bật lại.",
            )
        })
    }

    pub fn set_notice(&self, notice: Option<String>) {
        *guard(&self.notice) = notice;
    }

    pub fn notice(&self) -> Option<String> {
        guard(&self.notice).clone()
    }
}

fn relay_failure_vi(e: &gocua_relay::RelayError, port: u16) -> String {
    match e {
        gocua_relay::RelayError::Io(io) if io.kind() == std::io::ErrorKind::AddrInUse => format!(
            "Cổng {port} trên máy đang được ứng dụng khác dùng: trạm chuyển tiếp không mở được. \
             Hãy tắt ứng dụng đó (hoặc khởi động lại máy) rồi bật trạm lại."
        ),
        e => e.message_vi(),
    }
}

/// Where members reach a relay on `port`: one `https://IP:PORT` per
/// network address of the device (IPv4 first; loopback and link-local
/// left out: no other device reaches them).
pub fn addresses(port: u16) -> Vec<String> {
    let mut ips: Vec<IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(reachable_from_others)
        .collect();
    ips.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    ips.dedup();
    ips.into_iter()
        .map(|ip| format!("https://{}", SocketAddr::new(ip, port)))
        .collect()
}

fn reachable_from_others(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified(),
        IpAddr::V6(v6) => {
            !v6.is_loopback() && !v6.is_unspecified() && (v6.segments()[0] & 0xffc0) != 0xfe80
        }
    }
}

/// The QR code of `text` as rows of `#` (dark) and ` ` (light).
pub fn qr_rows(text: &str) -> ApiResult<Vec<String>> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(ApiError::internal)?;
    let width = code.width();
    let colors = code.to_colors();
    Ok(colors
        .chunks(width)
        .map(|row| {
            row.iter()
                .map(|c| if *c == qrcode::Color::Dark { '#' } else { ' ' })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_is_square_and_has_its_finder_patterns() {
        let rows =
            qr_rows("gocua-relay:v1?url=https://192.168.1.23:8444&code=ABCD-EFGH&fp=00").unwrap();
        let n = rows.len();
        assert!(n >= 21);
        assert!(rows.iter().all(|r| r.chars().count() == n));
        // The top-left finder: a 7×7 dark ring.
        assert!(rows[0].starts_with("#######"));
        assert!(rows[6].starts_with("#######"));
        assert!(rows[3].starts_with("# ### #"));
    }

    #[test]
    fn addresses_leave_out_what_no_other_device_reaches() {
        for a in addresses(8444) {
            assert!(a.starts_with("https://") && a.ends_with(":8444"), "{a}");
            assert!(!a.contains("127.0.0.1") && !a.contains("[::1]"), "{a}");
        }
    }
}
