//! The team leader's relay (issue 18): an HTTPS server run on the leader's
//! device (`gocua relay serve`) for the members of its team where no office
//! Wi-Fi reaches. It owns:
//!
//! - the relay's identity: a self-signed certificate made once with rcgen
//!   and kept in the leader's encrypted store (`identity`), pinned by
//!   members from the pairing code;
//! - pairing: one-time codes (`pairing`), and `POST /relay/v1/join`, which
//!   takes a device only if the server listed it in the leader's team with
//!   that signing key (`team_devices` from the leader's last sync) and it
//!   proves it holds the key;
//! - `POST /relay/v1/push`: members' signed changes, each checked (the
//!   paired device's own, its signature good) and held as someone else's
//!   work, answered `held` or with the server's result once the leader's
//!   sync forwarded it (`gocua_sync`'s `forward.rs` does that);
//! - `GET /relay/v1/pull`: what the leader pulled from the server, only in
//!   the villages of the member's team.
//!
//! It must not: write to the leader's records or outbox, change or sign a
//! member's change (it could not: the server checks the author's
//! signature), serve a member more than the server would (another team, a
//! village outside the team), or talk to the server (the leader's sync
//! does). SQL is `gocua-device`'s; the protocol's types are
//! `gocua_wire::relay`'s.

mod auth;
mod error;
mod handlers;
pub mod identity;
pub mod pairing;
mod server;

pub use error::RelayError;
pub use identity::{ensure_identity, leader_team};
pub use pairing::{PairingCode, new_pairing, terminal_qr};
pub use server::{Listening, serve, serve_until};

/// How long a pairing code can be used.
pub const PAIRING_MINUTES: i64 = 15;

/// Hex SHA-256 of a secret (a pairing code, a relay token): all the relay
/// keeps of it.
pub(crate) fn hash_secret(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}
