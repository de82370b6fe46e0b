//! Starting the real `gocua-server` binary for a test, and its admin
//! commands. The binary path comes from the including test crate.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running server; killed (SIGKILL) when dropped.
pub struct RunningServer {
    child: Child,
    pub addr: SocketAddr,
    pub fingerprint: String,
}

impl RunningServer {
    /// Start `bin serve` on 127.0.0.1 with a free port and wait for its
    /// announcement line (bounded wait).
    pub fn start(bin: &Path, data: &Path) -> RunningServer {
        let mut child = Command::new(bin)
            .args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(data)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start gocua-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("the server did not announce itself in time");
        };
        // `listening on https://127.0.0.1:PORT fingerprint HEX`
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.len(), 5, "announcement: {line:?}");
        let addr = words[2]
            .strip_prefix("https://")
            .and_then(|a| a.parse().ok())
            .expect("address in the announcement");
        RunningServer {
            child,
            addr,
            fingerprint: words[4].to_string(),
        }
    }

    /// SIGKILL: no chance to flush or finish anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `bin admin --json --data DATA args…` and parse what it prints.
pub fn admin(bin: &Path, data: &Path, args: &[&str]) -> Value {
    let out = Command::new(bin)
        .args(["admin", "--json", "--data"])
        .arg(data)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run gocua-server admin");
    assert!(
        out.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("admin prints JSON")
}

/// A one-time enrollment code for a member.
pub fn enroll_code(bin: &Path, data: &Path, member: &str) -> String {
    admin(bin, data, &["enroll-code", "--member", member])["code"]
        .as_str()
        .expect("code")
        .to_string()
}

pub fn server_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_gocua-server"))
}
