//! Part 1: the loop through the real server, two phones and the office's
//! web pages, and the audit.

use super::*;

fn the_review_loop_goes_round_two_devices_and_the_server(backend: Backend) {
    let place = Place::new(backend);
    let server = RunningServer::start_with(&server_bin(), &place.server_args());
    let db_args = place.server_args();
    let admin = |args: &[&str]| admin_with(&server_bin(), &db_args, args);
    let demo = admin(&["demo", "--villages", "2", "--url", &server.url]);
    let org: OrgSnapshot = serde_json::from_value(demo.clone()).unwrap();
    let (l0, m01) = (member(&org, 0, 0), member(&org, 0, 1));
    let v0 = org.teams[0].village_ids[0];
    let dir = TempDir::new().unwrap();
    let key = DbKey::Raw([9; 32]);

    // L0's phone, from the demo's code (L0's); M01's from its own code.
    let mut leader = Store::open(&dir.path().join("l0.db"), &key).unwrap();
    let payload = demo["enrollment"]["payload"].as_str().unwrap();
    client::enroll(&mut leader, payload, None, "Máy tổ trưởng", &options()).expect("enroll L0");
    let mut phone = enrolled_phone(
        &server,
        &db_args,
        m01,
        &dir.path().join("m01.db"),
        "Máy của M01",
    );

    // M01 records a household and a visit with one action.
    let household_input = |address: &str| HouseholdInput {
        village_id: Some(v0),
        address: address.into(),
        head_name: "Nguyễn Thị Đào".into(),
        phone: None,
        flags: HouseholdFlags::default(),
    };
    let (household, resident, visit) = phone
        .write(|b| {
            let h = b.add_household(household_input("Số 15, ngõ 2"))?;
            let r = b.add_resident(ResidentInput {
                household_id: h.id,
                full_name: "Nguyễn Thị Đào".into(),
                birth_year: 1950,
                sex: Sex::Female,
                has_smartphone: true,
                consent_on: None,
                citizen_id_hash: None,
            })?;
            let (v, _) = b.log_visit(VisitInput {
                household_id: h.id,
                members: vec![m01],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: vec![ActionInput {
                    resident_id: r.id,
                    action: "bank_account".parse().unwrap(),
                    outcome: ActionOutcome::Done,
                }],
            })?;
            Ok((h, r, v))
        })
        .unwrap();
    sync(&mut phone);

    // A member's phone does not open marks at all.
    let refused = phone
        .write(|b| {
            b.open_review(
                m01,
                ReviewInput {
                    target_kind: EntityKind::Household,
                    target_id: household.id.0,
                    comment: "Tự đánh dấu".into(),
                    assignee: None,
                },
            )
        })
        .unwrap_err();
    assert_eq!(refused.code(), "not_allowed", "{refused}");
    assert!(refused.message_vi().contains("tổ trưởng"));
    assert_eq!(phone.unsent_count().unwrap(), 0, "nothing queued");

    // L0 sees M01's work and marks the household and the visit.
    sync(&mut leader);
    let (on_household, on_visit) = leader
        .write(|b| {
            let h = b.open_review(
                l0,
                ReviewInput {
                    target_kind: EntityKind::Household,
                    target_id: household.id.0,
                    comment: "Sai số nhà: là số 5, không phải 15".into(),
                    assignee: None,
                },
            )?;
            let v = b.open_review(
                l0,
                ReviewInput {
                    target_kind: EntityKind::Visit,
                    target_id: visit.id.0,
                    comment: "Bà Đào đã có tài khoản ngân hàng từ trước".into(),
                    assignee: None,
                },
            )?;
            Ok((h, v))
        })
        .unwrap();
    assert_eq!(
        on_visit.assignee,
        Some(m01),
        "asked of the visit's recorder"
    );
    assert_eq!(on_household.assignee, None, "asked of the team");
    assert_eq!(on_visit.household_id, household.id);
    sync(&mut leader);

    // M01's home list has both, with the comment and where to go.
    sync(&mut phone);
    let open = open_marks(&phone, m01);
    assert_eq!(open.len(), 2, "{open:?}");
    let visit_item = open.iter().find(|i| i.mark.id == on_visit.id).unwrap();
    assert_eq!(
        visit_item.mark.comment,
        "Bà Đào đã có tài khoản ngân hàng từ trước"
    );
    assert_eq!(visit_item.household_head, "Nguyễn Thị Đào");
    assert!(
        visit_item.target_label.starts_with("Lượt thăm ngày "),
        "{}",
        visit_item.target_label
    );
    assert_eq!(
        visit_item.author_name,
        phone.member(l0).unwrap().full_name,
        "who asked"
    );
    // M02 would see the team's household mark, not M01's visit.
    let m02 = member(&org, 0, 2);
    let theirs: Vec<ReviewMarkId> = open_marks(&phone, m02).iter().map(|i| i.mark.id).collect();
    assert_eq!(theirs, [on_household.id]);

    // M01 corrects: the address is edited; the visit (immutable) is voided
    // and logged again without the wrong action; both reported fixed.
    phone
        .write(|b| {
            b.update_household(household.id, household_input("Số 5, ngõ 2"))?;
            b.void_visit(visit.id, "Ghi nhầm nội dung hỗ trợ", m01)?;
            b.log_visit(VisitInput {
                household_id: household.id,
                members: vec![m01],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: vec![ActionInput {
                    resident_id: resident.id,
                    action: "ehealth_book".parse().unwrap(),
                    outcome: ActionOutcome::Done,
                }],
            })?;
            b.resolve_review(on_household.id, m01, Some("Đã sửa thành số 5"))?;
            b.resolve_review(on_visit.id, m01, None)
        })
        .unwrap();
    assert!(open_marks(&phone, m01).is_empty(), "home list is clear");
    // Reopening is the leader's.
    let err = phone
        .write(|b| b.reopen_review(on_visit.id, m01, None))
        .unwrap_err();
    assert_eq!(err.code(), "not_allowed");
    sync(&mut phone);

    // L0 sees both resolved, by M01, with the reply, and the fixed record.
    sync(&mut leader);
    let marks = all_marks(&leader);
    assert_eq!(marks.len(), 2);
    for m in &marks {
        assert_eq!(m.state, ReviewState::Resolved, "{m:?}");
        assert_eq!(m.resolved_by, Some(m01));
    }
    let h = marks.iter().find(|m| m.id == on_household.id).unwrap();
    assert_eq!(h.reply.as_deref(), Some("Đã sửa thành số 5"));
    let detail = leader.household(household.id).unwrap();
    assert_eq!(detail.household.address, "Số 5, ngõ 2");
    assert_eq!(detail.visits.len(), 2);
    assert!(detail.visits.iter().any(|v| v.voided_reason.is_some()));

    // Not good enough: L0 reopens the visit's; it is back on M01's list.
    leader
        .write(|b| b.reopen_review(on_visit.id, l0, Some("Còn thiếu sổ sức khỏe của ông")))
        .unwrap();
    sync(&mut leader);
    sync(&mut phone);
    let open = open_marks(&phone, m01);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].mark.comment, "Còn thiếu sổ sức khỏe của ông");
    assert_eq!(
        open[0].mark.reply, None,
        "the visit's mark was resolved without a reply"
    );
    assert_eq!(
        all_marks(&leader),
        all_marks(&phone),
        "both devices hold the same marks"
    );

    // The officer's audit page lists the steps and the edits, with who.
    officer::set_password(&server_bin(), &db_args, &officer(&org).to_string());
    let http = http_client::http(&server);
    let session = http_client::sign_in(&http, &server.url);
    let page = http_client::get(&http, &format!("{}/audit", server.url), Some(&session))
        .text()
        .unwrap();
    let table = |id: &str| -> Vec<String> {
        let start = page.find(&format!(r#"id="{id}""#)).expect(id);
        let rest = &page[start..];
        let rest = &rest[..rest.find("</table>").unwrap()];
        rest.split("<tr>").skip(2).map(str::to_string).collect()
    };
    let m01_name = phone.member(m01).unwrap().full_name;
    let l0_name = phone.member(l0).unwrap().full_name;
    let reviews = table("reviews");
    assert_eq!(reviews.len(), 5, "{reviews:?}");
    assert!(reviews[0].contains("Mở lại yêu cầu sửa") && reviews[0].contains(&l0_name));
    assert!(
        reviews[2].contains("Báo đã sửa")
            && reviews[2].contains(&m01_name)
            && reviews[2].contains("Đã sửa thành số 5")
            && reviews[2].contains("Nguyễn Thị Đào"),
        "{}",
        reviews[2]
    );
    assert!(reviews[4].contains("Đánh dấu cần sửa") && reviews[4].contains("Sai số nhà"));
    let changes = table("changes");
    assert!(
        changes
            .iter()
            .any(|r| r.contains("Sửa: địa chỉ") && r.contains("Máy của M01")),
        "{changes:?}"
    );
    assert!(changes.iter().any(|r| r.contains("Hủy (kèm lý do)")));
    assert!(page.contains(r#"id="no-exports""#));

    // The same lists on the server machine.
    let listed = admin(&[
        "audit",
        "--commune",
        &org.commune.id.to_string(),
        "--reviews",
    ]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert_eq!(listed[0]["review"][0], "reopened");
    assert_eq!(listed[0]["member_name"], l0_name.as_str());
    let out = server::admin_command(&server_bin(), &db_args)
        .args(["audit", "--commune", &org.commune.id.to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Sửa: địa chỉ") && text.contains("Máy của M01"),
        "{text}"
    );

    // The officer marks the resident on the office's web pages (an empty
    // comment is refused there); the team's phone gets it on its next sync.
    let card_url = format!("{}/resident?id={}", server.url, resident.id);
    let card = http_client::get(&http, &card_url, Some(&session))
        .text()
        .unwrap();
    let csrf = http_client::csrf_of(&card);
    let target = resident.id.to_string();
    let form = |comment: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("target_kind", "resident".to_string()),
            ("target_id", target.clone()),
            ("comment", comment.to_string()),
        ]
    };
    let post = |comment: &'static str| {
        let pairs = form(comment);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        http_client::post(
            &http,
            &format!("{}/review", server.url),
            Some(&session),
            &pairs,
        )
    };
    let r = post("  ");
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .unwrap()
            .contains("Nội dung cần sửa không được để trống.")
    );
    let r = post("Năm sinh có thể sai: kiểm tra với CCCD");
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        to,
        format!("/resident?id={}&marked=1#mark-{}", resident.id, resident.id)
    );
    let to = to.split('#').next().unwrap();
    let card = http_client::get(&http, &format!("{}{to}", server.url), Some(&session))
        .text()
        .unwrap();
    assert!(card.contains(r#"id="review-sent""#));
    sync(&mut phone);
    let open = open_marks(&phone, m01);
    let from_office = open
        .iter()
        .find(|i| i.mark.target_id == resident.id.0)
        .expect("the officer's mark on the phone");
    assert_eq!(
        from_office.mark.comment,
        "Năm sinh có thể sai: kiểm tra với CCCD"
    );
    assert_eq!(from_office.mark.author, officer(&org));
    assert_eq!(from_office.target_label, "Nhân khẩu Nguyễn Thị Đào");

    // The audit: each step with who and when, newest first.
    drop(server);
    let db = place.server_db();
    let steps = db
        .change_audit(org.commune.id, Some(EntityKind::ReviewMark), 50)
        .unwrap();
    let seen: Vec<(ReviewStep, Option<MemberId>)> = steps
        .iter()
        .map(|e| (e.review.as_ref().unwrap().0, e.member_id))
        .collect();
    assert_eq!(
        seen,
        [
            (ReviewStep::Opened, Some(officer(&org))),
            (ReviewStep::Reopened, Some(l0)),
            (ReviewStep::Resolved, Some(m01)),
            (ReviewStep::Resolved, Some(m01)),
            (ReviewStep::Opened, Some(l0)),
            (ReviewStep::Opened, Some(l0)),
        ]
    );
    assert_eq!(
        steps[0].device_name.as_deref(),
        Some(gocua_central::WEB_DEVICE_NAME)
    );
    assert_eq!(
        steps[3].review.as_ref().unwrap().1.as_deref(),
        Some("Đã sửa thành số 5"),
        "the reply is in the audit"
    );
    assert!(
        steps
            .iter()
            .all(|e| e.household_head.as_deref() == Some("Nguyễn Thị Đào"))
    );
    let changes = db.change_audit(org.commune.id, None, 100).unwrap();
    let edit = changes
        .iter()
        .find(|e| e.entity == EntityKind::Household && e.fields == ["address"])
        .expect("the address edit is in the audit");
    assert_eq!(edit.member_id, Some(m01));
    assert_eq!(edit.device_name.as_deref(), Some("Máy của M01"));
}

on_each_backend!(the_review_loop_goes_round_two_devices_and_the_server);
