//! The real parts: the `gocua-server` binary on 127.0.0.1 (TLS, SQLite in
//! its data folder or PostgreSQL in a scratch schema), devices speaking the
//! wire format over the project's pinned HTTP client, and a TCP relay that
//! counts the bytes that actually cross the wire.

use anyhow::{Context, Result, bail};
use gocua_central::scratch::ScratchSchema;
use gocua_central::{CentralDb, ServerKey};
use gocua_core::{Change, DeviceId, MemberId};
use gocua_sync::tls::{Pin, pinned_http_client};
use gocua_wire::{
    self as wire, EnrollRequest, EnrollResponse, PullResponse, PushOutcome, PushRequest,
    PushResponse,
};
use reqwest::blocking::Client;
use serde::de::DeserializeOwned;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_gocua-server");
/// Longest one request may take before it counts as an error.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A server's home: a data folder, and with PostgreSQL a schema of its own
/// (dropped when this goes).
pub struct Place {
    _dir: TempDir,
    data: PathBuf,
    /// The server key (the benchmark's database is encrypted as a real
    /// server's), and its file for the server process.
    key: ServerKey,
    key_file: PathBuf,
    schema: Option<ScratchSchema>,
}

impl Place {
    /// SQLite when `pg_url` is None.
    pub fn new(pg_url: Option<&str>) -> Result<Place> {
        let dir = TempDir::new()?;
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data)?;
        let schema = pg_url.map(ScratchSchema::create).transpose()?;
        let key = ServerKey::generate();
        let key_file = dir.path().join("server.key");
        write_key(&key_file, &key)?;
        Ok(Place {
            _dir: dir,
            data,
            key,
            key_file,
            schema,
        })
    }

    /// `gocua-server admin` on this place's database (add the command).
    pub fn admin_command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(["admin", "--data"])
            .arg(&self.data)
            .arg("--key-file")
            .arg(&self.key_file);
        if let Some(s) = &self.schema {
            cmd.args(["--database-url", s.url()]);
        }
        cmd
    }

    /// A path for a new file beside the data folder (gone with the place).
    pub fn scratch_file(&self, name: &str) -> PathBuf {
        self._dir.path().join(name)
    }

    pub fn backend(&self) -> &'static str {
        if self.schema.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }

    /// The SQLite file (when there is no PostgreSQL schema).
    pub fn sqlite_file(&self) -> PathBuf {
        self.data.join("central.db")
    }

    /// The server key the database is encrypted under.
    pub fn key(&self) -> &ServerKey {
        &self.key
    }

    /// The PostgreSQL URL of this place's schema.
    pub fn pg_url(&self) -> Option<&str> {
        self.schema.as_ref().map(|s| s.url())
    }

    /// The server's database, opened in this process (for setting up the
    /// organisation and filling it fast, as `gocua-server admin` does).
    pub fn db(&self) -> Result<CentralDb> {
        Ok(match &self.schema {
            Some(s) => CentralDb::connect(s.url(), 4, &self.key)?,
            None => CentralDb::open(&self.data.join("central.db"), &self.key)?,
        })
    }
}

/// The key file as the server keeps it: 64 hex digits, owner-only.
fn write_key(path: &std::path::Path, key: &ServerKey) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    writeln!(opts.open(path)?, "{}", key.to_hex())?;
    Ok(())
}

/// A running `gocua-server serve`; killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub fingerprint: String,
}

impl Server {
    pub fn start(place: &Place) -> Result<Server> {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(&place.data)
            .arg("--key-file")
            .arg(&place.key_file)
            // The bench's 200 phones all come from 127.0.0.1; in the office
            // each has its own address, under the default cap of 128.
            .args(["--max-connections-per-address", "1024"]);
        if let Some(s) = &place.schema {
            cmd.args(["--database-url", s.url()]);
        }
        let mut child = cmd
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting gocua-server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                bail!("the server did not announce itself in time");
            }
        };
        // `listening on https://127.0.0.1:PORT fingerprint HEX`
        let words: Vec<&str> = line.split_whitespace().collect();
        let (Some(url), Some(fp)) = (words.get(2), words.get(4)) else {
            let _ = child.kill();
            bail!("unexpected announcement {line:?}");
        };
        let addr = url
            .strip_prefix("https://")
            .and_then(|a| a.parse().ok())
            .context("address in the announcement")?;
        Ok(Server {
            child,
            addr,
            fingerprint: fp.to_string(),
        })
    }
}

impl Server {
    /// CPU seconds (user + system) the server process has used so far.
    pub fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(&format!("/proc/{}/stat", self.child.id()))
    }
}

/// CPU seconds used by the process whose `stat` file this is (Linux).
pub fn cpu_seconds(stat: &str) -> Option<f64> {
    let text = std::fs::read_to_string(stat).ok()?;
    // Fields after the command name (which is in parentheses).
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(ticks / 100.0)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Issue one enrollment code per member, in process.
pub fn codes(db: &CentralDb, members: &[MemberId]) -> Result<Vec<String>> {
    members
        .iter()
        .map(|m| Ok(db.issue_code(*m, chrono::Duration::hours(2))?.code))
        .collect()
}

/// An enrolled device with its own token and its own HTTP client (so its
/// own TLS connection).
pub struct Device {
    pub id: DeviceId,
    token: String,
    base: String,
    http: Client,
    /// Every push is signed, as a real device's (the server verifies each
    /// change: part of what the ingest figures measure).
    key: std::sync::Arc<gocua_signing::SigningKey>,
}

impl Device {
    /// Enroll over HTTP at `addr` (the server, or a relay in front of it).
    pub fn enroll(addr: SocketAddr, fingerprint: &str, code: &str, name: &str) -> Result<Device> {
        let (http, _) = pinned_http_client(Pin::Fingerprint(fingerprint.into()), TIMEOUT)?;
        let base = format!("https://{addr}");
        let key = gocua_signing::SigningKey::generate()?;
        let body = serde_json::to_vec(&EnrollRequest {
            code: code.into(),
            device_name: name.into(),
            replaces: None,
            keep_id: false,
            signing_key: Some(key.public().to_string()),
        })?;
        let resp = http
            .post(format!("{base}{}", wire::ENROLL))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()?;
        let e: EnrollResponse = answer(resp)?.0;
        Ok(Device {
            id: e.device_id,
            token: e.token,
            base,
            http,
            key: std::sync::Arc::new(key),
        })
    }

    /// The same device reaching the server through another address, on a
    /// new connection.
    pub fn via(&self, addr: SocketAddr, fingerprint: &str) -> Result<Device> {
        let (http, _) = pinned_http_client(Pin::Fingerprint(fingerprint.into()), TIMEOUT)?;
        Ok(Device {
            id: self.id,
            token: self.token.clone(),
            base: format!("https://{addr}"),
            http,
            key: self.key.clone(),
        })
    }

    /// Push a batch; how many changes the server refused.
    pub fn push(&self, changes: &[Change]) -> Result<usize> {
        let body = serde_json::to_vec(&PushRequest {
            changes: changes.to_vec(),
            signatures: changes
                .iter()
                .map(|c| self.key.sign(c).to_string())
                .collect(),
        })?;
        let resp = self
            .http
            .post(format!("{}{}", self.base, wire::PUSH))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()?;
        let r: PushResponse = answer(resp)?.0;
        if r.results.len() != changes.len() {
            bail!("{} results for {} changes", r.results.len(), changes.len());
        }
        let refused: Vec<&PushOutcome> = r
            .results
            .iter()
            .map(|r| &r.outcome)
            .filter(|o| matches!(o, PushOutcome::Rejected { .. }))
            .collect();
        if let Some(first) = refused.first() {
            eprintln!("  refused ({} in batch): {first:?}", refused.len());
        }
        Ok(refused.len())
    }

    /// One pull page, and the size of its body as received (after any
    /// decompression).
    pub fn pull(&self, after: i64, limit: u32) -> Result<(PullResponse, usize)> {
        let resp = self
            .http
            .get(format!(
                "{}{}?after={after}&limit={limit}",
                self.base,
                wire::PULL
            ))
            .bearer_auth(&self.token)
            .send()?;
        answer(resp)
    }
}

/// A 2xx answer parsed, with its body size; anything else an error.
fn answer<T: DeserializeOwned>(resp: reqwest::blocking::Response) -> Result<(T, usize)> {
    let status = resp.status();
    let bytes = resp.bytes()?;
    if !status.is_success() {
        bail!("HTTP {status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok((serde_json::from_slice(&bytes)?, bytes.len()))
}

/// A TCP relay in front of the server that counts the bytes going each
/// way: TLS records, HTTP headers and bodies, as they cross the wire.
pub struct CountingRelay {
    pub addr: SocketAddr,
    down: Arc<AtomicU64>,
    up: Arc<AtomicU64>,
}

impl CountingRelay {
    pub fn start(target: SocketAddr) -> Result<CountingRelay> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (down, up) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (d, u) = (down.clone(), up.clone());
        // Runs until the bench ends.
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                let (d, u) = (d.clone(), u.clone());
                std::thread::spawn(move || copy(server, c2, &d));
                std::thread::spawn(move || copy(client, s2, &u));
            }
        });
        Ok(CountingRelay { addr, down, up })
    }

    /// Bytes (server → client, client → server) since the last call.
    pub fn take(&self) -> (u64, u64) {
        (
            self.down.swap(0, Ordering::SeqCst),
            self.up.swap(0, Ordering::SeqCst),
        )
    }
}

fn copy(mut from: TcpStream, mut to: TcpStream, count: &AtomicU64) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                count.fetch_add(n as u64, Ordering::SeqCst);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}
