//! Enrollment, push and pull over pinned TLS, and scope on every endpoint.

use super::*;

fn enroll_push_and_pull_over_pinned_tls(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (org, code) = demo(&p, 2);
    let health: Value = s.get(wire::HEALTH, None).ok();
    assert_eq!(health["status"], "ok");

    // Typed in lower case without the dash, the code works once.
    let typed = code.replace('-', "").to_lowercase();
    let mut d = s.device(&typed);
    assert_eq!(d.e.member.id, org.members[0].id);
    assert_eq!(d.e.scope.village_ids, vec![org.villages[0].id]);
    assert_eq!(d.e.org.commune, org.commune);
    assert_eq!(d.e.catalogue.len(), 11);
    s.enroll(&code).refused(StatusCode::GONE, "code_used");
    s.enroll("ABCD-EFGH")
        .refused(StatusCode::FORBIDDEN, "code_unknown");
    let expired = admin(
        &p,
        &[
            "enroll-code",
            "--member",
            &org.members[1].id.to_string(),
            "--ttl-hours",
            "0",
        ],
    );
    s.enroll(expired["code"].as_str().unwrap())
        .refused(StatusCode::GONE, "code_expired");
    // The QR payload names this server's certificate.
    let payload = EnrollmentPayload::parse(expired["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload.fingerprint.as_deref(), Some(s.fingerprint.as_str()));
    assert_eq!(payload.url, s.url);

    let (h, c1) = d.household(d.village(), "Nguyễn Thị Đào");
    let (r, c2) = d.resident(h, "Nguyễn Thị Đào");
    let (v, c3) = d.visit(h);
    let c4 = d.action(v, r);
    let batch = vec![c1, c2, c3, c4];
    assert_eq!(s.push(&d, &batch), vec![PushOutcome::Applied; 4]);
    assert_eq!(s.push(&d, &batch), vec![PushOutcome::AlreadyHad; 4]);

    // A teammate's phone gets all of it, in order, a page at a time.
    let mate = s.device(&new_code(&p, org.members[1].id));
    let pulled = s.pull_all(&mate);
    assert_eq!(pulled, batch);
    let org_reply: wire::OrgResponse = s.get(wire::ORG, Some(&mate.e.token)).ok();
    assert_eq!(org_reply.member.id, org.members[1].id);
    assert_eq!(org_reply.org.villages.len(), 2);
    // Every answer carries the server's time, for the device's clock.
    let now = chrono::Utc::now().timestamp_millis();
    let told = org_reply.server_time_ms.expect("the server's time");
    assert!((told - now).abs() < 60_000, "{told} vs {now}");
    // The page size is clamped, not refused.
    let page: PullResponse = s
        .get(
            &format!("{}?after=-5&limit=4000000000", wire::PULL),
            Some(&mate.e.token),
        )
        .ok();
    assert_eq!(page.changes.len(), 4);
    assert!(!page.more);
}

fn scope_is_enforced_on_every_endpoint(backend: Backend) {
    let p = Place::new(backend);
    let s = start(&p);
    let (org, code) = demo(&p, 2);
    let (other_org, other_code) = demo(&p, 1);
    let mut a = s.device(&code);
    // The second team's member, and a member of another commune.
    let mut b = s.device(&new_code(&p, org.members[4].id));
    assert_eq!(b.e.scope.village_ids, vec![org.villages[1].id]);
    let mut c = s.device(&other_code);
    assert_eq!(c.e.org.commune, other_org.commune);

    let (h, own) = a.household(a.village(), "Hộ của thôn Đông");
    let (_, foreign) = a.household(org.villages[1].id, "Hộ thôn khác");
    let (_, cross) = a.household(other_org.villages[0].id, "Hộ xã khác");
    let r = s.push(&a, &[own, foreign, cross]);
    assert_eq!(r[0], PushOutcome::Applied);
    assert_eq!(rejected(&r[1]), "out_of_scope");
    assert_eq!(rejected(&r[2]), "out_of_scope");
    // Others cannot write into it, by id or otherwise.
    let (_, from_b) = b.resident(h, "Người thôn Tây");
    assert_eq!(rejected(&s.push(&b, &[from_b])[0]), "out_of_scope");
    let (_, from_c) = c.resident(h, "Người xã khác");
    assert_eq!(rejected(&s.push(&c, &[from_c])[0]), "out_of_scope");
    // A change stamped by another device is refused, whoever pushes it.
    let (_, mut forged) = b.household(b.village(), "Hộ giả mạo");
    forged.hlc.device = a.e.device_id;
    assert_eq!(rejected(&s.push(&b, &[forged])[0]), "not_own_change");
    // Nor read it.
    assert!(s.pull_all(&b).is_empty());
    assert!(s.pull_all(&c).is_empty());
    assert_eq!(s.pull_all(&a).len(), 1);
    // Nor fetch its history, by village or by household: an empty page.
    let history = |d: &Device, filter: String| -> PullResponse {
        s.get(
            &format!("{}?after=0&{filter}", wire::PULL),
            Some(&d.e.token),
        )
        .ok()
    };
    for (d, filter) in [
        (&b, format!("village={}", org.villages[0].id)),
        (&b, format!("household={h}")),
        (&c, format!("household={h}")),
        (&c, format!("village={}", org.villages[0].id)),
    ] {
        let page = history(d, filter);
        assert!(page.changes.is_empty() && !page.more);
    }
    assert_eq!(
        history(&a, format!("household={h}&until=999"))
            .changes
            .len(),
        1
    );
    assert!(
        history(&a, format!("household={h}&until=0"))
            .changes
            .is_empty()
    );
    for q in [
        format!("village={}&household={h}", org.villages[0].id),
        "village=x".into(),
        "until=later".into(),
    ] {
        s.get(&format!("{}?after=0&{q}", wire::PULL), Some(&a.e.token))
            .refused(StatusCode::BAD_REQUEST, "bad_query");
    }
    let officer = org.members.last().unwrap();
    let officer = s.device(&new_code(&p, officer.id));
    assert_eq!(
        s.pull_all(&officer).len(),
        1,
        "the officer sees the commune"
    );
    let their_org: wire::OrgResponse = s.get(wire::ORG, Some(&c.e.token)).ok();
    assert_eq!(their_org.org.commune, other_org.commune);
    assert!(
        their_org
            .org
            .members
            .iter()
            .all(|m| m.commune_id == other_org.commune.id)
    );

    // No token, a wrong one, a malformed header: 401 on every endpoint.
    let pull = format!("{}?after=0", wire::PULL);
    let empty_push = json!({"changes": []});
    let wrong = "0".repeat(64);
    for token in [None, Some(wrong.as_str()), Some("")] {
        s.get(&pull, token)
            .refused(StatusCode::UNAUTHORIZED, "unauthorized");
        s.get(wire::ORG, token)
            .refused(StatusCode::UNAUTHORIZED, "unauthorized");
        s.post(wire::PUSH, token, &empty_push)
            .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let basic = s.send(
        s.client
            .get(format!("{}{}", s.url, wire::ORG))
            .header("authorization", format!("Basic {}", a.e.token)),
    );
    basic.refused(StatusCode::UNAUTHORIZED, "unauthorized");

    // A revoked device is shut out at once; its data stays.
    let devices = admin(&p, &["devices", "--commune", &org.commune.id.to_string()]);
    assert_eq!(devices.as_array().unwrap().len(), 3);
    admin(&p, &["revoke", &a.e.device_id.to_string()]);
    s.get(&pull, Some(&a.e.token))
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    s.get(wire::ORG, Some(&a.e.token))
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    s.post(wire::PUSH, Some(&a.e.token), &empty_push)
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(s.pull_all(&officer).len(), 1);
    let devices = admin(&p, &["devices", "--commune", &org.commune.id.to_string()]);
    assert!(
        devices
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["device_id"] == json!(a.e.device_id) && !d["revoked_at"].is_null())
    );
}

on_each_backend!(
    enroll_push_and_pull_over_pinned_tls,
    scope_is_enforced_on_every_endpoint,
);
