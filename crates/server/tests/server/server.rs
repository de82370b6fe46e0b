//! The real `gocua-server` binary on 127.0.0.1 with a fresh data folder,
//! spoken to over TLS with a pinned certificate: enrollment, push and pull,
//! scope on every endpoint, bad input, brute force, shutdown and restart,
//! and the admin commands.
//!
//! Every scenario runs on SQLite (`sqlite::…`) and, when
//! GOCUA_TEST_PG_URL names a PostgreSQL database, with
//! `--database-url` on PostgreSQL (`postgres::…`), in a schema of its own
//! that is dropped afterwards.

use gocua_testkit::backend;
use gocua_testkit::on_each_backend;
use gocua_testkit::server;

use backend::{Backend, Place};
use chrono::{TimeZone, Utc};
use gocua_core::converge::FieldClocks;
use gocua_core::{
    ActionCode, ActionId, ActionOutcome, AssistedAction, Change, ChangeId, EntityKind, HlcClock,
    Household, HouseholdFlags, HouseholdId, MemberId, OrgSnapshot, Resident, ResidentId, Sex,
    VillageId, Visit, VisitForm, VisitId, VisitOutcome,
};
use gocua_sync::tls::{Pin, pinned_http_client};
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
            merged_into: None,
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

fn enroll_push_and_pull_over_pinned_tls(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (org, code) = demo(&p, 2);
    let health: Value = s.get(wire::HEALTH, None).ok();
    assert_eq!(health["status"], "ok");

    // Typed in lower case without the dash, the code works once.
    let typed = code.replace('-', "").to_lowercase();
    let mut d = s.device(&typed);
    assert_eq!(d.e.member.id, org.members[0].id);
    assert_eq!(d.e.scope.village_ids, vec![org.villages[0].id]);
    assert_eq!(d.e.org.commune, org.commune);
    assert_eq!(d.e.catalogue.len(), 11);
    s.enroll(&code).refused(StatusCode::GONE, "code_used");
    s.enroll("ABCD-EFGH")
        .refused(StatusCode::FORBIDDEN, "code_unknown");
    let expired = admin(
        &p,
        &[
            "enroll-code",
            "--member",
            &org.members[1].id.to_string(),
            "--ttl-hours",
            "0",
        ],
    );
    s.enroll(expired["code"].as_str().unwrap())
        .refused(StatusCode::GONE, "code_expired");
    // The QR payload names this server's certificate.
    let payload = EnrollmentPayload::parse(expired["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload.fingerprint.as_deref(), Some(s.fingerprint.as_str()));
    assert_eq!(payload.url, s.url);

    let (h, c1) = d.household(d.village(), "Nguyễn Thị Đào");
    let (r, c2) = d.resident(h, "Nguyễn Thị Đào");
    let (v, c3) = d.visit(h);
    let c4 = d.action(v, r);
    let batch = vec![c1, c2, c3, c4];
    assert_eq!(s.push(&d, &batch), vec![PushOutcome::Applied; 4]);
    assert_eq!(s.push(&d, &batch), vec![PushOutcome::AlreadyHad; 4]);

    // A teammate's phone gets all of it, in order, a page at a time.
    let mate = s.device(&new_code(&p, org.members[1].id));
    let pulled = s.pull_all(&mate);
    assert_eq!(pulled, batch);
    let org_reply: wire::OrgResponse = s.get(wire::ORG, Some(&mate.e.token)).ok();
    assert_eq!(org_reply.member.id, org.members[1].id);
    assert_eq!(org_reply.org.villages.len(), 2);
    // The page size is clamped, not refused.
    let page: PullResponse = s
        .get(
            &format!("{}?after=-5&limit=4000000000", wire::PULL),
            Some(&mate.e.token),
        )
        .ok();
    assert_eq!(page.changes.len(), 4);
    assert!(!page.more);
}

fn scope_is_enforced_on_every_endpoint(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (org, code) = demo(&p, 2);
    let (other_org, other_code) = demo(&p, 1);
    let mut a = s.device(&code);
    // The second team's member, and a member of another commune.
    let mut b = s.device(&new_code(&p, org.members[4].id));
    assert_eq!(b.e.scope.village_ids, vec![org.villages[1].id]);
    let mut c = s.device(&other_code);
    assert_eq!(c.e.org.commune, other_org.commune);

    let (h, own) = a.household(a.village(), "Hộ của thôn Đông");
    let (_, foreign) = a.household(org.villages[1].id, "Hộ thôn khác");
    let (_, cross) = a.household(other_org.villages[0].id, "Hộ xã khác");
    let r = s.push(&a, &[own, foreign, cross]);
    assert_eq!(r[0], PushOutcome::Applied);
    assert_eq!(rejected(&r[1]), "out_of_scope");
    assert_eq!(rejected(&r[2]), "out_of_scope");
    // Others cannot write into it, by id or otherwise.
    let (_, from_b) = b.resident(h, "Người thôn Tây");
    assert_eq!(rejected(&s.push(&b, &[from_b])[0]), "out_of_scope");
    let (_, from_c) = c.resident(h, "Người xã khác");
    assert_eq!(rejected(&s.push(&c, &[from_c])[0]), "out_of_scope");
    // A change stamped by another device is refused, whoever pushes it.
    let (_, mut forged) = b.household(b.village(), "Hộ giả mạo");
    forged.hlc.device = a.e.device_id;
    assert_eq!(rejected(&s.push(&b, &[forged])[0]), "not_own_change");
    // Nor read it.
    assert!(s.pull_all(&b).is_empty());
    assert!(s.pull_all(&c).is_empty());
    assert_eq!(s.pull_all(&a).len(), 1);
    // Nor fetch its history, by village or by household: an empty page.
    let history = |d: &Device, filter: String| -> PullResponse {
        s.get(
            &format!("{}?after=0&{filter}", wire::PULL),
            Some(&d.e.token),
        )
        .ok()
    };
    for (d, filter) in [
        (&b, format!("village={}", org.villages[0].id)),
        (&b, format!("household={h}")),
        (&c, format!("household={h}")),
        (&c, format!("village={}", org.villages[0].id)),
    ] {
        let page = history(d, filter);
        assert!(page.changes.is_empty() && !page.more);
    }
    assert_eq!(
        history(&a, format!("household={h}&until=999"))
            .changes
            .len(),
        1
    );
    assert!(
        history(&a, format!("household={h}&until=0"))
            .changes
            .is_empty()
    );
    for q in [
        format!("village={}&household={h}", org.villages[0].id),
        "village=x".into(),
        "until=later".into(),
    ] {
        s.get(&format!("{}?after=0&{q}", wire::PULL), Some(&a.e.token))
            .refused(StatusCode::BAD_REQUEST, "bad_query");
    }
    let officer = org.members.last().unwrap();
    let officer = s.device(&new_code(&p, officer.id));
    assert_eq!(
        s.pull_all(&officer).len(),
        1,
        "the officer sees the commune"
    );
    let their_org: wire::OrgResponse = s.get(wire::ORG, Some(&c.e.token)).ok();
    assert_eq!(their_org.org.commune, other_org.commune);
    assert!(
        their_org
            .org
            .members
            .iter()
            .all(|m| m.commune_id == other_org.commune.id)
    );

    // No token, a wrong one, a malformed header: 401 on every endpoint.
    let pull = format!("{}?after=0", wire::PULL);
    let empty_push = json!({"changes": []});
    let wrong = "0".repeat(64);
    for token in [None, Some(wrong.as_str()), Some("")] {
        s.get(&pull, token)
            .refused(StatusCode::UNAUTHORIZED, "unauthorized");
        s.get(wire::ORG, token)
            .refused(StatusCode::UNAUTHORIZED, "unauthorized");
        s.post(wire::PUSH, token, &empty_push)
            .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let basic = s.send(
        s.client
            .get(format!("{}{}", s.url, wire::ORG))
            .header("authorization", format!("Basic {}", a.e.token)),
    );
    basic.refused(StatusCode::UNAUTHORIZED, "unauthorized");

    // A revoked device is shut out at once; its data stays.
    let devices = admin(&p, &["devices", "--commune", &org.commune.id.to_string()]);
    assert_eq!(devices.as_array().unwrap().len(), 3);
    admin(&p, &["revoke", &a.e.device_id.to_string()]);
    s.get(&pull, Some(&a.e.token))
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    s.get(wire::ORG, Some(&a.e.token))
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    s.post(wire::PUSH, Some(&a.e.token), &empty_push)
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(s.pull_all(&officer).len(), 1);
    let devices = admin(&p, &["devices", "--commune", &org.commune.id.to_string()]);
    assert!(
        devices
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["device_id"] == json!(a.e.device_id) && !d["revoked_at"].is_null())
    );
}

fn bad_input_gets_a_4xx_and_loses_nothing(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (org, code) = demo(&p, 1);
    let mut d = s.device(&code);
    let token = d.e.token.clone();
    let t = Some(token.as_str());
    let (h, good) = d.household(d.village(), "Trần Văn Bình");
    assert_eq!(
        s.push(&d, std::slice::from_ref(&good)),
        vec![PushOutcome::Applied]
    );
    let good_json = serde_json::to_value(&good).unwrap();

    let push = |body: &[u8]| s.post_raw(wire::PUSH, t, body.to_vec());
    push(b"{\"changes\": [").refused(StatusCode::BAD_REQUEST, "malformed_json");
    push(b"\xff\xfe not utf-8").refused(StatusCode::BAD_REQUEST, "malformed_json");
    push(b"").refused(StatusCode::BAD_REQUEST, "malformed_json");
    push(b"{\"changes\": \"all of them\"}")
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    push(b"{\"changes\": [], \"admin\": true}")
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    push(b"[]").refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let deep = format!(
        "{{\"changes\": [{{\"fields\": {{\"x\": {}{}}}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    push(deep.as_bytes()).refused(StatusCode::BAD_REQUEST, "malformed_json");
    let mut extra = good_json.clone();
    extra["sneaky"] = json!(1);
    s.post(wire::PUSH, t, &json!({ "changes": [extra] }))
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    for (field, value) in [
        ("entity_id", json!("not-a-uuid")),
        ("id", json!(12)),
        ("entity", json!("spaceship")),
        ("hlc", json!("yesterday")),
        ("fields", json!([1, 2])),
    ] {
        let mut bad = good_json.clone();
        bad[field] = value;
        s.post(wire::PUSH, t, &json!({ "changes": [bad] }))
            .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    }
    // Without a JSON content type.
    let plain = s.send(
        s.client
            .post(format!("{}{}", s.url, wire::PUSH))
            .bearer_auth(&token)
            .body("{\"changes\": []}"),
    );
    plain.refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    // Too big, and too many.
    let big = format!(
        "{{\"changes\": [], \"pad\": \"{}\"}}",
        "a".repeat(wire::MAX_BODY_BYTES)
    );
    push(big.as_bytes()).refused(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let many: Vec<Change> = (0..=wire::MAX_PUSH_CHANGES)
        .map(|i| d.household(d.village(), &format!("Hộ {i}")).1)
        .collect();
    s.post(wire::PUSH, t, &PushRequest { changes: many })
        .refused(StatusCode::PAYLOAD_TOO_LARGE, "too_many_changes");
    // Bad queries.
    for q in [
        "after=x",
        "limit=-1",
        "after=0&who=me",
        "after=99999999999999999999",
    ] {
        s.get(&format!("{}?{q}", wire::PULL), t)
            .refused(StatusCode::BAD_REQUEST, "bad_query");
    }
    // Enrollment: wrong shapes, a huge device name, a huge code.
    s.post_raw(wire::ENROLL, None, "{\"code\": 5, \"device_name\": []}")
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let fresh = new_code(&p, org.members[1].id);
    s.post(
        wire::ENROLL,
        None,
        &json!({"code": fresh, "device_name": "x".repeat(1_000_000)}),
    )
    .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    s.post(
        wire::ENROLL,
        None,
        &json!({"code": "A".repeat(1_000_000), "device_name": "x"}),
    )
    .refused(StatusCode::FORBIDDEN, "code_unknown");
    s.get("/api/v1/nothing", t)
        .refused(StatusCode::NOT_FOUND, "not_found");
    s.get(wire::PUSH, t)
        .refused(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");

    // Well-formed but wrong changes are refused one by one, in a 200.
    let (_, mut future) = d.household(d.village(), "Hộ tương lai");
    future.hlc.wall_ms = Utc::now().timestamp_millis() as u64 + 30 * 24 * 3600 * 1000;
    let (_, mut huge) = d.household(d.village(), "x");
    huge.fields
        .insert("head_name".into(), json!("ơ".repeat(1_000_000)));
    let (_, ok_resident) = d.resident(h, "Trần Thị Hoa");
    let r = s.push(&d, &[future, huge, ok_resident.clone()]);
    assert_eq!(rejected(&r[0]), "clock_ahead");
    assert_eq!(rejected(&r[1]), "too_large");
    assert_eq!(r[2], PushOutcome::Applied);
    let PushOutcome::Rejected { message, .. } = &r[1] else {
        unreachable!()
    };
    assert!(message.chars().count() < 400, "{message}");

    // Nothing good was lost, and the server is still well.
    assert_eq!(s.pull_all(&d), vec![good, ok_resident]);
    let health: Value = s.get(wire::HEALTH, None).ok();
    assert_eq!(health["status"], "ok");
}

fn wrong_codes_are_rate_limited_per_address(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (_, code) = demo(&p, 1);
    for i in 0..10 {
        s.enroll(&format!("WRNG-{i:04}").replace('0', "A").replace('1', "B"))
            .refused(StatusCode::FORBIDDEN, "code_unknown");
    }
    // Now even the right code waits: a guesser cannot tell it apart.
    s.enroll(&code)
        .refused(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
}

fn a_wrong_fingerprint_never_connects(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (bad, _) =
        pinned_http_client(Pin::Fingerprint("00".repeat(32)), Duration::from_secs(10)).unwrap();
    let err = bad
        .get(format!("{}{}", s.url, wire::HEALTH))
        .send()
        .expect_err("a certificate that does not match is refused");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    // Trust on first use sees exactly the announced certificate.
    let (tofu, seen) = pinned_http_client(Pin::FirstUse, Duration::from_secs(10)).unwrap();
    let r = tofu
        .get(format!("{}{}", s.url, wire::HEALTH))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        seen.lock().unwrap().as_deref(),
        Some(s.fingerprint.as_str())
    );
}

fn sigterm_stops_cleanly_and_a_restart_keeps_everything(backend: Backend) {
    let p = Place::new(backend);
    let mut s = start(&p);
    let (_, code) = demo(&p, 1);
    let mut d = s.device(&code);
    let (_, c) = d.household(d.village(), "Lê Thị Hồng");
    assert_eq!(
        s.push(&d, std::slice::from_ref(&c)),
        vec![PushOutcome::Applied]
    );
    let pid = s.pid().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = s.try_wait() {
            break st;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    drop(s);

    let s = start(&p);
    assert_eq!(s.fingerprint.len(), 64);
    let pulled = s.pull_all(&d);
    assert_eq!(pulled, vec![c]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = std::fs::metadata(p.data().join("tls/key.pem")).unwrap();
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }
}

fn admin_commands_set_up_a_commune(backend: Backend) {
    let p = Place::new(backend);
    let c = admin(
        &p,
        &[
            "commune",
            "create",
            "--name",
            "Xã Nghĩa Sơn",
            "--province",
            "Thanh Hóa",
        ],
    );
    let commune = c["id"].as_str().unwrap().to_string();
    let v1 = admin(
        &p,
        &[
            "village",
            "add",
            "--commune",
            &commune,
            "--name",
            "Thôn Đông",
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v2 = admin(
        &p,
        &[
            "village",
            "add",
            "--commune",
            &commune,
            "--name",
            "Thôn Tây",
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let team = admin(
        &p,
        &[
            "team",
            "add",
            "--commune",
            &commune,
            "--name",
            "Tổ CNS Đông",
            "--village",
            &v1,
            "--village",
            &v2,
        ],
    );
    assert_eq!(team["village_ids"].as_array().unwrap().len(), 2);
    let team = team["id"].as_str().unwrap().to_string();
    let member = admin(
        &p,
        &[
            "member",
            "add",
            "--commune",
            &commune,
            "--team",
            &team,
            "--name",
            "Phạm Thị Lan",
            "--role",
            "member",
        ],
    );
    assert_eq!(member["role"], "member");
    let target = admin(
        &p,
        &[
            "target",
            "set",
            "--commune",
            &commune,
            "--indicator",
            "vneid_l2",
            "--percent",
            "90",
        ],
    );
    assert_eq!(target["percent"], 90.0);

    // A code with its QR code: text for people, PNG for printing.
    let png = p.path().join("qr.png");
    let out = admin_cmd(&p)
        .args([
            "enroll-code",
            "--member",
            member["id"].as_str().unwrap(),
            "--url",
            "https://192.0.2.10:8443",
            "--png",
        ])
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Mã đăng ký: "), "{text}");
    assert!(text.contains("gocua-enroll:v1?url=https://192.0.2.10:8443&code="));
    assert!(
        text.contains('▀') || text.contains('▄'),
        "a QR code is drawn"
    );
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");

    // Mistakes are refused in plain words, with a non-zero exit.
    let out = admin_cmd(&p)
        .args([
            "member",
            "add",
            "--commune",
            &commune,
            "--name",
            "Không tổ",
            "--role",
            "member",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("Lỗi: Tổ viên và tổ trưởng phải thuộc một tổ."),
        "{err}"
    );
    let out = admin_cmd(&p)
        .args(["revoke", "not-an-id"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// A database that cannot be reached stops the server at once, with a
/// clear message that does not show the password.
#[test]
fn an_unreachable_database_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let out = Command::new(server_bin())
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .args([
            "--database-url",
            "postgres://gocua:hunter2@127.0.0.1:1/nowhere",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PostgreSQL"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(out.stdout.is_empty(), "it never announced itself");
}

on_each_backend!(
    enroll_push_and_pull_over_pinned_tls,
    scope_is_enforced_on_every_endpoint,
    bad_input_gets_a_4xx_and_loses_nothing,
    wrong_codes_are_rate_limited_per_address,
    a_wrong_fingerprint_never_connects,
    sigterm_stops_cleanly_and_a_restart_keeps_everything,
    admin_commands_set_up_a_commune,
);
