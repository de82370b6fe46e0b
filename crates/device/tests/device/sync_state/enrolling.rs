//! Enrollment: the server's device id taken, the clock going forward,
//! unsent work of another identity kept, re-enrolling, another commune's file.

use super::*;

#[test]
fn enrolling_a_new_file_sets_it_up_with_the_servers_device_id() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, id) = enrolled(dir.path(), "a.db", &f);
    let device = s.device().unwrap().unwrap();
    assert_eq!(device.device_id, id);
    assert_eq!(device.device_name, "Điện thoại của Nga");
    let e = s.enrollment().unwrap().unwrap();
    assert_eq!(e.token.expose(), "tok-very-secret");
    assert_eq!(e.server_fingerprint, "ab".repeat(32), "stored lower-case");
    assert_eq!(e.member_id, f.member);
    assert!(!format!("{e:?}").contains("very-secret"));
    assert!(!serde_json::to_string(&e).unwrap().contains("very-secret"));
    assert_eq!(s.org().unwrap().unwrap(), {
        let mut o = f.org.clone();
        o.teams[0].village_ids.sort();
        o
    });
    assert_eq!(s.catalogue().unwrap().len(), 11, "seeded catalogue");
    assert_eq!(s.sync_state().unwrap().pull_cursor, 0);

    let h = s.write(|b| b.add_household(household(&f, "Lê Văn Tám")));
    assert!(h.is_ok());
    assert_eq!(
        pending(&s)[0].hlc.device,
        id,
        "new writes carry the server's id"
    );

    // The token survives reopening and is not in the file in clear.
    drop(s);
    let s = open(dir.path(), "a.db");
    assert_eq!(
        s.enrollment().unwrap().unwrap().token.expose(),
        "tok-very-secret"
    );
    let raw = std::fs::read(dir.path().join("a.db")).unwrap();
    assert!(!raw.windows(15).any(|w| w == b"tok-very-secret"));
}

#[test]
fn enrolling_after_init_takes_the_servers_id_and_the_clock_keeps_going_forward() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open(dir.path(), "a.db");
    let local = s.init_device("máy cũ").unwrap();
    let server_id = DeviceId::new();
    s.enroll(&enrollment(&f, server_id)).unwrap();
    assert_eq!(s.device().unwrap().unwrap().device_id, server_id);
    assert_ne!(local.device_id, server_id);
    s.write(|b| b.add_household(household(&f, "Lê Văn Chín")))
        .unwrap();
    drop(s);
    let s = open(dir.path(), "a.db");
    let c = pending(&s);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].hlc.device, server_id,
        "the clock resumes under the new id"
    );
}

#[test]
fn enrolling_with_unsent_changes_of_another_identity_is_refused_and_keeps_them() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open(dir.path(), "a.db");
    let local = s.init_device("máy").unwrap();
    s.import_org(&f.org).unwrap();
    s.write(|b| b.add_household(household(&f, "Đỗ Văn Mười")))
        .unwrap();
    let err = s.enroll(&enrollment(&f, DeviceId::new())).unwrap_err();
    assert!(
        matches!(err, StoreError::UnsentFromOtherDevice { count: 1 }),
        "{err:?}"
    );
    assert!(err.message_vi().contains("1 thay đổi chưa gửi"));
    assert_eq!(s.device().unwrap().unwrap().device_id, local.device_id);
    assert!(s.enrollment().unwrap().is_none());
    assert_eq!(s.unsent_count().unwrap(), 1);
}

#[test]
fn re_enrolling_after_everything_was_sent_is_allowed_and_pulls_from_the_start() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "a.db", &f);
    s.write(|b| b.add_household(household(&f, "Vũ Văn Năm")))
        .unwrap();
    let ids: Vec<ChangeId> = pending(&s).iter().map(|c| c.id).collect();
    s.settle_push(&ids, &[]).unwrap();
    s.apply_pull_page(&[], 42).unwrap();
    assert_eq!(s.sync_state().unwrap().pull_cursor, 42);
    s.set_scope_villages(&[f.village, f.other]).unwrap();
    let again = DeviceId::new();
    s.enroll(&enrollment(&f, again)).unwrap();
    assert_eq!(s.device().unwrap().unwrap().device_id, again);
    assert_eq!(s.sync_state().unwrap().pull_cursor, 0);
    // From the start the cursor brings every village: no history to fetch.
    assert!(s.history_fetches().unwrap().is_empty());
    let change = s.set_scope_villages(&[f.village, f.other]).unwrap();
    assert_eq!(change.gained.len(), 2);
    assert!(s.history_fetches().unwrap().is_empty());
}

#[test]
fn a_file_holding_another_commune_is_not_enrolled() {
    let dir = TempDir::new().unwrap();
    let (mut s, _) = enrolled(dir.path(), "a.db", &org());
    let err = s.enroll(&enrollment(&org(), DeviceId::new())).unwrap_err();
    assert!(matches!(err, StoreError::OtherCommune), "{err:?}");
}
