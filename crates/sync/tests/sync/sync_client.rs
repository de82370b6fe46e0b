//! The sync client against a scripted HTTPS server on 127.0.0.1 (real TLS,
//! real sockets, real encrypted stores): enrollment and pinning, a full
//! round, per-change results, retries after cut connections and 5xx, no
//! retry on 4xx, 401 keeping unsent data, and a change the server refuses
//! as a whole being isolated and quarantined without holding back the rest.
//! The real server is exercised end to end in `sync_e2e.rs`.

use gocua_core::{
    Commune, CommuneId, DeviceId, HouseholdFlags, HouseholdInput, Member, MemberId, OrgSnapshot,
    Role, Team, TeamId, Village, VillageId,
};
use gocua_device::{DbKey, DeviceToken, NewEnrollment, QuarantineDirection, Store};
use gocua_sync::client::{self, ClientOptions, Progress, RetryPolicy, SyncError};
use gocua_wire::{
    self as wire, EnrollResponse, EnrollmentPayload, ErrorBody, OrgResponse, PullResponse,
    PulledChange, PushOutcome, PushRequest, PushResponse, PushResult, Scope,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tempfile::TempDir;

// ---------------------------------------------------------------------------
// A scripted HTTPS server.

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    auth: Option<String>,
    body: String,
}

enum Reply {
    Json(u16, String),
    /// Read the request, then close without answering.
    Close,
    /// Answer with the full Content-Length but only this many body bytes.
    Truncate(u16, String, usize),
    /// A 200 with no Content-Length, then this many bytes of JSON
    /// whitespace (or until the client hangs up), adding to the counter
    /// what was written.
    Flood(usize, Arc<AtomicUsize>),
}

type Handler = Box<dyn FnMut(&Seen) -> Reply + Send>;

struct FakeServer {
    url: String,
    fingerprint: String,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl FakeServer {
    fn start(handler: impl FnMut(&Seen) -> Reply + Send + 'static) -> FakeServer {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let fingerprint = gocua_sync::tls::fingerprint(ck.cert.der());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(gocua_sync::tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![ck.cert.der().clone()], key)
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        );
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Mutex<Handler>> = Arc::new(Mutex::new(Box::new(handler)));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { return };
                let (config, log, handler) = (config.clone(), log2.clone(), handler.clone());
                std::thread::spawn(move || {
                    let conn = rustls::ServerConnection::new(config).unwrap();
                    let stream = rustls::StreamOwned::new(conn, tcp);
                    serve_connection(stream, &log, &handler);
                });
            }
        });
        FakeServer {
            url,
            fingerprint,
            log,
        }
    }

    fn requests(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    fn count(&self, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|s| s.path.starts_with(path))
            .count()
    }
}

fn serve_connection(
    stream: rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>,
    log: &Mutex<Vec<Seen>>,
    handler: &Mutex<Handler>,
) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let (mut len, mut auth) = (0usize, None);
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((name, value)) = h.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => len = value.trim().parse().unwrap_or(0),
                    "authorization" => auth = Some(value.trim().to_string()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let seen = Seen {
            method,
            path,
            auth,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        log.lock().unwrap().push(seen.clone());
        let reply = (handler.lock().unwrap())(&seen);
        let stream = reader.get_mut();
        match reply {
            Reply::Close => return,
            Reply::Json(status, body) => {
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                if stream.write_all(head.as_bytes()).is_err()
                    || stream.write_all(body.as_bytes()).is_err()
                    || stream.flush().is_err()
                {
                    return;
                }
            }
            Reply::Flood(total, written) => {
                let head = "HTTP/1.1 200 X\r\ncontent-type: application/json\r\n\
                            connection: close\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = [b' '; 64 * 1024];
                let mut left = total;
                while left > 0 {
                    let n = left.min(chunk.len());
                    if stream.write_all(&chunk[..n]).is_err() || stream.flush().is_err() {
                        return;
                    }
                    written.fetch_add(n, Ordering::SeqCst);
                    left -= n;
                }
                return;
            }
            Reply::Truncate(status, body, n) => {
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body.as_bytes()[..n.min(body.len())]);
                let _ = stream.flush();
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The commune, and what the server would say.

struct Commune1 {
    org: OrgSnapshot,
    village: VillageId,
    member: Member,
}

fn commune() -> Commune1 {
    let commune = Commune {
        id: CommuneId::new(),
        name: "Xã Như Thanh".into(),
        province: "Thanh Hóa".into(),
    };
    let village = Village {
        id: VillageId::new(),
        commune_id: commune.id,
        name: "Thôn Hợp Thành".into(),
    };
    let team = Team {
        id: TeamId::new(),
        commune_id: commune.id,
        name: "Tổ CNS Hợp Thành".into(),
        village_ids: vec![village.id],
    };
    let member = Member {
        id: MemberId::new(),
        commune_id: commune.id,
        team_id: Some(team.id),
        full_name: "Lò Văn Páo".into(),
        role: Role::Member,
    };
    Commune1 {
        village: village.id,
        member: member.clone(),
        org: OrgSnapshot {
            commune,
            villages: vec![village],
            teams: vec![team],
            members: vec![member],
        },
    }
}

fn scope(c: &Commune1) -> Scope {
    Scope {
        commune_id: c.org.commune.id,
        role: Role::Member,
        village_ids: vec![c.village],
    }
}

fn org_json(c: &Commune1) -> String {
    serde_json::to_string(&OrgResponse {
        member: c.member.clone(),
        scope: scope(c),
        org: c.org.clone(),
        catalogue: Vec::new(),
        training: None,
    })
    .unwrap()
}

fn enroll_json(c: &Commune1, device: DeviceId, fingerprint: &str) -> String {
    serde_json::to_string(&EnrollResponse {
        device_id: device,
        token: "token-123".into(),
        member: c.member.clone(),
        scope: scope(c),
        org: c.org.clone(),
        catalogue: Vec::new(),
        server_fingerprint: fingerprint.to_string(),
    })
    .unwrap()
}

fn error_json(code: &str, message: &str) -> String {
    serde_json::to_string(&ErrorBody {
        code: code.into(),
        message: message.into(),
    })
    .unwrap()
}

/// Answer a push: every change applied, except the ones `judge` decides.
fn push_reply(body: &str, judge: impl Fn(&gocua_core::Change) -> PushOutcome) -> String {
    let req: PushRequest = serde_json::from_str(body).unwrap();
    let results = req
        .changes
        .iter()
        .map(|c| PushResult {
            change_id: c.id,
            outcome: judge(c),
        })
        .collect();
    serde_json::to_string(&PushResponse { results }).unwrap()
}

fn empty_pull(cursor: i64) -> String {
    serde_json::to_string(&PullResponse {
        changes: Vec::new(),
        cursor,
        more: false,
    })
    .unwrap()
}

fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        },
        ..ClientOptions::default()
    }
}

fn open(dir: &TempDir, name: &str) -> Store {
    Store::open(&dir.path().join(name), &DbKey::Raw([3; 32])).unwrap()
}

/// A store enrolled (directly, without a server) with `server`.
fn enrolled(dir: &TempDir, name: &str, c: &Commune1, server: &FakeServer) -> Store {
    let mut s = open(dir, name);
    s.enroll(&NewEnrollment {
        server_url: server.url.clone(),
        token: DeviceToken::new("token-123"),
        server_fingerprint: server.fingerprint.clone(),
        device_id: DeviceId::new(),
        device_name: name.into(),
        member_id: c.member.id,
        scope: serde_json::to_value(scope(c)).unwrap(),
        org: c.org.clone(),
        catalogue: Vec::new(),
    })
    .unwrap();
    s
}

fn add_household(s: &mut Store, c: &Commune1, head: &str) {
    s.write(|b| {
        b.add_household(HouseholdInput {
            village_id: Some(c.village),
            address: "Bản Hợp Thành".into(),
            head_name: head.into(),
            phone: None,
            flags: HouseholdFlags::default(),
        })
    })
    .unwrap();
}

fn quiet() -> impl FnMut(&Progress) {
    |_| {}
}

// ---------------------------------------------------------------------------

#[test]
fn enrolling_with_a_scanned_payload_pins_its_fingerprint_and_adopts_the_servers_id() {
    let c = commune();
    let device = DeviceId::new();
    let (c2, fp) = (commune_clone(&c), Arc::new(Mutex::new(String::new())));
    let fp2 = fp.clone();
    let server = FakeServer::start(move |s| {
        assert_eq!(s.path, wire::ENROLL);
        Reply::Json(200, enroll_json(&c2, device, &fp2.lock().unwrap()))
    });
    *fp.lock().unwrap() = server.fingerprint.clone();
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    let payload = EnrollmentPayload {
        url: server.url.clone(),
        code: "K7M2-PQ9X".into(),
        fingerprint: Some(server.fingerprint.to_ascii_uppercase()),
    }
    .to_text();
    let out = client::enroll(
        &mut store,
        &payload,
        None,
        "  Điện thoại  của Páo ",
        &options(),
    )
    .unwrap();
    assert!(out.pinned_from_payload);
    assert_eq!(out.device_id, device);
    assert_eq!(out.member.id, c.member.id);
    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.auth, None);
    let body: wire::EnrollRequest = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body.code, "K7M2-PQ9X");
    assert_eq!(body.device_name, "Điện thoại của Páo");
    assert_eq!(store.device().unwrap().unwrap().device_id, device);
    let e = store.enrollment().unwrap().unwrap();
    assert_eq!(e.server_fingerprint, server.fingerprint);
    assert_eq!(e.token.expose(), "token-123");
    assert_eq!(e.server_url, server.url);
    assert_eq!(store.org().unwrap().unwrap().commune, c.org.commune);
}

fn commune_clone(c: &Commune1) -> Commune1 {
    Commune1 {
        org: c.org.clone(),
        village: c.village,
        member: c.member.clone(),
    }
}

#[test]
fn enrolling_by_address_trusts_the_first_certificate_and_records_it() {
    let c = commune();
    let fp = Arc::new(Mutex::new(String::new()));
    let (c2, fp2) = (commune_clone(&c), fp.clone());
    let server = FakeServer::start(move |_| {
        Reply::Json(200, enroll_json(&c2, DeviceId::new(), &fp2.lock().unwrap()))
    });
    *fp.lock().unwrap() = server.fingerprint.clone();
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    let out = client::enroll(
        &mut store,
        &format!("{}/", server.url),
        Some("ABCD"),
        "máy",
        &options(),
    )
    .unwrap();
    assert!(!out.pinned_from_payload);
    assert_eq!(out.server_fingerprint, server.fingerprint);
    assert_eq!(
        store.enrollment().unwrap().unwrap().server_fingerprint,
        server.fingerprint
    );
}

#[test]
fn a_certificate_other_than_the_pinned_one_is_refused_before_anything_is_sent() {
    let c = commune();
    let c2 = commune_clone(&c);
    let server =
        FakeServer::start(move |_| Reply::Json(200, enroll_json(&c2, DeviceId::new(), "")));
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    let payload = EnrollmentPayload {
        url: server.url.clone(),
        code: "ABCD".into(),
        fingerprint: Some("00".repeat(32)),
    }
    .to_text();
    let err = client::enroll(&mut store, &payload, None, "máy", &options()).unwrap_err();
    assert!(matches!(err, SyncError::PinMismatch { .. }), "{err:?}");
    assert!(
        server.requests().is_empty(),
        "the code never left the device"
    );
    assert!(store.enrollment().unwrap().is_none());

    // Trust on first use, but the server names another certificate than
    // the one seen: someone is in between.
    let err = client::enroll(&mut store, &server.url, Some("ABCD"), "máy", &options()).unwrap_err();
    assert!(matches!(err, SyncError::PinMismatch { .. }), "{err:?}");
    assert!(store.enrollment().unwrap().is_none());
    assert!(store.device().unwrap().is_none());
}

#[test]
fn enrolling_a_device_with_unsent_work_is_refused_before_the_code_is_spent() {
    let server = FakeServer::start(|_| Reply::Json(500, String::new()));
    let c = commune();
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    store.init_device("máy").unwrap();
    store.import_org(&c.org).unwrap();
    add_household(&mut store, &c, "Lò Thị Ban");
    let err = client::enroll(&mut store, &server.url, Some("ABCD"), "máy", &options()).unwrap_err();
    assert_eq!(err.code(), "unsent_from_other_device", "{err:?}");
    assert!(server.requests().is_empty());
    assert_eq!(store.unsent_count().unwrap(), 1);
}

#[test]
fn a_round_refreshes_pushes_with_per_change_results_and_pulls_every_page() {
    let c = commune();
    let dir = TempDir::new().unwrap();
    // Another device's work, to be pulled.
    let other_server = FakeServer::start(|_| Reply::Close);
    let mut other = enrolled(&dir, "b.db", &c, &other_server);
    for i in 0..3 {
        add_household(&mut other, &c, &format!("Hà Văn {i}"));
    }
    let theirs: Vec<_> = other
        .outbox_pending(10)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();

    let c2 = commune_clone(&c);
    let server = FakeServer::start(move |s| match s.path.as_str() {
        wire::ORG => Reply::Json(200, org_json(&c2)),
        wire::PUSH => Reply::Json(
            200,
            push_reply(&s.body, |ch| {
                let head = ch.fields.get("head_name").and_then(|v| v.as_str());
                match head {
                    Some("Hộ Bị Từ Chối") => PushOutcome::Rejected {
                        code: "out_of_scope".into(),
                        message: "Thôn này không thuộc phạm vi của tổ.".into(),
                    },
                    Some("Hộ Đã Có") => PushOutcome::AlreadyHad,
                    _ => PushOutcome::Applied,
                }
            }),
        ),
        p if p.starts_with(wire::PULL) => {
            let after: i64 = p
                .split("after=")
                .nth(1)
                .and_then(|r| r.split('&').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1);
            // Two pages: changes 1–2, then 3.
            let (range, more) = match after {
                0 => (0..2, true),
                2 => (2..3, false),
                _ => (3..3, false),
            };
            let changes: Vec<PulledChange> = range
                .map(|i| PulledChange {
                    seq: i as i64 + 1,
                    change: theirs[i].clone(),
                    moved_from: None,
                })
                .collect();
            let cursor = changes.last().map(|c| c.seq).unwrap_or(after);
            Reply::Json(
                200,
                serde_json::to_string(&PullResponse {
                    changes,
                    cursor,
                    more,
                })
                .unwrap(),
            )
        }
        _ => Reply::Json(404, error_json("not_found", "Không có.")),
    });
    let mut store = enrolled(&dir, "a.db", &c, &server);
    add_household(&mut store, &c, "Hộ Một");
    add_household(&mut store, &c, "Hộ Bị Từ Chối");
    add_household(&mut store, &c, "Hộ Đã Có");
    add_household(&mut store, &c, "Hộ Bốn");
    let refused = store.outbox_pending(10).unwrap()[1].change.clone();

    let mut events = Vec::new();
    let report = client::sync(&mut store, &options(), &mut |p| events.push(p.clone())).unwrap();
    assert_eq!(report.pushed_applied, 2);
    assert_eq!(report.already_had, 1);
    assert_eq!(report.rejected, 1);
    assert_eq!(report.pulled_applied, 3);
    assert_eq!(report.pulled_rejected, 0);
    assert_eq!(report.unsent, 0);
    assert_eq!(report.quarantined, 1);
    assert_eq!(report.cursor, 3);
    assert_eq!(report.retries, 0);
    assert_eq!(events[0], Progress::OrgRefreshed);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Progress::Pushed { rejected: 1, .. }))
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Progress::Pulled { .. }))
            .count(),
        2
    );

    let q = store.quarantine(10).unwrap();
    assert_eq!(q[0].direction, QuarantineDirection::Pushed);
    assert_eq!(q[0].change, refused);
    assert_eq!(q[0].message, "Thôn này không thuộc phạm vi của tổ.");
    assert_eq!(store.list_households(&[]).unwrap().len(), 7);
    let state = store.sync_state().unwrap();
    assert_eq!(state.pull_cursor, 3);
    assert!(state.last_success_at.is_some() && state.last_error.is_none());
    for r in server.requests() {
        assert_eq!(r.auth.as_deref(), Some("Bearer token-123"), "{}", r.path);
    }

    // The next round pulls from the saved cursor and pushes nothing.
    let before = server.count(wire::PUSH);
    let report = client::sync(&mut store, &options(), &mut quiet()).unwrap();
    assert_eq!(report.pulled_applied + report.pushed_applied, 0);
    assert_eq!(server.count(wire::PUSH), before);
    assert!(server.requests().last().unwrap().path.contains("after=3"));
}

#[test]
fn cut_connections_and_server_errors_are_retried_and_the_push_lands_once() {
    let c = commune();
    let c2 = commune_clone(&c);
    let mut pushes = 0;
    let taken = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let taken2 = taken.clone();
    let server = FakeServer::start(move |s| match s.path.as_str() {
        wire::ORG => Reply::Json(200, org_json(&c2)),
        wire::PUSH => {
            pushes += 1;
            let answer = push_reply(&s.body, |ch| {
                if taken2.lock().unwrap().insert(ch.id) {
                    PushOutcome::Applied
                } else {
                    PushOutcome::AlreadyHad
                }
            });
            match pushes {
                // Cut mid-request (before any answer).
                1 => Reply::Close,
                // Taken, but the answer is cut halfway.
                2 => Reply::Truncate(200, answer, 20),
                3 => Reply::Json(503, error_json("busy", "Máy chủ bận.")),
                _ => Reply::Json(200, answer),
            }
        }
        _ => Reply::Json(200, empty_pull(0)),
    });
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    add_household(&mut store, &c, "Hộ Một");
    add_household(&mut store, &c, "Hộ Hai");
    let report = client::sync(&mut store, &options(), &mut quiet()).unwrap();
    assert!(report.retries >= 2, "{report:?}");
    assert_eq!(report.unsent, 0);
    assert_eq!(
        report.pushed_applied + report.already_had,
        2,
        "each change settled once: {report:?}"
    );
    assert_eq!(
        report.already_had, 2,
        "the second try was taken, its answer lost"
    );
    assert_eq!(taken.lock().unwrap().len(), 2);
}

#[test]
fn server_errors_give_up_after_the_bounded_attempts_and_keep_the_outbox() {
    let server = FakeServer::start(|_| Reply::Json(500, error_json("boom", "Lỗi.")));
    let c = commune();
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    add_household(&mut store, &c, "Hộ Một");
    let mut retries = 0;
    let err = client::sync(&mut store, &options(), &mut |p| {
        if matches!(p, Progress::Retrying { .. }) {
            retries += 1;
        }
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::ServerFailed {
                status: 500,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 4);
    assert_eq!(retries, 3);
    assert_eq!(store.unsent_count().unwrap(), 1);
    let state = store.sync_state().unwrap();
    assert_eq!(state.last_error, Some(err.message_vi()));
    assert!(state.last_success_at.is_none());
}

#[test]
fn a_4xx_is_not_retried() {
    let server =
        FakeServer::start(|_| Reply::Json(403, error_json("forbidden", "Không được phép.")));
    let c = commune();
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    let err = client::sync(&mut store, &options(), &mut quiet()).unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert_eq!(err.message_vi(), "Không được phép.");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_revoked_device_is_told_so_and_keeps_its_unsent_work() {
    let server = FakeServer::start(|_| {
        Reply::Json(401, error_json("unauthorized", "Thiết bị đã bị thu hồi."))
    });
    let c = commune();
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    add_household(&mut store, &c, "Hộ Một");
    add_household(&mut store, &c, "Hộ Hai");
    let err = client::sync(&mut store, &options(), &mut quiet()).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized), "{err:?}");
    assert_eq!(server.requests().len(), 1, "not retried");
    assert_eq!(store.unsent_count().unwrap(), 2);
    assert_eq!(store.quarantine_count().unwrap(), 0);
    assert!(
        store
            .sync_state()
            .unwrap()
            .last_error
            .unwrap()
            .contains("thu hồi")
    );
}

#[test]
fn a_change_the_server_cannot_even_read_is_isolated_and_quarantined_alone() {
    let c = commune();
    let c2 = commune_clone(&c);
    let server = FakeServer::start(move |s| match s.path.as_str() {
        wire::ORG => Reply::Json(200, org_json(&c2)),
        wire::PUSH if s.body.contains("Hộ Hỏng") => {
            Reply::Json(400, error_json("bad_change", "Thay đổi không hợp lệ."))
        }
        wire::PUSH => Reply::Json(200, push_reply(&s.body, |_| PushOutcome::Applied)),
        _ => Reply::Json(200, empty_pull(0)),
    });
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    for i in 0..7 {
        let head = if i == 4 {
            "Hộ Hỏng".to_string()
        } else {
            format!("Hộ Số {i}")
        };
        add_household(&mut store, &c, &head);
    }
    let opts = ClientOptions {
        push_batch: 4,
        ..options()
    };
    let report = client::sync(&mut store, &opts, &mut quiet()).unwrap();
    assert_eq!(report.pushed_applied, 6);
    assert_eq!(report.rejected, 1);
    assert_eq!(report.unsent, 0);
    let q = store.quarantine(10).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].code, "bad_change");
    assert_eq!(
        q[0].change.fields.get("head_name").and_then(|v| v.as_str()),
        Some("Hộ Hỏng")
    );
}

#[test]
fn an_unreachable_server_is_retried_then_reported_in_vietnamese() {
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = commune();
    let dir = TempDir::new().unwrap();
    let fake = FakeServer {
        url: format!("https://127.0.0.1:{port}"),
        fingerprint: "ab".repeat(32),
        log: Arc::default(),
    };
    let mut store = enrolled(&dir, "a.db", &c, &fake);
    add_household(&mut store, &c, "Hộ Một");
    let err = client::sync(&mut store, &options(), &mut quiet()).unwrap_err();
    assert!(
        matches!(err, SyncError::Unreachable { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(err.message_vi().contains("Không kết nối được"));
    assert_eq!(store.unsent_count().unwrap(), 1);
}

/// A change from another phone of the commune, for pages to carry.
fn a_change_from_elsewhere(dir: &TempDir, c: &Commune1, head: &str) -> gocua_core::Change {
    let mut other = open(dir, &format!("{head}.db"));
    other.init_device("Máy khác").unwrap();
    other.import_org(&c.org).unwrap();
    add_household(&mut other, c, head);
    other.outbox_pending(1).unwrap().remove(0).change
}

fn page(changes: Vec<(i64, gocua_core::Change)>, more: bool) -> String {
    let cursor = changes.last().map_or(0, |(seq, _)| *seq);
    serde_json::to_string(&PullResponse {
        changes: changes
            .into_iter()
            .map(|(seq, change)| PulledChange {
                seq,
                change,
                moved_from: None,
            })
            .collect(),
        cursor,
        more,
    })
    .unwrap()
}

#[test]
fn a_pull_page_larger_than_its_limit_allows_is_refused_unread() {
    let c = commune();
    let dir = TempDir::new().unwrap();
    let fine = a_change_from_elsewhere(&dir, &c, "Hộ Bình Thường");
    let mut huge = a_change_from_elsewhere(&dir, &c, "Hộ Khổng Lồ");
    huge.fields.insert(
        "address".into(),
        serde_json::json!("x".repeat(wire::max_pull_response_bytes(1))),
    );
    let c2 = commune_clone(&c);
    let (fine2, huge2) = (fine.clone(), huge.clone());
    let server = FakeServer::start(move |seen| match seen.path.as_str() {
        "/api/v1/org" => Reply::Json(200, org_json(&c2)),
        p if p.starts_with("/api/v1/pull?after=0") => {
            Reply::Json(200, page(vec![(1, fine2.clone())], true))
        }
        p if p.starts_with("/api/v1/pull") => {
            Reply::Json(200, page(vec![(2, huge2.clone())], false))
        }
        _ => Reply::Json(404, error_json("not_found", "?")),
    });
    let mut store = enrolled(&dir, "a.db", &c, &server);
    let options = ClientOptions {
        pull_limit: 1,
        ..options()
    };
    let err = client::sync(&mut store, &options, &mut quiet()).unwrap_err();
    assert!(
        matches!(&err, SyncError::ResponseTooLarge { path, limit }
            if path.starts_with("/api/v1/pull?after=1") && *limit == wire::max_pull_response_bytes(1)),
        "{err:?}"
    );
    assert_eq!(err.code(), "response_too_large");
    assert!(
        err.message_vi().contains("lớn bất thường"),
        "{}",
        err.message_vi()
    );
    assert_eq!(server.count("/api/v1/pull"), 2, "never asked again");
    // The page within bounds was taken; the oversized one left no trace.
    assert_eq!(store.sync_state().unwrap().pull_cursor, 1);
    let heads: Vec<String> = store
        .list_households(&[])
        .unwrap()
        .into_iter()
        .map(|h| h.head_name)
        .collect();
    assert_eq!(heads, ["Hộ Bình Thường"]);
    assert_eq!(
        store.sync_state().unwrap().last_error,
        Some(err.message_vi())
    );
}

#[test]
fn an_endless_answer_is_cut_at_the_cap_without_being_held() {
    let c = commune();
    let c2 = commune_clone(&c);
    let written = Arc::new(AtomicUsize::new(0));
    let w = written.clone();
    const FLOOD: usize = 256 * 1024 * 1024;
    let server = FakeServer::start(move |seen| match seen.path.as_str() {
        "/api/v1/org" => Reply::Json(200, org_json(&c2)),
        _ => Reply::Flood(FLOOD, w.clone()),
    });
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    let options = ClientOptions {
        pull_limit: 1,
        ..options()
    };
    let err = client::sync(&mut store, &options, &mut quiet()).unwrap_err();
    assert!(matches!(err, SyncError::ResponseTooLarge { .. }), "{err:?}");
    assert_eq!(server.count("/api/v1/pull"), 1);
    // The device hung up soon after the cap: the server could not push
    // more than that and what the sockets buffer.
    std::thread::sleep(Duration::from_millis(200));
    let sent = written.load(Ordering::SeqCst);
    assert!(sent < 32 * 1024 * 1024, "the server sent {sent} bytes");
    assert_eq!(store.sync_state().unwrap().pull_cursor, 0);
}

#[test]
fn syncing_before_enrolling_says_so() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    store.init_device("máy").unwrap();
    let err = client::sync(&mut store, &options(), &mut quiet()).unwrap_err();
    assert!(matches!(err, SyncError::NotEnrolled), "{err:?}");
}
