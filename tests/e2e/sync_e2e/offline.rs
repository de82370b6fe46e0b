//! Two members of a team working offline and converging; a revoked
//! device refused, keeping its work.

use super::*;

// ---------------------------------------------------------------------------

fn two_members_work_offline_sync_and_end_up_agreeing(backend: Backend) {
    let w = world(backend);
    let (server, commune) = (&w.server, &w.commune);
    let team = commune.team_members();
    let (village, _) = commune.villages();
    let dir = &w.dir;

    // Lan scans the QR code (fingerprint pinned from the start); Minh types
    // the address and the code (trust on first use).
    let (mut lan, out) = w.lan();
    assert!(out.pinned_from_payload);
    assert_eq!(out.member.id, team[0]);
    assert_eq!(out.server_fingerprint, server.fingerprint);
    assert_eq!(lan.device().unwrap().unwrap().device_id, out.device_id);
    let code = commune.code_for(team[1], &server.url);
    let mut minh = open(dir, "minh.db");
    minh.init_device("Điện thoại cũ").unwrap();
    let out = client::enroll(
        &mut minh,
        &server.url,
        Some(&code.code),
        "Máy của Minh",
        &options(),
    )
    .expect("enroll Minh");
    assert!(!out.pinned_from_payload);
    assert_eq!(out.server_fingerprint, server.fingerprint);
    assert_eq!(minh.org().unwrap().unwrap().commune, commune.org.commune);

    // A day offline each.
    for i in 0..3 {
        a_morning_of_work(
            &mut lan,
            village,
            team[0],
            &format!("Nguyễn Thị Lan Nhà {i}"),
        );
    }
    for i in 0..2 {
        a_morning_of_work(
            &mut minh,
            village,
            team[1],
            &format!("Trần Văn Minh Nhà {i}"),
        );
    }
    let lan_changes = lan.unsent_count().unwrap();
    let minh_changes = minh.unsent_count().unwrap();
    assert_eq!(
        lan_changes,
        3 * 5,
        "household, resident, visit, two actions"
    );

    let r = sync(&mut lan);
    assert_eq!(r.pushed_applied as i64, lan_changes);
    assert_eq!((r.rejected, r.unsent, r.quarantined), (0, 0, 0));
    let r = sync(&mut minh);
    assert_eq!(r.pushed_applied as i64, minh_changes);
    assert_eq!(
        r.pulled_applied as i64, lan_changes,
        "Lan's work reaches Minh"
    );
    let r = sync(&mut lan);
    assert_eq!(r.pushed_applied, 0);
    assert_eq!(
        r.pulled_applied as i64, minh_changes,
        "and Minh's reaches Lan"
    );
    assert_eq!(snapshot(&lan).len(), 5);
    assert_eq!(snapshot(&lan), snapshot(&minh), "the devices agree");

    // Both correct the same household offline: one winner everywhere.
    let target = lan.list_households(&[]).unwrap()[0].clone();
    let edit = |head: &str, phone: Option<&str>| HouseholdInput {
        village_id: Some(village),
        address: target.address.clone(),
        head_name: head.into(),
        phone: phone.map(Into::into),
        flags: HouseholdFlags::default(),
    };
    lan.write(|b| b.update_household(target.id, edit("Tên do Lan sửa", None)))
        .unwrap();
    minh.write(|b| b.update_household(target.id, edit("Tên do Minh sửa", Some("0912345678"))))
        .unwrap();
    sync(&mut lan);
    sync(&mut minh);
    sync(&mut lan);
    assert_eq!(
        snapshot(&lan),
        snapshot(&minh),
        "converged after the conflict"
    );
    let head = lan.household(target.id).unwrap().household.head_name;
    assert!(
        head == "Tên do Lan sửa" || head == "Tên do Minh sửa",
        "{head}"
    );
    let conflicts = lan.conflicts(10).unwrap().len() + minh.conflicts(10).unwrap().len();
    assert!(conflicts >= 1, "the losing value is logged");

    // A third device enrolling later gets the same picture from scratch.
    let code = commune.code_for(team[2], &server.url);
    let mut third = open(dir, "third.db");
    client::enroll_with(&mut third, &code, "Máy thứ ba", &options()).unwrap();
    let r = sync(&mut third);
    assert_eq!(r.pushed_applied, 0);
    assert_eq!(snapshot(&third), snapshot(&lan));
    assert!(third.sync_state().unwrap().last_success_at.is_some());
}

fn a_revoked_device_is_refused_and_keeps_its_unsent_work(backend: Backend) {
    let w = world(backend);
    let (server, commune) = (&w.server, &w.commune);
    let (village, _) = commune.villages();
    let dir = &w.dir;
    let (mut lan, out) = w.lan();
    add_household(&mut lan, village, "Hộ Đã Gửi");
    sync(&mut lan);

    add_household(&mut lan, village, "Hộ Chưa Gửi 1");
    add_household(&mut lan, village, "Hộ Chưa Gửi 2");
    commune.admin(&["revoke", &out.device_id.to_string()]);
    let err = client::sync(&mut lan, &options(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized), "{err:?}");
    assert!(err.message_vi().contains("thu hồi"));
    assert_eq!(lan.unsent_count().unwrap(), 2, "unsent work is kept");
    assert_eq!(lan.quarantine_count().unwrap(), 0);
    assert_eq!(lan.list_households(&[]).unwrap().len(), 3);
    let state = lan.sync_state().unwrap();
    assert_eq!(state.last_error, Some(err.message_vi()));

    // Re-enrolling would need a new id and orphan those changes (the
    // server knows this one): refused before a code is spent.
    let code = commune.code_for(commune.team_members()[0], &server.url);
    let err = client::enroll_with(&mut lan, &code, "Máy của Lan", &options()).unwrap_err();
    assert_eq!(err.code(), "device_id_taken", "{err:?}");
    assert!(
        err.message_vi().contains("chưa bị dùng"),
        "{}",
        err.message_vi()
    );
    assert_eq!(lan.unsent_count().unwrap(), 2, "unsent work is kept");
    let mut fresh = open(dir, "fresh.db");
    client::enroll_with(&mut fresh, &code, "Máy mới", &options()).expect("the code is unspent");
}

on_each_backend!(
    two_members_work_offline_sync_and_end_up_agreeing,
    a_revoked_device_is_refused_and_keeps_its_unsent_work,
);
