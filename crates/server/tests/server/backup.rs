//! `admin backup --to FILE` while a phone pushes: each backup is a checked,
//! encrypted snapshot (integrity ok, readable only with the server's key,
//! its change log whole), private, and never written over another file.

use gocua_central::CentralDb;
use gocua_testkit::commune::{Commune, sync};
use gocua_testkit::device::household;
use gocua_testkit::server::{
    RunningServer, admin, admin_command, data_args, data_args_with_key, key_file, read_key_file,
    server_bin,
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
    let out = admin_command(&server_bin(), &data_args_with_key(&data, key))
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

/// The backup files in `dir`, by name.
fn backups_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("central-") && n.ends_with(".db"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn scheduled_backups_rotate_and_a_failure_reaches_the_dashboard() {
    use gocua_testkit::http_client::{get, http, sign_in};
    let c = Commune::create();
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("sao-luu");
    let mut args = data_args(&c.data());
    args.extend(
        [
            "--backup-dir",
            backups.to_str().unwrap(),
            "--backup-every",
            "1s",
        ]
        .into_iter()
        .chain(["--backup-keep", "2"])
        .map(Into::into),
    );
    let server = RunningServer::start_with(&server_bin(), &args);
    // Three ticks at least (the first at start), two files kept.
    let mut names = Vec::new();
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        names = backups_in(&backups);
        if names.len() == 2 {
            break;
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(3_500));
    let later = backups_in(&backups);
    assert_eq!(later.len(), 2, "{later:?}");
    assert_ne!(
        later, names,
        "older backups were rotated out: {names:?} then {later:?}"
    );
    let key = read_key_file(&key_file(&c.data()));
    for name in &later {
        let db = CentralDb::open(&backups.join(name), &key).unwrap();
        assert_eq!(db.integrity_check().unwrap(), "ok");
    }

    // The backup folder is gone (an unplugged disk): the next backups fail,
    // and the office sees it.
    std::fs::remove_dir_all(&backups).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let client = http(&server);
    let session = sign_in(&client, &server.url);
    let page = get(&client, &format!("{}/", server.url), Some(&session))
        .text()
        .unwrap();
    assert!(page.contains("backup-failed"), "no alert on the dashboard");
    assert!(page.contains("Sao lưu tự động bị lỗi"), "{page}");
    server.kill();
}

#[test]
fn restore_refuses_a_running_server_and_a_foreign_backup_and_keeps_the_old_file() {
    let c = Commune::create();
    let bin = server_bin();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sao-luu.db");
    admin(&bin, &c.data(), &["backup", "--to", file.to_str().unwrap()]);
    // After the backup: a village the backup does not have.
    admin(
        &bin,
        &c.data(),
        &[
            "village",
            "add",
            "--commune",
            &c.commune,
            "--name",
            "Thôn Mới",
        ],
    );
    let restore = |from: &Path| {
        admin_command(&bin, &data_args(&c.data()))
            .args(["restore", "--from", from.to_str().unwrap()])
            .output()
            .unwrap()
    };

    let server = RunningServer::start(&bin, &c.data());
    let out = restore(&file);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("hãy dừng máy chủ"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.kill();

    // A backup made under another server's key is refused, nothing moved.
    let other = Commune::create();
    let foreign = dir.path().join("xa-khac.db");
    admin(
        &bin,
        &other.data(),
        &["backup", "--to", foreign.to_str().unwrap()],
    );
    let out = restore(&foreign);
    assert!(!out.status.success(), "a foreign backup was restored");

    // What `admin report` says of the commune names its villages.
    let villages = |data: &Path| {
        let out = admin_command(&bin, &data_args(data))
            .args(["--json", "report", "--month", "2026-11"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("Thôn Mới")
    };
    assert!(
        villages(&c.data()),
        "the village added after the backup is there"
    );
    let out = restore(&file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kept: Vec<String> = std::fs::read_dir(c.data())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with("central.db.before-restore-")
                && !n.ends_with("-wal")
                && !n.ends_with("-shm")
        })
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "the replaced database is kept aside: {kept:?}"
    );
    assert!(!villages(&c.data()), "the backup's state is back");
    // The server starts on the restored database.
    RunningServer::start(&bin, &c.data()).kill();
}
