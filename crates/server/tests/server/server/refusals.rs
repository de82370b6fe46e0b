//! What is refused: bad input (a 4xx, nothing lost), wrong codes rate
//! limited per address, a wrong fingerprint.

use super::*;

fn bad_input_gets_a_4xx_and_loses_nothing(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (org, code) = demo(&p, 1);
    let mut d = s.device(&code);
    let token = d.e.token.clone();
    let t = Some(token.as_str());
    let (h, good) = d.household(d.village(), "Trần Văn Bình");
    assert_eq!(
        s.push(&d, std::slice::from_ref(&good)),
        vec![PushOutcome::Applied]
    );
    let good_json = serde_json::to_value(&good).unwrap();

    let push = |body: &[u8]| s.post_raw(wire::PUSH, t, body.to_vec());
    push(b"{\"changes\": [").refused(StatusCode::BAD_REQUEST, "malformed_json");
    push(b"\xff\xfe not utf-8").refused(StatusCode::BAD_REQUEST, "malformed_json");
    push(b"").refused(StatusCode::BAD_REQUEST, "malformed_json");
    push(b"{\"changes\": \"all of them\"}")
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    push(b"{\"changes\": [], \"admin\": true}")
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    push(b"[]").refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let deep = format!(
        "{{\"changes\": [{{\"fields\": {{\"x\": {}{}}}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    push(deep.as_bytes()).refused(StatusCode::BAD_REQUEST, "malformed_json");
    let mut extra = good_json.clone();
    extra["sneaky"] = json!(1);
    s.post(wire::PUSH, t, &json!({ "changes": [extra] }))
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    for (field, value) in [
        ("entity_id", json!("not-a-uuid")),
        ("id", json!(12)),
        ("entity", json!("spaceship")),
        ("hlc", json!("yesterday")),
        ("fields", json!([1, 2])),
    ] {
        let mut bad = good_json.clone();
        bad[field] = value;
        s.post(wire::PUSH, t, &json!({ "changes": [bad] }))
            .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    }
    // Without a JSON content type.
    let plain = s.send(
        s.client
            .post(format!("{}{}", s.url, wire::PUSH))
            .bearer_auth(&token)
            .body("{\"changes\": []}"),
    );
    plain.refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    // Too big, and too many.
    let big = format!(
        "{{\"changes\": [], \"pad\": \"{}\"}}",
        "a".repeat(wire::MAX_BODY_BYTES)
    );
    push(big.as_bytes()).refused(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let many: Vec<Change> = (0..=wire::MAX_PUSH_CHANGES)
        .map(|i| d.household(d.village(), &format!("Hộ {i}")).1)
        .collect();
    s.post(
        wire::PUSH,
        t,
        &PushRequest {
            changes: many,
            signatures: Vec::new(),
        },
    )
    .refused(StatusCode::PAYLOAD_TOO_LARGE, "too_many_changes");
    // Bad queries.
    for q in [
        "after=x",
        "limit=-1",
        "after=0&who=me",
        "after=99999999999999999999",
    ] {
        s.get(&format!("{}?{q}", wire::PULL), t)
            .refused(StatusCode::BAD_REQUEST, "bad_query");
    }
    // Enrollment: wrong shapes, a huge device name, a huge code.
    s.post_raw(wire::ENROLL, None, "{\"code\": 5, \"device_name\": []}")
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let fresh = new_code(&p, org.members[1].id);
    s.post(
        wire::ENROLL,
        None,
        &json!({"code": fresh, "device_name": "x".repeat(1_000_000)}),
    )
    .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    s.post(
        wire::ENROLL,
        None,
        &json!({"code": "A".repeat(1_000_000), "device_name": "x"}),
    )
    .refused(StatusCode::FORBIDDEN, "code_unknown");
    s.get("/api/v1/nothing", t)
        .refused(StatusCode::NOT_FOUND, "not_found");
    s.get(wire::PUSH, t)
        .refused(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");

    // Well-formed but wrong changes are refused one by one, in a 200.
    let (_, mut future) = d.household(d.village(), "Hộ tương lai");
    future.hlc.wall_ms = Utc::now().timestamp_millis() as u64 + 30 * 24 * 3600 * 1000;
    let (_, mut huge) = d.household(d.village(), "x");
    huge.fields
        .insert("head_name".into(), json!("ơ".repeat(1_000_000)));
    let (_, ok_resident) = d.resident(h, "Trần Thị Hoa");
    let r = s.push(&d, &[future, huge, ok_resident.clone()]);
    assert_eq!(rejected(&r[0]), "clock_ahead");
    assert_eq!(rejected(&r[1]), "too_large");
    assert_eq!(r[2], PushOutcome::Applied);
    let PushOutcome::Rejected { message, .. } = &r[1] else {
        unreachable!()
    };
    assert!(message.chars().count() < 400, "{message}");

    // Nothing good was lost, and the server is still well.
    assert_eq!(s.pull_all(&d), vec![good, ok_resident]);
    let health: Value = s.get(wire::HEALTH, None).ok();
    assert_eq!(health["status"], "ok");
}

fn wrong_codes_are_rate_limited_per_address(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (_, code) = demo(&p, 1);
    for i in 0..10 {
        s.enroll(&format!("WRNG-{i:04}").replace('0', "A").replace('1', "B"))
            .refused(StatusCode::FORBIDDEN, "code_unknown");
    }
    // Now even the right code waits: a guesser cannot tell it apart.
    s.enroll(&code)
        .refused(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
}

fn a_wrong_fingerprint_never_connects(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (bad, _) =
        pinned_http_client(Pin::Fingerprint("00".repeat(32)), Duration::from_secs(10)).unwrap();
    let err = bad
        .get(format!("{}{}", s.url, wire::HEALTH))
        .send()
        .expect_err("a certificate that does not match is refused");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    // Trust on first use sees exactly the announced certificate.
    let (tofu, seen) = pinned_http_client(Pin::FirstUse, Duration::from_secs(10)).unwrap();
    let r = tofu
        .get(format!("{}{}", s.url, wire::HEALTH))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        seen.lock().unwrap().as_deref(),
        Some(s.fingerprint.as_str())
    );
}

on_each_backend!(
    bad_input_gets_a_4xx_and_loses_nothing,
    wrong_codes_are_rate_limited_per_address,
    a_wrong_fingerprint_never_connects,
);
