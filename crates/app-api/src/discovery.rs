//! Servers found on the LAN, for the enrollment screen
//! (`commands::discovery`).

use serde::{Deserialize, Serialize};

/// A commune server that announced itself on this Wi-Fi. Only where it
/// says it is: the certificate still comes pinned from the enrollment code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveredServer {
    /// "Máy chủ xã Thượng Ninh — 192.168.1.10:8443".
    pub label: String,
    /// `https://192.168.1.10:8443`: what picking it puts in the address.
    pub url: String,
    /// Its certificate's fingerprint as announced (lower-case hex), for
    /// the officer to compare with the office's.
    pub fingerprint: String,
}
