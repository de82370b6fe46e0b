//! Announcing the server on the LAN with DNS-SD over mDNS, so that phones
//! find it without anyone typing an address (`gocua_wire::discovery`): the
//! service `_gocua._tcp`, the port served, and TXT records with the
//! commune's name, the certificate fingerprint and the protocol version.
//!
//! Which addresses: those the server listens on. Bound to 0.0.0.0 (or
//! `[::]`), every non-loopback interface's, kept up to date by the mDNS
//! daemon (it checks the host's addresses every few seconds and announces
//! a new DHCP lease without a restart); bound to one address, that one;
//! bound to loopback, nothing (no one on the LAN could connect, and tests
//! on 127.0.0.1 stay off the network).
//!
//! An announcement only tells where a server may be: devices still talk
//! only to the certificate they pinned (docs/security.md). Nothing here may
//! stop the server: every failure is a warning in the log.

use gocua_wire::discovery::{
    MAX_TXT_VALUE, PROTOCOL_VERSION, SERVICE_TYPE, TXT_COMMUNE, TXT_FINGERPRINT, TXT_VERSION,
};
use mdns_sd::{DaemonEvent, IfKind, ServiceDaemon, ServiceInfo};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long shutdown waits for the goodbye packets and the daemon's end.
const STOP_WAIT: Duration = Duration::from_secs(2);
/// An mDNS instance name is one DNS label: 63 bytes at most.
const MAX_INSTANCE: usize = 63;

/// A running announcement; withdrawn (goodbye packets sent) when dropped.
pub struct Announcement {
    daemon: ServiceDaemon,
    fullname: String,
}

/// What the announcement carries.
pub struct Announced<'a> {
    pub bind: SocketAddr,
    pub fingerprint: &'a str,
    /// The communes this server holds (none before `admin init`).
    pub communes: &'a [String],
}

impl Announcement {
    /// Announce `what`, or None when not announced (bound to loopback, or
    /// the mDNS daemon could not start: logged).
    pub fn start(what: &Announced<'_>) -> Option<Announcement> {
        if what.bind.ip().is_loopback() {
            tracing::info!(bind = %what.bind, "not announced on the LAN: listening on loopback only");
            return None;
        }
        match Self::try_start(what) {
            Ok(a) => {
                tracing::info!(name = %a.fullname, port = what.bind.port(), "announced on the LAN (mDNS)");
                Some(a)
            }
            Err(e) => {
                tracing::warn!(
                    "could not announce the server on the LAN (mDNS): {e}; devices can still reach it by its address"
                );
                None
            }
        }
    }

    fn try_start(what: &Announced<'_>) -> Result<Announcement, mdns_sd::Error> {
        let daemon = ServiceDaemon::new()?;
        let fp6: String = what.fingerprint.chars().take(6).collect();
        let commune = commune_text(what.communes);
        let name = instance_name(&commune, &fp6);
        // The host name is per certificate: two servers on one LAN (a
        // test one beside the real one) never claim the same name.
        let host = format!(
            "gocua-{}.local.",
            what.fingerprint.get(..12).unwrap_or("server")
        );
        let props = [
            (TXT_COMMUNE, commune.as_str()),
            (TXT_FINGERPRINT, what.fingerprint),
            (TXT_VERSION, PROTOCOL_VERSION),
        ];
        let ip = what.bind.ip();
        let info = if ip.is_unspecified() {
            daemon.disable_interface(vec![IfKind::LoopbackV4, IfKind::LoopbackV6])?;
            if ip.is_ipv4() {
                // 0.0.0.0 takes IPv4 connections only.
                daemon.disable_interface(IfKind::IPv6)?;
            }
            ServiceInfo::new(SERVICE_TYPE, &name, &host, (), what.bind.port(), &props[..])?
                .enable_addr_auto()
        } else {
            daemon.disable_interface(IfKind::All)?;
            daemon.enable_interface(IfKind::Addr(ip))?;
            ServiceInfo::new(SERVICE_TYPE, &name, &host, ip, what.bind.port(), &props[..])?
        };
        let fullname = info.get_fullname().to_string();
        log_daemon_events(&daemon);
        daemon.register(info)?;
        Ok(Announcement { daemon, fullname })
    }
}

impl Drop for Announcement {
    fn drop(&mut self) {
        // Goodbye packets, so browsers forget this address at once rather
        // than when its records expire.
        match self.daemon.unregister(&self.fullname) {
            Ok(done) => {
                let _ = done.recv_timeout(STOP_WAIT);
            }
            Err(e) => tracing::warn!("withdrawing the LAN announcement: {e}"),
        }
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(STOP_WAIT);
        }
    }
}

/// The daemon's errors and address changes, in the server's log.
fn log_daemon_events(daemon: &ServiceDaemon) {
    let Ok(events) = daemon.monitor() else {
        return;
    };
    // Ends when the daemon shuts down (the channel closes).
    let spawned = std::thread::Builder::new()
        .name("mdns-log".into())
        .spawn(move || {
            while let Ok(event) = events.recv() {
                match event {
                    DaemonEvent::Error(e) => tracing::warn!("LAN announcement (mDNS): {e}"),
                    DaemonEvent::IpAdd(ip) => log_ip("announced on new address", ip),
                    DaemonEvent::IpDel(ip) => log_ip("address gone", ip),
                    DaemonEvent::NameChange(c) => {
                        tracing::warn!(from = %c.original, to = %c.new_name, "mDNS name taken on the LAN: renamed")
                    }
                    _ => {}
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("mDNS log thread: {e}");
    }
}

fn log_ip(what: &str, ip: IpAddr) {
    tracing::info!(%ip, "LAN announcement (mDNS): {what}");
}

/// The communes' names for the TXT record: one, or several joined, cut on
/// a character boundary to fit.
pub fn commune_text(communes: &[String]) -> String {
    truncate(&communes.join(", "), MAX_TXT_VALUE - TXT_COMMUNE.len() - 1)
}

/// "Thượng Ninh (3f2a1b)": the commune for people, the certificate's
/// first digits so two servers of one commune stay apart.
pub fn instance_name(commune: &str, fp6: &str) -> String {
    let suffix = format!(" ({fp6})");
    let head = if commune.trim().is_empty() {
        "Gõ Cửa"
    } else {
        commune.trim()
    };
    format!("{}{suffix}", truncate(head, MAX_INSTANCE - suffix.len()))
}

/// At most `max` bytes of `s`, cut on a character boundary.
fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_one_dns_label_and_keep_whole_characters() {
        let long = "Thượng Ninh Đông Bắc Tây Nam Trung Hạ Thượng Ninh Đông Bắc Tây";
        let name = instance_name(long, "3f2a1b");
        assert!(name.len() <= MAX_INSTANCE, "{} bytes: {name}", name.len());
        assert!(name.ends_with(" (3f2a1b)"), "{name}");
        assert_eq!(instance_name("", "abcdef"), "Gõ Cửa (abcdef)");
        assert_eq!(
            instance_name("Thượng Ninh", "abcdef"),
            "Thượng Ninh (abcdef)"
        );
        let many: Vec<String> = (0..40).map(|i| format!("Xã Thượng Ninh {i}")).collect();
        let text = commune_text(&many);
        assert!(text.len() < MAX_TXT_VALUE, "{}", text.len());
        assert!(
            text.starts_with("Xã Thượng Ninh 0, Xã Thượng Ninh 1"),
            "{text}"
        );
    }
}
