//! The team leader's relay (issue 18), as the app shows it
//! (`commands::relay`): on a leader's device the relay it runs and its
//! pairing codes; on a member's device the relay it joined, and a sync
//! through it.

use serde::{Deserialize, Serialize};

/// The port the app's relay listens on (all addresses of the device).
pub const RELAY_DEFAULT_PORT: u16 = 8444;

/// "Làm trạm chuyển tiếp cho tổ": the leader's relay, running or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayHostView {
    /// This device may be a relay (it is a team leader's).
    pub can_serve: bool,
    pub running: bool,
    /// Where members reach it (`https://192.168.1.23:8444`), one per
    /// network address of the device; empty when stopped.
    pub addresses: Vec<String>,
    /// SHA-256 of the relay's certificate, once it was ever started.
    pub fingerprint: Option<String>,
    /// Members' devices paired with this relay.
    pub paired_devices: usize,
    /// Members' changes held, not yet taken to the server.
    pub held_waiting: i64,
    /// Members' changes taken to the server and answered.
    pub forwarded: i64,
    /// Why the relay stopped on its own (the port taken…), in Vietnamese.
    pub error: Option<String>,
}

/// A one-time pairing code for a member's device (QR and text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingView {
    /// What the member's device takes: `gocua-relay:v1?url=…&code=…&fp=…`.
    pub text: String,
    /// The short code alone (`ABCD-EFGH`), for reading out.
    pub code: String,
    pub url: String,
    pub expires_at: String,
    /// The QR code of `text`: one string per row, `#` dark, ` ` light,
    /// quiet zone not included.
    pub qr_rows: Vec<String>,
}

/// "Ghép nối với trạm của tổ trưởng": the relay this member's device joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayLinkView {
    pub url: String,
    pub fingerprint: String,
    /// The leader whose device it is, when known (after joining).
    pub leader_name: Option<String>,
}

/// What a sync through the relay did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelaySyncOutcome {
    /// Changes the relay took (held for the server, or already answered).
    pub sent: usize,
    /// Changes pulled from the relay and applied here.
    pub received: usize,
    /// The server's refusals the relay brought back (now held here).
    pub rejected: usize,
    /// Changes the relay itself would not take (they stay unsent).
    pub refused: usize,
    pub unsent: i64,
    /// The sentence the app shows: "Đã đồng bộ qua trạm của tổ trưởng: …".
    pub message: String,
}
