//! The device's sync state on real encrypted files: enrollment (and how it
//! takes the server's device id), settling a push (ack and quarantine in one
//! transaction), applying pulled pages with the cursor, and the quarantine.

use gocua_core::{
    Change, ChangeId, Commune, CommuneId, DeviceId, HouseholdFlags, HouseholdId, HouseholdInput,
    Member, MemberId, ResidentInput, Role, Sex, Team, TeamId, Village, VillageId,
};
use gocua_device::{
    ApplyOutcome, DbKey, DeviceToken, HistoryTarget, NewEnrollment, OrgSnapshot, Pulled,
    PushRejection, QuarantineDirection, RetryOutcome, ScopeChange, Store, StoreError,
};
use std::path::Path;
use tempfile::TempDir;

fn key() -> DbKey {
    DbKey::Raw([7; 32])
}

struct Fixture {
    org: OrgSnapshot,
    village: VillageId,
    /// A second village of the commune, outside the member's team.
    other: VillageId,
    member: MemberId,
}

fn org() -> Fixture {
    let commune = Commune {
        id: CommuneId::new(),
        name: "Xã Thượng Ninh".into(),
        province: "Thanh Hóa".into(),
    };
    let village = Village {
        id: VillageId::new(),
        commune_id: commune.id,
        name: "Thôn Xuân Thượng".into(),
    };
    let other = Village {
        id: VillageId::new(),
        commune_id: commune.id,
        name: "Thôn Yên Lạc".into(),
    };
    let team = Team {
        id: TeamId::new(),
        commune_id: commune.id,
        name: "Tổ CNS Xuân Thượng".into(),
        village_ids: vec![village.id],
    };
    let member = Member {
        id: MemberId::new(),
        commune_id: commune.id,
        team_id: Some(team.id),
        full_name: "Hà Thị Nga".into(),
        role: Role::Member,
    };
    Fixture {
        village: village.id,
        other: other.id,
        member: member.id,
        org: OrgSnapshot {
            commune,
            villages: vec![village, other],
            teams: vec![team],
            members: vec![member],
        },
    }
}

fn enrollment(f: &Fixture, device_id: DeviceId) -> NewEnrollment {
    NewEnrollment {
        server_url: "https://192.0.2.1:8443".into(),
        token: DeviceToken::new("tok-very-secret"),
        server_fingerprint: "AB".repeat(32),
        device_id,
        device_name: "Điện thoại của Nga".into(),
        member_id: f.member,
        scope: serde_json::json!({ "villages": [f.village] }),
        org: f.org.clone(),
        catalogue: Vec::new(),
    }
}

fn open(dir: &Path, name: &str) -> Store {
    Store::open(&dir.join(name), &key()).expect("open")
}

/// A store enrolled with a fresh server-assigned id.
fn enrolled(dir: &Path, name: &str, f: &Fixture) -> (Store, DeviceId) {
    let mut s = open(dir, name);
    let id = DeviceId::new();
    s.enroll(&enrollment(f, id)).expect("enroll");
    (s, id)
}

fn household(f: &Fixture, head: &str) -> HouseholdInput {
    HouseholdInput {
        village_id: Some(f.village),
        address: "Xóm Giữa".into(),
        head_name: head.into(),
        phone: None,
        flags: HouseholdFlags::default(),
    }
}

fn resident(h: HouseholdId, name: &str) -> ResidentInput {
    ResidentInput {
        household_id: h,
        full_name: name.into(),
        birth_year: 1960,
        sex: Sex::Male,
        has_smartphone: false,
        consent_on: None,
        citizen_id_hash: None,
    }
}

fn pending(s: &Store) -> Vec<Change> {
    s.outbox_pending(1000)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect()
}

#[test]
fn enrolling_a_new_file_sets_it_up_with_the_servers_device_id() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, id) = enrolled(dir.path(), "a.db", &f);
    let device = s.device().unwrap().unwrap();
    assert_eq!(device.device_id, id);
    assert_eq!(device.device_name, "Điện thoại của Nga");
    let e = s.enrollment().unwrap().unwrap();
    assert_eq!(e.token.expose(), "tok-very-secret");
    assert_eq!(e.server_fingerprint, "ab".repeat(32), "stored lower-case");
    assert_eq!(e.member_id, f.member);
    assert!(!format!("{e:?}").contains("very-secret"));
    assert!(!serde_json::to_string(&e).unwrap().contains("very-secret"));
    assert_eq!(s.org().unwrap().unwrap(), {
        let mut o = f.org.clone();
        o.teams[0].village_ids.sort();
        o
    });
    assert_eq!(s.catalogue().unwrap().len(), 11, "seeded catalogue");
    assert_eq!(s.sync_state().unwrap().pull_cursor, 0);

    let h = s.write(|b| b.add_household(household(&f, "Lê Văn Tám")));
    assert!(h.is_ok());
    assert_eq!(
        pending(&s)[0].hlc.device,
        id,
        "new writes carry the server's id"
    );

    // The token survives reopening and is not in the file in clear.
    drop(s);
    let s = open(dir.path(), "a.db");
    assert_eq!(
        s.enrollment().unwrap().unwrap().token.expose(),
        "tok-very-secret"
    );
    let raw = std::fs::read(dir.path().join("a.db")).unwrap();
    assert!(!raw.windows(15).any(|w| w == b"tok-very-secret"));
}

#[test]
fn enrolling_after_init_takes_the_servers_id_and_the_clock_keeps_going_forward() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open(dir.path(), "a.db");
    let local = s.init_device("máy cũ").unwrap();
    let server_id = DeviceId::new();
    s.enroll(&enrollment(&f, server_id)).unwrap();
    assert_eq!(s.device().unwrap().unwrap().device_id, server_id);
    assert_ne!(local.device_id, server_id);
    s.write(|b| b.add_household(household(&f, "Lê Văn Chín")))
        .unwrap();
    drop(s);
    let s = open(dir.path(), "a.db");
    let c = pending(&s);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].hlc.device, server_id,
        "the clock resumes under the new id"
    );
}

#[test]
fn enrolling_with_unsent_changes_of_another_identity_is_refused_and_keeps_them() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open(dir.path(), "a.db");
    let local = s.init_device("máy").unwrap();
    s.import_org(&f.org).unwrap();
    s.write(|b| b.add_household(household(&f, "Đỗ Văn Mười")))
        .unwrap();
    let err = s.enroll(&enrollment(&f, DeviceId::new())).unwrap_err();
    assert!(
        matches!(err, StoreError::UnsentFromOtherDevice { count: 1 }),
        "{err:?}"
    );
    assert!(err.message_vi().contains("1 thay đổi chưa gửi"));
    assert_eq!(s.device().unwrap().unwrap().device_id, local.device_id);
    assert!(s.enrollment().unwrap().is_none());
    assert_eq!(s.unsent_count().unwrap(), 1);
}

#[test]
fn re_enrolling_after_everything_was_sent_is_allowed_and_pulls_from_the_start() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "a.db", &f);
    s.write(|b| b.add_household(household(&f, "Vũ Văn Năm")))
        .unwrap();
    let ids: Vec<ChangeId> = pending(&s).iter().map(|c| c.id).collect();
    s.settle_push(&ids, &[]).unwrap();
    s.apply_pull_page(&[], 42).unwrap();
    assert_eq!(s.sync_state().unwrap().pull_cursor, 42);
    s.set_scope_villages(&[f.village, f.other]).unwrap();
    let again = DeviceId::new();
    s.enroll(&enrollment(&f, again)).unwrap();
    assert_eq!(s.device().unwrap().unwrap().device_id, again);
    assert_eq!(s.sync_state().unwrap().pull_cursor, 0);
    // From the start the cursor brings every village: no history to fetch.
    assert!(s.history_fetches().unwrap().is_empty());
    let change = s.set_scope_villages(&[f.village, f.other]).unwrap();
    assert_eq!(change.gained.len(), 2);
    assert!(s.history_fetches().unwrap().is_empty());
}

#[test]
fn a_file_holding_another_commune_is_not_enrolled() {
    let dir = TempDir::new().unwrap();
    let (mut s, _) = enrolled(dir.path(), "a.db", &org());
    let err = s.enroll(&enrollment(&org(), DeviceId::new())).unwrap_err();
    assert!(matches!(err, StoreError::OtherCommune), "{err:?}");
}

#[test]
fn a_push_is_settled_at_once_accepted_leave_rejected_are_quarantined_whole() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "a.db", &f);
    let h = s
        .write(|b| b.add_household(household(&f, "Phan Văn Một")))
        .unwrap();
    s.write(|b| b.add_resident(resident(h.id, "Phan Văn Hai")))
        .unwrap();
    s.write(|b| b.add_household(household(&f, "Phan Văn Ba")))
        .unwrap();
    let changes = pending(&s);
    assert_eq!(changes.len(), 3);
    s.settle_push(
        &[changes[0].id, changes[2].id],
        &[PushRejection {
            change_id: changes[1].id,
            code: "out_of_scope".into(),
            message: "Hộ này không thuộc thôn của tổ.".into(),
        }],
    )
    .unwrap();
    assert_eq!(s.unsent_count().unwrap(), 0);
    assert_eq!(s.quarantine_count().unwrap(), 1);
    let q = s.quarantine(10).unwrap();
    assert_eq!(q[0].direction, QuarantineDirection::Pushed);
    assert_eq!(q[0].change, changes[1], "the full change is kept");
    assert_eq!(q[0].code, "out_of_scope");
    assert_eq!(q[0].message, "Hộ này không thuộc thôn của tổ.");
    // Settling again (a retried response) changes nothing.
    s.settle_push(
        &[changes[0].id],
        &[PushRejection {
            change_id: changes[1].id,
            code: "x".into(),
            message: "y".into(),
        }],
    )
    .unwrap();
    assert_eq!(s.quarantine_count().unwrap(), 1);
    assert_eq!(s.quarantine(10).unwrap()[0].code, "out_of_scope");
}

#[test]
fn pulled_pages_apply_with_their_cursor_and_what_cannot_apply_is_held_and_retried() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut a, _) = enrolled(dir.path(), "a.db", &f);
    let (mut b, _) = enrolled(dir.path(), "b.db", &f);
    let h = a
        .write(|w| w.add_household(household(&f, "Ngô Văn Sáu")))
        .unwrap();
    a.write(|w| w.add_resident(resident(h.id, "Ngô Thị Bảy")))
        .unwrap();
    let from_a = pending(&a);

    // The resident arrives before its household (say, the household was
    // out of this device's scope until now): it is held, not lost.
    let out = b.apply_pull_page(&from_a[1..], 7).unwrap();
    assert!(matches!(out[0], ApplyOutcome::Rejected { .. }), "{out:?}");
    assert_eq!(b.sync_state().unwrap().pull_cursor, 7);
    let q = b.quarantine(10).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].direction, QuarantineDirection::Pulled);
    assert_eq!(q[0].change, from_a[1]);
    assert_eq!(b.retry_pulled_quarantine().unwrap(), 0);
    assert_eq!(b.quarantine_count().unwrap(), 1);

    let out = b.apply_pull_page(&from_a[..1], 8).unwrap();
    assert_eq!(out, vec![ApplyOutcome::Applied]);
    assert_eq!(b.retry_pulled_quarantine().unwrap(), 1);
    assert_eq!(b.quarantine_count().unwrap(), 0);
    assert_eq!(b.household(h.id).unwrap().residents.len(), 1);
    assert_eq!(b.unsent_count().unwrap(), 0);

    // Our own changes coming back change nothing.
    let out = a.apply_pull_page(&from_a, 9).unwrap();
    assert_eq!(out, vec![ApplyOutcome::AlreadyHad; 2]);
    assert_eq!(a.sync_state().unwrap().pull_cursor, 9);
}

#[test]
fn the_last_sync_is_remembered() {
    let dir = TempDir::new().unwrap();
    let (mut s, _) = enrolled(dir.path(), "a.db", &org());
    let st = s.sync_state().unwrap();
    assert!(st.last_success_at.is_none() && st.last_error.is_none());
    s.record_sync_error("Không kết nối được máy chủ.").unwrap();
    let st = s.sync_state().unwrap();
    assert_eq!(
        st.last_error.as_deref(),
        Some("Không kết nối được máy chủ.")
    );
    assert!(st.last_error_at.is_some());
    s.record_sync_success().unwrap();
    let st = s.sync_state().unwrap();
    assert!(st.last_success_at.is_some());
    assert!(st.last_error.is_none());
}

#[test]
fn refreshing_the_org_needs_an_enrollment() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open(dir.path(), "a.db");
    s.init_device("máy").unwrap();
    let err = s
        .refresh_org(f.member, &serde_json::Value::Null, &f.org, &[], None)
        .unwrap_err();
    assert!(matches!(err, StoreError::NotEnrolled), "{err:?}");
    let (mut s, _) = enrolled(dir.path(), "b.db", &f);
    let mut org = f.org.clone();
    org.villages[0].name = "Thôn Xuân Thượng Mới".into();
    s.refresh_org(f.member, &serde_json::json!({"v": 2}), &org, &[], None)
        .unwrap();
    assert_eq!(
        s.org().unwrap().unwrap().villages[0].name,
        "Thôn Xuân Thượng Mới"
    );
    assert_eq!(
        s.enrollment().unwrap().unwrap().scope,
        serde_json::json!({"v": 2})
    );
}

/// Training records come with the organisation: a list replaces what is
/// held (kept across reopening), no list (an older server) keeps it.
#[test]
fn training_records_are_replaced_by_each_refresh_that_carries_them() {
    use gocua_core::training::TrainingRecord;
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "t.db", &f);
    assert!(s.training().unwrap().is_empty());
    let day = |m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let rec = |topic: &str, d| TrainingRecord {
        member_id: f.member,
        topic: topic.into(),
        day: d,
    };
    let first = [
        rec("Chữ ký số", day(4, 2)),
        rec("VNeID mức độ 2", day(3, 12)),
    ];
    let null = serde_json::Value::Null;
    s.refresh_org(f.member, &null, &f.org, &[], Some(&first))
        .unwrap();
    assert_eq!(s.training().unwrap(), [first[1].clone(), first[0].clone()]);
    s.refresh_org(f.member, &null, &f.org, &[], None).unwrap();
    assert_eq!(s.training().unwrap().len(), 2, "no list: kept");
    let second = [rec("An toàn thông tin", day(5, 6))];
    s.refresh_org(f.member, &null, &f.org, &[], Some(&second))
        .unwrap();
    drop(s);
    let s = Store::open(&dir.path().join("t.db"), &key()).unwrap();
    assert_eq!(s.training().unwrap(), second, "replaced, and durable");
}

/// Refuse `changes[i]` for each i in `refused`, accept the rest.
fn settle(s: &mut Store, changes: &[Change], refused: &[usize]) {
    let rejected: Vec<PushRejection> = refused
        .iter()
        .map(|&i| PushRejection {
            change_id: changes[i].id,
            code: "out_of_scope".into(),
            message: "Hộ này không thuộc thôn của tổ.".into(),
        })
        .collect();
    let accepted: Vec<ChangeId> = (0..changes.len())
        .filter(|i| !refused.contains(i))
        .map(|i| changes[i].id)
        .collect();
    s.settle_push(&accepted, &rejected).unwrap();
}

#[test]
fn a_refused_push_can_be_queued_again_unchanged_and_is_pushed_after_newer_work() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "a.db", &f);
    s.write(|b| b.add_household(household(&f, "Đinh Văn Một")))
        .unwrap();
    s.write(|b| b.add_household(household(&f, "Đinh Văn Hai")))
        .unwrap();
    let changes = pending(&s);
    settle(&mut s, &changes, &[0]);
    s.write(|b| b.add_household(household(&f, "Đinh Văn Ba")))
        .unwrap();
    let q = s.quarantine(10).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(s.quarantined(q[0].id).unwrap(), q[0]);

    assert_eq!(
        s.retry_quarantined(q[0].id).unwrap(),
        RetryOutcome::Requeued
    );
    assert_eq!(s.quarantine_count().unwrap(), 0);
    let queued = pending(&s);
    assert_eq!(queued.len(), 2);
    assert_eq!(
        queued[1], changes[0],
        "the same change: same id, same stamp"
    );
    // It survives closing the file, and is settled like any other.
    drop(s);
    let mut s = open(dir.path(), "a.db");
    assert_eq!(pending(&s), queued);
    settle(&mut s, &queued, &[]);
    assert_eq!(
        (s.unsent_count().unwrap(), s.quarantine_count().unwrap()),
        (0, 0)
    );

    // Nothing to retry twice; an unknown id is a clear error.
    let err = s.retry_quarantined(q[0].id).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(err.code(), "not_found");
    assert!(s.discard_quarantined(9999, None).is_err());
}

#[test]
fn a_quarantined_change_is_discarded_only_on_purpose_and_the_discard_is_kept() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "a.db", &f);
    let h = s
        .write(|b| b.add_household(household(&f, "Vi Thị Mai")))
        .unwrap();
    s.write(|b| b.add_resident(resident(h.id, "Vi Văn Đức")))
        .unwrap();
    let changes = pending(&s);
    settle(&mut s, &changes, &[0, 1]);
    let q = s.quarantine(10).unwrap();
    assert_eq!(q.len(), 2);

    let too_long = "x".repeat(gocua_core::validate::MAX_NOTE_CHARS + 1);
    let err = s.discard_quarantined(q[0].id, Some(&too_long)).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(
        s.quarantine_count().unwrap(),
        2,
        "a refused discard keeps it"
    );

    let d = s
        .discard_quarantined(q[0].id, Some("  Nhập nhầm   thôn  "))
        .unwrap();
    assert_eq!(d.change, q[0].change, "kept whole");
    assert_eq!(
        (d.code.as_str(), d.message.as_str()),
        (q[0].code.as_str(), q[0].message.as_str())
    );
    assert_eq!(d.quarantined_at, q[0].quarantined_at);
    assert_eq!(d.note.as_deref(), Some("Nhập nhầm thôn"));
    assert_eq!(d.direction, QuarantineDirection::Pushed);
    let d2 = s.discard_quarantined(q[1].id, None).unwrap();
    assert_eq!(d2.note, None);
    assert_eq!(s.quarantine_count().unwrap(), 0);
    assert_eq!(s.unsent_count().unwrap(), 0, "a discard never re-queues");
    // Listed, newest first, after the file is closed and opened again; the
    // device's own copy is untouched.
    drop(s);
    let mut s = open(dir.path(), "a.db");
    assert_eq!(s.discarded_changes(10).unwrap(), vec![d2, d]);
    assert_eq!(s.household(h.id).unwrap().residents.len(), 1);
    assert!(
        s.discard_quarantined(q[0].id, None).is_err(),
        "gone from the quarantine"
    );
}

#[test]
fn a_held_pulled_change_is_retried_on_demand_or_discarded() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut a, _) = enrolled(dir.path(), "a.db", &f);
    let (mut b, _) = enrolled(dir.path(), "b.db", &f);
    let h = a
        .write(|w| w.add_household(household(&f, "Lục Văn Năm")))
        .unwrap();
    a.write(|w| w.add_resident(resident(h.id, "Lục Thị Sáu")))
        .unwrap();
    a.write(|w| w.add_resident(resident(h.id, "Lục Văn Bảy")))
        .unwrap();
    let from_a = pending(&a);
    b.apply_pull_page(&from_a[1..], 5).unwrap();
    let q = b.quarantine(10).unwrap();
    assert_eq!(q.len(), 2);
    assert!(q.iter().all(|q| q.direction == QuarantineDirection::Pulled));

    // Still no household: it stays held, with the reason.
    let RetryOutcome::StillHeld { reason } = b.retry_quarantined(q[0].id).unwrap() else {
        panic!("applied without its household")
    };
    assert!(!reason.is_empty());
    assert_eq!(b.quarantine_count().unwrap(), 2);

    b.apply_pull_page(&from_a[..1], 6).unwrap();
    let held = b.quarantine(10).unwrap();
    assert_eq!(
        b.retry_quarantined(held[0].id).unwrap(),
        RetryOutcome::Applied
    );
    assert_eq!(b.household(h.id).unwrap().residents.len(), 1);
    // The other one is given up on: the round's retry no longer sees it.
    let d = b.discard_quarantined(held[1].id, Some("Thử bỏ")).unwrap();
    assert_eq!(d.direction, QuarantineDirection::Pulled);
    assert_eq!(b.retry_pulled_quarantine().unwrap(), 0);
    assert_eq!(b.household(h.id).unwrap().residents.len(), 1);
    assert_eq!(b.unsent_count().unwrap(), 0);
}

#[test]
fn a_village_gained_is_fetched_up_to_the_cursor_and_a_village_lost_is_forgotten() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "a.db", &f);
    let first = s.set_scope_villages(&[f.village]).unwrap();
    assert_eq!(first.gained, vec![f.village]);
    s.apply_pull_page(&[], 10).unwrap();

    let grew = s.set_scope_villages(&[f.village, f.other]).unwrap();
    assert_eq!((grew.gained, grew.lost), (vec![f.other], vec![]));
    let fetches = s.history_fetches().unwrap();
    assert_eq!(fetches.len(), 1);
    assert_eq!(fetches[0].target, HistoryTarget::Village(f.other));
    assert_eq!((fetches[0].after, fetches[0].until), (0, 10));
    assert_eq!(
        s.set_scope_villages(&[f.other, f.village]).unwrap(),
        ScopeChange::default(),
        "the same scope changes nothing"
    );
    assert_eq!(s.history_fetches().unwrap(), fetches);

    // A page at a time, kept across closing the file; the last one ends it.
    s.apply_history_page(fetches[0].id, &[], 6, false).unwrap();
    drop(s);
    let mut s = open(dir.path(), "a.db");
    assert_eq!(s.history_fetches().unwrap()[0].after, 6);
    s.apply_history_page(fetches[0].id, &[], 10, true).unwrap();
    assert!(s.history_fetches().unwrap().is_empty());

    // Lost, then gained again: fetched again, up to where the cursor is now.
    s.apply_pull_page(&[], 25).unwrap();
    let shrank = s.set_scope_villages(&[f.village]).unwrap();
    assert_eq!(shrank.lost, vec![f.other]);
    s.set_scope_villages(&[f.village, f.other]).unwrap();
    let again = s.history_fetches().unwrap();
    assert_eq!((again[0].after, again[0].until), (0, 25));
    // Lost before its history came: nothing left to fetch.
    s.set_scope_villages(&[f.village]).unwrap();
    assert!(s.history_fetches().unwrap().is_empty());
}

/// Device A moves a household from village 1 to village 2; device B holds
/// only village 2.
#[test]
fn a_household_moving_in_from_a_village_not_held_has_its_history_fetched() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut a, _) = enrolled(dir.path(), "a.db", &f);
    let h = a
        .write(|w| w.add_household(household(&f, "Ma Văn Dời")))
        .unwrap();
    a.write(|w| w.add_resident(resident(h.id, "Ma Thị Theo")))
        .unwrap();
    let mut moved = household(&f, "Ma Văn Dời");
    moved.village_id = Some(f.other);
    a.write(|w| w.update_household(h.id, moved)).unwrap();
    let changes = pending(&a);
    let pulled = |i: usize, seq: i64, from: Option<VillageId>| Pulled {
        seq,
        change: changes[i].clone(),
        moved_from: from,
    };
    let the_move = pulled(2, 7, Some(f.village));

    let (mut b, _) = enrolled(dir.path(), "b.db", &f);
    b.set_scope_villages(&[f.other]).unwrap();
    let out = b.apply_pulled(std::slice::from_ref(&the_move), 7).unwrap();
    assert!(
        matches!(out[0], ApplyOutcome::Rejected { .. }),
        "held until its history"
    );
    assert_eq!(b.sync_state().unwrap().pull_cursor, 7);
    let fetches = b.history_fetches().unwrap();
    assert_eq!(fetches.len(), 1);
    assert_eq!(fetches[0].target, HistoryTarget::Household(h.id));
    assert_eq!((fetches[0].after, fetches[0].until), (0, 7));

    // The household's history, its own move included, ends the fetch and
    // starts no other.
    let history = [pulled(0, 3, None), pulled(1, 4, None), the_move.clone()];
    let out = b
        .apply_history_page(fetches[0].id, &history, 7, true)
        .unwrap();
    assert!(out.iter().all(|o| *o == ApplyOutcome::Applied), "{out:?}");
    assert!(b.history_fetches().unwrap().is_empty());
    assert_eq!(b.quarantine_count().unwrap(), 0, "the held move went in");
    let page = b.household(h.id).unwrap();
    assert_eq!(page.household.village_id, f.other);
    assert_eq!(page.residents.len(), 1);

    // A device holding both villages, or only the one left, fetches nothing.
    let (mut c, _) = enrolled(dir.path(), "c.db", &f);
    c.set_scope_villages(&[f.village, f.other]).unwrap();
    c.apply_pulled(
        &[pulled(0, 3, None), pulled(1, 4, None), the_move.clone()],
        7,
    )
    .unwrap();
    assert!(c.history_fetches().unwrap().is_empty());
    let (mut d, _) = enrolled(dir.path(), "d.db", &f);
    d.set_scope_villages(&[f.village]).unwrap();
    d.apply_pulled(&[pulled(0, 3, None), pulled(1, 4, None), the_move], 7)
        .unwrap();
    assert!(d.history_fetches().unwrap().is_empty());
    assert_eq!(
        d.household(h.id).unwrap().household.village_id,
        f.other,
        "it moved away"
    );
}
