//! Pulling: pages within the scope in server order, a household's move
//! and its history reaching both villages.

use super::*;

fn pull_pages_within_the_scope_in_server_order(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let mut b = s.enroll(s.member(1, 1));
    let officer = s.enroll(s.officer());
    let mut mine = Vec::new();
    for i in 0..7 {
        let (_, c) = a.household(s.village(0), &format!("Hộ A {i}"));
        s.push(&a, std::slice::from_ref(&c));
        mine.push(c.id);
        let (_, c) = b.household(s.village(1), &format!("Hộ B {i}"));
        s.push(&b, &[c]);
    }
    let page = s.db.pull(&a.auth, 0, 3).unwrap();
    assert_eq!(page.changes.len(), 3);
    assert!(page.more);
    assert_eq!(page.cursor, page.changes[2].0);
    let pulled = s.pull_all(&a, 3);
    let ids: Vec<ChangeId> = pulled.iter().map(|(_, c)| c.id).collect();
    assert_eq!(ids, mine, "own changes too, in server order");
    assert!(pulled.windows(2).all(|w| w[0].0 < w[1].0));
    // Nothing new: an empty page that keeps the cursor.
    let last = pulled.last().unwrap().0;
    let empty = s.db.pull(&a.auth, last, 3).unwrap();
    assert!(empty.changes.is_empty() && !empty.more);
    assert_eq!(empty.cursor, last);
    // The officer sees the whole commune, in one order.
    let all = s.pull_all(&officer, 4);
    assert_eq!(all.len(), 14);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
    // A zero limit still makes progress.
    assert_eq!(s.db.pull(&officer.auth, 0, 0).unwrap().changes.len(), 1);
}

/// A household moving from village 0 to village 1: the move reaches both
/// villages' devices, naming the village it left; its whole history
/// (residents, visits, actions, logged under village 0) is there for
/// village 1's devices to fetch, and for nobody outside the scope.
fn a_household_moving_reaches_both_villages_and_its_history_follows(backend: Backend) {
    let s = server(backend);
    let mut officer = s.enroll(s.officer());
    let west = s.enroll(s.member(0, 1));
    let east = s.enroll(s.member(1, 1));
    let (v0, v1) = (s.village(0), s.village(1));
    let (h, create) = officer.household(v0, "Mạc Văn Chuyển");
    let (r, resident) = officer.resident(h, "Mạc Thị Theo");
    let (visit, visited) = officer.visit(h, s.officer());
    let (_, action) = officer.action(visit, r, "vneid_l2");
    let (_, stays) = officer.household(v0, "Hộ Ở Lại");
    let history = vec![create, resident, visited, action, stays];
    assert!(
        s.push(&officer, &history)
            .iter()
            .all(|r| *r == ApplyResult::Applied)
    );
    let moved = officer.edit(
        EntityKind::Household,
        h.0,
        json!({ "village_id": v1 }),
        history[0].hlc,
    );
    assert_eq!(
        s.push(&officer, std::slice::from_ref(&moved)),
        vec![ApplyResult::Applied]
    );
    // A void after the move is logged where the household lives now.
    let void = officer.void(EntityKind::Visit, visit.0, s.officer(), "Ghi trùng");
    assert_eq!(
        s.push(&officer, std::slice::from_ref(&void)),
        vec![ApplyResult::Applied]
    );

    // The old village's devices see the move, once, marked as a move.
    let west_all = s.pull_all(&west, 2);
    let ids: Vec<ChangeId> = west_all.iter().map(|(_, c)| c.id).collect();
    let mut expected: Vec<ChangeId> = history.iter().map(|c| c.id).collect();
    expected.push(moved.id);
    assert_eq!(ids, expected);
    let move_seq = west_all.last().unwrap().0;
    let page = s.db.pull(&west.auth, move_seq - 1, 10).unwrap();
    assert_eq!(page.moved_from.get(&move_seq), Some(&v0));
    assert_eq!(page.moved_from.len(), 1);

    // The new village's devices get the move and what followed; the
    // household's history up to the move is one fetch away.
    let east_all = s.pull_all(&east, 2);
    let ids: Vec<ChangeId> = east_all.iter().map(|(_, c)| c.id).collect();
    assert_eq!(ids, vec![moved.id, void.id]);
    let fetch = |d: &Device, filter, until| {
        let p = s.db.pull_filtered(&d.auth, filter, 0, until, 100).unwrap();
        assert!(!p.more);
        p.changes.into_iter().map(|(_, c)| c.id).collect::<Vec<_>>()
    };
    let hh = PullFilter::Household(h);
    assert_eq!(
        fetch(&east, hh, move_seq),
        [&expected[..4], &[moved.id]].concat()
    );
    assert_eq!(
        fetch(&east, hh, move_seq - 1),
        expected[..4].to_vec(),
        "up to `until`"
    );
    assert_eq!(
        fetch(&east, hh, i64::MAX).len(),
        6,
        "and after it, the void"
    );
    // A page at a time, from a cursor.
    let p = s.db.pull_filtered(&east.auth, hh, 0, move_seq, 2).unwrap();
    assert!(p.more);
    let rest =
        s.db.pull_filtered(&east.auth, hh, p.cursor, move_seq, 2)
            .unwrap();
    assert_eq!(rest.changes[0].1.id, expected[2]);
    // Not for a device the household is not in the scope of, nor a
    // household that does not exist; no village's history outside the scope.
    assert!(fetch(&west, hh, i64::MAX).is_empty());
    assert!(fetch(&east, PullFilter::Household(HouseholdId::new()), i64::MAX).is_empty());
    assert!(fetch(&east, PullFilter::Village(v0), i64::MAX).is_empty());
    // A village's history: what was logged there and what moved out of it.
    let ids = fetch(&west, PullFilter::Village(v0), i64::MAX);
    assert_eq!(ids, expected, "with the move away");
    let ids = fetch(&east, PullFilter::Village(v1), i64::MAX);
    assert_eq!(ids, vec![moved.id, void.id]);
    let other_commune = {
        let org = demo_org(1);
        s.db.import_org(&org).unwrap();
        s.enroll(org.members[0].id)
    };
    assert!(fetch(&other_commune, hh, i64::MAX).is_empty());
    assert!(s.pull_all(&other_commune, 10).is_empty());
}

on_each_backend!(
    a_household_moving_reaches_both_villages_and_its_history_follows,
    pull_pages_within_the_scope_in_server_order,
);
