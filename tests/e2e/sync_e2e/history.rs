//! A household moving to another village, and a team gaining a village,
//! bring their history.

use super::*;

/// Move a household to `village`, keeping everything else.
fn move_household(store: &mut Store, id: HouseholdId, village: VillageId) {
    let h = store.household(id).expect("household").household;
    let input = HouseholdInput {
        village_id: Some(village),
        address: h.address,
        head_name: h.head_name,
        phone: h.phone,
        flags: h.flags,
    };
    store
        .write(|b| b.update_household(id, input))
        .expect("move household");
}

/// A household moves from Lan's village to Bình's and back: each time the
/// village it left learns of the move, and the village it reaches gets its
/// whole history (residents, visits, actions) — nothing else, and without
/// anything held in the quarantine at the end.
fn a_household_moving_to_another_village_takes_its_history_along(backend: Backend) {
    let w = world(backend);
    let (west, east) = w.commune.villages();
    let lan_id = w.commune.members_of(0)[0];
    let (mut lan, _) = w.lan();
    let binh_id = w.commune.members_of(1)[1];
    let mut binh = w.device("Máy của Bình", binh_id);
    let mut officer = w.device("Máy của cán bộ xã", w.commune.officer());

    a_morning_of_work(&mut lan, west, lan_id, "Hộ Sắp Chuyển");
    add_household(&mut lan, west, "Hộ Ở Lại");
    sync(&mut lan);
    assert_eq!(sync(&mut binh).pulled_applied, 0);
    sync(&mut officer);
    let h = find(&officer, "Hộ Sắp Chuyển");
    move_household(&mut officer, h, east);
    sync(&mut officer);

    // Lan's village hears of the move: the household leaves her lists.
    let r = sync(&mut lan);
    assert_eq!((r.pulled_applied, r.history_applied), (1, 0));
    assert_eq!(heads(&lan, &[west]), ["Hộ Ở Lại"]);
    assert_eq!(household_json(&lan, h), household_json(&officer, h));
    // Bình's village gets it with all its history, and only that.
    let r = sync(&mut binh);
    assert_eq!(
        r.history_applied, 6,
        "household, resident, visit, 2 actions, the move"
    );
    assert_eq!((r.quarantined, r.unsent), (0, 0));
    assert_eq!(heads(&binh, &[]), ["Hộ Sắp Chuyển"]);
    assert_eq!(household_json(&binh, h), household_json(&officer, h));
    assert_eq!(binh.household(h).unwrap().visits.len(), 1);

    // Bình works on it; Lan's village no longer hears of it.
    a_visit_without_actions(&mut binh, h, binh_id);
    sync(&mut binh);
    assert_eq!(sync(&mut lan).pulled_applied, 0);
    sync(&mut officer);
    assert_eq!(household_json(&officer, h), household_json(&binh, h));

    // Back to Lan's village: she gets what happened while it was away.
    move_household(&mut officer, h, west);
    sync(&mut officer);
    let r = sync(&mut lan);
    assert!(r.history_applied >= 1, "{r:?}");
    assert_eq!(heads(&lan, &[west]), ["Hộ Sắp Chuyển", "Hộ Ở Lại"]);
    assert_eq!(lan.household(h).unwrap().visits.len(), 2);
    sync(&mut binh);
    assert!(heads(&binh, &[east]).is_empty());
    for d in [&lan, &binh, &officer] {
        assert_eq!(household_json(d, h), household_json(&officer, h));
        assert_eq!(
            (d.quarantine_count().unwrap(), d.unsent_count().unwrap()),
            (0, 0)
        );
    }
}

/// Lan's team is given Bình's village: Lan's next sync fetches that
/// village's history (exactly its changes), and its later work comes with
/// the cursor; taken away and given back, the village is fetched again.
fn a_team_gaining_a_village_fetches_that_villages_history(backend: Backend) {
    let w = world(backend);
    let commune = &w.commune;
    let (west, east) = commune.villages();
    let lan_id = commune.members_of(0)[0];
    let (mut lan, _) = w.lan();
    let binh_id = commune.members_of(1)[1];
    let mut binh = w.device("Máy của Bình", binh_id);

    for i in 0..2 {
        a_morning_of_work(&mut binh, east, binh_id, &format!("Hộ Thôn Đông {i}"));
    }
    sync(&mut binh);
    a_morning_of_work(&mut lan, west, lan_id, "Hộ Thôn Tây");
    let r = sync(&mut lan);
    assert_eq!(r.pulled_applied, 0);

    commune.set_team_villages(0, &[west, east]);
    let r = sync(&mut lan);
    assert_eq!(
        r.history_applied, 10,
        "two households of five changes each: {r:?}"
    );
    assert_eq!(r.pulled_applied, 10);
    assert_eq!(snapshot_of(&lan, &[east]), snapshot_of(&binh, &[east]));
    // From now on the cursor brings the village.
    add_household(&mut binh, east, "Hộ Thôn Đông Mới");
    sync(&mut binh);
    let r = sync(&mut lan);
    assert_eq!((r.pulled_applied, r.history_applied), (1, 0));
    // A teammate enrolled now gets everything from the cursor alone.
    let mut minh = w.device("Máy của Minh", commune.members_of(0)[1]);
    let r = sync(&mut minh);
    assert_eq!((r.pulled_applied, r.history_applied), (16, 0));
    assert_eq!(snapshot(&minh), snapshot(&lan));

    // Taken away: nothing more of it. Given back: what was missed comes.
    commune.set_team_villages(0, &[west]);
    sync(&mut lan);
    add_household(&mut binh, east, "Hộ Thôn Đông Sau Cùng");
    sync(&mut binh);
    // Lan's own work moves her cursor past Bình's new household.
    add_household(&mut lan, west, "Hộ Thôn Tây Mới");
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.pulled_applied), (1, 0));
    assert_eq!(
        heads(&lan, &[east]).len(),
        3,
        "the copies stay on the device"
    );
    commune.set_team_villages(0, &[west, east]);
    let r = sync(&mut lan);
    assert_eq!((r.pulled_applied, r.history_applied), (1, 1));
    assert_eq!(snapshot_of(&lan, &[east]), snapshot_of(&binh, &[east]));
    assert_eq!(
        (lan.quarantine_count().unwrap(), lan.unsent_count().unwrap()),
        (0, 0)
    );
}

/// A short visit: met, nothing done.
fn a_visit_without_actions(store: &mut Store, h: HouseholdId, member: MemberId) {
    log_visit(store, h, member, "Đã chuyển về thôn mới", vec![]);
}

on_each_backend!(
    a_household_moving_to_another_village_takes_its_history_along,
    a_team_gaining_a_village_fetches_that_villages_history,
);
