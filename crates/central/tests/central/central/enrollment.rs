//! Enrollment codes and device tokens: one use, any case, expiry; kept
//! only as hashes; unknown and revoked tokens refused.

use super::*;

fn codes_work_once_in_any_case_and_expire(backend: Backend) {
    let s = server(backend);
    let member = s.member(0, 1);
    let code = s.db.issue_code(member, Duration::hours(72)).unwrap();
    assert_eq!(code.code.len(), 9);
    assert_eq!(&code.code[4..5], "-");
    assert!(code.expires_at > Utc::now() + Duration::hours(71));
    // Typed in lower case without the dash, it still works.
    let typed = code.code.replace('-', "").to_lowercase();
    let e = s.db.redeem_code(&typed, "  Điện thoại   của Lan ").unwrap();
    assert_eq!(e.auth.member.id, member);
    assert_eq!(e.auth.scope.village_ids, vec![s.village(0)]);
    assert_eq!(e.token.len(), 64);
    assert!(matches!(
        s.db.redeem_code(&code.code, "Máy khác"),
        Err(CentralError::CodeUsed)
    ));
    assert!(matches!(
        s.db.redeem_code("ABCD-EFGH", "Máy khác"),
        Err(CentralError::CodeUnknown)
    ));
    assert!(matches!(
        s.db.redeem_code("'; DROP TABLE devices; --", "Máy khác"),
        Err(CentralError::CodeUnknown)
    ));
    let expired = s.db.issue_code(member, Duration::zero()).unwrap();
    assert!(matches!(
        s.db.redeem_code(&expired.code, "Máy khác"),
        Err(CentralError::CodeExpired)
    ));
    // A blank device name is refused and the code stays usable.
    let fresh = s.db.issue_code(member, Duration::hours(1)).unwrap();
    assert!(matches!(
        s.db.redeem_code(&fresh.code, "   "),
        Err(CentralError::Invalid(_))
    ));
    s.db.redeem_code(&fresh.code, "Máy mới").unwrap();
    // Errors carry a code and a Vietnamese sentence.
    let err = s.db.redeem_code(&fresh.code, "x").unwrap_err();
    assert_eq!(err.code(), "code_used");
    assert!(err.message_vi().contains("đã được dùng"));
    assert!(
        s.db.issue_code(MemberId::new(), Duration::hours(1))
            .is_err()
    );

    let devices = s.db.devices(s.org.commune.id).unwrap();
    assert_eq!(devices.len(), 2);
    assert!(devices.iter().any(|d| d.name == "Điện thoại của Lan"));
}

fn tokens_and_codes_are_kept_only_as_hashes(backend: Backend) {
    let s = server(backend);
    let member = s.member(0, 0);
    let code = s.db.issue_code(member, Duration::hours(72)).unwrap();
    let e = s.db.redeem_code(&code.code, "Máy của Hùng").unwrap();
    let auth = s.db.authenticate(&e.token).unwrap();
    assert_eq!(auth.device_id, e.auth.device_id);
    assert_eq!(auth.member.id, member);
    let bytes = stored(&s.place);
    assert!(contains(&bytes, "Máy của Hùng"), "the scan sees the data");
    assert!(!contains(&bytes, &e.token), "the token is not on disk");
    assert!(!contains(&bytes, &e.token.to_uppercase()));
    assert!(!contains(&bytes, &code.code), "the code is not on disk");
    assert!(!contains(&bytes, &code.code.replace('-', "")));
}

fn unknown_and_revoked_tokens_are_refused(backend: Backend) {
    let s = server(backend);
    let d = s.enroll(s.member(0, 1));
    assert!(s.db.authenticate(&d.token).is_ok());
    for bad in ["", "x", &"0".repeat(64), &d.token[1..], &"a".repeat(10_000)] {
        assert!(matches!(
            s.db.authenticate(bad),
            Err(CentralError::Unauthorized)
        ));
    }
    s.db.revoke_device(d.auth.device_id).unwrap();
    assert!(matches!(
        s.db.authenticate(&d.token),
        Err(CentralError::Unauthorized)
    ));
    let listed = s.db.devices(s.org.commune.id).unwrap();
    assert!(listed[0].revoked_at.is_some());
    assert!(matches!(
        s.db.revoke_device(gocua_core::DeviceId::new()),
        Err(CentralError::NotFound { .. })
    ));
}

fn enrolling_again_retires_the_same_members_old_device_only(backend: Backend) {
    let s = server(backend);
    let hoa = s.member(0, 1);
    let other = s.member(0, 2);
    let old = s.enroll(hoa);
    let neighbour = s.enroll(other);
    // Naming another member's device retires nothing: a device id is no
    // secret, and Hoa's code must not end her neighbour's phone.
    let code = s.db.issue_code(hoa, Duration::hours(1)).unwrap();
    let stray =
        s.db.redeem_code_replacing(
            &code.code,
            "Máy thứ hai",
            Some(neighbour.auth.device_id),
            false,
            None,
        )
        .unwrap();
    assert!(s.db.authenticate(&neighbour.token).is_ok());
    // Hoa's file enrolled again: its old device is retired in the same step.
    let code = s.db.issue_code(hoa, Duration::hours(1)).unwrap();
    let new =
        s.db.redeem_code_replacing(
            &code.code,
            "Điện thoại của Hoa",
            Some(old.auth.device_id),
            false,
            None,
        )
        .unwrap();
    assert!(matches!(
        s.db.authenticate(&old.token),
        Err(CentralError::Unauthorized)
    ));
    assert_eq!(
        s.db.authenticate(&new.token).unwrap().device_id,
        new.auth.device_id
    );
    assert!(s.db.authenticate(&stray.token).is_ok());
    let devices = s.db.devices(s.org.commune.id).unwrap();
    let row = |id| devices.iter().find(|d| d.device_id == id).unwrap();
    let retired = row(old.auth.device_id);
    assert!(retired.revoked_at.is_some());
    assert_eq!(retired.replaced_by, Some(new.auth.device_id));
    assert_eq!(row(neighbour.auth.device_id).replaced_by, None);
    assert_eq!(row(new.auth.device_id).revoked_at, None);
    // A device revoked before (a lost phone) stays "revoked", not "replaced".
    s.db.revoke_device(new.auth.device_id).unwrap();
    let code = s.db.issue_code(hoa, Duration::hours(1)).unwrap();
    s.db.redeem_code_replacing(&code.code, "Máy mới", Some(new.auth.device_id), false, None)
        .unwrap();
    let devices = s.db.devices(s.org.commune.id).unwrap();
    assert_eq!(
        devices
            .iter()
            .find(|d| d.device_id == new.auth.device_id)
            .unwrap()
            .replaced_by,
        None
    );
}

/// After a restore from a backup older than a device, the device's id is
/// unknown: enrolling again gives it back (its changes, lost with the
/// restore, can be sent again as its own). A device that must keep its id
/// (unsent changes) is refused unspent when the id is known.
fn an_unknown_device_id_is_given_back_and_keep_id_never_takes_another(backend: Backend) {
    let s = server(backend);
    let hoa = s.member(0, 1);
    let gone = gocua_core::DeviceId::new();
    let code = s.db.issue_code(hoa, Duration::hours(1)).unwrap();
    let back =
        s.db.redeem_code_replacing(&code.code, "Máy của Hoa", Some(gone), true, None)
            .unwrap();
    assert_eq!(
        back.auth.device_id, gone,
        "the id the server never saw is given back"
    );
    assert!(
        s.db.authenticate(&back.token).is_ok(),
        "and it is not retired"
    );

    // The same id again (e.g. a copy of the file): known now, so keep_id
    // is refused and the code stays usable.
    let code = s.db.issue_code(hoa, Duration::hours(1)).unwrap();
    assert!(matches!(
        s.db.redeem_code_replacing(&code.code, "Bản sao", Some(gone), true, None),
        Err(CentralError::DeviceIdTaken)
    ));
    assert!(s.db.authenticate(&back.token).is_ok(), "nothing retired");
    let again =
        s.db.redeem_code_replacing(&code.code, "Bản sao", Some(gone), false, None);
    let again = again.expect("the refused code was not spent");
    assert_ne!(
        again.auth.device_id, gone,
        "without keep_id: a new id, as before"
    );
}

on_each_backend!(
    an_unknown_device_id_is_given_back_and_keep_id_never_takes_another,
    codes_work_once_in_any_case_and_expire,
    tokens_and_codes_are_kept_only_as_hashes,
    unknown_and_revoked_tokens_are_refused,
    enrolling_again_retires_the_same_members_old_device_only,
);
