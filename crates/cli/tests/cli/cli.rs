//! The `gocua` binary on real files: the commands a script or a support
//! person uses, errors in plain words, and durability under kill -9.

use gocua_core::HouseholdId;
use gocua_core::demo::demo_org;
use gocua_device::{DbKey, Store};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

pub(crate) const KEY: &str = "mật khẩu thử nghiệm";

pub(crate) struct Device {
    pub(crate) dir: TempDir,
    pub(crate) db: PathBuf,
    pub(crate) org: gocua_device::OrgSnapshot,
}

/// The `gocua` built with these tests, or the one GOCUA_TEST_BIN names (to
/// see a test fail on an older build before a fix).
pub(crate) fn gocua(db: &Path, args: &[&str]) -> Command {
    let bin =
        std::env::var_os("GOCUA_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_gocua").into());
    let mut c = Command::new(bin);
    c.arg("--db")
        .arg(db)
        .args(args)
        .env("GOCUA_DB_KEY", KEY)
        .stdin(Stdio::null());
    c
}

pub(crate) fn ok(db: &Path, args: &[&str]) -> String {
    let out = gocua(db, args).output().expect("run gocua");
    assert!(
        out.status.success(),
        "gocua {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub(crate) fn fails(db: &Path, args: &[&str]) -> Output {
    let out = gocua(db, args).output().expect("run gocua");
    assert!(!out.status.success(), "gocua {args:?} should fail");
    out
}

pub(crate) fn device() -> Device {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("device.db");
    ok(&db, &["init", "--device-name", "Máy của Lan"]);
    let org = demo_org(1);
    let org_file = dir.path().join("org.json");
    std::fs::write(&org_file, serde_json::to_string(&org).unwrap()).unwrap();
    ok(&db, &["org", "import", org_file.to_str().unwrap()]);
    Device { dir, db, org }
}

#[test]
fn a_members_day_through_the_command_line() {
    let d = device();
    let village = d.org.villages[0].id.to_string();
    let member = d.org.members[0].id.to_string();
    let h = ok(
        &d.db,
        &[
            "household",
            "add",
            "--village",
            &village,
            "--head",
            "Nguyễn Thị Đào",
            "--address",
            "Số 5, ngõ 2",
            "--phone",
            "0912 345 678",
            "--elderly-only",
        ],
    );
    let h = h.trim().to_string();
    let r1 = ok(
        &d.db,
        &[
            "resident",
            "add",
            "--household",
            &h,
            "--name",
            "Nguyễn Thị Đào",
            "--birth-year",
            "1950",
            "--sex",
            "female",
            "--consent",
        ],
    );
    let r2 = ok(
        &d.db,
        &[
            "resident",
            "add",
            "--household",
            &h,
            "--name",
            "Trần Văn Đức",
            "--birth-year",
            "1948",
            "--sex",
            "male",
        ],
    );

    let hits = ok(&d.db, &["household", "search", "nguyen thi dao"]);
    assert!(hits.starts_with(&h), "{hits}");
    let hits: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "household", "search", "duc"])).unwrap();
    assert_eq!(hits[0]["matched_resident"], "Trần Văn Đức");

    let worklist = ok(&d.db, &["worklist", "--member", &member]);
    assert!(
        worklist.contains("Nguyễn Thị Đào") && worklist.contains("Người cao tuổi"),
        "{worklist}"
    );

    let a1 = format!("{}:vneid_l2:done", r1.trim());
    let a2 = format!("{}:bank_account:not_possible:no_smartphone", r2.trim());
    let visit: serde_json::Value = serde_json::from_str(&ok(
        &d.db,
        &[
            "--json",
            "visit",
            "log",
            "--household",
            &h,
            "--member",
            &member,
            "--action",
            &a1,
            "--action",
            &a2,
        ],
    ))
    .unwrap();
    assert_eq!(visit["actions"].as_array().unwrap().len(), 2);

    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let q: serde_json::Value = serde_json::from_str(&ok(
        &d.db,
        &["--json", "quota", "--month", &month, "--member", &member],
    ))
    .unwrap();
    assert_eq!(q["households_helped"], 1);
    assert_eq!(q["assists"], 1, "a not-possible action is not an assist");

    let page = ok(&d.db, &["household", "show", &h]);
    assert!(
        page.contains("Kích hoạt tài khoản định danh điện tử VNeID mức độ 2"),
        "{page}"
    );
    assert!(ok(&d.db, &["worklist", "--member", &member]).contains("Chưa thăm trong tháng"));
    let status: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "status"])).unwrap();
    assert_eq!(
        status["unsent"],
        1 + 2 + 1 + 2,
        "household, residents, visit, actions"
    );
    assert!(ok(&d.db, &["catalogue", "list"]).contains("vneid_l2"));
}

#[test]
fn errors_are_plain_words_on_stderr_with_a_failing_exit() {
    let d = device();
    let village = d.org.villages[0].id.to_string();
    let out = fails(
        &d.db,
        &[
            "household",
            "add",
            "--village",
            &village,
            "--head",
            "Lê Văn Tám",
            "--phone",
            "12345",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Số điện thoại phải gồm 10 chữ số"), "{err}");
    assert!(out.stdout.is_empty());

    let out = fails(&d.db, &["household", "show", "not-a-uuid"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("household 'not-a-uuid'"));
    let out = fails(&d.db, &["quota", "--month", "2026-13"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-13"));

    let out = gocua(&d.db, &["status"])
        .env("GOCUA_DB_KEY", "sai")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Sai mã khóa"));
    let status: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "status"])).unwrap();
    assert_eq!(status["unsent"], 0, "nothing was written by the failures");
}

#[test]
fn every_reported_write_survives_kill_9() {
    let d = device();
    let village = d.org.villages[0].id;
    let mut child = gocua(&d.db, &["household", "import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Feed far more than will be written before the kill; stops when the pipe breaks.
    let feeder = std::thread::spawn(move || {
        for i in 0..100_000 {
            let line = serde_json::json!({
                "village_id": village, "address": format!("Số {i}"), "head_name": format!("Hộ thử {i}"),
            });
            if writeln!(stdin, "{line}").is_err() {
                break;
            }
        }
    });
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut reported: Vec<HouseholdId> = Vec::new();
    let mut line = String::new();
    while reported.len() < 300 {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "gocua stopped early"
        );
        reported.push(line.trim().strip_prefix("ok ").unwrap().parse().unwrap());
    }
    child.kill().unwrap(); // SIGKILL: no chance to flush or clean up
    child.wait().unwrap();
    // Lines already printed before the kill were printed after their commit.
    for rest in reader.lines() {
        let Ok(rest) = rest else { break };
        if let Some(id) = rest.trim().strip_prefix("ok ") {
            reported.push(id.parse().unwrap());
        }
    }
    feeder.join().unwrap();

    let store = Store::open(&d.db, &DbKey::Passphrase(KEY.into())).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let present: std::collections::HashSet<HouseholdId> = store
        .list_households(&[])
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    for id in &reported {
        assert!(present.contains(id), "reported household {id} lost");
    }
    assert!(present.len() >= reported.len());
    assert_eq!(
        store.unsent_count().unwrap() as usize,
        present.len(),
        "each household has its change"
    );
}

#[test]
fn sync_commands_explain_themselves_before_enrollment() {
    let d = device();
    let out = ok(&d.db, &["status"]);
    assert!(out.contains("Chưa đăng ký với máy chủ của xã"), "{out}");
    let status: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "status"])).unwrap();
    assert_eq!(status["enrollment"], serde_json::Value::Null);
    assert_eq!(status["quarantined"], 0);
    assert_eq!(status["sync"]["pull_cursor"], 0);

    let out = fails(&d.db, &["sync"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("chưa đăng ký") && err.contains("[not_enrolled]"),
        "{err}"
    );

    let out = fails(
        &d.db,
        &[
            "enroll",
            "http://192.0.2.1:8443",
            "ABCD",
            "--device-name",
            "x",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("https://") && err.contains("[invalid_target]"),
        "{err}"
    );

    let out = ok(&d.db, &["quarantine", "list"]);
    assert!(out.contains("Không có thay đổi nào bị cách ly"), "{out}");
    assert_eq!(ok(&d.db, &["--json", "quarantine", "list"]).trim(), "[]");
}

#[test]
fn a_quarantined_change_is_retried_or_discarded_from_the_command_line() {
    let d = device();
    let village = d.org.villages[0].id.to_string();
    for head in ["Hà Văn Một", "Hà Văn Hai"] {
        ok(
            &d.db,
            &[
                "household",
                "add",
                "--village",
                &village,
                "--head",
                head,
                "--address",
                "Bản Lác",
            ],
        );
    }
    // The server refused both (as a sync would have settled it).
    let (first, second) = {
        let mut store = Store::open(&d.db, &DbKey::Passphrase(KEY.into())).unwrap();
        let pending = store.outbox_pending(10).unwrap();
        let refuse = |i: usize| gocua_device::PushRejection {
            change_id: pending[i].change.id,
            code: "out_of_scope".into(),
            message: "Bản ghi thuộc thôn ngoài phạm vi.".into(),
        };
        store.settle_push(&[], &[refuse(0), refuse(1)]).unwrap();
        let q = store.quarantine(10).unwrap();
        (q[1].id.to_string(), q[0].id.to_string())
    };
    let list = ok(&d.db, &["quarantine", "list"]);
    assert!(list.contains(&format!("#{first} ")), "{list}");
    assert!(
        list.contains("«Hà Văn Một»") && list.contains("Máy chủ từ chối"),
        "{list}"
    );

    let out = ok(&d.db, &["quarantine", "retry", &first]);
    assert!(
        out.contains("Đã đưa lại thay đổi hộ gia đình «Hà Văn Một»"),
        "{out}"
    );
    assert!(out.contains("lần đồng bộ tới sẽ gửi lại"), "{out}");
    let status: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "status"])).unwrap();
    assert_eq!(
        (status["unsent"].as_i64(), status["quarantined"].as_i64()),
        (Some(1), Some(1))
    );

    let out = ok(
        &d.db,
        &["quarantine", "discard", &second, "--note", "Hộ nhập trùng"],
    );
    assert!(
        out.contains("Đã bỏ thay đổi hộ gia đình «Hà Văn Hai»"),
        "{out}"
    );
    assert!(out.contains("máy chủ sẽ không nhận"), "{out}");
    let out = ok(&d.db, &["quarantine", "discarded"]);
    assert!(
        out.contains("«Hà Văn Hai»") && out.contains("ghi chú: Hộ nhập trùng"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "quarantine", "discarded"])).unwrap();
    assert_eq!(json[0]["note"], "Hộ nhập trùng");
    assert_eq!(json[0]["code"], "out_of_scope");
    assert_eq!(ok(&d.db, &["--json", "quarantine", "list"]).trim(), "[]");

    // Already handled: refused in plain words, with a code.
    for cmd in ["retry", "discard"] {
        let out = fails(&d.db, &["quarantine", cmd, &first]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Lỗi: Không tìm thấy") && err.contains("[not_found]"),
            "{err}"
        );
    }
    let out = fails(&d.db, &["quarantine", "retry", "abc"]);
    assert!(!out.stderr.is_empty());
}

/// `gocua review`: a member's device cannot mark; as the leader (`--member`)
/// a mark is opened, listed for the member, resolved by them with a reply,
/// and reopened by the leader only.
#[test]
fn the_review_loop_from_the_command_line() {
    let d = device();
    let village = d.org.villages[0].id.to_string();
    let of_role = |role: gocua_core::Role| {
        d.org
            .members
            .iter()
            .find(|m| m.role == role)
            .unwrap()
            .id
            .to_string()
    };
    let (leader, member) = (
        of_role(gocua_core::Role::TeamLeader),
        of_role(gocua_core::Role::Member),
    );
    let h = ok(
        &d.db,
        &[
            "household",
            "add",
            "--village",
            &village,
            "--head",
            "Lò Văn Sơn",
            "--address",
            "Bản Mới",
        ],
    );
    let h = h.trim();
    let open = |who: &str| {
        vec![
            "review",
            "open",
            "--kind",
            "household",
            "--target",
            h,
            "--comment",
            "Thiếu số điện thoại",
            "--member",
            who,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let args = open(&member);
    let refused = fails(&d.db, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("Chỉ tổ trưởng hoặc cán bộ xã"), "{err}");
    assert!(err.contains("[not_allowed]"), "{err}");

    let args = open(&leader);
    let args: Vec<&str> = std::iter::once("--json")
        .chain(args.iter().map(String::as_str))
        .collect();
    let mark: serde_json::Value = serde_json::from_str(&ok(&d.db, &args)).unwrap();
    let id = mark["id"].as_str().unwrap();
    assert_eq!(mark["state"], "open");

    let list = ok(&d.db, &["review", "list", "--household", h]);
    assert!(
        list.contains("[Cần sửa] Hộ gia đình – Lò Văn Sơn") && list.contains("Thiếu số điện thoại"),
        "{list}"
    );
    ok(
        &d.db,
        &[
            "review",
            "resolve",
            id,
            "--reply",
            "Đã bổ sung",
            "--member",
            &member,
        ],
    );
    let refused = fails(&d.db, &["review", "reopen", id, "--member", &member]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("[not_allowed]"));
    let list = ok(&d.db, &["review", "list"]);
    assert!(
        list.contains("[Đã sửa]") && list.contains("Trả lời: Đã bổ sung"),
        "{list}"
    );
    ok(&d.db, &["review", "reopen", id, "--member", &leader]);
    let list: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "review", "list"])).unwrap();
    assert_eq!(list[0]["mark"]["state"], "open");
}

/// `gocua … | head -1` whose reader is gone before the first line: gocua
/// ends quietly (exit 0, nothing on stderr), neither killed by SIGPIPE nor
/// panicking on the closed pipe, and a write still lands.
#[test]
fn a_closed_stdout_ends_gocua_quietly() {
    let d = device();
    let village = d.org.villages[0].id.to_string();
    let add = [
        "household",
        "add",
        "--village",
        village.as_str(),
        "--head",
        "Đinh Văn Tuấn",
        "--address",
        "Bản Cọ",
    ];
    let cases: [&[&str]; 4] = [
        &["status"],
        &["catalogue", "list"],
        &["--json", "quarantine", "list"],
        &add,
    ];
    for args in cases {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = gocua(&d.db, args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
            .wait_with_output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {:?} {stderr}",
            out.status
        );
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    let out = ok(&d.db, &["status"]);
    assert!(out.contains("Chưa gửi: 1 thay đổi"), "{out}");
}
