//! How a commune server is announced on the LAN (DNS-SD over mDNS, RFC
//! 6762/6763) and read back by devices: the service type and the TXT
//! record's keys. An announcement only says where a server may be; the
//! certificate a device talks to is still the one it pinned (`tls`).

/// The DNS-SD service type, fully qualified as mDNS wants it.
pub const SERVICE_TYPE: &str = "_gocua._tcp.local.";
/// TXT key: the commune's name (several, comma-separated, for a server
/// holding more than one commune; empty before `admin init`).
pub const TXT_COMMUNE: &str = "commune";
/// TXT key: the certificate fingerprint (`cert_fingerprint`), the same the
/// enrollment code pins.
pub const TXT_FINGERPRINT: &str = "fp";
/// TXT key: the sync protocol version.
pub const TXT_VERSION: &str = "v";
/// This protocol's version, as announced (the `/api/v1` paths).
pub const PROTOCOL_VERSION: &str = "1";
/// The longest TXT value (a DNS character-string holds 255 bytes, key and
/// `=` included).
pub const MAX_TXT_VALUE: usize = 200;
