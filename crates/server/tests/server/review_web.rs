//! The commune officer's side of the review loop on the office's web pages,
//! on SQLite and (with GOCUA_TEST_PG_URL) PostgreSQL, through the real
//! server on 127.0.0.1, real HTTP with a signed-in officer and a member's
//! real encrypted phone store.
//!
//! In the demo commune (two villages; team 0 covers V0 with leader L0 and
//! members M01, M02): M01 logs household "Hà Văn Tư" (Số 7, ngõ 3) with
//! resident Tư (1958) and a visit with two actions (bank account done,
//! e-health book to follow up). The officer opens the household's page —
//! the household, Tư linking to his card, the visit, both actions by their
//! catalogue names — marks the visit there and the bank account from Tư's
//! card; bad forms are refused with a Vietnamese sentence and save nothing;
//! M01's phone gets exactly the two marks, answers the action's, and the
//! page shows it fixed while the visit's stays open; the audit lists the
//! three steps with who. A household of another demo commune is not found,
//! neither its page nor a mark on it.

use gocua_testkit::{backend, device, http_client, members, officer, on_each_backend, server};

use backend::{Backend, Place};
use chrono::{Duration, Utc};
use device::options;
use gocua_core::review::ReviewState;
use gocua_core::{
    ActionInput, ActionOutcome, HouseholdFlags, HouseholdInput, OrgSnapshot, ResidentInput, Sex,
    VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::{DbKey, ReviewQuery, Store};
use gocua_sync::client;
use http_client::{csrf_of, element, get, http, post, sign_in};
use members::{enrolled_phone, member, officer};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::LOCATION;
use server::{RunningServer, admin_with, server_bin};
use tempfile::TempDir;

fn sync(store: &mut Store) {
    let report = client::sync(store, &options(), &mut |_| {}).expect("sync");
    assert_eq!(store.quarantine(10).unwrap(), [], "refused: {report:?}");
}

/// The officer signed in on the web, posting marks.
struct Office<'a> {
    http: Client,
    session: String,
    base: &'a str,
}

impl Office<'_> {
    fn page(&self, path: &str) -> (StatusCode, String) {
        let r = get(
            &self.http,
            &format!("{}{path}", self.base),
            Some(&self.session),
        );
        (r.status(), r.text().unwrap())
    }

    /// Post the "needs fix" form with the token of `from` (a page).
    fn mark(&self, from: &str, kind: &str, id: &str, comment: &str) -> reqwest::blocking::Response {
        let csrf = csrf_of(from);
        post(
            &self.http,
            &format!("{}/review", self.base),
            Some(&self.session),
            &[
                ("csrf", &csrf),
                ("target_kind", kind),
                ("target_id", id),
                ("comment", comment),
            ],
        )
    }
}

fn an_officer_marks_a_households_visit_and_action_on_its_page(backend: Backend) {
    let place = Place::new(backend);
    let server = RunningServer::start_with(&server_bin(), &place.server_args());
    let db_args = place.server_args();
    let admin = |args: &[&str]| admin_with(&server_bin(), &db_args, args);
    let org: OrgSnapshot =
        serde_json::from_value(admin(&["demo", "--villages", "2", "--url", &server.url])).unwrap();
    let m01 = member(&org, 0, 1);
    let v0 = org.teams[0].village_ids[0];
    let dir = TempDir::new().unwrap();
    let mut phone = enrolled_phone(
        &server,
        &db_args,
        m01,
        &dir.path().join("m01.db"),
        "Máy M01",
    );
    let due = chrono::Local::now().date_naive() + Duration::days(7);
    let (household, resident, visit, actions) = phone
        .write(|b| {
            let h = b.add_household(HouseholdInput {
                village_id: Some(v0),
                address: "Số 7, ngõ 3".into(),
                head_name: "Hà Văn Tư".into(),
                phone: Some("0912345678".into()),
                flags: HouseholdFlags::default(),
            })?;
            let r = b.add_resident(ResidentInput {
                household_id: h.id,
                full_name: "Hà Văn Tư".into(),
                birth_year: 1958,
                sex: Sex::Male,
                has_smartphone: true,
                consent_on: None,
                citizen_id_hash: None,
            })?;
            let action = |code: &str, outcome| ActionInput {
                resident_id: r.id,
                action: code.parse().unwrap(),
                outcome,
            };
            let (v, a) = b.log_visit(VisitInput {
                household_id: h.id,
                members: vec![m01],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: vec![
                    action("bank_account", ActionOutcome::Done),
                    action("ehealth_book", ActionOutcome::FollowUp { due }),
                ],
            })?;
            Ok((h, r, v, a))
        })
        .unwrap();
    sync(&mut phone);
    let catalogue = phone.catalogue().unwrap();
    let name_vi = |code: &str| {
        catalogue
            .iter()
            .find(|e| e.code.as_str() == code)
            .unwrap()
            .name_vi
            .clone()
    };
    let (bank, ehealth) = (&actions[0], &actions[1]);
    assert_eq!(bank.action.as_str(), "bank_account");

    // Another demo commune, with a household of its own from its phone.
    let elsewhere = admin(&["demo", "--villages", "1", "--url", &server.url]);
    let other: OrgSnapshot = serde_json::from_value(elsewhere.clone()).unwrap();
    assert_ne!(other.commune.id, org.commune.id);
    let mut stranger = Store::open(&dir.path().join("other.db"), &DbKey::Raw([4; 32])).unwrap();
    let payload = elsewhere["enrollment"]["payload"].as_str().unwrap();
    client::enroll(&mut stranger, payload, None, "Máy xã khác", &options()).expect("enroll");
    let theirs = stranger
        .write(|b| {
            b.add_household(HouseholdInput {
                village_id: Some(other.villages[0].id),
                address: "Xóm Bãi".into(),
                head_name: "Lò Văn Sơn".into(),
                phone: None,
                flags: HouseholdFlags::default(),
            })
        })
        .unwrap();
    sync(&mut stranger);

    officer::set_password(&server_bin(), &db_args, &officer(&org).to_string());
    let http = http(&server);
    let session = sign_in(&http, &server.url);
    let office = Office {
        http,
        session,
        base: &server.url,
    };
    let page_of = format!("/household?id={}", household.id);
    let r = get(&office.http, &format!("{}{page_of}", server.url), None);
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed-out: to sign in");

    // The page: the household, its resident, visit and actions.
    let (status, page) = office.page(&page_of);
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Hộ Hà Văn Tư</h1>"), "{page}");
    let facts = element(&page, "household-facts", "</dl>");
    let village = &org.villages.iter().find(|v| v.id == v0).unwrap().name;
    for fact in ["Số 7, ngõ 3", village.as_str(), org.teams[0].name.as_str()] {
        assert!(facts.contains(fact), "{fact}: {facts}");
    }
    assert!(!page.contains("0912345678"), "no phone on the page");
    let row = element(&page, &format!("resident-{}", resident.id), "</tr>");
    // The card, with the way back to this page (`from=`).
    assert!(row.contains(&format!(
        r#"href="/resident?id={}&amp;from=%2Fhousehold%3Fid%3D{}""#,
        resident.id, household.id
    )));
    assert!(row.contains("1958"), "{row}");
    let m01_name = &org.members.iter().find(|m| m.id == m01).unwrap().full_name;
    let row = element(&page, &format!("visit-{}", visit.id), "</tr>");
    assert!(row.contains("Đã gặp") && row.contains(m01_name), "{row}");
    assert!(row.contains(&format!(r#"id="review-form-{}""#, visit.id)));
    let row = element(&page, &format!("action-{}", bank.id), "</tr>");
    assert!(row.contains(&name_vi("bank_account")) && row.contains("Đã xong"));
    assert!(row.contains(&format!(r#"id="review-form-{}""#, bank.id)));
    let row = element(&page, &format!("action-{}", ehealth.id), "</tr>");
    assert!(row.contains(&name_vi("ehealth_book")) && row.contains("Hẹn quay lại"));
    assert!(!page.contains("đang chờ sửa"), "no marks yet");

    // Another commune's household: not found, as is none; not an id: a sentence.
    for id in [theirs.id.to_string(), uuid::Uuid::now_v7().to_string()] {
        let (status, _) = office.page(&format!("/household?id={id}"));
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
    }
    let (status, body) = office.page("/household?id=nha-so-7");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("mã hộ gia đình không đúng"), "{body}");

    // The visit, marked on the page: back at the visit, with the word.
    let r = office.mark(
        &page,
        "visit",
        &visit.id.to_string(),
        "Ngày thăm bị ghi nhầm",
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(
        to,
        format!(
            "/household?id={}&target={}&marked=1#mark-{}",
            household.id, visit.id, visit.id
        )
    );
    let (_, page) = office.page(to.split('#').next().unwrap());
    let at_visit = element(&page, &format!("mark-{}", visit.id), "</details>");
    assert!(at_visit.contains(r#"id="review-sent""#), "{at_visit}");
    assert!(at_visit.contains("Ngày thăm bị ghi nhầm") && at_visit.contains("Cần sửa"));
    assert!(at_visit.contains("(1 đang chờ sửa)"), "{at_visit}");
    assert_eq!(page.matches(r#"id="review-sent""#).count(), 1);

    // The bank account, marked from Tư's card, which links to the household.
    let (_, card) = office.page(&format!("/resident?id={}", resident.id));
    assert!(card.contains(&format!(
        r#"href="/household?id={}&amp;from=%2Fresident%3Fid%3D{}""#,
        household.id, resident.id
    )));
    assert!(card.contains(&format!(r#"id="review-form-{}""#, ehealth.id)));
    let r = office.mark(
        &card,
        "assisted_action",
        &bank.id.to_string(),
        "Ông Tư đã có tài khoản từ năm ngoái",
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(to.ends_with(&format!("&marked=1#mark-{}", bank.id)), "{to}");

    // Bad forms: a sentence each, nothing saved.
    let (_, page) = office.page(&page_of);
    let r = office.mark(&page, "visit", &visit.id.to_string(), "   ");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .unwrap()
            .contains("Nội dung cần sửa không được để trống.")
    );
    for kind in ["bogus", "review_mark", ""] {
        let r = office.mark(&page, kind, &visit.id.to_string(), "Sai");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{kind}");
        let body = r.text().unwrap();
        assert!(
            body.contains("Biểu mẫu chưa đúng, chưa lưu gì: chỉ đánh dấu được hộ gia đình"),
            "{kind}: {body}"
        );
    }
    let r = office.mark(&page, "visit", "lượt-thăm-1", "Sai");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().unwrap().contains("mã bản ghi cần sửa không đúng"));
    let r = office.mark(&page, "household", &theirs.id.to_string(), "Sai");
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "another commune's");
    let r = post(
        &office.http,
        &format!("{}/review", server.url),
        Some(&office.session),
        &[
            ("target_kind", "visit"),
            ("target_id", &visit.id.to_string()),
        ],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");

    // M01's phone: exactly the two marks; the visit's asked of M01.
    sync(&mut phone);
    let open = phone
        .review_marks(ReviewQuery {
            open_for: Some(m01),
            limit: 50,
            ..ReviewQuery::default()
        })
        .unwrap();
    assert_eq!(open.len(), 2, "{open:?}");
    let on_visit = open
        .iter()
        .find(|i| i.mark.target_id == visit.id.0)
        .unwrap();
    assert_eq!(on_visit.mark.comment, "Ngày thăm bị ghi nhầm");
    assert_eq!(on_visit.mark.author, officer(&org));
    assert_eq!(on_visit.mark.assignee, Some(m01));
    let on_bank = open.iter().find(|i| i.mark.target_id == bank.id.0).unwrap();
    assert_eq!(on_bank.mark.comment, "Ông Tư đã có tài khoản từ năm ngoái");
    assert!(on_bank.target_label.starts_with("Nội dung hỗ trợ"));

    // M01 answers the bank account's; the page shows it fixed.
    phone
        .write(|b| b.resolve_review(on_bank.mark.id, m01, Some("Đã hủy lượt ghi nhầm")))
        .unwrap();
    sync(&mut phone);
    let (_, page) = office.page(&page_of);
    let at_bank = element(&page, &format!("mark-{}", bank.id), "</details>");
    assert!(
        at_bank.contains("(đã sửa)")
            && at_bank.contains("Đã hủy lượt ghi nhầm")
            && at_bank.contains(m01_name),
        "{at_bank}"
    );
    assert!(at_bank.contains(ReviewState::Resolved.label_vi()));
    let at_visit = element(&page, &format!("mark-{}", visit.id), "</details>");
    assert!(at_visit.contains("(1 đang chờ sửa)"), "{at_visit}");

    // The audit: the officer's two marks and M01's answer, newest first.
    let (_, audit) = office.page("/audit");
    let reviews = element(&audit, "reviews", "</table>");
    let rows: Vec<&str> = reviews.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 3, "{reviews}");
    let lan = &org
        .members
        .iter()
        .find(|m| m.id == officer(&org))
        .unwrap()
        .full_name;
    assert!(rows[0].contains("Báo đã sửa") && rows[0].contains(m01_name));
    assert!(rows[0].contains("Đã hủy lượt ghi nhầm"));
    assert!(rows[1].contains("Đánh dấu cần sửa") && rows[1].contains(lan.as_str()));
    assert!(rows[1].contains("Ông Tư đã có tài khoản"));
    assert!(rows[2].contains("Ngày thăm bị ghi nhầm") && rows[2].contains("Hà Văn Tư"));
}

on_each_backend!(an_officer_marks_a_households_visit_and_action_on_its_page);
