//! A change the server rejects: quarantined without holding back the rest,
//! sent again once allowed or given up on purpose.

use super::*;

fn a_change_the_server_rejects_is_quarantined_and_the_rest_go_through(backend: Backend) {
    let w = world(backend);
    let team = w.commune.team_members();
    let (ours, theirs) = w.commune.villages();
    let (mut lan, _) = w.lan();

    add_household(&mut lan, ours, "Hộ Trước");
    let outside = add_household(&mut lan, theirs, "Hộ Thôn Khác");
    add_household(&mut lan, ours, "Hộ Sau");
    let r = sync(&mut lan);
    assert_eq!(r.pushed_applied, 2);
    assert_eq!(r.rejected, 1);
    assert_eq!((r.unsent, r.quarantined), (0, 1));
    let q = lan.quarantine(10).unwrap();
    assert_eq!(q[0].direction, QuarantineDirection::Pushed);
    assert_eq!(q[0].code, "out_of_scope");
    assert_eq!(q[0].change.entity_id, outside.0);
    assert!(!q[0].message.is_empty());

    // The next round does not try it again, and it stays listed.
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.rejected, r.quarantined), (0, 0, 1));

    // A teammate sees the two that went through, not the rejected one.
    let mut minh = w.device("Máy của Minh", team[1]);
    sync(&mut minh);
    assert_eq!(heads(&minh, &[]), ["Hộ Sau", "Hộ Trước"]);
}

fn a_refused_change_is_retried_once_the_server_allows_it_or_discarded_on_purpose(backend: Backend) {
    let w = world(backend);
    let team = w.commune.team_members();
    let (ours, theirs) = w.commune.villages();
    let (mut lan, _) = w.lan();
    let wanted = add_household(&mut lan, theirs, "Hộ Cần Gửi Lại");
    add_household(&mut lan, theirs, "Hộ Nhập Nhầm");
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.rejected, r.quarantined), (0, 2, 2));
    let held = |s: &Store, head: &str| {
        s.quarantine(10)
            .unwrap()
            .into_iter()
            .find(|q| q.change.fields["head_name"] == head)
            .expect("quarantined")
    };

    // Too early: the server still refuses it, and it is held again.
    let q = held(&lan, "Hộ Cần Gửi Lại");
    assert_eq!(lan.retry_quarantined(q.id).unwrap(), RetryOutcome::Requeued);
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.rejected, r.quarantined), (0, 1, 2));

    // The commune gives Lan's team that village too: now it goes through.
    w.commune.set_team_villages(0, &[ours, theirs]);
    let q = held(&lan, "Hộ Cần Gửi Lại");
    assert_eq!(q.change.entity_id, wanted.0);
    lan.retry_quarantined(q.id).unwrap();
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.rejected, r.quarantined), (1, 0, 1));

    // The other one was a mistake: given up on, recorded, never sent.
    let q = held(&lan, "Hộ Nhập Nhầm");
    let d = lan
        .discard_quarantined(q.id, Some("Nhập nhầm thôn"))
        .unwrap();
    let r = sync(&mut lan);
    assert_eq!(
        (r.pushed_applied, r.rejected, r.quarantined, r.unsent),
        (0, 0, 0, 0)
    );
    assert_eq!(lan.discarded_changes(10).unwrap(), vec![d]);

    // A teammate gets the one that went through, and only that one.
    let mut minh = w.device("Máy của Minh", team[1]);
    sync(&mut minh);
    assert_eq!(heads(&minh, &[]), ["Hộ Cần Gửi Lại"]);
}

on_each_backend!(
    a_change_the_server_rejects_is_quarantined_and_the_rest_go_through,
    a_refused_change_is_retried_once_the_server_allows_it_or_discarded_on_purpose,
);
