//! The real `gocua-server` binary on 127.0.0.1 with a fresh data folder,
//! spoken to over TLS with a pinned certificate: enrollment, push and pull,
//! scope on every endpoint, bad input, brute force, shutdown and restart,
//! and the admin commands.
//!
//! Every scenario runs on SQLite (`sqlite::…`) and, when
//! GOCUA_TEST_PG_URL names a PostgreSQL database, with
//! `--database-url` on PostgreSQL (`postgres::…`), in a schema of its own
//! that is dropped afterwards.

use backend::{Backend, Place};
use chrono::{TimeZone, Utc};
use gocua_core::converge::FieldClocks;
use gocua_core::{
    ActionCode, ActionId, ActionOutcome, AssistedAction, Change, ChangeId, EntityKind, HlcClock,
    Household, HouseholdFlags, HouseholdId, MemberId, OrgSnapshot, Resident, ResidentId, Sex,
    VillageId, Visit, VisitForm, VisitId, VisitOutcome,
};
use gocua_sync::tls::{Pin, pinned_http_client};
use gocua_testkit::{backend, on_each_backend, server};
use gocua_wire::{
    self as wire, EnrollResponse, EnrollmentPayload, ErrorBody, PullResponse, PushOutcome,
    PushRequest, PushResponse,
};
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use server::{RunningServer, admin_command, admin_with, server_bin};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

mod admin;
mod honest;
mod lifecycle;
mod refusals;
mod sync;

/// A running server and an HTTP client pinned to its certificate; the
/// server is killed when dropped.
struct Server {
    run: RunningServer,
    client: Client,
}

impl std::ops::Deref for Server {
    type Target = RunningServer;
    fn deref(&self) -> &RunningServer {
        &self.run
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut RunningServer {
        &mut self.run
    }
}

fn start(place: &Place) -> Server {
    let run = RunningServer::start_with(&server_bin(), &place.server_args());
    let (client, _) = pinned_http_client(
        Pin::Fingerprint(run.fingerprint.clone()),
        Duration::from_secs(30),
    )
    .unwrap();
    Server { run, client }
}

/// `gocua-server admin` on this place's database.
fn admin_cmd(place: &Place) -> Command {
    admin_command(&server_bin(), &place.server_args())
}

/// Run an admin command with `--json` and parse what it prints.
fn admin(place: &Place, args: &[&str]) -> Value {
    admin_with(&server_bin(), &place.server_args(), args)
}

/// A demo commune (one team of three per village, then an officer) and a
/// code for its first member.
fn demo(place: &Place, villages: u32) -> (OrgSnapshot, String) {
    let v = admin(place, &["demo", "--villages", &villages.to_string()]);
    let code = v["enrollment"]["code"].as_str().unwrap().to_string();
    (serde_json::from_value(v).unwrap(), code)
}

fn new_code(place: &Place, member: MemberId) -> String {
    admin(place, &["enroll-code", "--member", &member.to_string()])["code"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A response: status and body, whatever the body is.
struct Reply {
    status: StatusCode,
    body: String,
}

impl Reply {
    fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.body))
    }

    fn ok<T: DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        self.json()
    }

    /// A refusal: the expected status and an ErrorBody with a Vietnamese
    /// message.
    fn refused(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        let e: ErrorBody = self.json();
        assert_eq!(e.code, code, "{}", self.body);
        assert!(!e.message.is_empty());
        assert!(self.body.len() < 2000, "the refusal is short");
    }
}

impl Server {
    fn send(&self, req: RequestBuilder) -> Reply {
        let r = req.send().expect("request");
        let status = r.status();
        let body = r.text().unwrap_or_default();
        assert!(!status.is_server_error(), "{status}: {body}");
        Reply { status, body }
    }

    fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.client.get(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req)
    }

    fn post_raw(&self, path: &str, token: Option<&str>, body: impl Into<Vec<u8>>) -> Reply {
        let mut req = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body.into());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req)
    }

    fn post<T: Serialize>(&self, path: &str, token: Option<&str>, body: &T) -> Reply {
        self.post_raw(path, token, serde_json::to_vec(body).unwrap())
    }

    fn enroll(&self, code: &str) -> Reply {
        self.post(
            wire::ENROLL,
            None,
            &json!({"code": code, "device_name": "Điện thoại thử"}),
        )
    }

    fn device(&self, code: &str) -> Device {
        let e: EnrollResponse = self.enroll(code).ok();
        assert_eq!(e.server_fingerprint, self.fingerprint);
        Device {
            clock: HlcClock::new(e.device_id),
            e,
        }
    }

    fn push(&self, d: &Device, changes: &[Change]) -> Vec<PushOutcome> {
        let r: PushResponse = self
            .post(
                wire::PUSH,
                Some(&d.e.token),
                &PushRequest {
                    changes: changes.to_vec(),
                    signatures: Vec::new(),
                },
            )
            .ok();
        assert_eq!(r.results.len(), changes.len());
        r.results.into_iter().map(|r| r.outcome).collect()
    }

    fn pull_all(&self, d: &Device) -> Vec<Change> {
        let mut after = 0;
        let mut out = Vec::new();
        for _ in 0..1000 {
            let page: PullResponse = self
                .get(
                    &format!("{}?after={after}&limit=3", wire::PULL),
                    Some(&d.e.token),
                )
                .ok();
            out.extend(page.changes.into_iter().map(|c| c.change));
            after = page.cursor;
            if !page.more {
                return out;
            }
        }
        panic!("pull never ended");
    }
}

struct Device {
    e: EnrollResponse,
    clock: HlcClock,
}

fn fields_of<T: Serialize>(record: &T) -> Map<String, Value> {
    let Value::Object(mut m) = serde_json::to_value(record).unwrap() else {
        panic!("records are objects")
    };
    m.remove("id");
    m
}

impl Device {
    fn change(&mut self, entity: EntityKind, id: uuid::Uuid, fields: Map<String, Value>) -> Change {
        Change {
            id: ChangeId::new(),
            entity,
            entity_id: id,
            hlc: self.clock.tick(Utc::now().timestamp_millis() as u64),
            fields,
            base: FieldClocks::new(),
        }
    }

    fn household(&mut self, village: VillageId, head: &str) -> (HouseholdId, Change) {
        let h = Household {
            id: HouseholdId::new(),
            village_id: village,
            address: "Số 5, ngõ 2".into(),
            head_name: head.into(),
            phone: Some("0912345678".into()),
            voided: None,
            flags: HouseholdFlags {
                elderly_only: true,
                ..HouseholdFlags::default()
            },
        };
        (
            h.id,
            self.change(EntityKind::Household, h.id.0, fields_of(&h)),
        )
    }

    fn resident(&mut self, household: HouseholdId, name: &str) -> (ResidentId, Change) {
        let r = Resident {
            id: ResidentId::new(),
            household_id: household,
            full_name: name.into(),
            birth_year: 1950,
            sex: Sex::Female,
            has_smartphone: true,
            consent_on: None,
            citizen_id_hash: None,
            voided: None,
            merged_into: None,
            phone: None,
        };
        (
            r.id,
            self.change(EntityKind::Resident, r.id.0, fields_of(&r)),
        )
    }

    fn visit(&mut self, household: HouseholdId) -> (VisitId, Change) {
        let v = Visit {
            id: VisitId::new(),
            household_id: household,
            members: vec![self.e.member.id],
            at: Utc.with_ymd_and_hms(2026, 11, 2, 3, 0, 0).unwrap(),
            form: VisitForm::DoorToDoor,
            outcome: VisitOutcome::Met,
            note: Some("Bà rất vui".into()),
            voided: None,
        };
        (v.id, self.change(EntityKind::Visit, v.id.0, fields_of(&v)))
    }

    fn action(&mut self, visit: VisitId, resident: ResidentId) -> Change {
        let a = AssistedAction {
            id: ActionId::new(),
            visit_id: visit,
            resident_id: resident,
            action: "vneid_l2".parse::<ActionCode>().unwrap(),
            outcome: ActionOutcome::Done,
            voided: None,
        };
        self.change(EntityKind::AssistedAction, a.id.0, fields_of(&a))
    }

    fn village(&self) -> VillageId {
        self.e.scope.village_ids[0]
    }
}

fn rejected(o: &PushOutcome) -> &str {
    match o {
        PushOutcome::Rejected { code, message } => {
            assert!(!message.is_empty());
            code
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}
