//! A team leader's relay for a test: `gocua relay serve` (the workspace's
//! `gocua` binary, see `bins`) on a free loopback port over the leader's
//! device file, and `gocua relay pair --json` for a pairing text. The
//! leader's file is opened by passphrase (`RELAY_KEY`), as the CLI opens
//! files, so the test and the relay process can both hold it.

use gocua_device::DbKey;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The passphrase of the leaders' device files in relay tests.
pub const RELAY_KEY: &str = "khoa-thu-tram-chuyen-tiep";

/// How a test opens a leader's device file.
pub fn relay_db_key() -> DbKey {
    DbKey::Passphrase(RELAY_KEY.into())
}

/// The `gocua` command-line binary.
pub fn cli_bin() -> PathBuf {
    crate::bins::binary("gocua-cli", "gocua")
}

/// `gocua --db DB ARGS…` with the leader's key.
pub fn cli(db: &Path) -> Command {
    let mut cmd = Command::new(cli_bin());
    cmd.arg("--db")
        .arg(db)
        .env("GOCUA_DB_KEY", RELAY_KEY)
        .stdin(Stdio::null());
    cmd
}

/// A running relay; killed when dropped.
pub struct RunningRelay {
    child: Child,
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// SHA-256 of the relay's certificate, lower-case hex.
    pub fingerprint: String,
    db: PathBuf,
}

impl RunningRelay {
    /// `gocua relay serve --bind 127.0.0.1:0` over the leader's file `db`,
    /// waiting (bounded) for its announcement line.
    pub fn start(db: &Path) -> RunningRelay {
        Self::start_with(cli(db))
    }

    /// As `start`, through `cmd` (`cli(db)`, perhaps wrapped to limit it).
    pub fn start_with(mut cmd: Command) -> RunningRelay {
        let db = cmd
            .get_args()
            .nth(1)
            .map(PathBuf::from)
            .expect("cli(db) names the file");
        let mut child = cmd
            .args(["relay", "serve", "--bind", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gocua relay serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() != 5 || words[..2] != ["listening", "on"] {
            let _ = child.kill();
            let out = child.wait_with_output();
            panic!("the relay did not announce itself: {line:?} {out:?}");
        }
        RunningRelay {
            url: words[2].to_string(),
            fingerprint: words[4].to_string(),
            child,
            db,
        }
    }

    /// The process id (for a cgroup to hold it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A new one-time pairing text from `gocua relay pair --json`.
    pub fn pair(&self) -> String {
        pair(&self.db)
    }
}

/// `gocua relay pair --json` on the leader's file: the pairing text.
pub fn pair(db: &Path) -> String {
    let out = cli(db)
        .args(["--json", "relay", "pair"])
        .output()
        .expect("run gocua relay pair");
    assert!(
        out.status.success(),
        "relay pair failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("pair --json");
    v["text"].as_str().expect("the pairing text").to_string()
}

impl Drop for RunningRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
