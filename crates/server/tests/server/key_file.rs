//! `--key-file`: the server key lives outside the data folder, is made
//! 0600 on first start, and is refused when others may read it, when it
//! sits in the data folder, or when it is not the database's own; a copy of
//! the data folder alone reveals no name.

use gocua_testkit::server::{
    RunningServer, admin, admin_command, data_args_with_key, key_file, server_bin,
};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn contains(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

/// `admin --data DATA --key-file KEY commune list`.
fn list_with_key(data: &Path, key: &Path) -> Output {
    admin_command(&server_bin(), &data_args_with_key(data, key))
        .args(["--json", "commune", "list"])
        .output()
        .unwrap()
}

fn refused(out: &Output, says: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "accepted: {err}");
    assert!(err.contains(says), "{says:?} not in: {err}");
}

#[test]
fn a_copy_of_the_data_folder_reveals_no_name_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = server_bin();
    let commune = admin(
        &bin,
        &data,
        &[
            "commune",
            "create",
            "--name",
            "Xã Bímậtthử",
            "--province",
            "Thanh Hóa",
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin(
        &bin,
        &data,
        &[
            "village",
            "add",
            "--commune",
            &commune,
            "--name",
            "Thôn Lạthường",
        ],
    );
    let server = RunningServer::start(&bin, &data);
    server.kill();

    let key = key_file(&data);
    assert_eq!(mode(&key), 0o600, "the key file is made private");
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            for name in ["Bímậtthử", "Lạthường"] {
                assert!(
                    !contains(&bytes, name),
                    "{name} readable in {}",
                    path.display()
                );
            }
        }
    }
    let conn = rusqlite::Connection::open(data.join("central.db")).unwrap();
    assert!(
        conn.query_row("SELECT count(*) FROM villages", [], |r| r.get::<_, i64>(0))
            .is_err()
    );
    // With its key, everything is there.
    let out = list_with_key(&data, &key);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Bímậtthử"));
}

#[test]
fn a_key_file_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    admin(&server_bin(), &data, &["commune", "list"]);
    let key = key_file(&data);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    refused(&list_with_key(&data, &key), "chmod 600");
}

#[test]
fn a_key_file_inside_the_data_folder_is_refused_and_not_made() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let inside = data.join("server.key");
    refused(&list_with_key(&data, &inside), "thư mục dữ liệu");
    assert!(!inside.exists());
}

#[test]
fn a_missing_or_other_key_for_an_encrypted_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    admin(
        &server_bin(),
        &data,
        &[
            "commune",
            "create",
            "--name",
            "Xã Thử",
            "--province",
            "Thanh Hóa",
        ],
    );
    // The key was lost: no new one is made (it could not open the file).
    let lost = dir.path().join("lost.key");
    refused(&list_with_key(&data, &lost), "Không tìm thấy tệp khóa");
    assert!(
        !lost.exists(),
        "no new key made for a database that has one"
    );
    // Another key: refused, in Vietnamese.
    let other = dir.path().join("other.key");
    std::fs::write(&other, format!("{}\n", "ab".repeat(32))).unwrap();
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
    refused(
        &list_with_key(&data, &other),
        "Tệp khóa của máy chủ không mở được",
    );
    // The environment names the key as well as the flag.
    let out = admin_command(&server_bin(), &[])
        .arg("--data")
        .arg(&data)
        .env("GOCUA_SERVER_KEY_FILE", key_file(&data))
        .args(["--json", "commune", "list"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Xã Thử"));
}
