//! The data folder is the owner's alone: made 0700 with every file in it
//! 0600 (the database, its `-wal` and `-shm`, `server.json`, the TLS key and
//! certificate, and what was there before), whatever the umask or the
//! folder's mode before.

use gocua_testkit::server::{RunningServer, data_args, server_bin};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every folder under `dir` and `dir` itself 0700, every file 0600; the
/// files seen.
fn assert_private(dir: &Path) -> Vec<String> {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(assert_private(&path));
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            files.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    files
}

#[test]
fn the_data_folder_and_every_file_in_it_are_the_owners_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let old = data.join("ghi-chu.txt");
    std::fs::write(&old, "a file left there before").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();

    // An admin command under the most open umask: every file it makes
    // would be world-readable and writable by default.
    let bin = server_bin();
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(&bin)
        .arg("admin")
        .args(data_args(&data))
        .args(["--json", "commune", "create", "--name", "Xã Thử"])
        .args(["--province", "Thanh Hóa"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_private(&data);

    // The server itself: its database (written to, with its WAL), its
    // certificate and key, server.json.
    let server = RunningServer::start(&bin, &data);
    let files = assert_private(&data);
    for name in ["central.db", "server.json", "ghi-chu.txt"] {
        assert!(files.iter().any(|f| f == name), "{name} in {files:?}");
    }
    assert!(
        files
            .iter()
            .any(|f| f.ends_with(".pem") || f.ends_with(".key")),
        "{files:?}"
    );
    server.kill();
}
