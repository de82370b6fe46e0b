//! Members' training end to end, on SQLite and (with GOCUA_TEST_PG_URL)
//! PostgreSQL: the central database keeps sessions, checks them, and hands
//! each device the records its role may hold; `admin training add|list`
//! on the real binary; a leader's phone (a real encrypted store) receiving
//! its team's training on the organisation refresh of a sync.
//!
//! Hand-worked, in the demo commune of two teams (each a leader L and two
//! members M1 M2) and an officer, as of 20/05/2026:
//!   S1 12/03/2026 "Kích hoạt VNeID mức độ 2": L0, M01
//!   S2 02/04/2026 "An toàn thông tin": L0, L1
//!   S3 05/11/2025 "Chữ ký số": M02 (last year: not trained for 2026)
//!   Team 0: L0 M01 trained = 2/3; team 1: L1 = 1/3; goal 30/06/2026,
//!   20/05 → 30/06 both included = 42 days left.
//!   Devices: L0 gets team 0's 4 records, M01 only its own 1, L1 1,
//!   the officer all 5.

use gocua_testkit::{backend, device, http_client, members, officer, on_each_backend, server};

use backend::{Backend, Place};
use chrono::{Duration, NaiveDate};
use device::options;
use gocua_central::CentralError;
use gocua_core::demo::demo_org;
use gocua_core::training::{GoalStatus, TrainingError, TrainingRecord, commune_training};
use gocua_core::{MemberId, OrgSnapshot};
use gocua_device::{DbKey, Store};
use gocua_sync::client;
use members::{enrolled_phone, member, officer};
use server::{RunningServer, admin_command, admin_with, server_bin};
use tempfile::TempDir;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Records as (member, day), sorted, for comparing.
fn pairs(records: &[TrainingRecord]) -> Vec<(MemberId, NaiveDate)> {
    let mut v: Vec<_> = records.iter().map(|r| (r.member_id, r.day)).collect();
    v.sort();
    v
}

fn sessions_are_checked_kept_and_handed_out_by_role(backend: Backend) {
    let place = Place::new(backend);
    let db = place.central();
    let org = demo_org(2);
    db.import_org(&org).unwrap();
    let elsewhere = demo_org(1);
    db.import_org(&elsewhere).unwrap();
    let c = org.commune.id;
    let today = d(2026, 5, 20);
    let (l0, m01, m02) = (member(&org, 0, 0), member(&org, 0, 1), member(&org, 0, 2));
    let l1 = member(&org, 1, 0);
    let lan = officer(&org);

    let s1 = db
        .record_training(
            c,
            "  Kích hoạt   VNeID mức độ 2 ",
            d(2026, 3, 12),
            &[l0, m01, l0],
            Some(lan),
            today,
        )
        .unwrap();
    assert_eq!(s1.topic, "Kích hoạt VNeID mức độ 2", "spaces folded");
    assert_eq!(s1.member_ids, [l0, m01], "L0 once");
    db.record_training(
        c,
        "An toàn thông tin",
        d(2026, 4, 2),
        &[l0, l1],
        None,
        today,
    )
    .unwrap();
    db.record_training(c, "Chữ ký số", d(2025, 11, 5), &[m02], None, today)
        .unwrap();

    // Refused, each with its reason, and nothing kept.
    let refused = |topic: &str, day: NaiveDate, members: &[MemberId]| {
        db.record_training(c, topic, day, members, None, today)
            .unwrap_err()
    };
    assert!(matches!(
        refused("Chữ ký số", d(2026, 5, 21), &[l0]),
        CentralError::Training(TrainingError::FutureDay)
    ));
    let empty = refused(" \u{7} ", today, &[l0]);
    assert_eq!(empty.message_vi(), "Cần ghi nội dung tập huấn.");
    assert!(matches!(
        refused("Chữ ký số", today, &[]),
        CentralError::Training(TrainingError::NoMember)
    ));
    assert!(matches!(
        refused("Chữ ký số", today, &[l0, MemberId::new()]),
        CentralError::NotFound { .. }
    ));
    let outsider = elsewhere.members[0].id;
    assert!(matches!(
        refused("Chữ ký số", today, &[l0, outsider]),
        CentralError::OtherCommune { .. }
    ));

    // Kept, the latest day first, across reopening.
    drop(db);
    let db = place.central();
    let sessions = db.training_sessions(c).unwrap();
    let days: Vec<NaiveDate> = sessions.iter().map(|s| s.day).collect();
    assert_eq!(days, [d(2026, 4, 2), d(2026, 3, 12), d(2025, 11, 5)]);
    assert_eq!(sessions[1].recorded_by, Some(lan));
    assert_eq!(sessions[0].recorded_by, None);
    let mut attended = sessions[0].member_ids.clone();
    attended.sort();
    let mut expected = vec![l0, l1];
    expected.sort();
    assert_eq!(attended, expected);
    assert!(
        db.training_sessions(elsewhere.commune.id)
            .unwrap()
            .is_empty()
    );

    let records = db.training_records(c).unwrap();
    assert_eq!(records.len(), 5);
    let teams = commune_training(&db.org_snapshot(c).unwrap(), &records, today);
    let team0 = teams.iter().find(|t| t.team_id == org.teams[0].id).unwrap();
    let team1 = teams.iter().find(|t| t.team_id == org.teams[1].id).unwrap();
    assert_eq!((team0.trained(), team0.total()), (2, 3));
    assert_eq!((team1.trained(), team1.total()), (1, 3));
    assert_eq!(team0.status(), GoalStatus::Due { days_left: 42 });

    // Each device gets what its role may hold.
    let view = |m: MemberId| {
        let code = db.issue_code(m, Duration::hours(1)).unwrap();
        let e = db.redeem_code(&code.code, "Điện thoại thử").unwrap();
        pairs(&db.org_for(&e.auth).unwrap().training)
    };
    let s1d = d(2026, 3, 12);
    let s2d = d(2026, 4, 2);
    let mut team0_records = vec![(l0, s1d), (l0, s2d), (m01, s1d), (m02, d(2025, 11, 5))];
    team0_records.sort();
    assert_eq!(view(l0), team0_records, "the leader: the team's");
    assert_eq!(view(m01), [(m01, s1d)], "a member: their own");
    assert_eq!(view(l1), [(l1, s2d)]);
    assert_eq!(view(lan), pairs(&records), "the officer: the commune's");

    // S3 was recorded by mistake: deleted, audited, gone from the counts
    // and from what devices get; not from another commune, not twice.
    let s3 = sessions[2].id.clone();
    let other = elsewhere.commune.id;
    assert!(matches!(
        db.delete_training(other, &s3, None, "admin:x"),
        Err(CentralError::NotFound { .. })
    ));
    let gone = db
        .delete_training(c, &s3, Some(lan), "Nguyễn Thị Lan")
        .unwrap();
    assert_eq!(
        (gone.topic.as_str(), gone.day),
        ("Chữ ký số", d(2025, 11, 5))
    );
    assert_eq!(gone.member_ids, [m02]);
    let err = db
        .delete_training(c, &s3, Some(lan), "Nguyễn Thị Lan")
        .unwrap_err();
    assert_eq!(err.message_vi(), "Không tìm thấy buổi tập huấn.");
    let left: Vec<String> = db
        .training_sessions(c)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, [sessions[0].id.clone(), sessions[1].id.clone()]);
    assert_eq!(db.training_records(c).unwrap().len(), 4);
    assert!(
        !view(l0).contains(&(m02, d(2025, 11, 5))),
        "the leader's phone loses it"
    );
    let audit = db.training_deletions(c, 10).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (
            audit[0].member_id,
            audit[0].actor.as_str(),
            audit[0].session_id.as_str()
        ),
        (Some(lan), "Nguyễn Thị Lan", s3.as_str())
    );
    assert_eq!(
        (audit[0].topic.as_str(), audit[0].day),
        ("Chữ ký số", d(2025, 11, 5))
    );
    assert_eq!(audit[0].member_ids, [m02]);
    assert!(db.training_deletions(other, 10).unwrap().is_empty());
}

on_each_backend!(
    sessions_are_checked_kept_and_handed_out_by_role,
    a_leaders_phone_gets_its_teams_training_when_it_syncs,
    an_officer_deletes_a_session_recorded_by_mistake,
);

// ---------------------------------------------------------------------------
// The real server, admin commands and devices.

fn device_store(dir: &TempDir, name: &str) -> Store {
    Store::open(&dir.path().join(name), &DbKey::Raw([5; 32])).expect("open device store")
}

fn sync(store: &mut Store) {
    client::sync(store, &options(), &mut |_| {}).expect("sync");
}

fn a_leaders_phone_gets_its_teams_training_when_it_syncs(backend: Backend) {
    let place = Place::new(backend);
    let server = RunningServer::start_with(&server_bin(), &place.server_args());
    let db_args = place.server_args();
    let admin = |args: &[&str]| admin_with(&server_bin(), &db_args, args);
    let demo = admin(&["demo", "--villages", "2", "--url", &server.url]);
    let org: OrgSnapshot = serde_json::from_value(demo.clone()).unwrap();
    let payload = demo["enrollment"]["payload"].as_str().unwrap();
    let dir = TempDir::new().unwrap();
    let (l0, m01, m02) = (member(&org, 0, 0), member(&org, 0, 1), member(&org, 0, 2));
    let l1 = member(&org, 1, 0);
    assert_eq!(
        Some(l0),
        org.members.first().map(|m| m.id),
        "demo's code is L0's"
    );

    let mut leader = device_store(&dir, "leader.db");
    client::enroll(&mut leader, payload, None, "Máy tổ trưởng", &options()).expect("enroll");
    assert!(leader.training().unwrap().is_empty());

    let s1 = admin(&[
        "training",
        "add",
        "--member",
        &l0.to_string(),
        "--member",
        &m01.to_string(),
        "--topic",
        "Kích hoạt VNeID mức độ 2",
        "--date",
        "12/03/2026",
    ]);
    assert_eq!(s1["day"], "2026-03-12");
    assert_eq!(s1["member_ids"].as_array().map(Vec::len), Some(2));
    admin(&[
        "training",
        "add",
        "--member",
        &l1.to_string(),
        "--topic",
        "An toàn thông tin",
        "--date",
        "2026-04-02",
    ]);
    // A day that cannot be read, and one in the future, are refused.
    for (date, says) in [
        ("32/03/2026", "expected 2026-03-12 or 12/03/2026"),
        ("2099-01-01", "Ngày tập huấn không được sau hôm nay."),
    ] {
        let out = admin_command(&server_bin(), &db_args)
            .args(["training", "add", "--member", &l0.to_string()])
            .args(["--topic", "Chữ ký số", "--date", date])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{date}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{date}: {err}");
    }

    sync(&mut leader);
    let held = leader.training().unwrap();
    assert_eq!(
        held,
        [
            TrainingRecord {
                member_id: l0,
                topic: "Kích hoạt VNeID mức độ 2".into(),
                day: d(2026, 3, 12)
            },
            TrainingRecord {
                member_id: m01,
                topic: "Kích hoạt VNeID mức độ 2".into(),
                day: d(2026, 3, 12)
            },
        ],
        "the team's, not L1's"
    );

    // The list as of 20/05/2026: team 0 at 2/3 with M02 waiting.
    let list = admin(&["training", "list", "--today", "2026-05-20"]);
    assert_eq!(list["sessions"].as_array().map(Vec::len), Some(2));
    let team0 = &list["teams"][0];
    assert_eq!(team0["team_id"], org.teams[0].id.to_string());
    assert_eq!(
        (team0["trained"].as_u64(), team0["total"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(team0["status"], "due");
    assert_eq!(team0["days_left"], 42);
    assert_eq!(team0["untrained"], serde_json::json!([m02.to_string()]));

    // M02's own phone: nothing, then its own session; the leader's refresh
    // brings the whole team to 3/3.
    let mut m02_phone = enrolled_phone(
        &server,
        &db_args,
        m02,
        &dir.path().join("m02.db"),
        "Máy M02",
    );
    sync(&mut m02_phone);
    assert!(m02_phone.training().unwrap().is_empty());
    admin(&[
        "training",
        "add",
        "--member",
        &m02.to_string(),
        "--topic",
        "Chữ ký số",
        "--date",
        "06/05/2026",
    ]);
    sync(&mut m02_phone);
    assert_eq!(
        pairs(&m02_phone.training().unwrap()),
        [(m02, d(2026, 5, 6))]
    );
    sync(&mut leader);
    let team = gocua_core::training::team_training(
        org.teams[0].id,
        &leader.org().unwrap().unwrap().members,
        &leader.training().unwrap(),
        d(2026, 5, 20),
    );
    assert_eq!((team.trained(), team.total()), (3, 3));
    assert_eq!(team.status(), GoalStatus::Met);

    // M02's session was a mistake: `list` shows its id, `delete` takes it
    // (an unknown id is refused), and the leader's phone is back at 2/3.
    let m02_session = list_session(&admin, "Chữ ký số");
    let out = admin_command(&server_bin(), &db_args)
        .args(["training", "list", "--today", "2026-05-20"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("[{m02_session}]")), "{text}");
    let out = admin_command(&server_bin(), &db_args)
        .args(["training", "delete", "01900000-0000-7000-8000-000000000000"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Không tìm thấy buổi tập huấn."), "{err}");
    let gone = admin(&["training", "delete", &m02_session]);
    assert_eq!(gone["topic"], "Chữ ký số");
    assert_eq!(gone["member_ids"], serde_json::json!([m02.to_string()]));
    let list = admin(&["training", "list", "--today", "2026-05-20"]);
    assert_eq!(list["sessions"].as_array().map(Vec::len), Some(2));
    sync(&mut leader);
    let team = gocua_core::training::team_training(
        org.teams[0].id,
        &leader.org().unwrap().unwrap().members,
        &leader.training().unwrap(),
        d(2026, 5, 20),
    );
    assert_eq!((team.trained(), team.total()), (2, 3));
    drop(server);
}

/// The id of the listed session on `topic`.
fn list_session(admin: &dyn Fn(&[&str]) -> serde_json::Value, topic: &str) -> String {
    let list = admin(&["training", "list"]);
    list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["topic"] == topic)
        .and_then(|s| s["id"].as_str())
        .expect("the session is listed")
        .to_string()
}

// ---------------------------------------------------------------------------
// The web page, with a signed-in officer.

/// L0 and M01 recorded at a session only L0 attended: the officer deletes
/// it on /training (asked again first), team 0 drops from 2/3 to 0/3, and
/// the audit says who deleted which session, when.
fn an_officer_deletes_a_session_recorded_by_mistake(backend: Backend) {
    use http_client::{csrf_of, element, get, http, post, sign_in};
    use reqwest::StatusCode;
    use reqwest::header::LOCATION;

    let place = Place::new(backend);
    let server = RunningServer::start_with(&server_bin(), &place.server_args());
    let db_args = place.server_args();
    let admin = |args: &[&str]| admin_with(&server_bin(), &db_args, args);
    let org: OrgSnapshot =
        serde_json::from_value(admin(&["demo", "--villages", "2", "--url", &server.url])).unwrap();
    let (l0, m01) = (member(&org, 0, 0), member(&org, 0, 1));
    let name = |m: MemberId| {
        org.members
            .iter()
            .find(|x| x.id == m)
            .unwrap()
            .full_name
            .clone()
    };
    let today = gocua_core::month::local_date(chrono::Utc::now());
    let day = today.format("%d/%m/%Y").to_string();
    let wrong = admin(&[
        "training",
        "add",
        "--member",
        &l0.to_string(),
        "--member",
        &m01.to_string(),
        "--topic",
        "Kích hoạt VNeID mức độ 2",
        "--date",
        &day,
    ]);
    let wrong = wrong["id"].as_str().unwrap().to_string();
    officer::set_password(&server_bin(), &db_args, &officer(&org).to_string());
    let http = http(&server);
    let session = sign_in(&http, &server.url);
    let url = |p: &str| format!("{}{p}", server.url);
    let team0 = format!("training-team-{}", org.teams[0].id);

    let page = get(&http, &url("/training"), Some(&session))
        .text()
        .unwrap();
    assert!(element(&page, &team0, "</tr>").contains("2 / 3"));
    let row = element(&page, &format!("session-{wrong}"), "</tr>");
    assert!(
        row.contains(r#"action="/training/delete""#) && row.contains("Xóa buổi này"),
        "{row}"
    );
    let csrf = csrf_of(&page);

    // Without the token: refused; an unknown session: not found; no
    // session at all: a sentence. Nothing deleted.
    let delete =
        |pairs: &[(&str, &str)]| post(&http, &url("/training/delete"), Some(&session), pairs);
    let r = delete(&[("session", &wrong), ("confirm", "1")]);
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = delete(&[
        ("csrf", &csrf),
        ("session", "01900000-0000-7000-8000-000000000000"),
        ("confirm", "1"),
    ]);
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = delete(&[("csrf", &csrf), ("session", " ")]);
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .unwrap()
            .contains("chưa chọn buổi tập huấn cần xóa")
    );

    // The button asks again, showing the session; nothing is deleted yet.
    let r = delete(&[("csrf", &csrf), ("session", &wrong)]);
    assert_eq!(r.status(), StatusCode::OK);
    let ask = r.text().unwrap();
    let facts = element(&ask, "delete-session", "</dl>");
    assert!(
        facts.contains("Kích hoạt VNeID mức độ 2") && facts.contains(&day),
        "{facts}"
    );
    assert!(
        facts.contains(&name(l0)) && facts.contains(&name(m01)),
        "{facts}"
    );
    assert!(ask.contains(r#"name="confirm" value="1""#));
    let page = get(&http, &url("/training"), Some(&session))
        .text()
        .unwrap();
    assert!(
        element(&page, &team0, "</tr>").contains("2 / 3"),
        "still there"
    );

    // Confirmed: gone, the team's share without it, the audit says so.
    let csrf = csrf_of(&ask);
    let r = delete(&[("csrf", &csrf), ("session", &wrong), ("confirm", "1")]);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/training?deleted=1");
    let page = get(&http, &url("/training?deleted=1"), Some(&session))
        .text()
        .unwrap();
    assert!(page.contains("Đã xóa buổi tập huấn; việc xóa được ghi vào Nhật ký."));
    assert!(element(&page, &team0, "</tr>").contains("0 / 3"));
    assert!(page.contains(r#"id="no-sessions""#));
    let audit = get(&http, &url("/audit"), Some(&session)).text().unwrap();
    let table = element(&audit, "training-audit", "</table>");
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 1, "{table}");
    assert!(rows[0].contains(&name(officer(&org))), "who: {}", rows[0]);
    assert!(rows[0].contains("Kích hoạt VNeID mức độ 2") && rows[0].contains(&day));
    assert!(rows[0].contains(&name(l0)) && rows[0].contains(&name(m01)));
    // Deleting it again: not found.
    let r = delete(&[("csrf", &csrf), ("session", &wrong), ("confirm", "1")]);
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
