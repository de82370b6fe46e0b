//! The organisation: built by the admin calls, targets set per commune.

use super::*;

fn targets_are_set_per_commune_and_checked(backend: Backend) {
    let s = server(backend);
    let c = s.org.commune.id;
    s.db.set_target(c, "vneid_l2", 100.0).unwrap();
    s.db.set_target(c, "vneid_l2", 90.0).unwrap();
    s.db.set_target(c, "bank_account", 90.0).unwrap();
    let t = s.db.targets(c).unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t[1].indicator, "vneid_l2");
    assert_eq!(t[1].percent, 90.0);
    assert!(matches!(
        s.db.set_target(c, "vneid_l2", 101.0),
        Err(CentralError::Percent)
    ));
    assert!(s.db.set_target(c, "Bad Code", 10.0).is_err());
}

fn the_organisation_is_built_by_the_admin_calls(backend: Backend) {
    let place = Place::new(backend);
    let db = place.central();
    let c = db.create_commune("  Xã   Nghĩa Sơn ", "Thanh Hóa").unwrap();
    assert_eq!(c.name, "Xã Nghĩa Sơn");
    let v1 = db.add_village(c.id, "Thôn Đông").unwrap();
    let v2 = db.add_village(c.id, "Thôn Tây").unwrap();
    let t = db
        .add_team(c.id, "Tổ CNS Đông Tây", &[v1.id, v2.id])
        .unwrap();
    let m = db
        .add_member(c.id, Some(t.id), "Lê Văn Hùng", Role::TeamLeader)
        .unwrap();
    assert!(matches!(
        db.add_member(c.id, None, "Không tổ", Role::Member),
        Err(CentralError::TeamRequired)
    ));
    assert!(db.add_village(c.id, "").is_err());
    let other = db.create_commune("Xã Khác", "Thanh Hóa").unwrap();
    assert!(matches!(
        db.add_team(other.id, "Tổ lạ", &[v1.id]),
        Err(CentralError::OtherCommune { .. })
    ));
    assert!(matches!(
        db.add_member(other.id, Some(t.id), "Người lạ", Role::Member),
        Err(CentralError::OtherCommune { .. })
    ));
    drop(db);
    // Reopening keeps everything and runs no migration twice.
    let db = place.central();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    let code = db.issue_code(m.id, Duration::hours(1)).unwrap();
    let e = db.redeem_code(&code.code, "Máy").unwrap();
    let mut scope = vec![v1.id, v2.id];
    scope.sort();
    assert_eq!(e.auth.scope.village_ids, scope);
    let snap = db.org_snapshot(c.id).unwrap();
    assert_eq!(snap.teams[0].village_ids.len(), 2);
    assert_eq!(snap.members, vec![m]);

    // A team's villages change as a whole; the scope follows at once.
    let t2 = db.set_team_villages(t.id, &[v2.id, v2.id]).unwrap();
    assert_eq!(t2.village_ids, vec![v2.id]);
    assert_eq!(
        db.authenticate(&e.token).unwrap().scope.village_ids,
        vec![v2.id]
    );
    assert_eq!(
        db.org_snapshot(c.id).unwrap().teams[0].village_ids,
        vec![v2.id]
    );
    let v3 = db.add_village(other.id, "Thôn Xã Khác").unwrap();
    assert!(matches!(
        db.set_team_villages(t.id, &[v1.id, v3.id]),
        Err(CentralError::OtherCommune { .. })
    ));
    assert!(db.set_team_villages(t.id, &[]).is_err());
    assert!(matches!(
        db.set_team_villages(gocua_core::TeamId::new(), &[v1.id]),
        Err(CentralError::NotFound { .. })
    ));
    assert_eq!(
        db.authenticate(&e.token).unwrap().scope.village_ids,
        vec![v2.id],
        "a refused change leaves the team as it was"
    );
}

on_each_backend!(
    targets_are_set_per_commune_and_checked,
    the_organisation_is_built_by_the_admin_calls,
);
