//! The leader's review loop end to end, on SQLite and (with
//! GOCUA_TEST_PG_URL) PostgreSQL.
//!
//! 1. Through the real server on 127.0.0.1 and two real encrypted device
//!    stores: member M01 logs a household and a visit; leader L0 syncs and
//!    marks the household ("wrong house number") and the visit ("wrong
//!    action"); M01 syncs and finds both open on the home list (the visit's
//!    asked of M01 as its recorder), corrects the household, voids and
//!    relogs the visit, reports both fixed with a reply; L0 syncs and sees
//!    them resolved, reopens one, and M01 gets it back. The officer marks the
//!    resident on the office's web pages, and M01's phone gets that too. The
//!    audit (the web page, `admin audit`, the database) lists each step with
//!    who and when.
//! 2. The central database judging pushed marks by role and scope: a
//!    member cannot open one (nor reopen, reword, or sign for another), the
//!    other team's leader cannot mark this team's record, another commune
//!    never; an officer may mark anywhere in the commune.
//!
//! Demo commune of two villages V0, V1; team t covers Vt with leader Lt and
//! members Mt1, Mt2; one officer.

use gocua_testkit::backend;
use gocua_testkit::on_each_backend;
use gocua_testkit::device;
use gocua_testkit::http_client;
use gocua_testkit::members;
use gocua_testkit::officer;
use gocua_testkit::server;

use backend::{Backend, Place};
use chrono::{Duration, Utc};
use device::options;
use gocua_central::{ApplyResult, CentralDb, DeviceAuth, ReviewStep};
use gocua_core::converge::FieldClocks;
use gocua_core::demo::demo_org;
use gocua_core::review::{ReviewInput, ReviewMark, ReviewState};
use gocua_core::{
    ActionInput, ActionOutcome, Change, ChangeId, EntityKind, HlcClock, Household, HouseholdFlags,
    HouseholdId, HouseholdInput, MemberId, OrgSnapshot, ResidentInput, ReviewMarkId, Sex,
    VillageId, VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::{DbKey, ReviewQuery, Store};
use gocua_sync::client;
use members::{enrolled_phone, member, officer};
use serde::Serialize;
use serde_json::{Map, Value};
use server::{RunningServer, admin_with, server_bin};
use tempfile::TempDir;
use uuid::Uuid;

fn sync(store: &mut Store) {
    let report = client::sync(store, &options(), &mut |_| {}).expect("sync");
    assert_eq!(
        store.quarantine(10).unwrap(),
        [],
        "nothing refused: {report:?}"
    );
}

fn open_marks(store: &Store, m: MemberId) -> Vec<gocua_device::ReviewItem> {
    store
        .review_marks(ReviewQuery {
            open_for: Some(m),
            limit: 50,
            ..ReviewQuery::default()
        })
        .unwrap()
}

fn all_marks(store: &Store) -> Vec<ReviewMark> {
    let mut v: Vec<ReviewMark> = store
        .review_marks(ReviewQuery {
            limit: 50,
            ..ReviewQuery::default()
        })
        .unwrap()
        .into_iter()
        .map(|i| i.mark)
        .collect();
    v.sort_by_key(|m| m.id);
    v
}

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

// ---------------------------------------------------------------------------
// The central database's judge, on pushes made by hand.

fn fields_of<T: Serialize>(record: &T) -> Map<String, Value> {
    let Value::Object(mut m) = serde_json::to_value(record).unwrap() else {
        panic!("records are objects")
    };
    m.remove("id");
    m
}

/// A device of one member, pushing changes it stamps itself.
struct Pusher<'a> {
    db: &'a CentralDb,
    auth: DeviceAuth,
    clock: HlcClock,
}

impl<'a> Pusher<'a> {
    fn new(db: &'a CentralDb, m: MemberId) -> Pusher<'a> {
        let code = db.issue_code(m, Duration::hours(1)).unwrap();
        let e = db.redeem_code(&code.code, "Máy thử").unwrap();
        Pusher {
            db,
            clock: HlcClock::new(e.auth.device_id),
            auth: e.auth,
        }
    }

    fn push(&mut self, entity: EntityKind, id: Uuid, fields: Map<String, Value>) -> ApplyResult {
        let change = Change {
            id: ChangeId::new(),
            entity,
            entity_id: id,
            hlc: self.clock.tick(Utc::now().timestamp_millis() as u64),
            fields,
            base: FieldClocks::new(),
        };
        let mut out = self.db.push(&self.auth, &[change]).unwrap();
        out.pop().unwrap().1
    }

    fn household(&mut self, village: VillageId) -> HouseholdId {
        let h = Household {
            id: HouseholdId::new(),
            village_id: village,
            address: "Xóm Bãi".into(),
            head_name: "Lò Văn Sơn".into(),
            phone: None,
            flags: HouseholdFlags::default(),
        };
        let r = self.push(EntityKind::Household, h.id.0, fields_of(&h));
        assert_eq!(r, ApplyResult::Applied);
        h.id
    }

    fn mark(&mut self, household: HouseholdId, author: MemberId) -> (ReviewMark, ApplyResult) {
        let mark = ReviewMark::open(
            ReviewMarkId::new(),
            ReviewInput {
                target_kind: EntityKind::Household,
                target_id: household.0,
                comment: "Thiếu số điện thoại".into(),
                assignee: None,
            },
            household,
            author,
            Utc::now(),
        )
        .unwrap();
        let r = self.push(EntityKind::ReviewMark, mark.id.0, fields_of(&mark));
        (mark, r)
    }
}

fn code(r: &ApplyResult) -> &str {
    match r {
        ApplyResult::Rejected { code, .. } => code,
        ApplyResult::Applied => "applied",
        ApplyResult::AlreadyHad => "already_had",
    }
}

fn step(mark: &ReviewMark, names: &[&str]) -> Map<String, Value> {
    fields_of(mark)
        .into_iter()
        .filter(|(k, _)| names.contains(&k.as_str()))
        .collect()
}

fn marks_are_judged_by_role_and_scope(backend: Backend) {
    let place = Place::new(backend);
    let db = place.central();
    let org = demo_org(2);
    db.import_org(&org).unwrap();
    let other = demo_org(1);
    db.import_org(&other).unwrap();
    let (l0, m01, l1) = (member(&org, 0, 0), member(&org, 0, 1), member(&org, 1, 0));
    let (v0, v1) = (org.teams[0].village_ids[0], org.teams[1].village_ids[0]);

    let mut leader = Pusher::new(&db, l0);
    let mut mine = Pusher::new(&db, m01);
    let mut other_leader = Pusher::new(&db, l1);
    let mut office = Pusher::new(&db, officer(&org));
    let mut stranger = Pusher::new(&db, officer(&other));
    let h0 = mine.household(v0);
    let h1 = other_leader.household(v1);

    // Opening: the team's leader and the officer; nobody else.
    let (mark, r) = leader.mark(h0, l0);
    assert_eq!(r, ApplyResult::Applied);
    assert_eq!(code(&mine.mark(h0, m01).1), "not_allowed", "a member");
    assert_eq!(
        code(&other_leader.mark(h0, l1).1),
        "out_of_scope",
        "another team"
    );
    assert_eq!(
        code(&stranger.mark(h0, officer(&other)).1),
        "out_of_scope",
        "another commune"
    );
    assert_eq!(
        code(&leader.mark(h0, l1).1),
        "not_allowed",
        "in another's name"
    );
    assert_eq!(
        code(&leader.mark(h1, l0).1),
        "out_of_scope",
        "the other village"
    );
    assert_eq!(
        code(&office.mark(h1, officer(&org)).1),
        "applied",
        "the officer: all the commune"
    );
    // A mark naming a household its record is not in, or a record the
    // server does not have.
    let mut wrong = ReviewMark::open(
        ReviewMarkId::new(),
        ReviewInput {
            target_kind: EntityKind::Household,
            target_id: h0.0,
            comment: "x".into(),
            assignee: None,
        },
        h1,
        l0,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(
        code(&leader.push(EntityKind::ReviewMark, wrong.id.0, fields_of(&wrong))),
        "invalid"
    );
    wrong.household_id = HouseholdId(Uuid::now_v7());
    wrong.target_id = wrong.household_id.0;
    assert_eq!(
        code(&leader.push(EntityKind::ReviewMark, wrong.id.0, fields_of(&wrong))),
        "unknown_parent"
    );

    // Resolving: the member, as themselves, touching nothing else.
    let mut reworded = mark.clone();
    reworded.comment = "Không cần sửa".into();
    assert_eq!(
        code(&mine.push(
            EntityKind::ReviewMark,
            mark.id.0,
            step(&reworded, &["comment"])
        )),
        "not_allowed"
    );
    let forged = mark.resolved(l0, None, Utc::now()).unwrap();
    let resolve = ["state", "resolved_by", "resolved_at", "reply"];
    assert_eq!(
        code(&mine.push(EntityKind::ReviewMark, mark.id.0, step(&forged, &resolve))),
        "not_allowed",
        "resolved in the leader's name"
    );
    let mut half = mark.resolved(m01, None, Utc::now()).unwrap();
    assert_eq!(
        code(&mine.push(EntityKind::ReviewMark, mark.id.0, step(&half, &["state"]))),
        "invalid",
        "resolved by nobody"
    );
    half.target_id = h1.0;
    assert_eq!(
        code(&leader.push(
            EntityKind::ReviewMark,
            mark.id.0,
            step(&half, &["target_id"])
        )),
        "immutable"
    );
    let fixed = mark.resolved(m01, Some("Đã bổ sung"), Utc::now()).unwrap();
    assert_eq!(
        mine.push(EntityKind::ReviewMark, mark.id.0, step(&fixed, &resolve)),
        ApplyResult::Applied
    );
    let again = fixed.reopened(None).unwrap();
    let reopen = ["state", "resolved_by", "resolved_at"];
    assert_eq!(
        code(&mine.push(EntityKind::ReviewMark, mark.id.0, step(&again, &reopen))),
        "not_allowed",
        "a member does not reopen"
    );
    assert_eq!(
        leader.push(EntityKind::ReviewMark, mark.id.0, step(&again, &reopen)),
        ApplyResult::Applied
    );
    let stored = db.record(mark.id.0).unwrap().unwrap();
    assert_eq!(stored.village_id, v0);
    assert_eq!(stored.fields["state"], "open");
    assert_eq!(stored.fields["reply"], "Đã bổ sung");

    // The reports ignore marks, and still catch up past them.
    db.catch_up_reports(org.commune.id, 100).unwrap();
    let lag = db.report_lag(org.commune.id).unwrap();
    assert_eq!(lag.projected, lag.head);

    let steps: Vec<ReviewStep> = db
        .change_audit(org.commune.id, Some(EntityKind::ReviewMark), 10)
        .unwrap()
        .iter()
        .map(|e| e.review.as_ref().unwrap().0)
        .collect();
    assert_eq!(
        steps,
        [
            ReviewStep::Reopened,
            ReviewStep::Resolved,
            ReviewStep::Opened,
            ReviewStep::Opened
        ]
    );
    assert!(
        db.change_audit(other.commune.id, Some(EntityKind::ReviewMark), 10)
            .unwrap()
            .is_empty()
    );
}

on_each_backend!(
    the_review_loop_goes_round_two_devices_and_the_server,
    marks_are_judged_by_role_and_scope,
);
