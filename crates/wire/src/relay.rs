//! The relay protocol (issue 18), version 1: between a member's device and
//! its team leader's device serving as a relay, over TLS pinned to the
//! relay's own certificate. Paths under `/relay/v1`, JSON bodies, every
//! error an `ErrorBody`, requests refusing unknown fields.
//!
//! - `POST /relay/v1/join`: a one-time pairing code and the device's proof
//!   of its signing key → the relay's bearer token for this device.
//! - `POST /relay/v1/push`: a `PushRequest` (signed, as to the server) →
//!   one `RelayResult` per change, in order.
//! - `GET /relay/v1/pull?after=N&limit=N`: a `PullResponse` of what the
//!   relay holds within the member's team's villages; `cursor` is the
//!   relay's order, not the server's seq (each `seq` still is the server's).

use gocua_core::{ChangeId, DeviceId, MemberId};
use serde::{Deserialize, Serialize};

pub const RELAY_JOIN: &str = "/relay/v1/join";
pub const RELAY_PUSH: &str = "/relay/v1/push";
pub const RELAY_PULL: &str = "/relay/v1/pull";

/// Largest join request body the relay reads.
pub const MAX_JOIN_BYTES: usize = 4 * 1024;

/// What the member's device signs to prove it holds its registered key:
/// `"gocua-relay-join-v1\n" + code + "\n" + device_id`.
pub fn join_proof_bytes(code: &str, device_id: DeviceId) -> Vec<u8> {
    format!("gocua-relay-join-v1\n{}\n{device_id}", code.trim()).into_bytes()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    pub code: String,
    pub device_id: DeviceId,
    pub member_id: MemberId,
    /// The device's public signing key (hex), as registered with the server.
    pub signing_key: String,
    /// Signature (hex) over `join_proof_bytes(code, device_id)`.
    pub proof: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    /// Bearer token for this device's later relay requests. Shown once;
    /// the relay keeps only its hash.
    pub token: String,
    /// The leader whose device this relay is.
    pub leader: MemberId,
}

/// The relay's answer for one pushed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RelayOutcome {
    /// Kept, not forwarded yet: it stays in the member's outbox.
    Held,
    /// The server's results, once the relay forwarded it.
    Applied,
    AlreadyHad,
    Rejected {
        code: String,
        message: String,
    },
    /// The relay itself would not take it (not this device's, a bad
    /// signature): not the server's word, so nothing is quarantined.
    Refused {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayResult {
    pub change_id: ChangeId,
    #[serde(flatten)]
    pub outcome: RelayOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayPushResponse {
    pub results: Vec<RelayResult>,
}

/// What the pairing QR code carries:
/// `gocua-relay:v1?url=https://HOST:PORT&code=CODE&fp=<sha256 hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayPairing {
    pub url: String,
    pub code: String,
    /// The relay certificate's fingerprint, pinned from the first byte.
    pub fingerprint: String,
}

const PAIRING_PREFIX: &str = "gocua-relay:v1?";

impl RelayPairing {
    pub fn to_text(&self) -> String {
        format!(
            "{PAIRING_PREFIX}url={}&code={}&fp={}",
            self.url, self.code, self.fingerprint
        )
    }

    /// Parse a scanned or pasted pairing text. URLs here never contain `&`.
    pub fn parse(text: &str) -> Option<RelayPairing> {
        let query = text.trim().strip_prefix(PAIRING_PREFIX)?;
        let (mut url, mut code, mut fingerprint) = (None, None, None);
        for pair in query.split('&') {
            match pair.split_once('=')? {
                ("url", v) => url = Some(v.to_string()),
                ("code", v) => code = Some(v.to_string()),
                ("fp", v) => fingerprint = Some(v.to_ascii_lowercase()),
                _ => {}
            }
        }
        Some(RelayPairing {
            url: url?,
            code: code?,
            fingerprint: fingerprint.filter(|f| f.len() == 64)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_round_trips_and_needs_a_fingerprint() {
        let p = RelayPairing {
            url: "https://192.0.2.7:8444".into(),
            code: "K7M2-PQ9X".into(),
            fingerprint: "ab".repeat(32),
        };
        assert_eq!(RelayPairing::parse(&p.to_text()), Some(p));
        assert_eq!(
            RelayPairing::parse("gocua-relay:v1?url=https://x&code=A"),
            None
        );
        assert_eq!(
            RelayPairing::parse("gocua-enroll:v1?url=https://x&code=A"),
            None
        );
    }

    #[test]
    fn outcomes_read_as_the_server_s_do() {
        let r = RelayResult {
            change_id: ChangeId::new(),
            outcome: RelayOutcome::Rejected {
                code: "bad_signature".into(),
                message: "Chữ ký không đúng.".into(),
            },
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["result"], "rejected");
        assert_eq!(serde_json::from_value::<RelayResult>(v).unwrap(), r);
    }
}
