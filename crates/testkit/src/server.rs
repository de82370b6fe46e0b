//! Starting the real `gocua-server` binary for a test, and its admin
//! commands. The binary is the workspace's (`server_bin()`, see `bins`);
//! which database it uses, from the arguments given (`--data DIR`, and
//! `--database-url URL` for PostgreSQL: see `backend::Place::server_args`).

use gocua_central::ServerKey;
use serde_json::Value;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running server; killed (SIGKILL) when dropped.
pub struct RunningServer {
    child: Child,
    /// The address it listens on (`127.0.0.1:PORT`, a free port).
    pub addr: SocketAddr,
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// SHA-256 of its certificate, lower-case hex.
    pub fingerprint: String,
}

/// `--data DIR --key-file DIR.key`: an embedded SQLite server in that
/// folder, its key beside it (never inside: the server refuses that).
pub fn data_args(data: &Path) -> Vec<OsString> {
    data_args_with_key(data, &key_file(data))
}

/// `--data DIR --key-file KEY`: the data folder with a key file of the
/// test's choosing (a lost, shared or other key; a backup's folder).
pub fn data_args_with_key(data: &Path, key: &Path) -> Vec<OsString> {
    vec![
        "--data".into(),
        data.as_os_str().to_owned(),
        "--key-file".into(),
        key.as_os_str().to_owned(),
    ]
}

/// The key file the tests give the server of data folder `data`: `DATA.key`
/// beside the folder. The server makes it on first start where absent.
pub fn key_file(data: &Path) -> PathBuf {
    let mut name = data.file_name().unwrap_or_default().to_os_string();
    name.push(".key");
    data.with_file_name(name)
}

/// The server key in `path` (written by the server or `write_key_file`).
pub fn read_key_file(path: &Path) -> ServerKey {
    let text = std::fs::read_to_string(path).expect("the server's key file");
    ServerKey::from_hex(&text).expect("a key file of 64 hex digits")
}

/// Write `key` to `path` as the server keeps it (0600).
pub fn write_key_file(path: &Path, key: &ServerKey) {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).expect("create the key file");
    writeln!(f, "{}", key.to_hex()).expect("write the key file");
}

impl RunningServer {
    /// `bin serve` on SQLite in `data`: see `start_with`.
    pub fn start(bin: &Path, data: &Path) -> RunningServer {
        Self::start_with(bin, &data_args(data))
    }

    /// Start `bin serve --bind 127.0.0.1:0 DB_ARGS…` and wait for its
    /// announcement line (bounded wait).
    pub fn start_with(bin: &Path, db_args: &[OsString]) -> RunningServer {
        Self::start_limited(bin, db_args, None, None)
    }

    /// `start_with`, the server held to `fd_limit` open files (`ulimit -n`,
    /// soft and hard, so it cannot raise it back) and its log (warnings)
    /// written to the file `log` instead of the test's standard error.
    pub fn start_limited(
        bin: &Path,
        db_args: &[OsString],
        fd_limit: Option<u32>,
        log: Option<&Path>,
    ) -> RunningServer {
        Self::spawn(bin, db_args, fd_limit, log, "127.0.0.1:0")
    }

    /// `start_with` on the address `addr` (a server started again where
    /// its devices know it, e.g. after a restore).
    pub fn start_at(bin: &Path, db_args: &[OsString], addr: SocketAddr) -> RunningServer {
        Self::spawn(bin, db_args, None, None, &addr.to_string())
    }

    fn spawn(
        bin: &Path,
        db_args: &[OsString],
        fd_limit: Option<u32>,
        log: Option<&Path>,
        bind: &str,
    ) -> RunningServer {
        let mut cmd = match fd_limit {
            Some(n) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(bin);
                sh
            }
            None => Command::new(bin),
        };
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("the server's log file")),
            None => Stdio::inherit(),
        };
        let mut child = cmd
            .args(["serve", "--bind", bind])
            .args(db_args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
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
            let _ = child.wait();
            panic!("the server did not announce itself in time");
        };
        // `listening on https://127.0.0.1:PORT fingerprint HEX`
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.len(), 5, "announcement: {line:?}");
        assert_eq!(&words[..2], ["listening", "on"], "{line:?}");
        assert_eq!(words[3], "fingerprint", "{line:?}");
        let url = words[2].to_string();
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        let addr = url
            .strip_prefix("https://")
            .and_then(|a| a.parse().ok())
            .expect("address in the announcement");
        let fingerprint = words[4].to_string();
        assert_eq!(fingerprint.len(), 64, "{fingerprint}");
        RunningServer {
            child,
            addr,
            url,
            fingerprint,
        }
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has stopped, without waiting.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("wait on gocua-server")
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

/// `bin admin DB_ARGS…`, for the caller to finish.
pub fn admin_command(bin: &Path, db_args: &[OsString]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("admin").args(db_args).stdin(Stdio::null());
    cmd
}

/// Run `bin admin DB_ARGS… --json args…`, which must succeed, and parse
/// what it prints.
pub fn admin_with(bin: &Path, db_args: &[OsString], args: &[&str]) -> Value {
    let out = admin_command(bin, db_args)
        .arg("--json")
        .args(args)
        .output()
        .expect("run gocua-server admin");
    assert!(
        out.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("admin prints JSON")
}

/// `admin_with` on SQLite in `data`.
pub fn admin(bin: &Path, data: &Path, args: &[&str]) -> Value {
    admin_with(bin, &data_args(data), args)
}

/// A one-time enrollment code for a member (SQLite in `data`).
pub fn enroll_code(bin: &Path, data: &Path, member: &str) -> String {
    admin(bin, data, &["enroll-code", "--member", member])["code"]
        .as_str()
        .expect("code")
        .to_string()
}

/// The `gocua-server` binary of this workspace (built first if missing).
pub fn server_bin() -> PathBuf {
    crate::bins::binary("gocua-server", "gocua-server")
}

/// The organisation made as the commune office makes it, with `gocua-server
/// admin` on the database `db_args` names: each call returns the new
/// row's id.
pub struct OrgAdmin<'a> {
    bin: PathBuf,
    db_args: &'a [OsString],
}

impl<'a> OrgAdmin<'a> {
    /// The admin of the database `db_args` names.
    pub fn new(db_args: &'a [OsString]) -> OrgAdmin<'a> {
        OrgAdmin {
            bin: server_bin(),
            db_args,
        }
    }

    fn id(&self, args: &[&str]) -> String {
        admin_with(&self.bin, self.db_args, args)["id"]
            .as_str()
            .expect("an id")
            .to_string()
    }

    /// A commune of Thanh Hóa.
    pub fn commune(&self, name: &str) -> String {
        self.id(&[
            "commune",
            "create",
            "--name",
            name,
            "--province",
            "Thanh Hóa",
        ])
    }

    /// A village of `commune`.
    pub fn village(&self, commune: &str, name: &str) -> String {
        self.id(&["village", "add", "--commune", commune, "--name", name])
    }

    /// A team serving one village.
    pub fn team(&self, commune: &str, name: &str, village: &str) -> String {
        self.id(&[
            "team",
            "add",
            "--commune",
            commune,
            "--name",
            name,
            "--village",
            village,
        ])
    }

    /// A member with `role`, of `team` unless commune-wide.
    pub fn member(&self, commune: &str, name: &str, role: &str, team: Option<&str>) -> String {
        let mut args = vec![
            "member",
            "add",
            "--commune",
            commune,
            "--name",
            name,
            "--role",
            role,
        ];
        if let Some(t) = team {
            args.extend(["--team", t]);
        }
        self.id(&args)
    }
}
