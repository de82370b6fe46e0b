//! The sync API between a device and its commune server, version 1: the
//! paths under `/api/v1`, every request and answer body, their size limits,
//! the enrollment code's text and the certificate fingerprint it pins.
//!
//! Types and constants only: no I/O, no HTTP client or server, no SQL. Every
//! body is JSON; every error body is `ErrorBody`. Requests refuse unknown
//! fields so a mistyped client fails loudly instead of silently losing data.

use gocua_core::training::TrainingRecord;
use gocua_core::{
    CatalogueEntry, Change, ChangeId, CommuneId, DeviceId, HouseholdId, Member, MemberId,
    OrgSnapshot, ResidentId, Role, VillageId,
};
use serde::{Deserialize, Serialize};

pub mod relay;

pub const ENROLL: &str = "/api/v1/enroll";
pub const PUSH: &str = "/api/v1/push";
pub const PULL: &str = "/api/v1/pull";
pub const ORG: &str = "/api/v1/org";
pub const HEALTH: &str = "/api/v1/health";
/// `POST`, `RegisterKeyRequest`: a device enrolled before changes were
/// signed registers its public key (once; another key is refused).
pub const SIGNING_KEY: &str = "/api/v1/signing-key";
/// `POST`, `PushRequest`: a team leader's device (a relay) hands on its
/// team members' signed changes. Each is judged as its author's device
/// would be (its scope, its member), never as the leader's.
pub const RELAY_PUSH: &str = "/api/v1/relay/push";

/// Every answer of the server (errors too) carries its clock in this
/// header: milliseconds since the Unix epoch, as decimal text. A device
/// keeps how far its own clock is off (see `gocua_core::skew`).
pub const SERVER_TIME_HEADER: &str = "x-gocua-server-time";

/// Every answer of the server carries its change log's identity in this
/// header; a restore from a backup changes it (`docs/sync.md`, "After a
/// restore"). A device's requests carry, in the same header, the identity
/// of the log it last sent all its work to, so the office sees which
/// devices have sent again after a restore.
pub const LOG_ID_HEADER: &str = "x-gocua-log";

/// Most changes one push may carry.
pub const MAX_PUSH_CHANGES: usize = 500;
/// Largest request body the server reads.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Most changes one pull page returns.
pub const MAX_PULL_LIMIT: u32 = 2000;
/// Largest one change may be, as JSON (the server refuses bigger ones).
pub const MAX_CHANGE_BYTES: usize = gocua_core::change::MAX_CHANGE_JSON_BYTES;
/// Largest answer the client reads to anything but a pull page (the
/// organisation, push results, enrollment): a commune's organisation is a
/// few hundred kilobytes at most.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Largest answer the client reads to a pull of `limit` changes: each
/// change at its largest with its sequence number and framing, plus the
/// page's own fields.
pub fn max_pull_response_bytes(limit: u32) -> usize {
    limit.clamp(1, MAX_PULL_LIMIT) as usize * (MAX_CHANGE_BYTES + 256) + 64 * 1024
}

/// What a device may see and write, as the server decided at enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub commune_id: CommuneId,
    pub role: Role,
    /// The villages whose records the device reads and writes.
    pub village_ids: Vec<VillageId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code the leader gave the member.
    pub code: String,
    pub device_name: String,
    /// The device id this device file had from an earlier enrollment,
    /// when it is enrolled again: the server retires that device (if it
    /// was the same member's) in the same step, so a copy of the file
    /// taken before stops syncing. Absent on a first enrollment and from
    /// older apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<DeviceId>,
    /// The device file holds unsent changes stamped with `replaces`: it
    /// must keep that id. A server that cannot give it back refuses the
    /// code unspent (`device_id_taken`) rather than hand out another id.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_id: bool,
    /// The device's Ed25519 public key (hex, `gocua_signing`): every change
    /// it pushes from now on is signed with the matching secret key.
    /// Absent from older apps (they register one on their next sync).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
}

/// `POST /api/v1/signing-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterKeyRequest {
    /// Ed25519 public key, hex.
    pub signing_key: String,
}

/// A team member's device and its public key, as a team leader's device
/// (a relay) needs them to check who pairs with it and what they hand in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDevice {
    pub device_id: DeviceId,
    pub member_id: MemberId,
    /// Ed25519 public key, hex.
    pub signing_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: DeviceId,
    /// Bearer token for every later request. Shown once; the server keeps
    /// only its hash.
    pub token: String,
    pub member: Member,
    pub scope: Scope,
    pub org: OrgSnapshot,
    pub catalogue: Vec<CatalogueEntry>,
    /// SHA-256 of the server's TLS certificate (hex), to pin from now on.
    pub server_fingerprint: String,
    /// The server's clock when it answered, in milliseconds since the Unix
    /// epoch (also in the `SERVER_TIME_HEADER` header). Absent from older
    /// servers; older devices ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<i64>,
    /// The change log's identity (also in `LOG_ID_HEADER`). Absent from
    /// older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_id: Option<String>,
}

/// `GET /api/v1/org`: the organisation and catalogue, refreshed each sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgResponse {
    pub member: Member,
    pub scope: Scope,
    pub org: OrgSnapshot,
    pub catalogue: Vec<CatalogueEntry>,
    /// Members' training records the device may hold (its member's own, a
    /// leader's team's, an officer's commune's), replacing what it has.
    /// Absent from servers before training was kept: the device then keeps
    /// what it has (`None`), rather than reading "nobody trained". Devices
    /// before it ignore the field (this struct takes unknown fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<Vec<TrainingRecord>>,
    /// The server's clock when it answered, in milliseconds since the Unix
    /// epoch (also in the `SERVER_TIME_HEADER` header). Absent from older
    /// servers; older devices ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<i64>,
    /// The change log's identity (also in `LOG_ID_HEADER`) and the last
    /// sequence number of the commune's log: a device whose pull cursor is
    /// past it, or that knew another identity, sends its work again and
    /// pulls from the start. Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_end: Option<i64>,
    /// To a team leader's device only: the active devices of its team's
    /// members that have a signing key (its own included). Absent for
    /// other roles and from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_devices: Option<Vec<TeamDevice>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub changes: Vec<Change>,
    /// One Ed25519 signature (hex) per change, in the same order, by the
    /// change's author device over `gocua_signing::canonical_bytes`. Empty
    /// only from a device that has registered no key (an older app):
    /// the server then takes its changes on its token alone, directly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum PushOutcome {
    /// Taken and durably stored now.
    Applied,
    /// Taken before (a retried push): nothing to do.
    AlreadyHad,
    /// Refused for good; the device quarantines it and shows why.
    Rejected { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    pub change_id: ChangeId,
    #[serde(flatten)]
    pub outcome: PushOutcome,
}

/// One result per pushed change, in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    /// The server's clock when it answered, in milliseconds since the Unix
    /// epoch (also in the `SERVER_TIME_HEADER` header). Absent from older
    /// servers; older devices ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<i64>,
}

/// `GET /api/v1/pull?after=CURSOR&limit=N`: the device's scope after its
/// cursor. With `village=ID`, `household=ID` or `resident=ID` (and
/// `until=SEQ`): that village's, household's or resident's history in
/// (after, until], fetched when the device's scope gained it, or a resident
/// of another village was merged into one it holds (see
/// `gocua_central`; `resident` is newer: older servers refuse it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    #[serde(default)]
    pub after: i64,
    #[serde(default = "default_pull_limit")]
    pub limit: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<VillageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household: Option<HouseholdId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident: Option<ResidentId>,
}

fn default_pull_limit() -> u32 {
    500
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledChange {
    /// The server's order; the device's next cursor.
    pub seq: i64,
    pub change: Change,
    /// Set when this change moved a household to another village: the
    /// village it left. A device without that village's history fetches
    /// the household's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<VillageId>,
    /// The village the server logged the change under: a relay hands a
    /// member only its own team's villages. Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<VillageId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<PulledChange>,
    /// Pass as `after` next time.
    pub cursor: i64,
    /// More changes wait after this page.
    pub more: bool,
    /// The server's clock when it answered, in milliseconds since the Unix
    /// epoch (also in the `SERVER_TIME_HEADER` header). Absent from older
    /// servers; older devices ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<i64>,
}

/// Every 4xx/5xx body: a stable code and a Vietnamese sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// What the enrollment QR code carries:
/// `gocua-enroll:v1?url=https://…&code=…&fp=<sha256 hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentPayload {
    pub url: String,
    pub code: String,
    /// Pinned from the start when present (no trust on first use).
    pub fingerprint: Option<String>,
}

const PAYLOAD_PREFIX: &str = "gocua-enroll:v1?";

impl EnrollmentPayload {
    pub fn to_text(&self) -> String {
        let mut s = format!("{PAYLOAD_PREFIX}url={}&code={}", self.url, self.code);
        if let Some(fp) = &self.fingerprint {
            s.push_str(&format!("&fp={fp}"));
        }
        s
    }

    /// Parse a scanned or pasted payload. URLs here never contain `&`.
    pub fn parse(text: &str) -> Option<EnrollmentPayload> {
        let query = text.trim().strip_prefix(PAYLOAD_PREFIX)?;
        let (mut url, mut code, mut fingerprint) = (None, None, None);
        for pair in query.split('&') {
            match pair.split_once('=')? {
                ("url", v) => url = Some(v.to_string()),
                ("code", v) => code = Some(v.to_string()),
                ("fp", v) => fingerprint = Some(v.to_string()),
                _ => {}
            }
        }
        Some(EnrollmentPayload {
            url: url?,
            code: code?,
            fingerprint,
        })
    }
}

/// How a server's certificate is named in an enrollment code and pinned by
/// a device: lower-case hex SHA-256 of its DER bytes.
pub fn cert_fingerprint(cert_der: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(cert_der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips() {
        let p = EnrollmentPayload {
            url: "https://192.0.2.1:8443".into(),
            code: "K7M2-PQ9X".into(),
            fingerprint: Some("ab".repeat(32)),
        };
        assert_eq!(EnrollmentPayload::parse(&p.to_text()), Some(p));
        assert_eq!(EnrollmentPayload::parse("hello"), None);
    }

    /// The largest change the server takes, at the largest sequence
    /// number, fits the share of a page the client allows for it.
    #[test]
    fn a_page_of_the_largest_changes_fits_the_clients_cap() {
        let mut change = Change {
            id: ChangeId::new(),
            entity: gocua_core::EntityKind::Visit,
            entity_id: uuid::Uuid::now_v7(),
            hlc: gocua_core::Hlc {
                wall_ms: u64::MAX,
                counter: u32::MAX,
                device: DeviceId::new(),
            },
            fields: serde_json::Map::new(),
            base: Default::default(),
        };
        let size = |c: &Change| serde_json::to_vec(c).unwrap().len();
        change.fields.insert("note".into(), "".into());
        // "ơ" is two bytes of UTF-8, written as is.
        let room = (MAX_CHANGE_BYTES - size(&change)) / 2;
        change.fields.insert("note".into(), "ơ".repeat(room).into());
        assert!((MAX_CHANGE_BYTES - 1..=MAX_CHANGE_BYTES).contains(&size(&change)));
        for n in [1usize, 7, MAX_PULL_LIMIT as usize] {
            let page = PullResponse {
                changes: vec![
                    PulledChange {
                        seq: i64::MAX,
                        change: change.clone(),
                        moved_from: Some(VillageId::new()),
                        village: Some(VillageId::new()),
                    };
                    n
                ],
                cursor: i64::MAX,
                more: true,
                server_time_ms: Some(i64::MAX),
            };
            let bytes = serde_json::to_vec(&page).unwrap().len();
            assert!(bytes <= max_pull_response_bytes(n as u32), "{n}: {bytes}");
        }
    }

    /// An organisation from a server that predates training reads as "no
    /// news" (None), and the device's old reader takes a newer answer.
    #[test]
    fn training_in_the_organisation_is_optional_both_ways() {
        #[derive(Deserialize)]
        struct Before {
            member: Member,
            catalogue: Vec<CatalogueEntry>,
        }
        let commune = CommuneId::new();
        let member = Member {
            id: gocua_core::MemberId::new(),
            commune_id: commune,
            team_id: None,
            full_name: "Nguyễn Thị Lan".into(),
            role: Role::CommuneOfficer,
        };
        let mut org = OrgResponse {
            member: member.clone(),
            scope: Scope {
                commune_id: commune,
                role: Role::CommuneOfficer,
                village_ids: vec![],
            },
            org: OrgSnapshot {
                commune: gocua_core::Commune {
                    id: commune,
                    name: "Xã A".into(),
                    province: "Thanh Hóa".into(),
                },
                villages: vec![],
                teams: vec![],
                members: vec![member.clone()],
            },
            catalogue: vec![],
            training: None,
            server_time_ms: None,
            log_id: None,
            log_end: None,
            team_devices: None,
        };
        let old = serde_json::to_value(&org).unwrap();
        assert!(old.get("training").is_none());
        let back: OrgResponse = serde_json::from_value(old).unwrap();
        assert_eq!(back.training, None);
        org.training = Some(vec![TrainingRecord {
            member_id: member.id,
            topic: "Chữ ký số".into(),
            day: chrono::NaiveDate::from_ymd_opt(2026, 3, 12).unwrap(),
        }]);
        let new = serde_json::to_string(&org).unwrap();
        assert!(new.contains(r#""day":"2026-03-12""#), "{new}");
        let before: Before = serde_json::from_str(&new).unwrap();
        assert_eq!(before.member, member);
        assert!(before.catalogue.is_empty());
        let again: OrgResponse = serde_json::from_str(&new).unwrap();
        assert_eq!(again, org);
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        let bad = r#"{"code":"x","device_name":"y","admin":true}"#;
        assert!(serde_json::from_str::<EnrollRequest>(bad).is_err());
        let bad = r#"{"changes":[],"extra":1}"#;
        assert!(serde_json::from_str::<PushRequest>(bad).is_err());
    }
}
