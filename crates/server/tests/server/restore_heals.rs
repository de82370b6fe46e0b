//! Issue 14's finding 1: a server restored from last week's backup lost
//! what devices had sent since, and nobody was told. Now the restore gives
//! the change log a new identity; each device, on its next sync, sends
//! again every change it authored and pulls again from the start. A device
//! enrolled after the backup is told to enroll again, gets its own id back,
//! and sends its work the same way. The office sees who has not re-sent.

use chrono::Utc;
use gocua_core::OrgSnapshot;
use gocua_core::month::{Month, local_date};
use gocua_core::{HouseholdId, MemberId, VillageId};
use gocua_device::Store;
use gocua_sync::client::{self, SyncError};
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::commune::{Commune, sync};
use gocua_testkit::device::{household, options, resident, visit_now};
use gocua_testkit::http_client::{get, http, sign_in};
use gocua_testkit::members::{enrolled_phone, member};
use gocua_testkit::on_each_backend;
use gocua_testkit::server::{RunningServer, admin, admin_with, data_args, server_bin};
use gocua_wire::EnrollmentPayload;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;

/// A household with one resident, visited now by `member` with one assist.
fn visited_household(store: &mut Store, village: VillageId, member: MemberId, head: &str) {
    let h: HouseholdId = household(store, village, head);
    let r = resident(store, h, head, 1980);
    visit_now(store, h, r, member);
}

fn names(store: &Store, villages: &[VillageId]) -> Vec<String> {
    let mut n: Vec<String> = store
        .list_households(villages)
        .unwrap()
        .into_iter()
        .map(|h| h.head_name)
        .collect();
    n.sort();
    n
}

/// Households and assists of `member` this month, on `store`.
fn figures(store: &Store, member: MemberId) -> (usize, usize) {
    let m = store
        .member_month(member, Month::of(local_date(Utc::now())))
        .unwrap();
    (m.households_helped, m.assists)
}

/// Each phone's figures for its own member.
fn figures_of(phones: [(&Store, MemberId); 4]) -> Vec<(usize, usize)> {
    phones.iter().map(|(p, who)| figures(p, *who)).collect()
}

/// Enroll `store` again with a new code for `member`.
fn enroll_again(c: &Commune, server: &RunningServer, store: &mut Store, member: &str) {
    let code = admin_with(
        &server_bin(),
        &data_args(&c.data()),
        &["enroll-code", "--member", member, "--url", &server.url],
    );
    let code = EnrollmentPayload::parse(code["payload"].as_str().unwrap()).unwrap();
    client::enroll_with(store, &code, "máy đăng ký lại", &options()).expect("enrolled again");
}

#[test]
fn after_a_restore_every_device_sends_its_work_again_and_all_agree() {
    let c = Commune::create();
    let bin = server_bin();
    let mut server = RunningServer::start(&bin, &c.data());
    let v: Vec<VillageId> = c.villages.iter().map(|v| v.parse().unwrap()).collect();
    let m = |s: &str| -> MemberId { s.parse().unwrap() };
    let (an, binh, cuong, dung) = (m(&c.an), m(&c.binh), m(&c.cuong), m(&c.dung));
    // An and Bình are team-mates (Tổ 1, Thôn Đông); Cường is in Tổ 2.
    let mut an_phone = c.phone(&server, &c.an, "an");
    let mut binh_phone = c.phone(&server, &c.binh, "binh");
    let mut cuong_phone = c.phone(&server, &c.cuong, "cuong");

    visited_household(&mut an_phone, v[0], an, "Hộ An trước");
    visited_household(&mut binh_phone, v[0], binh, "Hộ Bình trước");
    visited_household(&mut cuong_phone, v[1], cuong, "Hộ Cường trước");
    for p in [&mut an_phone, &mut binh_phone, &mut cuong_phone] {
        sync(p);
    }

    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("sao-luu.db");
    admin(
        &bin,
        &c.data(),
        &["backup", "--to", backup.to_str().unwrap()],
    );

    // After the backup: more work, and a device enrolled only now.
    visited_household(&mut an_phone, v[0], an, "Hộ An sau");
    visited_household(&mut binh_phone, v[0], binh, "Hộ Bình sau");
    visited_household(&mut cuong_phone, v[1], cuong, "Hộ Cường sau");
    let mut dung_phone = c.phone(&server, &c.dung, "dung");
    visited_household(&mut dung_phone, v[2], dung, "Hộ Dũng sau");
    for p in [
        &mut an_phone,
        &mut binh_phone,
        &mut cuong_phone,
        &mut dung_phone,
    ] {
        sync(p);
    }
    let before = figures_of([
        (&an_phone, an),
        (&binh_phone, binh),
        (&cuong_phone, cuong),
        (&dung_phone, dung),
    ]);
    assert!(before.iter().all(|f| f.0 >= 1), "{before:?}");

    let addr = server.addr;
    server.kill();
    let restored = admin(
        &bin,
        &c.data(),
        &["restore", "--from", backup.to_str().unwrap()],
    );
    assert!(restored["log_id"].is_string(), "{restored}");
    server = RunningServer::start_at(&bin, &data_args(&c.data()), addr);

    // The office sees that three devices have yet to send again.
    let listed = admin(&bin, &c.data(), &["devices", "--commune", &c.commune]);
    let waiting = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["waiting_to_resend"] == true)
        .count();
    assert_eq!(waiting, 3, "{listed}");
    let client = http(&server);
    let session = sign_in(&client, &server.url);
    let page = get(&client, &format!("{}/", server.url), Some(&session))
        .text()
        .unwrap();
    assert!(
        page.contains("còn 3 thiết bị chưa gửi lại"),
        "the dashboard says who has not re-sent"
    );

    // An's next sync sends everything An made again, with no action.
    let report = sync(&mut an_phone);
    assert_eq!(report.requeued_after_restore, 8, "{report:?}");
    assert!(
        report.pushed_applied == 4,
        "the lost half is taken: {report:?}"
    );
    assert!(report.already_had == 4, "the rest was had: {report:?}");
    assert_eq!(report.resent_after_restore, Some(8), "{report:?}");
    let notice = an_phone.restore_notice().unwrap().expect("a notice");
    assert!(
        notice.contains("Máy chủ xã vừa được khôi phục từ bản sao lưu")
            && notice.contains("đã gửi lại 8 thay đổi"),
        "{notice}"
    );
    // Its next sync is an ordinary one.
    let again = sync(&mut an_phone);
    assert_eq!(again.requeued_after_restore, 0, "{again:?}");
    assert_eq!(again.pushed_applied + again.already_had, 0, "{again:?}");

    // Dũng's device was enrolled after the backup: the server does not know
    // it. It is told to enroll again, keeps its id, and sends its work.
    let err = client::sync(&mut dung_phone, &options(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized), "{err:?}");
    assert!(
        err.message_vi().contains("đăng ký lại"),
        "{}",
        err.message_vi()
    );
    let dung_id = dung_phone.device().unwrap().unwrap().device_id;
    enroll_again(&c, &server, &mut dung_phone, &c.dung);
    assert_eq!(dung_phone.device().unwrap().unwrap().device_id, dung_id);
    let report = sync(&mut dung_phone);
    assert_eq!(report.requeued_after_restore, 4, "{report:?}");
    assert_eq!(report.pushed_applied, 4, "{report:?}");

    for p in [&mut binh_phone, &mut cuong_phone] {
        let r = sync(p);
        assert!(r.resent_after_restore.is_some(), "{r:?}");
    }
    let listed = admin(&bin, &c.data(), &["devices", "--commune", &c.commune]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["waiting_to_resend"] == false),
        "{listed}"
    );
    let page = get(&client, &format!("{}/", server.url), Some(&session))
        .text()
        .unwrap();
    assert!(!page.contains("chưa gửi lại"), "nobody is waiting any more");

    // Everyone pulls once more: team-mates see each other's new work, and
    // every device's figures are what they were before the restore.
    for p in [
        &mut an_phone,
        &mut binh_phone,
        &mut cuong_phone,
        &mut dung_phone,
    ] {
        sync(p);
    }
    let after = figures_of([
        (&an_phone, an),
        (&binh_phone, binh),
        (&cuong_phone, cuong),
        (&dung_phone, dung),
    ]);
    assert_eq!(after, before);
    let team1 = ["Hộ An sau", "Hộ An trước", "Hộ Bình sau", "Hộ Bình trước"];
    assert_eq!(names(&an_phone, &v[..1]), team1);
    assert_eq!(names(&binh_phone, &v[..1]), team1);

    // The server holds each change once, and each figure: an officer's
    // fresh device, a pure view of the server, agrees with every member.
    let mut officer = c.phone(&server, &c.officer, "officer");
    sync(&mut officer);
    let all = names(&officer, &v);
    assert_eq!(all.len(), 7, "each household once: {all:?}");
    assert_eq!(
        all.iter().collect::<BTreeSet<_>>().len(),
        7,
        "no household twice: {all:?}"
    );
    for (who, f) in [an, binh, cuong, dung].into_iter().zip(&after) {
        assert_eq!(figures(&officer, who), *f);
    }
    let log = admin(
        &bin,
        &c.data(),
        &["audit", "--commune", &c.commune, "--limit", "1000"],
    );
    let ids: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["change_id"].as_str())
        .collect();
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        ids.len(),
        "no change twice in the log"
    );
    server.kill();
}

/// The same on either backend, through `admin backup` and `admin restore`
/// (on PostgreSQL: `pg_dump` and `pg_restore`): the phone sends again what
/// the backup lacks, and a team-mate then receives it.
fn backup_and_restore_on_each_backend_heal_the_phones(backend: Backend) {
    let p = Place::new(backend);
    let args = p.server_args();
    let bin = server_bin();
    let org: OrgSnapshot =
        serde_json::from_value(admin_with(&bin, &args, &["demo", "--villages", "1"])).unwrap();
    let mut server = RunningServer::start_with(&bin, &args);
    let village = org.villages[0].id;
    let mut phone = enrolled_phone(
        &server,
        &args,
        member(&org, 0, 1),
        &p.path().join("a.db"),
        "a",
    );
    household(&mut phone, village, "Trước sao lưu");
    sync(&mut phone);
    let backup = p.path().join("sao-luu.dump");
    let out = admin_with(&bin, &args, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(out["bytes"].as_u64().unwrap() > 0, "{out}");
    assert_eq!(
        std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
        0o600
    );
    household(&mut phone, village, "Sau sao lưu");
    sync(&mut phone);

    let addr = server.addr;
    server.kill();
    let restored = admin_with(
        &bin,
        &args,
        &["restore", "--from", backup.to_str().unwrap()],
    );
    assert!(restored["log_id"].is_string(), "{restored}");
    server = RunningServer::start_at(&bin, &args, addr);
    let report = sync(&mut phone);
    assert_eq!(report.requeued_after_restore, 2, "{report:?}");
    assert_eq!(
        report.pushed_applied, 1,
        "only the lost one is new: {report:?}"
    );
    assert_eq!(report.already_had, 1, "{report:?}");

    let mut mate = enrolled_phone(
        &server,
        &args,
        member(&org, 0, 2),
        &p.path().join("b.db"),
        "b",
    );
    sync(&mut mate);
    assert_eq!(names(&mate, &[village]), ["Sau sao lưu", "Trước sao lưu"]);
    server.kill();
}

on_each_backend!(backup_and_restore_on_each_backend_heal_the_phones);

/// After a restore, a member's new visit on a team-mate's household that
/// the server lost waits (refused as `unknown_parent`, tried again each
/// round) until the team-mate's device sends the household again; then it
/// goes through, and stays on the member's phone.
#[test]
fn work_on_a_team_mates_lost_record_waits_for_it_and_is_kept() {
    let p = Place::new(Backend::Sqlite);
    let args = p.server_args();
    let bin = server_bin();
    let org: OrgSnapshot =
        serde_json::from_value(admin_with(&bin, &args, &["demo", "--villages", "1"])).unwrap();
    let mut server = RunningServer::start_with(&bin, &args);
    let village = org.villages[0].id;
    let (a_member, b_member) = (member(&org, 0, 1), member(&org, 0, 2));
    let mut a = enrolled_phone(&server, &args, a_member, &p.path().join("a.db"), "a");
    let mut b = enrolled_phone(&server, &args, b_member, &p.path().join("b.db"), "b");
    sync(&mut a);
    sync(&mut b);
    let backup = p.path().join("sao-luu.db");
    admin_with(&bin, &args, &["backup", "--to", backup.to_str().unwrap()]);
    let h = household(&mut b, village, "Hộ của Bình");
    sync(&mut b);
    sync(&mut a);

    let addr = server.addr;
    server.kill();
    admin_with(
        &bin,
        &args,
        &["restore", "--from", backup.to_str().unwrap()],
    );
    server = RunningServer::start_at(&bin, &args, addr);

    let r = resident(&mut a, h, "Hộ của Bình", 1970);
    visit_now(&mut a, h, r, a_member);
    let visits = |s: &Store| s.household(h).unwrap().visits.len();
    assert_eq!(visits(&a), 1);
    let first = client::sync(&mut a, &options(), &mut |_| {}).unwrap();
    assert!(
        first.rejected > 0,
        "the household is not there yet: {first:?}"
    );
    assert_eq!(visits(&a), 1, "the visit stays on the phone meanwhile");
    sync(&mut b);
    let again = sync(&mut a);
    assert!(again.pushed_applied >= 3, "{again:?}");
    assert_eq!(visits(&a), 1, "and after");
    sync(&mut b);
    assert_eq!(visits(&b), 1, "the team-mate receives it");
    server.kill();
}
