//! Pushing: a retried push taken once, one bad change refused alone, facts
//! only ever voided, concurrent and big pushes judged in one order.

use super::*;

fn a_retried_push_is_taken_once(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let (h, c1) = a.household(s.village(0), "Nguyễn Thị Đào");
    let (_, c2) = a.resident(h, "Nguyễn Thị Đào");
    let batch = vec![c1, c2];
    assert_eq!(
        s.push(&a, &batch),
        vec![ApplyResult::Applied, ApplyResult::Applied]
    );
    assert_eq!(
        s.push(&a, &batch),
        vec![ApplyResult::AlreadyHad, ApplyResult::AlreadyHad]
    );
    // The same change twice in one batch, too.
    let (_, c3) = a.household(s.village(0), "Trần Văn Bình");
    assert_eq!(
        s.push(&a, &[c3.clone(), c3]),
        vec![ApplyResult::Applied, ApplyResult::AlreadyHad]
    );
    assert_eq!(s.pull_all(&a, 10).len(), 3);
}

fn a_bad_change_is_refused_alone(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let b = s.enroll(s.member(0, 2));
    let v = s.village(0);

    let (h, good_household) = a.household(v, "Lê Văn Hùng");
    let (_, mut blank) = a.household(v, "x");
    blank.fields.insert("head_name".into(), json!("   "));
    let (_, mut huge) = a.household(v, "x");
    huge.fields.insert(
        "address".into(),
        json!("a".repeat(gocua_core::validate::MAX_TEXT_CHARS + 1)),
    );
    let (_, mut extra) = a.household(v, "Hộ có trường lạ");
    extra.fields.insert("is_admin".into(), json!(true));
    let (_, mut wrong_type) = a.household(v, "Hộ sai kiểu");
    wrong_type.fields.insert("poor".into(), json!("có"));
    let (_, orphan) = a.resident(HouseholdId::new(), "Người mồ côi");
    let (_, mut forged) = a.household(v, "Hộ giả");
    forged.hlc.device = b.auth.device_id;
    let (_, mut future) = a.household(v, "Hộ tương lai");
    future.hlc.wall_ms = now_ms() + 3 * 24 * 3600 * 1000;
    let (r, good_resident) = a.resident(h, "Lê Thị Hoa");
    let (_, mut old) = a.resident(h, "Cụ già");
    old.fields.insert("birth_year".into(), json!(1800));
    let (_, mut hashed) = a.resident(h, "Có CCCD");
    hashed
        .fields
        .insert("citizen_id_hash".into(), json!("ab".repeat(32)));
    let (visit, good_visit) = a.visit(h, s.member(0, 1));
    let (_, unknown_action) = a.action(visit, r, "fly_to_the_moon");
    let (_, good_action) = a.action(visit, r, "vneid_l2");
    let (_, mut stranger_visit) = a.visit(h, s.member(0, 1));
    stranger_visit
        .fields
        .insert("members".into(), json!([MemberId::new()]));
    // Each field is fine, the whole is not: pages must stay bounded.
    let (_, mut crowded_visit) = a.visit(h, s.member(0, 1));
    crowded_visit
        .fields
        .insert("members".into(), json!(vec![s.member(0, 1); 1000]));

    let results = s.push(
        &a,
        &[
            good_household.clone(),
            blank,
            huge,
            extra,
            wrong_type,
            orphan,
            forged,
            future,
            good_resident,
            old,
            hashed,
            good_visit,
            unknown_action,
            good_action,
            stranger_visit,
            crowded_visit,
        ],
    );
    let codes: Vec<&str> = results
        .iter()
        .map(|r| match r {
            ApplyResult::Applied => "applied",
            other => rejected_code(other),
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            "applied",
            "invalid",
            "invalid",
            "invalid",
            "invalid",
            "unknown_parent",
            "not_own_change",
            "clock_ahead",
            "applied",
            "invalid",
            "invalid", // a CCCD hash without consent
            "applied",
            "invalid",
            "applied",
            "unknown_member",
            "too_large",
        ]
    );
    if let ApplyResult::Rejected { message, .. } = &results[15] {
        assert!(message.contains("quá lớn"), "{message}");
    }
    // The message is Vietnamese and does not echo a huge value back.
    if let ApplyResult::Rejected { message, .. } = &results[2] {
        assert!(message.contains("Địa chỉ quá dài"), "{message}");
        assert!(message.len() < 500);
    }
    let pulled = s.pull_all(&a, 100);
    assert_eq!(pulled.len(), 4);
    assert_eq!(pulled[0].1, good_household);
}

fn facts_are_only_ever_voided(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    // The device's member records and voids (issue 15: no one else's id).
    let me = s.member(0, 1);
    let (h, c1) = a.household(s.village(0), "Phạm Văn Nam");
    let (r, c2) = a.resident(h, "Phạm Văn Nam");
    let (h2, c3) = a.household(s.village(0), "Hộ bên cạnh");
    let (r2, c4) = a.resident(h2, "Người bên cạnh");
    let (visit, c5) = a.visit(h, me);
    let (action, c6) = a.action(visit, r, "bank_account");
    let (_, neighbour) = a.action(visit, r2, "bank_account");
    let r0 = s.push(&a, &[c1, c2, c3, c4, c5, c6, neighbour]);
    assert_eq!(
        rejected_code(&r0[6]),
        "invalid",
        "resident of another household"
    );

    let edit = a.edit(
        EntityKind::Visit,
        visit.0,
        json!({"outcome": "refused"}),
        Hlc::zero(a.auth.device_id),
    );
    let first = a.void(EntityKind::AssistedAction, action.0, me, "Ghi nhầm người");
    let second = a.void(EntityKind::AssistedAction, action.0, me, "Lý do khác");
    let blank = a.void(EntityKind::Visit, visit.0, me, "  ");
    let r1 = s.push(&a, &[edit, first, second, blank]);
    assert_eq!(rejected_code(&r1[0]), "immutable");
    assert_eq!(r1[1], ApplyResult::Applied);
    assert_eq!(r1[2], ApplyResult::Applied, "a second void is a no-op");
    assert_eq!(rejected_code(&r1[3]), "invalid");
    let a = s.db.record(action.0).unwrap().unwrap();
    assert_eq!(a.entity, EntityKind::AssistedAction);
    assert_eq!(
        a.fields["voided"]["reason"], "Ghi nhầm người",
        "the first void stands"
    );
    let v = s.db.record(visit.0).unwrap().unwrap();
    assert_eq!(v.fields["outcome"], "met");
}

/// Four phones push at once into one commune while an officer's phone
/// pulls page after page: every change lands once, in one server order,
/// the pulling cursor never passes a change that commits later, and the
/// household ends as folding the log in that order gives (no lost merge).
fn concurrent_pushes_land_once_in_one_order(backend: Backend) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let s = server(backend);
    let mut first = s.enroll(s.member(0, 1));
    let (h, create) = first.household(s.village(0), "Đinh Văn Hải");
    assert_eq!(
        s.push(&first, std::slice::from_ref(&create)),
        vec![ApplyResult::Applied]
    );
    let phones: Vec<Device> = [s.member(0, 0), s.member(0, 1), s.member(0, 2), s.officer()]
        .into_iter()
        .map(|m| s.enroll(m))
        .collect();
    let reader = s.enroll(s.officer());
    let done = AtomicBool::new(false);
    const ROUNDS: usize = 12;
    let seen = std::thread::scope(|scope| {
        let writers: Vec<_> = phones
            .into_iter()
            .enumerate()
            .map(|(p, mut d)| {
                let (s, create) = (&s, &create);
                scope.spawn(move || {
                    for i in 0..ROUNDS {
                        // Each phone its own field (two share one), so a
                        // merge that overwrote another's would show.
                        let fields = match p {
                            0 | 1 => json!({"head_name": format!("Tên {p}-{i}")}),
                            2 => json!({"address": format!("Số {i}, ngõ {p}")}),
                            _ => json!({"phone": format!("09{p}{i:07}")}),
                        };
                        let edit = d.edit(EntityKind::Household, h.0, fields, create.hlc);
                        let (_, resident) = d.resident(h, &format!("Người {p}-{i}"));
                        assert_eq!(s.push(&d, &[edit, resident]), vec![ApplyResult::Applied; 2]);
                    }
                })
            })
            .collect();
        let pulling = scope.spawn(|| {
            let (mut after, mut seen) = (0, Vec::new());
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = s.db.pull(&reader.auth, after, 7).unwrap();
                seen.extend(page.changes.iter().map(|(seq, c)| (*seq, c.id)));
                after = page.cursor;
                if finished && !page.more {
                    return seen;
                }
            }
        });
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
        pulling.join().unwrap()
    });
    let all = s.pull_all(&reader, 50);
    assert_eq!(all.len(), 1 + 4 * ROUNDS * 2);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
    let ids: Vec<(i64, ChangeId)> = all.iter().map(|(seq, c)| (*seq, c.id)).collect();
    assert_eq!(seen, ids, "the cursor saw every change, once, in order");
    // The state is the log folded in server order.
    let (mut fields, mut clocks) = (Map::new(), FieldClocks::new());
    for (_, c) in all.iter().filter(|(_, c)| c.entity_id == h.0) {
        let m = converge_fields(fields, clocks, c);
        fields = m.fields;
        clocks = m.clocks;
    }
    assert_eq!(s.db.record(h.0).unwrap().unwrap().fields, fields);
}

/// One push of many kinds of change at once (the server reads ahead and
/// writes in bulk): each judged on what the ones before it left (a
/// household then its people, an edit, a void, a child of a refused
/// parent), logged in the order pushed, the records as merged.
fn a_big_push_is_judged_in_order_and_logged_in_order(backend: Backend) {
    let s = server(backend);
    let member = s.member(0, 1);
    let mut a = s.enroll(member);
    let mut batch = Vec::new();
    let mut households = Vec::new();
    for i in 0..23 {
        let (h, c) = a.household(s.village(0), &format!("Hộ {i}"));
        batch.push(c);
        let (r, c) = a.resident(h, &format!("Người {i}"));
        batch.push(c);
        let (v, c) = a.visit(h, member);
        batch.push(c);
        let (_, c) = a.action(v, r, "vneid_l2");
        batch.push(c);
        households.push((h, v));
    }
    // A household out of scope, and a resident of it: both refused.
    let (far, c) = a.household(s.village(1), "Hộ ngoài phạm vi");
    batch.push(c);
    let (_, c) = a.resident(far, "Người ngoài");
    batch.push(c);
    // An edit and a void of records created earlier in the same push.
    let (h0, v0) = households[0];
    let seen = batch[0].hlc;
    batch.push(a.edit(
        EntityKind::Household,
        h0.0,
        json!({ "head_name": "Chủ hộ mới" }),
        seen,
    ));
    batch.push(a.void(EntityKind::Visit, v0.0, member, "Nhầm hộ"));
    let results = s.push(&a, &batch);
    let refused: Vec<usize> = (0..batch.len())
        .filter(|i| results[*i] != ApplyResult::Applied)
        .collect();
    assert_eq!(refused, vec![92, 93], "{results:?}");
    assert_eq!(rejected_code(&results[92]), "out_of_scope");
    assert_eq!(rejected_code(&results[93]), "unknown_parent");
    let taken: Vec<ChangeId> = batch
        .iter()
        .enumerate()
        .filter(|(i, _)| !refused.contains(i))
        .map(|(_, c)| c.id)
        .collect();
    let pulled: Vec<ChangeId> = s.pull_all(&a, 1000).iter().map(|(_, c)| c.id).collect();
    assert_eq!(pulled, taken, "logged in the order pushed");
    let h = s.db.record(h0.0).unwrap().unwrap();
    assert_eq!(h.fields["head_name"], "Chủ hộ mới");
    assert_eq!(h.fields["address"], "Số 5, ngõ 2");
    let v = s.db.record(v0.0).unwrap().unwrap();
    assert_eq!(v.fields["voided"]["reason"], "Nhầm hộ");
    assert!(s.db.record(far.0).unwrap().is_none());
    // Pushed again: all had (the refused ones judged again, and refused).
    let again = s.push(&a, &batch);
    assert!(
        again
            .iter()
            .enumerate()
            .all(|(i, r)| refused.contains(&i) != (*r == ApplyResult::AlreadyHad))
    );
}

/// Pushes committed as one group are judged as if one after the other (the
/// second sees what the first kept); a token refused fails its own push
/// alone.
fn a_group_of_pushes_is_judged_in_turn(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let mut b = s.enroll(s.member(0, 2));
    let (h, c1) = a.household(s.village(0), "Nguyễn Văn Nhóm");
    let (_, c2) = b.resident(h, "Nguyễn Thị Nhóm");
    let (_, c3) = b.household(s.village(0), "Không được nhận");
    let out =
        s.db.push_group(&[
            unsigned(&a.token, vec![c1.clone()]),
            unsigned(&"0".repeat(64), vec![c3]),
            unsigned(&b.token, vec![c2.clone()]),
        ])
        .unwrap();
    assert_eq!(out.len(), 3);
    let (auth, r) = out[0].as_ref().unwrap();
    assert_eq!(auth.device_id, a.auth.device_id);
    assert_eq!(r, &vec![(c1.id, ApplyResult::Applied)]);
    assert!(matches!(out[1], Err(CentralError::Unauthorized)));
    let (_, r) = out[2].as_ref().unwrap();
    assert_eq!(r, &vec![(c2.id, ApplyResult::Applied)]);
    let pulled: Vec<ChangeId> = s.pull_all(&a, 10).iter().map(|(_, c)| c.id).collect();
    assert_eq!(pulled, vec![c1.id, c2.id]);
}

on_each_backend!(
    a_group_of_pushes_is_judged_in_turn,
    a_big_push_is_judged_in_order_and_logged_in_order,
    concurrent_pushes_land_once_in_one_order,
    a_retried_push_is_taken_once,
    a_bad_change_is_refused_alone,
    facts_are_only_ever_voided,
);

fn unsigned(token: &str, changes: Vec<Change>) -> gocua_central::TokenPush {
    gocua_central::TokenPush {
        token: token.to_string(),
        changes,
        signatures: Vec::new(),
    }
}
