//! The quarantine: refused pushes queued again or discarded on purpose,
//! held pulled changes retried or discarded.

use super::*;

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
