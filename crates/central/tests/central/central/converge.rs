//! Concurrent edits converging field by field, the loser kept in the
//! conflict log.

use super::*;

fn concurrent_edits_converge_and_the_loser_is_logged(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let mut b = s.enroll(s.member(0, 2));
    let (h, create) = a.household(s.village(0), "Đỗ Văn Long");
    s.push(&a, std::slice::from_ref(&create));
    // Both edit the head's name offline, having seen the creation. B's
    // stamp is later, so B wins everywhere, whatever order they arrive in.
    let edit_a = a.edit(
        EntityKind::Household,
        h.0,
        json!({"head_name": "Đỗ Văn Lâm", "phone": "0912345678"}),
        create.hlc,
    );
    b.clock.observe(edit_a.hlc, now_ms()).unwrap();
    let edit_b = b.edit(
        EntityKind::Household,
        h.0,
        json!({"head_name": "Đỗ Văn Lực"}),
        create.hlc,
    );
    assert!(edit_b.hlc > edit_a.hlc);
    assert_eq!(
        s.push(&b, std::slice::from_ref(&edit_b)),
        vec![ApplyResult::Applied]
    );
    assert_eq!(
        s.push(&a, std::slice::from_ref(&edit_a)),
        vec![ApplyResult::Applied]
    );

    let server_fields = s.db.record(h.0).unwrap().unwrap().fields;
    assert_eq!(server_fields["head_name"], "Đỗ Văn Lực");
    assert_eq!(
        server_fields["phone"], "0912345678",
        "A's other field stays"
    );

    // Each device folds what it pulls; whichever order, it ends as the
    // server is.
    let pulled: Vec<Change> = s.pull_all(&a, 2).into_iter().map(|(_, c)| c).collect();
    assert_eq!(pulled.len(), 3);
    let fold = |order: &[&Change]| {
        let (mut f, mut c) = (Map::new(), FieldClocks::new());
        for ch in order {
            let m = converge_fields(f, c, ch);
            f = m.fields;
            c = m.clocks;
        }
        f
    };
    let in_order: Vec<&Change> = pulled.iter().collect();
    let device_a_order = vec![&pulled[0], &pulled[2], &pulled[1]];
    assert_eq!(fold(&in_order), server_fields);
    assert_eq!(fold(&device_a_order), server_fields);

    let conflicts = s.db.conflicts(s.org.commune.id, None, 10).unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c.field, "head_name");
    assert_eq!(c.kept_value, json!("Đỗ Văn Lực"));
    assert_eq!(c.lost_value, json!("Đỗ Văn Lâm"));
    assert_eq!(c.lost_hlc, edit_a.hlc);
    assert_eq!(c.village_id, s.village(0));
    // The leader of the village sees it; another village's team does not.
    let leader = s.enroll(s.member(0, 0));
    assert_eq!(s.db.conflicts_for(&leader.auth, 10).unwrap().len(), 1);
    let other = s.enroll(s.member(1, 0));
    assert!(s.db.conflicts_for(&other.auth, 10).unwrap().is_empty());
}

on_each_backend!(concurrent_edits_converge_and_the_loser_is_logged);
