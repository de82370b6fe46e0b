//! The real processes on the two hosts: `gocua-server serve` in the
//! server's namespace, the `gocua` CLI in the phone's.

use super::netns::Lan;
use gocua_testkit::bins::binary;
use gocua_testkit::server::{data_args, server_bin};
use gocua_wire::EnrollmentPayload;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The phone's database key (the CLI reads GOCUA_DB_KEY).
const DB_KEY: &str = "khoa-thu-nghiem";

/// `gocua-server serve --bind 0.0.0.0:0` on the server's host; stopped
/// with SIGTERM (its announcement withdrawn) when dropped.
pub struct NsServer {
    child: Child,
    pub port: u16,
    pub fingerprint: String,
}

impl NsServer {
    pub fn start(lan: &Lan, data: &Path, extra: &[&str]) -> NsServer {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &lan.server_ns])
            .arg(server_bin())
            .args(["serve", "--bind", "0.0.0.0:0"])
            .args(data_args(data))
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start gocua-server in the namespace");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start in time");
        };
        // `listening on https://0.0.0.0:PORT fingerprint HEX`
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.len(), 5, "{line:?}");
        let port = words[2]
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("a port in {line:?}"));
        NsServer {
            child,
            port,
            fingerprint: words[4].to_string(),
        }
    }

    /// The enrollment code's text as the office prints it, for the
    /// server's first address (10.X.Y.1).
    pub fn payload(&self, lan: &Lan, code: &str) -> String {
        EnrollmentPayload {
            url: format!("https://10.{}.{}.1:{}", lan.net.0, lan.net.1, self.port),
            code: code.to_string(),
            fingerprint: Some(self.fingerprint.clone()),
        }
        .to_text()
    }
}

impl Drop for NsServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .output();
        let until = Instant::now() + Duration::from_secs(15);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `gocua [--db DIR/db] ARGS…` on the phone's host.
fn run(lan: &Lan, db: Option<&str>, args: &[&str], json: bool) -> String {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &lan.phone_ns])
        .arg(binary("gocua-cli", "gocua"))
        .env("GOCUA_DB_KEY", DB_KEY)
        .stdin(Stdio::null());
    if let Some(db) = db {
        cmd.arg("--db").arg(lan.dir.path().join(db));
    }
    if json {
        cmd.arg("--json");
    }
    let out = cmd.args(args).output().expect("run gocua");
    assert!(
        out.status.success(),
        "gocua {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `gocua --json ARGS…` on the phone's host, which must succeed.
pub fn cli(lan: &Lan, db: Option<&str>, args: &[&str]) -> Value {
    let out = run(lan, db, args, true);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("JSON from {args:?}: {e}: {out}"))
}

/// `gocua ARGS…` on the phone's host, as people read it.
pub fn cli_text(lan: &Lan, db: Option<&str>, args: &[&str]) -> String {
    run(lan, db, args, false)
}

/// `gocua discover --json` from the phone's host until `done` says so or
/// `limit` has passed; the last list.
pub fn discover_until(lan: &Lan, limit: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let until = Instant::now() + limit;
    loop {
        let list = cli(lan, None, &["discover", "--wait", "2"]);
        let list = list.as_array().cloned().unwrap_or_default();
        if done(&list) || Instant::now() >= until {
            return list;
        }
    }
}
