//! Phones with wrong clocks (issue 14). Every server answer carries its
//! time; a device keeps how far its clock is off, warns, dates new work by
//! the server's time, never stamps past what the server takes, and stamps
//! again (same ids) what it stamped ahead before it knew — so a phone whose
//! clock ran fast sends everything, once, after its clock is set right.
//! The phones' clocks are moved with the stores' test hook (library) or
//! `GOCUA_TEST_CLOCK_OFFSET_SECS` (the `gocua` binary).

use super::resets::gocua_ok;
use super::*;
use gocua_core::{Month, month::local_date};
use gocua_testkit::http_client;
use gocua_wire::{PushOutcome, PushResponse};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// This device's changes pushed straight to the server, as a device before
/// this version did while its clock ran ahead: the server's real answer is
/// settled in the store (the refused ones quarantined).
fn push_as_before(store: &mut Store, server: &RunningServer) -> Vec<PushOutcome> {
    let token = store.enrollment().unwrap().expect("enrolled").token;
    let changes: Vec<gocua_core::Change> = store
        .outbox_pending(500)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();
    let body =
        serde_json::to_vec(&gocua_sync::client::signed_push(store, changes.clone()).unwrap())
            .unwrap();
    let resp = http_client::http(server)
        .post(format!("{}{}", server.url, gocua_wire::PUSH))
        .bearer_auth(token.expose())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .expect("push");
    assert!(
        resp.headers().contains_key(gocua_wire::SERVER_TIME_HEADER),
        "every answer carries the server's time"
    );
    let answer: PushResponse = resp.json().expect("push answer");
    let server_ms = answer
        .server_time_ms
        .expect("the push answer's server time");
    assert!((server_ms - Utc::now().timestamp_millis()).abs() < 60_000);
    let (mut accepted, mut rejected) = (Vec::new(), Vec::new());
    for r in &answer.results {
        match &r.outcome {
            PushOutcome::Rejected { code, message } => rejected.push(gocua_device::PushRejection {
                change_id: r.change_id,
                code: code.clone(),
                message: message.clone(),
            }),
            _ => accepted.push(r.change_id),
        }
    }
    store.settle_push(&accepted, &rejected).unwrap();
    answer.results.into_iter().map(|r| r.outcome).collect()
}

/// The visits of a household on a device (voided or not), by id.
fn visit_ids(store: &Store, h: HouseholdId) -> Vec<String> {
    let mut ids: Vec<String> = store
        .household(h)
        .unwrap()
        .visits
        .iter()
        .map(|v| v.id.to_string())
        .collect();
    ids.sort();
    ids
}

/// A leader's phone runs two days fast after enrolling. Its edit and new
/// household are refused as `clock_ahead` (by a device of before this
/// version: held in the quarantine, the clock left two days ahead). The
/// clock is set right; new work goes through, the held changes are
/// stamped again and sent by the next sync by themselves, and the server
/// holds everything once — the leader's edit converges on a team-mate's
/// phone.
fn a_phone_two_days_fast_then_set_right_sends_everything_once(backend: Backend) {
    let w = world(backend);
    let team = w.commune.team_members();
    let (village, _) = w.commune.villages();
    let mut lan = w.device("lan", team[0]);
    let mut minh = w.device("minh", team[1]);
    let shared = add_household(&mut minh, village, "Lò Văn Chung");
    sync(&mut minh);
    sync(&mut lan);

    // Two days fast: what Lan writes now is stamped two days ahead.
    lan.set_clock_shift_for_tests(2 * DAY_MS);
    lan.write(|b| {
        b.update_household(
            shared,
            HouseholdInput {
                village_id: Some(village),
                address: "Xóm Mới".into(),
                head_name: "Lò Văn Chung".into(),
                phone: Some("0912345678".into()),
                flags: HouseholdFlags::default(),
            },
        )
    })
    .expect("the leader's edit");
    let fast = add_household(&mut lan, village, "Hộ Ghi Lúc Nhanh");
    // An edit of a record made while fast: its base is a stamp of the
    // same run, which must follow the re-stamping (else the server would
    // log a conflict that is none).
    lan.write(|b| {
        b.update_household(
            fast,
            HouseholdInput {
                village_id: Some(village),
                address: "Xóm Mới".into(),
                head_name: "Hộ Ghi Lúc Nhanh".into(),
                phone: Some("0987654321".into()),
                flags: HouseholdFlags::default(),
            },
        )
    })
    .expect("an edit while fast");
    let outcomes = push_as_before(&mut lan, &w.server);
    assert_eq!(outcomes.len(), 3);
    for o in &outcomes {
        assert!(
            matches!(o, PushOutcome::Rejected { code, .. } if code == "clock_ahead"),
            "{o:?}"
        );
    }
    assert_eq!(lan.quarantine_count().unwrap(), 3);

    // Set right. New work goes through, stamped by the right time.
    lan.set_clock_shift_for_tests(0);
    let later = add_household(&mut lan, village, "Hộ Ghi Sau Khi Chỉnh");
    log_visit(&mut lan, later, team[0], "Sau khi chỉnh giờ", vec![]);
    log_visit(&mut lan, fast, team[0], "Hộ ghi lúc nhanh", vec![]);
    let stamps: Vec<i64> = lan
        .outbox_pending(100)
        .unwrap()
        .iter()
        .map(|e| e.change.hlc.wall_ms as i64)
        .collect();
    let now = Utc::now().timestamp_millis();
    assert!(
        stamps.iter().all(|s| (s - now).abs() < DAY_MS / 2),
        "every unsent stamp is back by the right time: {stamps:?} vs {now}"
    );
    // The held ones went back in the queue, first.
    assert_eq!(lan.quarantine_count().unwrap(), 0);
    let r = sync(&mut lan);
    assert_eq!((r.rejected, r.unsent, r.quarantined), (0, 0, 0), "{r:?}");
    assert_eq!(r.pushed_applied, 6, "{r:?}");

    // Everything once, on the server and on a team-mate's phone.
    let r = sync(&mut minh);
    assert_eq!(r.pulled_applied, 6, "each change of Lan's once: {r:?}");
    assert_eq!(
        minh.household(shared).unwrap().household.phone.as_deref(),
        Some("0912345678"),
        "the leader's edit converged"
    );
    for h in [fast, later] {
        assert_eq!(visit_ids(&minh, h), visit_ids(&lan, h));
        assert_eq!(visit_ids(&minh, h).len(), 1);
    }
    assert_eq!(
        minh.household(fast).unwrap().household.phone.as_deref(),
        Some("0987654321")
    );
    assert_eq!(snapshot(&minh), snapshot(&lan));
    let commune = w.commune.org.commune.id.to_string();
    let conflicts = w.commune.admin(&["conflicts", "--commune", &commune]);
    assert_eq!(conflicts.as_array().map(Vec::len), Some(0), "{conflicts}");
    assert!(lan.conflicts(10).unwrap().is_empty());
    // A second round sends nothing again.
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.already_had, r.unsent), (0, 0, 0));
}

/// A phone whose clock reads 2010 (sixteen years slow), through the `gocua`
/// binary: enrolled, it warns in `status`; a visit logged "now" counts in
/// this month on the phone and in the server's report; once the clock is
/// set, the warning is gone without a sync.
fn a_phone_years_slow_warns_and_dates_visits_by_the_servers_time(backend: Backend) {
    let w = world(backend);
    let team = w.commune.team_members();
    let (village, _) = w.commune.villages();
    let db = w.dir.path().join("hoa.db");
    let slow = -16 * 365 * 24 * 3600;
    let code = w.commune.code_for(team[1], &w.server.url).to_text();
    gocua_ok(
        &db,
        slow,
        &["enroll", &code, "--device-name", "Máy của Hoa"],
    );

    let status = gocua_ok(&db, slow, &["status"]);
    assert!(
        status.contains("Cảnh báo: Đồng hồ của máy đang chạy chậm 16 năm"),
        "{status}"
    );
    assert!(status.contains("Cài đặt của điện thoại"), "{status}");
    let json: Value = serde_json::from_str(&gocua_ok(&db, slow, &["--json", "status"])).unwrap();
    let offset = json["clock"]["offset_ms"].as_i64().expect("an offset");
    assert!((offset + slow * 1000).abs() < 60_000, "{offset}");

    let h = gocua_ok(
        &db,
        slow,
        &[
            "household",
            "add",
            "--village",
            &village.to_string(),
            "--head",
            "Vi Thị Hoa",
            "--address",
            "Bản Mới",
        ],
    );
    let resident = gocua_ok(
        &db,
        slow,
        &[
            "resident",
            "add",
            "--household",
            h.trim(),
            "--name",
            "Vi Thị Hoa",
            "--birth-year",
            "1990",
            "--sex",
            "female",
            "--smartphone",
        ],
    );
    let action = format!("{}:vneid_l2:done", resident.trim());
    let visit = gocua_ok(
        &db,
        slow,
        &[
            "--json",
            "visit",
            "log",
            "--household",
            h.trim(),
            "--member",
            &team[1].to_string(),
            "--action",
            &action,
        ],
    );
    let visit: Value = serde_json::from_str(&visit).unwrap();
    let this_month = Month::of(local_date(Utc::now())).to_string();
    let at = visit["visit"]["at"].as_str().expect("the visit's time");
    let at = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
    assert_eq!(
        Month::of(local_date(at.to_utc())).to_string(),
        this_month,
        "dated by the server's time: {at}"
    );
    let quota: Value = serde_json::from_str(&gocua_ok(
        &db,
        slow,
        &[
            "--json",
            "quota",
            "--month",
            &this_month,
            "--member",
            &team[1].to_string(),
        ],
    ))
    .unwrap();
    assert_eq!(quota["households_helped"], 1, "{quota}");

    let out = gocua_ok(&db, slow, &["sync"]);
    assert!(out.contains("Chưa gửi: 0 thay đổi"), "{out}");
    assert!(out.contains("Cảnh báo: Đồng hồ"), "{out}");
    let report = w.commune.admin(&["report", "--month", &this_month]);
    assert_eq!(report["work"]["households_helped"], 1, "{report}");

    // The clock is set: no warning, and what the phone logs is dated by
    // its own (now right) clock.
    let status = gocua_ok(&db, 0, &["status"]);
    assert!(!status.contains("Cảnh báo"), "{status}");
}

on_each_backend!(
    a_phone_two_days_fast_then_set_right_sends_everything_once,
    a_phone_years_slow_warns_and_dates_visits_by_the_servers_time,
);
