//! Stopping and starting: SIGTERM and a restart keeping everything, an
//! unreachable database.

use super::*;

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

/// A database that cannot be reached stops the server at once, with a
/// clear message that does not show the password.
#[test]
fn an_unreachable_database_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let out = Command::new(server_bin())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(server::data_args(&dir.path().join("data")))
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

on_each_backend!(sigterm_stops_cleanly_and_a_restart_keeps_everything);
