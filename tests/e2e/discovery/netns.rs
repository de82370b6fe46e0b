//! Two hosts on one link: namespaces `<name>a` (the server's) and
//! `<name>b` (the phone's), a veth pair between them on 10.X.Y.0/24 (.1
//! the server, .2 the phone). Names and subnet unique per test in this
//! process (and the process id in the names). Removed when dropped, on
//! failure too: deleting a namespace takes its end of the veth pair, and
//! the other end with it.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU8, Ordering};

/// The two namespaces and their link.
pub struct Lan {
    pub server_ns: String,
    pub phone_ns: String,
    /// The subnet: 10.{net.0}.{net.1}.0/24.
    pub net: (u8, u8),
    /// Per-test folder: the phone's files.
    pub dir: tempfile::TempDir,
    server_if: String,
}

fn ip(args: &[&str]) -> Output {
    Command::new("ip")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("ip {args:?}: {e}"))
}

fn ip_ok(args: &[&str]) {
    let out = ip(args);
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether `ip netns` works here; says why not, loudly, and fails when
/// GOCUA_REQUIRE_NETNS=1.
fn netns_available(probe: &str) -> bool {
    let why = match Command::new("ip").args(["netns", "add", probe]).output() {
        Ok(out) if out.status.success() => {
            let _ = Command::new("ip").args(["netns", "del", probe]).output();
            return true;
        }
        Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
        Err(e) => format!("no `ip` command (iproute2): {e}"),
    };
    if std::env::var("GOCUA_REQUIRE_NETNS").as_deref() == Ok("1") {
        panic!("GOCUA_REQUIRE_NETNS=1 but network namespaces are not available: {why}");
    }
    eprintln!(
        "\n!!!! SKIPPED: the two-host discovery test needs root and iproute2 (`ip netns`): \
         {why}. Set GOCUA_REQUIRE_NETNS=1 to make this a failure. !!!!\n"
    );
    false
}

impl Lan {
    /// The two hosts, linked and up; None (after a loud note) where
    /// namespaces are not available.
    pub fn new() -> Option<Lan> {
        static NEXT: AtomicU8 = AtomicU8::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id() % 100_000;
        let name = format!("gcd{pid}x{n}");
        if !netns_available(&format!("{name}p")) {
            return None;
        }
        let lan = Lan {
            server_ns: format!("{name}a"),
            phone_ns: format!("{name}b"),
            net: (200 + n % 50, (pid % 250) as u8),
            dir: tempfile::TempDir::new().expect("a temp folder"),
            server_if: format!("{name}s"),
        };
        // From here on, Drop cleans up whatever was made.
        let phone_if = format!("{name}m");
        ip_ok(&["netns", "add", &lan.server_ns]);
        ip_ok(&["netns", "add", &lan.phone_ns]);
        ip_ok(&[
            "link",
            "add",
            &lan.server_if,
            "netns",
            &lan.server_ns,
            "type",
            "veth",
            "peer",
            "name",
            &phone_if,
            "netns",
            &lan.phone_ns,
        ]);
        let (a, b) = lan.net;
        for (ns, ifname, host) in [
            (&lan.server_ns, &lan.server_if, 1),
            (&lan.phone_ns, &phone_if, 2),
        ] {
            ip_ok(&["-n", ns, "link", "set", "lo", "up"]);
            ip_ok(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("10.{a}.{b}.{host}/24"),
                "dev",
                ifname,
            ]);
            ip_ok(&["-n", ns, "link", "set", ifname, "up"]);
        }
        Some(lan)
    }

    /// The server's host leaves 10.X.Y.1 for 10.X.Y.`host` (a new lease).
    pub fn move_server_address(&self, host: u8) {
        let (a, b) = self.net;
        let ns = &self.server_ns;
        let ifname = &self.server_if;
        ip_ok(&[
            "-n",
            ns,
            "addr",
            "del",
            &format!("10.{a}.{b}.1/24"),
            "dev",
            ifname,
        ]);
        ip_ok(&[
            "-n",
            ns,
            "addr",
            "add",
            &format!("10.{a}.{b}.{host}/24"),
            "dev",
            ifname,
        ]);
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in [&self.server_ns, &self.phone_ns] {
            // Anything still running in it first (a server a failed test
            // left), then the namespace.
            if let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-9", pid]).output();
                }
            }
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}
