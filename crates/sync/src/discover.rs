//! Finding commune servers on the LAN: a DNS-SD browse over mDNS for
//! `_gocua._tcp` (`gocua_wire::discovery`), for a bounded time.
//!
//! What is found is only where a server says it is: anyone on the Wi-Fi
//! can announce anything. The certificate a device talks to is still the
//! one pinned from the enrollment code (`tls`), so a false announcement
//! can at most waste a try (docs/security.md).
//!
//! Bounded whatever the network: with no interface, no multicast or an
//! mDNS port taken, a browse finds nothing and ends on time.

pub use gocua_wire::discovery::PROTOCOL_VERSION;

use gocua_wire::discovery::{SERVICE_TYPE, TXT_COMMUNE, TXT_FINGERPRINT, TXT_VERSION};
use mdns_sd::{ResolvedService, ServiceDaemon, ServiceEvent};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How long to wait for the mDNS daemon to stop after a browse.
const STOP_WAIT: Duration = Duration::from_millis(500);

/// A server that announced itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundServer {
    /// The DNS-SD instance's full name.
    pub instance: String,
    /// The commune(s) it serves, as announced (empty before setup).
    pub commune: String,
    /// Where it says it listens, IPv4 first.
    pub addresses: Vec<IpAddr>,
    pub port: u16,
    /// Its certificate's SHA-256, lower-case hex, as announced (not
    /// checked: only a connection shows the real one).
    pub fingerprint: String,
    /// Its protocol version (`v`), as announced.
    pub version: String,
}

impl FoundServer {
    /// `https://ADDRESS:PORT` for each address, IPv4 first.
    pub fn urls(&self) -> Vec<String> {
        self.addresses
            .iter()
            .map(|ip| match ip {
                IpAddr::V4(v4) => format!("https://{v4}:{}", self.port),
                IpAddr::V6(v6) => format!("https://[{v6}]:{}", self.port),
            })
            .collect()
    }

    /// "Máy chủ xã Thượng Ninh — 192.168.1.10:8443".
    pub fn label_vi(&self) -> String {
        let name = if self.commune.is_empty() {
            "Máy chủ Gõ Cửa (chưa thiết lập xã)".to_string()
        } else {
            format!("Máy chủ xã {}", self.commune)
        };
        let place = self
            .urls()
            .first()
            .map(|u| u.trim_start_matches("https://").to_string())
            .unwrap_or_else(|| format!("cổng {}", self.port));
        format!("{name} — {place}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// The mDNS daemon could not start or browse (no usable network).
    #[error("LAN discovery (mDNS) is not available: {0}")]
    Unavailable(String),
}

/// Browse for `wait`, then list the servers found, by commune name.
pub fn browse(wait: Duration) -> Result<Vec<FoundServer>, DiscoverError> {
    browse_until(wait, |_| false)
}

/// Browse until `wait` has passed or `enough` says a server found is the
/// one wanted (the list then ends with it).
pub fn browse_until(
    wait: Duration,
    mut enough: impl FnMut(&FoundServer) -> bool,
) -> Result<Vec<FoundServer>, DiscoverError> {
    let unavailable = |e: mdns_sd::Error| DiscoverError::Unavailable(e.to_string());
    let daemon = ServiceDaemon::new().map_err(unavailable)?;
    let result = collect(&daemon, wait, &mut enough);
    // Stop the daemon's thread and sockets; bounded.
    if let Ok(done) = daemon.shutdown() {
        let _ = done.recv_timeout(STOP_WAIT);
    }
    result
}

fn collect(
    daemon: &ServiceDaemon,
    wait: Duration,
    enough: &mut dyn FnMut(&FoundServer) -> bool,
) -> Result<Vec<FoundServer>, DiscoverError> {
    let events = daemon
        .browse(SERVICE_TYPE)
        .map_err(|e| DiscoverError::Unavailable(e.to_string()))?;
    let deadline = Instant::now() + wait;
    let mut found: BTreeMap<String, FoundServer> = BTreeMap::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let Ok(event) = events.recv_timeout(left) else {
            // Timed out, or the daemon is gone: either way, done.
            break;
        };
        match event {
            ServiceEvent::ServiceResolved(r) => {
                let Some(server) = found_server(&r) else {
                    continue;
                };
                let done = enough(&server);
                found.insert(server.instance.clone(), server);
                if done {
                    break;
                }
            }
            ServiceEvent::ServiceRemoved(_, fullname) => {
                found.remove(&fullname);
            }
            _ => {}
        }
    }
    let _ = daemon.stop_browse(SERVICE_TYPE);
    let mut list: Vec<FoundServer> = found.into_values().collect();
    list.sort_by(|a, b| a.commune.cmp(&b.commune).then(a.instance.cmp(&b.instance)));
    Ok(list)
}

/// A resolved announcement as a `FoundServer`; None when it lacks a usable
/// address or a well-formed fingerprint.
fn found_server(r: &ResolvedService) -> Option<FoundServer> {
    let text = |key: &str| r.get_property_val_str(key).unwrap_or("").trim().to_string();
    let fingerprint = text(TXT_FINGERPRINT).to_ascii_lowercase();
    if fingerprint.len() != 64 || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut addresses: Vec<IpAddr> = r
        .get_addresses()
        .iter()
        .map(|a| a.to_ip_addr())
        .filter(usable)
        .collect();
    addresses.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    addresses.dedup();
    if addresses.is_empty() || r.get_port() == 0 {
        return None;
    }
    Some(FoundServer {
        instance: r.get_fullname().to_string(),
        commune: text(TXT_COMMUNE),
        addresses,
        port: r.get_port(),
        fingerprint,
        version: text(TXT_VERSION),
    })
}

/// An address a URL can name: not unspecified, not multicast, and not an
/// IPv6 link-local one (it would need the interface's zone).
fn usable(ip: &IpAddr) -> bool {
    if ip.is_unspecified() || ip.is_multicast() {
        return false;
    }
    match ip {
        IpAddr::V4(_) => true,
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(addresses: Vec<IpAddr>, commune: &str) -> FoundServer {
        FoundServer {
            instance: "x._gocua._tcp.local.".into(),
            commune: commune.into(),
            addresses,
            port: 8443,
            fingerprint: "ab".repeat(32),
            version: "1".into(),
        }
    }

    #[test]
    fn labels_and_urls_name_the_commune_and_the_first_address() {
        let s = server(
            vec![
                "192.168.1.10".parse().unwrap(),
                "2001:db8::5".parse().unwrap(),
            ],
            "Thượng Ninh",
        );
        assert_eq!(s.label_vi(), "Máy chủ xã Thượng Ninh — 192.168.1.10:8443");
        assert_eq!(
            s.urls(),
            ["https://192.168.1.10:8443", "https://[2001:db8::5]:8443"]
        );
        let unset = server(vec!["10.0.0.2".parse().unwrap()], "");
        assert!(
            unset.label_vi().contains("chưa thiết lập xã"),
            "{}",
            unset.label_vi()
        );
    }

    #[test]
    fn link_local_ipv6_and_unspecified_addresses_are_left_out() {
        assert!(!usable(&"fe80::1".parse().unwrap()));
        assert!(!usable(&"0.0.0.0".parse().unwrap()));
        assert!(usable(&"2001:db8::1".parse().unwrap()));
        assert!(usable(&"10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn a_browse_ends_on_time() {
        // Whatever this machine's network: nothing announces this service
        // in a unit test, and the browse must end when told.
        let started = Instant::now();
        let _ = browse(Duration::from_millis(300));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
}
