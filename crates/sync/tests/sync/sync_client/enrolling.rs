//! Enrollment and pinning: a scanned payload's fingerprint, the first
//! certificate trusted by address, another certificate refused, unsent work
//! kept; syncing before enrolling.

use super::*;

// ---------------------------------------------------------------------------

#[test]
fn enrolling_with_a_scanned_payload_pins_its_fingerprint_and_adopts_the_servers_id() {
    let c = commune();
    let device = DeviceId::new();
    let (c2, fp) = (commune_clone(&c), Arc::new(Mutex::new(String::new())));
    let fp2 = fp.clone();
    let server = FakeServer::start(move |s| {
        assert_eq!(s.path, wire::ENROLL);
        Reply::Json(200, enroll_json(&c2, device, &fp2.lock().unwrap()))
    });
    *fp.lock().unwrap() = server.fingerprint.clone();
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    let payload = EnrollmentPayload {
        url: server.url.clone(),
        code: "K7M2-PQ9X".into(),
        fingerprint: Some(server.fingerprint.to_ascii_uppercase()),
    }
    .to_text();
    let out = client::enroll(
        &mut store,
        &payload,
        None,
        "  Điện thoại  của Páo ",
        &options(),
    )
    .unwrap();
    assert!(out.pinned_from_payload);
    assert_eq!(out.device_id, device);
    assert_eq!(out.member.id, c.member.id);
    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.auth, None);
    let body: wire::EnrollRequest = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body.code, "K7M2-PQ9X");
    assert_eq!(body.device_name, "Điện thoại của Páo");
    assert_eq!(store.device().unwrap().unwrap().device_id, device);
    let e = store.enrollment().unwrap().unwrap();
    assert_eq!(e.server_fingerprint, server.fingerprint);
    assert_eq!(e.token.expose(), "token-123");
    assert_eq!(e.server_url, server.url);
    assert_eq!(store.org().unwrap().unwrap().commune, c.org.commune);
}

#[test]
fn enrolling_by_address_trusts_the_first_certificate_and_records_it() {
    let c = commune();
    let fp = Arc::new(Mutex::new(String::new()));
    let (c2, fp2) = (commune_clone(&c), fp.clone());
    let server = FakeServer::start(move |_| {
        Reply::Json(200, enroll_json(&c2, DeviceId::new(), &fp2.lock().unwrap()))
    });
    *fp.lock().unwrap() = server.fingerprint.clone();
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    let out = client::enroll(
        &mut store,
        &format!("{}/", server.url),
        Some("ABCD"),
        "máy",
        &options(),
    )
    .unwrap();
    assert!(!out.pinned_from_payload);
    assert_eq!(out.server_fingerprint, server.fingerprint);
    assert_eq!(
        store.enrollment().unwrap().unwrap().server_fingerprint,
        server.fingerprint
    );
}

#[test]
fn a_certificate_other_than_the_pinned_one_is_refused_before_anything_is_sent() {
    let c = commune();
    let c2 = commune_clone(&c);
    let server =
        FakeServer::start(move |_| Reply::Json(200, enroll_json(&c2, DeviceId::new(), "")));
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    let payload = EnrollmentPayload {
        url: server.url.clone(),
        code: "ABCD".into(),
        fingerprint: Some("00".repeat(32)),
    }
    .to_text();
    let err = client::enroll(&mut store, &payload, None, "máy", &options()).unwrap_err();
    assert!(matches!(err, SyncError::PinMismatch { .. }), "{err:?}");
    assert!(
        server.requests().is_empty(),
        "the code never left the device"
    );
    assert!(store.enrollment().unwrap().is_none());

    // Trust on first use, but the server names another certificate than
    // the one seen: someone is in between.
    let err = client::enroll(&mut store, &server.url, Some("ABCD"), "máy", &options()).unwrap_err();
    assert!(matches!(err, SyncError::PinMismatch { .. }), "{err:?}");
    assert!(store.enrollment().unwrap().is_none());
    assert!(store.device().unwrap().is_none());
}

/// A device with unsent work stamped with its own id can only enroll
/// keeping that id: it asks for it (`keep_id`), and a server that cannot
/// give it back refuses before the code is spent; the work stays.
#[test]
fn enrolling_a_device_with_unsent_work_asks_to_keep_its_id() {
    let server = FakeServer::start(|_| {
        Reply::Json(
            409,
            error_json("device_id_taken", "Máy chủ đã biết mã thiết bị này."),
        )
    });
    let c = commune();
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    store.init_device("máy").unwrap();
    store.import_org(&c.org).unwrap();
    add_household(&mut store, &c, "Lò Thị Ban");
    let own = store.device().unwrap().unwrap().device_id;
    let err = client::enroll(&mut store, &server.url, Some("ABCD"), "máy", &options()).unwrap_err();
    assert_eq!(err.code(), "device_id_taken", "{err:?}");
    let sent: serde_json::Value =
        serde_json::from_str(&server.requests()[0].body).expect("a JSON request");
    assert_eq!(sent["keep_id"], true, "{sent}");
    assert_eq!(sent["replaces"], own.to_string(), "{sent}");
    assert_eq!(store.unsent_count().unwrap(), 1);
    assert!(store.enrollment().unwrap().is_none());
}

#[test]
fn syncing_before_enrolling_says_so() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir, "a.db");
    store.init_device("máy").unwrap();
    let err = client::sync(&mut store, &options(), &mut quiet()).unwrap_err();
    assert!(matches!(err, SyncError::NotEnrolled), "{err:?}");
}
