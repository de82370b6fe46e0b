//! The sync client against a scripted HTTPS server on 127.0.0.1 (real TLS,
//! real sockets, real encrypted stores): enrollment and pinning, a full
//! round, per-change results, retries after cut connections and 5xx, no
//! retry on 4xx, 401 keeping unsent data, and a change the server refuses
//! as a whole being isolated and quarantined without holding back the rest.
//! The real server is exercised end to end in gocua-tests' `e2e/sync_e2e.rs`.

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

mod enrolling;
mod limits;
mod retries;
mod round;

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
        server_time_ms: None,
        log_id: None,
        log_end: None,
        team_devices: None,
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
        server_time_ms: None,
        log_id: None,
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
    serde_json::to_string(&PushResponse {
        results,
        server_time_ms: None,
    })
    .unwrap()
}

fn empty_pull(cursor: i64) -> String {
    serde_json::to_string(&PullResponse {
        changes: Vec::new(),
        cursor,
        more: false,
        server_time_ms: None,
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
        // A server these tests stop is not looked for on the LAN (the
        // discovery tests set their own wait).
        rediscover_wait: Duration::ZERO,
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
    // As enrolled by this version: its key went with the enrollment.
    s.signing_key().unwrap();
    s.note_signing_key_registered().unwrap();
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

fn commune_clone(c: &Commune1) -> Commune1 {
    Commune1 {
        org: c.org.clone(),
        village: c.village,
        member: c.member.clone(),
    }
}
