//! Commands that must not harm a device or leave a script guessing: read
//! commands never create a database, `gocua demo` never lands in a real
//! device, imports go on past bad lines and answer in JSON when asked.

use super::cli::{KEY, device, fails, ok};
use super::words::vietnamese_first;
use gocua_core::DeviceId;
use gocua_device::{DbKey, DeviceToken, NewEnrollment, Store};

#[test]
fn read_commands_never_create_a_database() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("typo.db");
    let village = uuid_like();
    for args in [
        vec!["status"],
        vec!["--json", "status"],
        vec!["org", "show"],
        vec!["household", "list"],
        vec!["household", "search", "an"],
        vec!["worklist", "--village", &village],
        vec!["quota", "--month", "2026-11"],
        vec!["catalogue", "list"],
        vec!["quarantine", "list"],
        vec!["review", "list"],
        vec!["sync"],
        vec!["household", "add", "--village", &village, "--head", "An"],
    ] {
        let out = fails(&db, &args);
        let err = vietnamese_first(&format!("{args:?}"), &out);
        assert!(
            err.contains(db.to_str().unwrap())
                && err.contains("gocua enroll")
                && err.contains("gocua init")
                && err.contains("[no_database]"),
            "{args:?}: {err}"
        );
        assert!(!db.exists(), "{args:?} created {}", db.display());
    }
    // Those that set a device up still do.
    ok(&db, &["init", "--device-name", "Máy mới"]);
    assert!(db.exists());
    assert!(ok(&db, &["status"]).contains("Máy mới"));
}

fn uuid_like() -> String {
    "0193a5b2-7c1d-7e4f-9a2b-3c4d5e6f7a8b".to_string()
}

#[test]
fn org_import_answers_in_json_when_asked() {
    let d = device();
    let file = d.dir.path().join("org.json");
    let out = ok(&d.db, &["--json", "org", "import", file.to_str().unwrap()]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    assert_eq!(v["villages"], d.org.villages.len());
    assert_eq!(v["members"], d.org.members.len());
    assert_eq!(v["commune"]["id"], d.org.commune.id.to_string());
}

#[test]
fn household_import_goes_on_past_bad_lines_and_reports_them_all() {
    let d = device();
    let village = d.org.villages[0].id;
    let good = |name: &str| {
        serde_json::json!({ "village_id": village, "head_name": name, "address": "Số 1" })
            .to_string()
    };
    let lines = [
        good("Hộ một"),
        "{ not json".to_string(),
        good("Hộ hai"),
        serde_json::json!({ "village_id": village, "head_name": "", "address": "Số 2" })
            .to_string(),
        String::new(),
        serde_json::json!({ "village_id": village, "address": "Số 3" }).to_string(),
        // As documented: flags in part, no address.
        serde_json::json!({ "village_id": village, "head_name": "Hộ ba", "flags": { "poor": true } })
            .to_string(),
        // A misspelt field is not dropped silently.
        serde_json::json!({ "village_id": village, "head_name": "Hộ bốn", "phon": "0912345678" })
            .to_string(),
    ];
    let file = d.dir.path().join("ho.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = fails(&d.db, &["household", "import", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let saved: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok "))
        .collect();
    assert_eq!(saved.len(), 3, "every good line saved: {stdout}");
    let err = String::from_utf8_lossy(&out.stderr);
    for n in [2, 4, 6, 8] {
        let line = err
            .lines()
            .find(|l| l.starts_with(&format!("Dòng {n}: ")))
            .unwrap_or_else(|| panic!("line {n} not reported:\n{err}"));
        assert!(
            line.chars().filter(|c| !c.is_ascii()).count() >= 3,
            "line {n}'s reason in Vietnamese: {line}"
        );
    }
    assert!(err.contains("Tên chủ hộ không được để trống"), "{err}");
    assert!(
        err.contains("Đã nhập 3 hộ; 4 dòng không nhập được (dòng 2, 4, 6, 8)"),
        "{err}"
    );
    let listed = ok(&d.db, &["household", "list"]);
    assert_eq!(listed.lines().count(), 3, "{listed}");
    let poor: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "household", "show", saved[2]])).unwrap();
    assert_eq!(poor["household"]["poor"], true, "{poor}");

    // As JSON lines for scripts, with the line numbers.
    let out = fails(
        &d.db,
        &["--json", "household", "import", file.to_str().unwrap()],
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines_of = |with: &str| -> Vec<u64> {
        rows.iter()
            .filter(|r| r.get(with).is_some())
            .map(|r| r["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(lines_of("id"), [1, 3, 7]);
    assert_eq!(lines_of("code"), [2, 4, 6, 8]);
}

fn unsent(db: &std::path::Path) -> i64 {
    Store::open(db, &DbKey::Passphrase(KEY.into()))
        .unwrap()
        .unsent_count()
        .unwrap()
}

#[test]
fn demo_refuses_a_database_that_is_enrolled_or_holds_data() {
    // Holding a commune's data (its organisation and a household).
    let d = device();
    let village = d.org.villages[0].id.to_string();
    ok(
        &d.db,
        &[
            "household",
            "add",
            "--village",
            &village,
            "--head",
            "Hà Thị Lan",
        ],
    );
    let before = ok(&d.db, &["--json", "org", "show"]);
    let out = fails(&d.db, &["demo", "--households", "10"]);
    let err = vietnamese_first("demo on data", &out);
    assert!(
        err.contains("--db") && err.contains("[demo_on_device_with_data]"),
        "{err}"
    );
    assert_eq!(
        ok(&d.db, &["--json", "org", "show"]),
        before,
        "organisation untouched"
    );
    assert_eq!(unsent(&d.db), 1, "nothing added");

    // Enrolled with a commune's server, nothing entered yet.
    let enrolled = d.dir.path().join("enrolled.db");
    {
        let mut s = Store::open(&enrolled, &DbKey::Passphrase(KEY.into())).unwrap();
        s.enroll(&NewEnrollment {
            server_url: "https://192.0.2.1:8443".into(),
            token: DeviceToken::new("tok"),
            server_fingerprint: "AB".repeat(32),
            device_id: DeviceId::new(),
            device_name: "Máy của Lan".into(),
            member_id: d.org.members[0].id,
            scope: serde_json::json!({ "villages": [d.org.villages[0].id] }),
            org: d.org.clone(),
            catalogue: Vec::new(),
        })
        .unwrap();
    }
    let out = fails(&enrolled, &["demo", "--households", "10"]);
    let err = vietnamese_first("demo on enrolled", &out);
    assert!(
        err.contains("192.0.2.1") && err.contains("[demo_on_enrolled_device]"),
        "{err}"
    );
    assert_eq!(unsent(&enrolled), 0, "nothing added");
    let org: serde_json::Value =
        serde_json::from_str(&ok(&enrolled, &["--json", "org", "show"])).unwrap();
    assert_eq!(org["commune"]["id"], d.org.commune.id.to_string());

    // A new file, or a device only set up, takes the demo.
    let fresh = d.dir.path().join("demo.db");
    ok(&fresh, &["demo", "--households", "10"]);
    let set_up = d.dir.path().join("set-up.db");
    ok(&set_up, &["init", "--device-name", "Máy thử"]);
    ok(&set_up, &["demo", "--households", "10"]);
    assert!(unsent(&set_up) > 10);
}

/// Only a team leader's enrolled device is a relay; a device that joined
/// none cannot sync through one. Each says so in Vietnamese.
#[test]
fn relay_commands_say_who_may_use_them() {
    let d = device();
    for args in [
        vec!["relay", "pair", "--url", "https://192.0.2.1:8444"],
        vec!["relay", "serve", "--bind", "127.0.0.1:0"],
    ] {
        let out = fails(&d.db, &args);
        let err = vietnamese_first(&format!("{args:?}"), &out);
        assert!(
            err.contains("tổ trưởng") && err.contains("[not_a_leader]"),
            "{args:?}: {err}"
        );
    }
    let out = fails(&d.db, &["sync", "--relay"]);
    let err = vietnamese_first("sync --relay", &out);
    assert!(
        err.contains("gocua relay join") && err.contains("[no_relay]"),
        "{err}"
    );
    let out = fails(
        &d.db,
        &["relay", "join", "gocua-enroll:v1?url=https://x&code=A"],
    );
    let err = vietnamese_first("relay join", &out);
    assert!(err.contains("[invalid_target]"), "{err}");
}
