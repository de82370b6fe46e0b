//! History fetched: a village gained up to the cursor, a village lost
//! forgotten, a household moving in from a village not held.

use super::*;

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
        village: None,
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
