//! Proof of origin (issue 18): every change a device authors is signed
//! with the key it gave the server, and the server checks every change it
//! takes, pushed directly or handed on by a team leader's relay. A relay
//! (or whoever holds a lost leader's phone) cannot alter a member's work,
//! credit it to someone else or pass it off as another device's; a device
//! enrolled by an older app registers its key on its next sync.

use gocua_core::{Change, OrgSnapshot};
use gocua_device::{DbKey, NewEnrollment, Store};
use gocua_sync::client::{self, signed_push};
use gocua_sync::tls::{Pin, pinned_http_client};
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::device::{household, options, resident, visit_now};
use gocua_testkit::members::{enrolled_phone, member};
use gocua_testkit::on_each_backend;
use gocua_testkit::server::{RunningServer, admin_with, server_bin};
use gocua_wire::{
    self as wire, EnrollRequest, EnrollResponse, EnrollmentPayload, OrgResponse, PushOutcome,
    PushRequest, PushResponse, RegisterKeyRequest,
};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::time::Duration;

struct Api {
    http: Client,
    url: String,
}

impl Api {
    fn new(server: &RunningServer) -> Api {
        let (http, _) = pinned_http_client(
            Pin::Fingerprint(server.fingerprint.clone()),
            Duration::from_secs(30),
        )
        .unwrap();
        Api {
            http,
            url: server.url.clone(),
        }
    }

    fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl serde::Serialize,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().unwrap();
        let status = resp.status();
        (status, resp.json().unwrap_or(Value::Null))
    }

    fn get<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> T {
        let resp = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.json().unwrap()
    }

    /// One outcome per change, or the refusal of the whole request.
    fn push(&self, path: &str, token: &str, req: &PushRequest) -> Vec<PushOutcome> {
        let (status, body) = self.post(path, Some(token), req);
        assert_eq!(status, StatusCode::OK, "{body}");
        let r: PushResponse = serde_json::from_value(body).unwrap();
        assert_eq!(r.results.len(), req.changes.len());
        r.results.into_iter().map(|r| r.outcome).collect()
    }
}

fn token(store: &Store) -> String {
    store
        .enrollment()
        .unwrap()
        .unwrap()
        .token
        .expose()
        .to_string()
}

fn code(outcome: &PushOutcome) -> &str {
    match outcome {
        PushOutcome::Rejected { code, .. } => code,
        PushOutcome::Applied => "applied",
        PushOutcome::AlreadyHad => "already_had",
    }
}

/// The changes waiting in `store`'s outbox, oldest first.
fn outbox(store: &Store) -> Vec<Change> {
    store
        .outbox_pending(500)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect()
}

struct Setup {
    _place: Place,
    server: RunningServer,
    org: OrgSnapshot,
    api: Api,
    dir: tempfile::TempDir,
    args: Vec<std::ffi::OsString>,
}

fn setup(backend: Backend) -> Setup {
    let place = Place::new(backend);
    let args = place.server_args();
    let bin = server_bin();
    let org: OrgSnapshot =
        serde_json::from_value(admin_with(&bin, &args, &["demo", "--villages", "2"])).unwrap();
    let server = RunningServer::start_with(&bin, &args);
    let api = Api::new(&server);
    Setup {
        _place: place,
        server,
        org,
        api,
        dir: tempfile::TempDir::new().unwrap(),
        args,
    }
}

impl Setup {
    fn phone(&self, team: usize, i: usize, name: &str) -> Store {
        let path = self.dir.path().join(format!("{name}.db"));
        enrolled_phone(
            &self.server,
            &self.args,
            member(&self.org, team, i),
            &path,
            name,
        )
    }

    /// A household with a resident and a visit helping them, by the phone's
    /// own member: those changes (not what waited before), signed as the
    /// phone signs them.
    fn work(&self, phone: &mut Store, team: usize, i: usize, head: &str) -> PushRequest {
        let before: Vec<_> = outbox(phone).into_iter().map(|c| c.id).collect();
        let h = household(phone, self.org.villages[team].id, head);
        let r = resident(phone, h, head, 1970);
        visit_now(phone, h, r, member(&self.org, team, i));
        let new = outbox(phone)
            .into_iter()
            .filter(|c| !before.contains(&c.id))
            .collect();
        signed_push(phone, new).unwrap()
    }
}

fn a_signed_push_is_taken_and_an_altered_or_unsigned_one_refused(backend: Backend) {
    let s = setup(backend);
    let mut hoa = s.phone(0, 1, "hoa");
    let signed = s.work(&mut hoa, 0, 1, "Trần Văn Bình");
    let t = token(&hoa);

    // Unsigned, from a device that has a key: refused, each change.
    let unsigned = PushRequest {
        changes: signed.changes.clone(),
        signatures: Vec::new(),
    };
    let out = s.api.push(wire::PUSH, &t, &unsigned);
    assert!(
        out.iter().all(|o| code(o) == "signature_missing"),
        "{out:?}"
    );

    // A signature per change or none: anything else is a bad request.
    let short = PushRequest {
        changes: signed.changes.clone(),
        signatures: signed.signatures[..1].to_vec(),
    };
    let (status, body) = s.api.post(wire::PUSH, Some(&t), &short);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "signature_count");

    // The head's name altered after signing: that change is refused, and
    // what builds on it waits for it.
    let mut altered = signed.clone();
    altered.changes[0]
        .fields
        .insert("head_name".into(), json!("Kẻ Mạo Danh"));
    let out = s.api.push(wire::PUSH, &t, &altered);
    assert_eq!(code(&out[0]), "bad_signature", "{out:?}");

    // A malformed signature is a refusal too, not a failed request.
    let mut garbled = signed.clone();
    garbled.signatures[0] = "không phải chữ ký".into();
    let out = s.api.push(wire::PUSH, &t, &garbled);
    assert_eq!(code(&out[0]), "bad_signature", "{out:?}");

    // As signed: taken.
    let out = s.api.push(wire::PUSH, &t, &signed);
    assert!(out.iter().all(|o| *o == PushOutcome::Applied), "{out:?}");

    // A big push (its signatures checked on several threads before the
    // lock) with one household altered in the middle: that one alone is
    // refused, and what hangs on it waits.
    let mut big = PushRequest {
        changes: Vec::new(),
        signatures: Vec::new(),
    };
    for i in 0..40 {
        let more = s.work(&mut hoa, 0, 1, &format!("Hộ Lớn Số {i}"));
        big.changes.extend(more.changes);
        big.signatures.extend(more.signatures);
    }
    let at = big
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.entity == gocua_core::EntityKind::Household)
        .nth(25)
        .map(|(i, _)| i)
        .unwrap();
    big.changes[at]
        .fields
        .insert("head_name".into(), json!("Kẻ Mạo Danh"));
    let out = s.api.push(wire::PUSH, &t, &big);
    assert_eq!(code(&out[at]), "bad_signature", "{:?}", &out[at]);
    let refused: Vec<&str> = out.iter().map(code).filter(|c| *c != "applied").collect();
    assert_eq!(
        refused.len(),
        4,
        "the altered household and what hangs on it: {:?}",
        &out[..6]
    );
    assert!(out[..at].iter().all(|o| *o == PushOutcome::Applied));

    // The phone's own sync settles them as already had, and sends its
    // own copies of the four the altered one held back.
    let report = client::sync(&mut hoa, &options(), &mut |_| {}).unwrap();
    assert_eq!(
        report.already_had,
        signed.changes.len() + big.changes.len() - 4
    );
    assert_eq!((report.pushed_applied, report.rejected), (4, 0));
}

fn a_device_enrolled_by_an_older_app_registers_its_key_on_next_sync(backend: Backend) {
    let s = setup(backend);
    let hoa = member(&s.org, 0, 1);
    let issued = admin_with(
        &server_bin(),
        &s.args,
        &[
            "enroll-code",
            "--member",
            &hoa.to_string(),
            "--url",
            &s.server.url,
        ],
    );
    let payload = EnrollmentPayload::parse(issued["payload"].as_str().unwrap()).unwrap();
    // Enrolled as an app before signing did: no key in the request.
    let (status, body) = s.api.post(
        wire::ENROLL,
        None,
        &EnrollRequest {
            code: payload.code.clone(),
            device_name: "Máy cũ".into(),
            replaces: None,
            keep_id: false,
            signing_key: None,
        },
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let e: EnrollResponse = serde_json::from_value(body).unwrap();
    let mut phone = Store::open(&s.dir.path().join("old.db"), &DbKey::Raw([9; 32])).unwrap();
    phone
        .enroll(&NewEnrollment {
            server_url: s.server.url.clone(),
            token: gocua_device::DeviceToken::new(e.token.clone()),
            server_fingerprint: s.server.fingerprint.clone(),
            device_id: e.device_id,
            device_name: "Máy cũ".into(),
            member_id: e.member.id,
            scope: serde_json::to_value(&e.scope).unwrap(),
            org: e.org.clone(),
            catalogue: e.catalogue.clone(),
        })
        .unwrap();
    assert!(!phone.signing_key_registered().unwrap());
    assert_eq!(has_key(&s, e.device_id), Some(false));

    // Until it registers one, its token alone carries its work.
    let h = household(&mut phone, s.org.villages[0].id, "Lê Thị Cũ");
    let unsigned = PushRequest {
        changes: outbox(&phone),
        signatures: Vec::new(),
    };
    let out = s.api.push(wire::PUSH, &e.token, &unsigned);
    assert_eq!(out, vec![PushOutcome::Applied]);

    // Its next sync registers its key; from then on it signs, and the
    // server takes nothing unsigned from it.
    let r = resident(&mut phone, h, "Lê Văn Mới", 1990);
    visit_now(&mut phone, h, r, hoa);
    let report = client::sync(&mut phone, &options(), &mut |_| {}).unwrap();
    assert!(phone.signing_key_registered().unwrap());
    assert_eq!(has_key(&s, e.device_id), Some(true));
    assert_eq!(report.rejected, 0, "{report:?}");
    assert!(report.pushed_applied >= 3, "{report:?}");
    household(&mut phone, s.org.villages[0].id, "Không ký");
    let unsigned = PushRequest {
        changes: outbox(&phone),
        signatures: Vec::new(),
    };
    let out = s.api.push(wire::PUSH, &e.token, &unsigned);
    assert_eq!(code(&out[0]), "signature_missing");

    // The key is registered once: the same again is fine, another refused.
    let same = phone.signing_key().unwrap().public().to_string();
    let (status, _) = s.api.post(
        wire::SIGNING_KEY,
        Some(&e.token),
        &RegisterKeyRequest { signing_key: same },
    );
    assert_eq!(status, StatusCode::OK);
    let other = gocua_signing::SigningKey::generate()
        .unwrap()
        .public()
        .to_string();
    let (status, body) = s.api.post(
        wire::SIGNING_KEY,
        Some(&e.token),
        &RegisterKeyRequest { signing_key: other },
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "key_already_registered");
    let (status, body) = s.api.post(
        wire::SIGNING_KEY,
        Some(&e.token),
        &RegisterKeyRequest {
            signing_key: "abc".into(),
        },
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// Whether `admin devices` says the device has a signing key.
fn has_key(s: &Setup, device: gocua_core::DeviceId) -> Option<bool> {
    let commune = s.org.commune.id.to_string();
    let devices = admin_with(&server_bin(), &s.args, &["devices", "--commune", &commune]);
    devices
        .as_array()?
        .iter()
        .find(|d| d["device_id"] == json!(device.to_string()))?["has_signing_key"]
        .as_bool()
}

fn a_relay_hands_on_its_members_work_as_theirs_and_cannot_alter_it(backend: Backend) {
    let s = setup(backend);
    let leader = s.phone(0, 0, "leader");
    let mut hoa = s.phone(0, 1, "hoa");
    let mut other_team = s.phone(1, 1, "khac");
    let relay = token(&leader);
    let signed = s.work(&mut hoa, 0, 1, "Hộ Thử Trạm");

    // A member's phone is no relay.
    let (status, body) = s.api.post(wire::RELAY_PUSH, Some(&token(&hoa)), &signed);
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "not_a_leader");

    // Altered on the relay: a field, the member credited, the device said
    // to have made it. Each is refused (fresh work each time: a change
    // the server already took is "already had", whatever a copy says).
    let leader_device = leader.device().unwrap().unwrap().device_id;
    let leader_member = member(&s.org, 0, 0).to_string();
    type Alter = Box<dyn Fn(&mut Change)>;
    let alterations: [(&str, gocua_core::EntityKind, Alter); 3] = [
        (
            "field",
            gocua_core::EntityKind::Household,
            Box::new(|c| {
                c.fields.insert("address".into(), json!("Số 99, ngõ Lạ"));
            }),
        ),
        (
            "credit",
            gocua_core::EntityKind::Visit,
            Box::new(move |c| {
                c.fields
                    .insert("members".into(), json!([leader_member.clone()]));
            }),
        ),
        (
            "device",
            gocua_core::EntityKind::Household,
            Box::new(move |c| c.hlc.device = leader_device),
        ),
    ];
    for (i, (what, kind, alter)) in alterations.iter().enumerate() {
        let mut req = s.work(&mut hoa, 0, 1, &format!("Hộ Sửa Số {i}"));
        let at = req.changes.iter().position(|c| c.entity == *kind).unwrap();
        alter(&mut req.changes[at]);
        let out = s.api.push(wire::RELAY_PUSH, &relay, &req);
        assert_eq!(code(&out[at]), "bad_signature", "{what}: {out:?}");
    }
    let signed = s.work(&mut hoa, 0, 1, "Trần Văn Bình");
    // Unsigned through a relay: refused, whoever the author.
    let unsigned = PushRequest {
        changes: signed.changes.clone(),
        signatures: Vec::new(),
    };
    let out = s.api.push(wire::RELAY_PUSH, &relay, &unsigned);
    assert!(
        out.iter().all(|o| code(o) == "signature_missing"),
        "{out:?}"
    );

    // Another team's member's work: not this relay's to hand on.
    let theirs = s.work(&mut other_team, 1, 1, "Phạm Thị Xa");
    let out = s.api.push(wire::RELAY_PUSH, &relay, &theirs);
    assert!(out.iter().all(|o| code(o) == "not_your_team"), "{out:?}");

    // As signed: taken, as Hoa's device's and Hoa's work.
    let out = s.api.push(wire::RELAY_PUSH, &relay, &signed);
    assert!(out.iter().all(|o| *o == PushOutcome::Applied), "{out:?}");
    let page: wire::PullResponse = s
        .api
        .get(&format!("{}?after=0&limit=100", wire::PULL), &relay);
    let hoa_device = hoa.device().unwrap().unwrap().device_id;
    let kept: Vec<&Change> = page
        .changes
        .iter()
        .map(|p| &p.change)
        .filter(|c| signed.changes.iter().any(|s| s.id == c.id))
        .collect();
    assert_eq!(kept.len(), signed.changes.len());
    assert!(kept.iter().all(|c| c.hlc.device == hoa_device));
    assert_eq!(
        kept.iter()
            .find(|c| c.entity == gocua_core::EntityKind::Visit)
            .unwrap()
            .fields["members"],
        json!([member(&s.org, 0, 1).to_string()])
    );
    assert!(
        page.changes
            .iter()
            .all(|p| p.village == Some(s.org.villages[0].id))
    );

    // Hoa's own next sync: already had; what the relay altered goes in
    // as she made it.
    let report = client::sync(&mut hoa, &options(), &mut |_| {}).unwrap();
    assert!(report.already_had >= signed.changes.len(), "{report:?}");
    assert!(report.pushed_applied > 0, "{report:?}");
    assert_eq!((report.rejected, report.unsent), (0, 0), "{report:?}");
    let page: wire::PullResponse = s
        .api
        .get(&format!("{}?after=0&limit=500", wire::PULL), &relay);
    let addresses: Vec<&Value> = page
        .changes
        .iter()
        .filter_map(|p| p.change.fields.get("address"))
        .collect();
    assert!(
        !addresses.contains(&&json!("Số 99, ngõ Lạ")),
        "{addresses:?}"
    );
}

fn team_device_keys_go_to_the_leader_only(backend: Backend) {
    let s = setup(backend);
    let mut leader = s.phone(0, 0, "leader");
    let mut hoa = s.phone(0, 1, "hoa");
    let _other = s.phone(1, 1, "khac");
    let org: OrgResponse = s.api.get(wire::ORG, &token(&leader));
    let devices = org.team_devices.expect("a leader gets its team's devices");
    let hoa_key = hoa.signing_key().unwrap().public().to_string();
    let hoa_device = hoa.device().unwrap().unwrap().device_id;
    assert_eq!(devices.len(), 2, "the leader's and Hoa's: {devices:?}");
    assert!(
        devices
            .iter()
            .any(|d| d.device_id == hoa_device && d.signing_key == hoa_key)
    );
    let mine: OrgResponse = s.api.get(wire::ORG, &token(&hoa));
    assert_eq!(mine.team_devices, None);

    // The leader's device keeps them on sync.
    client::sync(&mut leader, &options(), &mut |_| {}).unwrap();
    let kept = leader.team_devices().unwrap();
    assert!(
        kept.iter()
            .any(|d| d.device_id == hoa_device && d.signing_key == hoa_key)
    );
    client::sync(&mut hoa, &options(), &mut |_| {}).unwrap();
    assert!(hoa.team_devices().unwrap().is_empty());
}

on_each_backend!(
    a_signed_push_is_taken_and_an_altered_or_unsigned_one_refused,
    a_device_enrolled_by_an_older_app_registers_its_key_on_next_sync,
    a_relay_hands_on_its_members_work_as_theirs_and_cannot_alter_it,
    team_device_keys_go_to_the_leader_only,
);
