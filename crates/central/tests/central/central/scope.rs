//! What a device may see and write: its role's scope.

use super::*;

fn scope_follows_the_role(backend: Backend) {
    let s = server(backend);
    let member = s.enroll(s.member(1, 2));
    assert_eq!(member.auth.scope.village_ids, vec![s.village(1)]);
    let officer = s.enroll(s.officer());
    let mut all: Vec<_> = s.org.villages.iter().map(|v| v.id).collect();
    all.sort();
    assert_eq!(officer.auth.scope.village_ids, all);
    let view = s.db.org_for(&officer.auth).unwrap();
    assert_eq!(view.org.villages.len(), 2);
    assert_eq!(view.org.members.len(), s.org.members.len());
    assert_eq!(view.catalogue.len(), 11);
    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains("secret"));
}

fn writes_outside_the_scope_are_refused(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let mut officer = s.enroll(s.officer());
    // Another commune, with its own member.
    let other_org = demo_org(1);
    s.db.import_org(&other_org).unwrap();
    let mut stranger = s.enroll(other_org.members[0].id);

    let (_, foreign) = a.household(s.village(1), "Hộ thôn khác");
    let (_, other_commune) = a.household(other_org.villages[0].id, "Hộ xã khác");
    let (_, unknown_village) = a.household(gocua_core::VillageId::new(), "Hộ không thôn");
    let r = s.push(&a, &[foreign, other_commune, unknown_village]);
    assert!(
        r.iter().all(|r| rejected_code(r) == "out_of_scope"),
        "{r:?}"
    );

    // The officer records a household in village 1; member A cannot touch
    // it, add a resident to it, or move its own household there.
    let (h1, c) = officer.household(s.village(1), "Hộ của cán bộ");
    assert_eq!(
        s.push(&officer, std::slice::from_ref(&c)),
        vec![ApplyResult::Applied]
    );
    let edit = a.edit(
        EntityKind::Household,
        h1.0,
        json!({"head_name": "Đổi tên"}),
        c.hlc,
    );
    let (_, resident) = a.resident(h1, "Người lạ");
    let (own, own_c) = a.household(s.village(0), "Hộ của A");
    let mv = a.edit(
        EntityKind::Household,
        own.0,
        json!({"village_id": s.village(1)}),
        own_c.hlc,
    );
    let r = s.push(&a, &[edit, resident, own_c.clone(), mv]);
    assert_eq!(rejected_code(&r[0]), "out_of_scope");
    assert_eq!(rejected_code(&r[1]), "out_of_scope");
    assert_eq!(r[2], ApplyResult::Applied);
    assert_eq!(rejected_code(&r[3]), "out_of_scope");
    let f = s.db.record(own.0).unwrap().unwrap();
    assert_eq!(f.fields["village_id"], json!(s.village(0)));
    assert_eq!(f.village_id, s.village(0));

    // Another commune's device cannot reach into this one, even by id.
    let (_, intruder) = stranger.resident(own, "Kẻ lạ");
    let edit = stranger.edit(
        EntityKind::Household,
        own.0,
        json!({"head_name": "X"}),
        own_c.hlc,
    );
    let r = s.push(&stranger, &[intruder, edit]);
    assert!(
        r.iter().all(|r| rejected_code(r) == "out_of_scope"),
        "{r:?}"
    );
    assert!(s.pull_all(&stranger, 100).is_empty());
    // Nor read it: its pull holds only its own commune's changes.
    let (_, theirs) = stranger.household(other_org.villages[0].id, "Hộ xã bạn");
    s.push(&stranger, std::slice::from_ref(&theirs));
    let pulled = s.pull_all(&stranger, 100);
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0].1.id, theirs.id);
}

on_each_backend!(scope_follows_the_role, writes_outside_the_scope_are_refused,);
