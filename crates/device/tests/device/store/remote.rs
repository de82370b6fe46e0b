//! Changes from other devices: applied once, kept out of the outbox,
//! converged; bad ones rejected alone.

use super::*;

#[test]
fn changes_from_another_device_apply_once_stay_out_of_the_outbox_and_converge() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut a = open_new(dir.path(), "a.db", &f);
    let mut b = open_new(dir.path(), "b.db", &f);
    let h = a
        .write(|w| w.add_household(household(&f, "Trịnh Văn Sáu")))
        .unwrap();
    let r = a
        .write(|w| w.add_resident(resident(h.id, "Trịnh Thị Bảy", 1990)))
        .unwrap();
    let from_a: Vec<_> = a
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();

    assert_eq!(
        b.apply_remote(&from_a).unwrap(),
        vec![ApplyOutcome::Applied, ApplyOutcome::Applied]
    );
    assert_eq!(
        b.unsent_count().unwrap(),
        0,
        "applied changes do not re-enter the outbox"
    );
    assert_eq!(
        b.apply_remote(&from_a).unwrap(),
        vec![ApplyOutcome::AlreadyHad, ApplyOutcome::AlreadyHad]
    );
    assert_eq!(b.household(h.id).unwrap().residents[0].resident.id, r.id);
    assert_eq!(
        a.apply_remote(&from_a).unwrap(),
        vec![ApplyOutcome::AlreadyHad, ApplyOutcome::AlreadyHad],
        "own changes coming back"
    );

    // Both edit offline: A the name, B the name and the phone.
    let mut edit_a = household(&f, "Trịnh Văn Sáu (A)");
    edit_a.address = "Số 12, ngõ 4".into();
    a.write(|w| w.update_household(h.id, edit_a)).unwrap();
    let mut edit_b = household(&f, "Trịnh Văn Sáu (B)");
    edit_b.phone = Some("0987654321".into());
    b.write(|w| w.update_household(h.id, edit_b)).unwrap();
    let a_new: Vec<_> = a
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .skip(2)
        .map(|e| e.change)
        .collect();
    let b_new: Vec<_> = b
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();
    a.apply_remote(&b_new).unwrap();
    b.apply_remote(&a_new).unwrap();
    let ha = a.household(h.id).unwrap().household;
    let hb = b.household(h.id).unwrap().household;
    assert_eq!(ha, hb, "both devices agree");
    assert_eq!(
        ha.phone.as_deref(),
        Some("0987654321"),
        "an edit of another field is not lost"
    );
    let winner = if a_new[0].hlc > b_new[0].hlc {
        "Trịnh Văn Sáu (A)"
    } else {
        "Trịnh Văn Sáu (B)"
    };
    assert_eq!(ha.head_name, winner, "the later stamp wins");
    assert_eq!(a.conflicts(10).unwrap().len(), 1);
    assert_eq!(b.conflicts(10).unwrap().len(), 1);
    assert_eq!(a.conflicts(10).unwrap()[0].field, "head_name");
}

#[test]
fn bad_remote_changes_are_rejected_alone() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut a = open_new(dir.path(), "a.db", &f);
    let mut b = open_new(dir.path(), "b.db", &f);
    a.write(|w| w.add_household(household(&f, "Mai Văn Một")))
        .unwrap();
    a.write(|w| w.add_household(household(&f, "Mai Văn Hai")))
        .unwrap();
    let mut changes: Vec<_> = a
        .outbox_pending(10)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();
    changes[0]
        .fields
        .insert("head_name".into(), serde_json::Value::String(String::new()));
    let mut future = changes[1].clone();
    future.id = gocua_core::ChangeId::new();
    future.hlc.wall_ms += 10 * 24 * 3600 * 1000;
    changes.push(future);
    let out = b.apply_remote(&changes).unwrap();
    assert!(matches!(out[0], ApplyOutcome::Rejected { .. }), "{out:?}");
    assert_eq!(out[1], ApplyOutcome::Applied);
    assert!(
        matches!(out[2], ApplyOutcome::Rejected { .. }),
        "a clock far in the future"
    );
    assert_eq!(b.list_households(&[]).unwrap().len(), 1);
}
