//! Issue 6 end to end, on SQLite and (with GOCUA_TEST_PG_URL) PostgreSQL:
//! one woman entered twice by two members' phones, merged by the commune
//! officer on the real web page, then both phones sync. Hand-worked, one
//! village (Thôn Đông, Tổ 1: An, Bình; officer Lan):
//!   H1 "Nguyễn Thị Đào" (An's phone): A "Nguyễn Thị Đào" 1960, C "Lê Văn Cháu" 2022
//!     visit: A e-health book done
//!   H2 "Trần Văn Ba" (Bình's phone): B "Nguyen Thi Dao" 1960, D "Trần Văn Ba" 1980
//!     visit: B VNeID level 2 done
//! Before: VNeID among 6+ 1 of 3 (A, B, D; C is 4), e-health 1 of 4.
//! After B is merged into A: VNeID 1 of 2 (A, on B's record; D), e-health
//! 1 of 3, on the server and on both phones; A's card and page list both
//! actions; B leaves the lists; the audit names Lan. Undone ("tách"): back
//! to before; merged again with `admin merge-residents`.

use gocua_testkit::{backend, device, http_client, members, officer, on_each_backend, server};
mod across;

use backend::{Backend, Place};
use chrono::Utc;
use device::{household, resident};
use gocua_core::indicators::Indicator;
use gocua_core::month::{Month, local_date};
use gocua_core::rules::ChecklistStatus;
use gocua_core::{
    ActionId, ActionInput, ActionOutcome, HouseholdId, MemberId, ResidentId, VillageId, VisitForm,
    VisitId, VisitInput, VisitOutcome,
};
use gocua_device::Store;
use gocua_sync::client;
use http_client::{csrf_of, element, get, http, post, sign_in};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use server::{OrgAdmin, RunningServer, admin_with, server_bin};
use std::ffi::OsString;

struct World {
    args: Vec<OsString>,
    village: VillageId,
    an: MemberId,
    binh: MemberId,
    officer: String,
}

fn set_up(args: Vec<OsString>) -> World {
    let bin = server_bin();
    let org = OrgAdmin::new(&args);
    let commune = org.commune("Xã Gộp Thử");
    let village = org.village(&commune, "Thôn Đông");
    let team = org.team(&commune, "Tổ 1", &village);
    let an = org.member(&commune, "Lê Văn An", "team_leader", Some(&team));
    let binh = org.member(&commune, "Trần Thị Bình", "member", Some(&team));
    let officer = org.member(&commune, "Nguyễn Thị Lan", "commune_officer", None);
    officer::set_password(&bin, &args, &officer);
    World {
        village: village.parse().unwrap(),
        an: an.parse().unwrap(),
        binh: binh.parse().unwrap(),
        officer,
        args,
    }
}

impl World {
    fn phone(&self, place: &Place, server: &RunningServer, member: MemberId, name: &str) -> Store {
        let path = place.path().join(format!("{name}.db"));
        members::enrolled_phone(server, &self.args, member, &path, name)
    }

    /// The commune's (achieved, denominator) of an indicator, this month.
    fn server_figure(&self, ind: Indicator) -> (u64, u64) {
        figure(&month_report(&self.args)["indicators"]["total"], ind)
    }
}

/// This month's `admin report`, as the server's database gives it.
fn month_report(args: &[OsString]) -> serde_json::Value {
    let month = Month::of(local_date(Utc::now())).to_string();
    admin_with(&server_bin(), args, &["report", "--month", &month])
}

/// (achieved, denominator) of an indicator among a report place's values.
fn figure(place: &serde_json::Value, ind: Indicator) -> (u64, u64) {
    let v = place["values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|v| v["indicator"] == ind.code())
        .expect("the indicator");
    (
        v["achieved"].as_u64().unwrap(),
        v["denominator"].as_u64().unwrap(),
    )
}

fn visit(store: &mut Store, h: HouseholdId, member: MemberId, r: ResidentId, code: &str) {
    store
        .write(|b| {
            b.log_visit(VisitInput {
                household_id: h,
                members: vec![member],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: vec![ActionInput {
                    resident_id: r,
                    action: code.parse().unwrap(),
                    outcome: ActionOutcome::Done,
                }],
            })
        })
        .unwrap();
}

fn sync(store: &mut Store) -> gocua_sync::client::SyncReport {
    client::sync(store, &device::options(), &mut |_| {}).expect("sync")
}

/// (achieved, denominator) of an indicator as a phone counts it.
fn phone_figure(store: &Store, village: VillageId, ind: Indicator) -> (u64, u64) {
    let t = store.indicator_counts(local_date(Utc::now())).unwrap()[&village].get(ind);
    (t.achieved, t.denominator)
}

fn an_officer_merges_on_the_web_and_both_phones_count_one_person(backend: Backend) {
    let place = Place::new(backend);
    let w = set_up(place.server_args());
    let server = RunningServer::start_with(&server_bin(), &w.args);
    let mut an = w.phone(&place, &server, w.an, "Máy của An");
    let mut binh = w.phone(&place, &server, w.binh, "Máy của Bình");
    let h1 = household(&mut an, w.village, "Nguyễn Thị Đào");
    let a = resident(&mut an, h1, "Nguyễn Thị Đào", 1960);
    resident(&mut an, h1, "Lê Văn Cháu", 2022);
    visit(&mut an, h1, w.an, a, "ehealth_book");
    let h2 = household(&mut binh, w.village, "Trần Văn Ba");
    let b = resident(&mut binh, h2, "Nguyen Thi Dao", 1960);
    resident(&mut binh, h2, "Trần Văn Ba", 1980);
    visit(&mut binh, h2, w.binh, b, "vneid_l2");
    for i in [0, 1, 0] {
        let r = sync(if i == 0 { &mut an } else { &mut binh });
        assert_eq!((r.rejected, r.quarantined), (0, 0), "{r:?}");
    }
    assert_eq!(w.server_figure(Indicator::VneidL2), (1, 3));
    assert_eq!(w.server_figure(Indicator::EhealthBook), (1, 4));
    assert_eq!(phone_figure(&an, w.village, Indicator::VneidL2), (1, 3));

    // A member cannot merge: the server refuses it (kept on that phone,
    // quarantined, never applied).
    let mut spare = w.phone(&place, &server, w.binh, "Máy phụ của Bình");
    sync(&mut spare);
    spare.write(|t| t.merge_resident(b, a)).unwrap();
    let r = sync(&mut spare);
    assert_eq!(r.quarantined, 1, "{r:?}");
    assert_eq!(
        w.server_figure(Indicator::VneidL2),
        (1, 3),
        "nothing merged"
    );

    // The officer: the pair on /duplicates, the confirm screen with both
    // records, the merge posted with the form's token.
    let http = http(&server);
    let url = |p: &str| format!("{}{p}", server.url);
    let session = sign_in(&http, &server.url);
    let page = get(&http, &url("/duplicates"), Some(&session))
        .text()
        .unwrap();
    let (lo, hi) = (a.min(b), a.max(b));
    let link = format!("/duplicates/merge?a={lo}&amp;b={hi}");
    assert!(page.contains(&link), "{page}");
    let confirm = get(
        &http,
        &url(&format!("/duplicates/merge?a={lo}&b={hi}")),
        Some(&session),
    );
    assert_eq!(confirm.status(), StatusCode::OK);
    let confirm = confirm.text().unwrap();
    for s in ["Nguyễn Thị Đào", "Nguyen Thi Dao", "Trần Văn Ba", "1960"] {
        assert!(confirm.contains(s), "{s} on the confirm screen");
    }
    assert!(confirm.contains(&format!(r#"id="keep-{a}""#)));
    let (a_s, b_s) = (a.to_string(), b.to_string());
    let r = post(
        &http,
        &url("/duplicates/merge"),
        Some(&session),
        &[("into", a_s.as_str()), ("duplicate", b_s.as_str())],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token, no merge");
    let token = csrf_of(&confirm);
    let r = post(
        &http,
        &url("/duplicates/merge"),
        Some(&session),
        &[
            ("into", a_s.as_str()),
            ("duplicate", b_s.as_str()),
            ("csrf", token.as_str()),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, format!("/resident?id={a}&merged=1"));

    // A's card: B merged into her, both actions counted for her.
    let card = get(&http, &url(&to), Some(&session)).text().unwrap();
    assert!(card.contains(r#"id="merge-notice""#));
    let merged_from = element(&card, "merged-from", "</ul>");
    assert!(merged_from.contains("Nguyen Thi Dao"), "{merged_from}");
    let actions = element(&card, "actions", "</table>");
    assert!(
        actions.contains("VNeID") && actions.contains("Sổ sức khỏe điện tử"),
        "{actions}"
    );
    let b_card = get(&http, &url(&format!("/resident?id={b}")), Some(&session))
        .text()
        .unwrap();
    assert!(
        b_card.contains(r#"id="merged-into""#),
        "B says where she went"
    );
    let page = get(&http, &url("/duplicates"), Some(&session))
        .text()
        .unwrap();
    assert!(!page.contains(&link), "the pair is reviewed");
    let audit = get(&http, &url("/audit"), Some(&session)).text().unwrap();
    let row = element(&audit, "merge-audit", "</table>");
    assert!(
        row.contains("Nguyễn Thị Lan") && row.contains("Gộp") && row.contains("Nguyen Thi Dao"),
        "{row}"
    );

    // Counted once on the server…
    assert_eq!(w.server_figure(Indicator::VneidL2), (1, 2));
    assert_eq!(w.server_figure(Indicator::EhealthBook), (1, 3));
    // …and on both phones after they sync.
    for p in [&mut an, &mut binh] {
        let r = sync(p);
        assert_eq!((r.rejected, r.quarantined), (0, 0), "{r:?}");
        assert_eq!(phone_figure(p, w.village, Indicator::VneidL2), (1, 2));
        assert_eq!(phone_figure(p, w.village, Indicator::EhealthBook), (1, 3));
        let home2 = p.household(h2).unwrap();
        assert_eq!(
            home2.residents.len(),
            1,
            "B is out of her old household's list"
        );
        let home1 = p.household(h1).unwrap();
        let her = home1
            .residents
            .iter()
            .find(|r| r.resident.id == a)
            .expect("A");
        assert_eq!(her.merged_from.len(), 1);
        assert_eq!(her.merged_from[0].resident_id, b);
        assert_eq!(her.merged_from[0].actions[0].action_code, "vneid_l2");
        for code in ["vneid_l2", "ehealth_book"] {
            let item = her
                .checklist
                .iter()
                .find(|i| i.action.as_str() == code)
                .unwrap();
            assert_eq!(
                item.status,
                gocua_core::rules::ChecklistStatus::Done,
                "{code}"
            );
        }
        let hits = p.search("nguyen thi dao", 10).unwrap();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].household_id, h1);
        // The visits themselves stay where they were made.
        assert_eq!(home2.visits.len(), 1);
    }

    // Undone ("tách"): B is her own person again everywhere.
    let card = get(&http, &url(&format!("/resident?id={b}")), Some(&session))
        .text()
        .unwrap();
    let r = post(
        &http,
        &url("/duplicates/unmerge"),
        Some(&session),
        &[("id", b_s.as_str()), ("csrf", csrf_of(&card).as_str())],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.server_figure(Indicator::VneidL2), (1, 3));
    for p in [&mut an, &mut binh] {
        sync(p);
        assert_eq!(phone_figure(p, w.village, Indicator::VneidL2), (1, 3));
        assert_eq!(p.household(h2).unwrap().residents.len(), 2);
    }
    let audit = get(&http, &url("/audit"), Some(&session)).text().unwrap();
    assert!(element(&audit, "merge-audit", "</table>").contains("Tách"));

    // The same from the machine: `admin merge-residents`, audited as such.
    let out = admin_with(
        &server_bin(),
        &w.args,
        &[
            "merge-residents",
            "--member",
            &w.officer,
            "--duplicate",
            &b_s,
            "--into",
            &a_s,
        ],
    );
    assert_eq!(out["into"], a_s.as_str());
    assert_eq!(w.server_figure(Indicator::VneidL2), (1, 2));
    sync(&mut binh);
    assert_eq!(phone_figure(&binh, w.village, Indicator::VneidL2), (1, 2));
    let audit = get(&http, &url("/audit"), Some(&session)).text().unwrap();
    assert!(element(&audit, "merge-audit", "</table>").contains("admin:"));
}

use across::a_merge_across_villages_reaches_the_kept_residents_village;

on_each_backend!(
    an_officer_merges_on_the_web_and_both_phones_count_one_person,
    a_merge_across_villages_reaches_the_kept_residents_village,
);
