//! `admin backup --to FILE` while a phone pushes: each backup is a checked,
//! encrypted snapshot (integrity ok, readable only with the server's key,
//! its change log whole), private, and never written over another file.

use gocua_central::CentralDb;
use gocua_testkit::commune::{Commune, sync};
use gocua_testkit::device::household;
use gocua_testkit::server::{
    RunningServer, admin, admin_command, data_args, key_file, read_key_file, server_bin,
};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The changes a backup's log holds, read as `admin audit` reads them, from
/// a data folder made of the backup alone.
fn changes_in(backup: &Path, key: &Path, commune: &str) -> usize {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(backup, data.join("central.db")).unwrap();
    let out = admin_command(&server_bin(), &[])
        .arg("--data")
        .arg(&data)
        .arg("--key-file")
        .arg(key)
        .args(["--json", "audit", "--commune", commune, "--limit", "1000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list.as_array().expect("a list of changes").len()
}

#[test]
fn backups_taken_while_a_phone_pushes_are_whole_checked_snapshots() {
    let c = Commune::create();
    let bin = server_bin();
    let server = RunningServer::start(&bin, &c.data());
    let mut phone = c.phone(&server, &c.an, "an");
    let village = c.villages[0].parse().unwrap();
    let pusher = std::thread::spawn(move || {
        for i in 0..30 {
            household(&mut phone, village, &format!("Hộ số {i}"));
            sync(&mut phone);
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let key = key_file(&c.data());
    let mut seen = Vec::new();
    for n in 0..3 {
        let file = dir.path().join(format!("sao-luu-{n}.db"));
        let out = admin(&bin, &c.data(), &["backup", "--to", file.to_str().unwrap()]);
        assert!(out["bytes"].as_u64().unwrap() > 0, "{out}");
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let db = CentralDb::open(&file, &read_key_file(&key)).unwrap();
        assert_eq!(db.integrity_check().unwrap(), "ok");
        drop(db);
        seen.push(changes_in(&file, &key, &c.commune));
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    pusher.join().unwrap();
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "later backups hold at least as much: {seen:?}"
    );

    // Never over an existing file, and a clear error.
    let taken = dir.path().join("sao-luu-0.db");
    let before = std::fs::read(&taken).unwrap();
    let out = admin_command(&bin, &data_args(&c.data()))
        .args(["backup", "--to", taken.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Không sao lưu được"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&taken).unwrap(), before);
    server.kill();
}
