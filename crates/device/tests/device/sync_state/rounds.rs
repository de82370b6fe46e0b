//! A sync round's state: a push settled at once, pulled pages applied with
//! their cursor, the last sync, the organisation and training refreshed.

use super::*;

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
