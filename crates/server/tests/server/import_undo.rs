//! `admin import undo` end to end (issue 16), on both backends: a list of
//! three households is imported; a member's phone visits one and adds a
//! person to another; the undo withdraws only the third (with its people),
//! keeps and names the two members worked on, and the phone loses the
//! withdrawn one from its lists and search on its next sync, as the
//! server's reports do. A member's device may not withdraw a household
//! itself. The undo is listed and shown on Nhật ký; a second undo is
//! refused; importing the list again brings the household back.

use super::import::{demo, import};
use super::import_lists::{Shape, village_people, write_list};
use chrono::Utc;
use gocua_central::{ApplyResult, CentralDb};
use gocua_core::indicators::Indicator;
use gocua_core::month::local_date;
use gocua_core::{
    Change, ChangeId, EntityKind, HlcClock, Month, ResidentInput, Sex, VisitForm, VisitInput,
    VisitOutcome, Void,
};
use gocua_device::Store;
use gocua_sync::client;
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::members::{enrolled_phone, member};
use gocua_testkit::server::{RunningServer, admin_command, admin_with, server_bin};
use gocua_testkit::{device, http_client, officer, on_each_backend};
use serde_json::Map;
use std::ffi::OsString;
use tempfile::TempDir;

on_each_backend!(
    an_undo_withdraws_only_what_no_member_worked_on,
    an_undo_puts_corrections_back_unless_changed_since
);

fn sync(store: &mut Store) {
    client::sync(store, &device::options(), &mut |_| {}).expect("sync");
}

/// The household a search finds, if any.
fn found(store: &Store, name: &str) -> Option<gocua_core::HouseholdId> {
    store
        .search(name, 10)
        .unwrap()
        .first()
        .map(|h| h.household_id)
}

/// (achieved, denominator) of an indicator for the whole commune, as this
/// month's `admin report` gives it.
fn server_figure(args: &[OsString], ind: Indicator) -> (u64, u64) {
    let month = Month::of(local_date(Utc::now())).to_string();
    let report = admin_with(&server_bin(), args, &["report", "--month", &month]);
    let v = report["indicators"]["total"]["values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|v| v["indicator"] == ind.code())
        .expect("the indicator")
        .clone();
    (
        v["achieved"].as_u64().unwrap(),
        v["denominator"].as_u64().unwrap(),
    )
}

fn central(place: &Place) -> CentralDb {
    match place.pg() {
        Some(url) => CentralDb::connect(url, 1, &place.key()).expect("connect"),
        None => CentralDb::open(&place.data().join("central.db"), &place.key()).expect("open"),
    }
}

fn an_undo_withdraws_only_what_no_member_worked_on(backend: Backend) {
    let place = Place::new(backend);
    let dir = TempDir::new().unwrap();
    let db = place.server_args();
    let server = RunningServer::start_with(&server_bin(), &db);
    let (org, _) = demo(&db, Some(&server.url));
    let file = dir.path().join("thon-dong.xlsx");
    write_list(&file, Shape::OneRow, &village_people(), false);
    let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
    assert_eq!(out["imported"]["households_added"], 3, "{out}");
    assert_eq!(out["imported"]["residents_added"], 8, "{out}");
    let import_id = out["imported"]["import_id"].as_i64().expect("an id");
    assert_eq!(server_figure(&db, Indicator::HouseholdsReached).1, 3);

    // A plain member of Thôn Đông's team: visits Bình's household and adds
    // a grandchild to Đức's.
    let an = member(&org, 0, 1);
    let mut phone = enrolled_phone(&server, &db, an, &dir.path().join("an.db"), "Máy của An");
    sync(&mut phone);
    let dung = found(&phone, "le van dung").expect("Dũng's household pulled");
    let binh = found(&phone, "tran van binh").expect("Bình's");
    let duc = found(&phone, "pham van duc").expect("Đức's");
    phone
        .write(|b| {
            b.log_visit(VisitInput {
                household_id: binh,
                members: vec![an],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: Vec::new(),
            })
        })
        .unwrap();
    phone
        .write(|b| {
            b.add_resident(ResidentInput {
                household_id: duc,
                full_name: "Phạm Minh Khang".into(),
                birth_year: 2022,
                sex: Sex::Male,
                has_smartphone: false,
                consent_on: None,
                citizen_id_hash: None,
            })
        })
        .unwrap();
    sync(&mut phone);

    // A member's device may not withdraw a household: the judge refuses it.
    let central = central(&place);
    let code = central
        .issue_code(an, chrono::Duration::hours(1))
        .expect("a code");
    let auth = central
        .redeem_code(&code.code, "Máy khác của An")
        .unwrap()
        .auth;
    let mut clock = HlcClock::new(auth.device_id);
    let mut fields = Map::new();
    let void = Void {
        reason: "Hộ không có thật".into(),
        by: an,
        at: Utc::now(),
    };
    fields.insert("voided".into(), serde_json::to_value(&void).unwrap());
    let change = Change {
        id: ChangeId::new(),
        entity: EntityKind::Household,
        entity_id: dung.0,
        hlc: clock.tick(u64::try_from(Utc::now().timestamp_millis()).unwrap()),
        fields,
        base: Default::default(),
    };
    let results = central.push(&auth, &[change]).expect("push");
    match &results[0].1 {
        ApplyResult::Rejected { code, message } => {
            assert_eq!(code, "void_not_allowed");
            assert!(message.contains("Chỉ cán bộ xã"), "{message}");
        }
        other => panic!("a member's void was taken: {other:?}"),
    }
    drop(central);

    // The undo.
    let undo = admin_with(
        &server_bin(),
        &db,
        &["import", "undo", &import_id.to_string()],
    );
    assert_eq!(undo["households_voided"], 1, "{undo}");
    assert_eq!(undo["residents_voided"], 4, "Dũng's four: {undo}");
    let kept: Vec<&str> = undo["households_kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(kept.len(), 2, "{undo}");
    assert!(kept.contains(&"Trần Văn Bình") && kept.contains(&"Phạm Văn Đức"));

    // The phone's next sync: Dũng's household is gone from its lists and
    // search; the two members worked on stay, with everyone in them.
    sync(&mut phone);
    assert_eq!(found(&phone, "le van dung"), None);
    assert_eq!(found(&phone, "nguyen thi hanh"), None, "his wife too");
    assert_eq!(found(&phone, "tran van binh"), Some(binh));
    assert_eq!(found(&phone, "pham minh khang"), Some(duc));
    let listed: Vec<_> = phone
        .list_households(&[])
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(!listed.contains(&dung));
    assert_eq!(phone.household(duc).unwrap().residents.len(), 3);
    // The server's reports count two households now, and reached one.
    assert_eq!(server_figure(&db, Indicator::HouseholdsReached), (1, 2));

    // Listed as undone, on the command line and on Nhật ký.
    let listed = admin_with(&server_bin(), &db, &["import", "list"]);
    let entry = &listed.as_array().unwrap()[0];
    assert_eq!(entry["id"], import_id);
    assert_eq!(entry["undone"]["report"]["households_voided"], 1);
    let off = org
        .members
        .iter()
        .find(|m| m.role == gocua_core::Role::CommuneOfficer)
        .unwrap();
    officer::set_password(&server_bin(), &db, &off.id.to_string());
    let http = http_client::http(&server);
    let session = http_client::sign_in(&http, &server.url);
    let audit = http_client::get(&http, &format!("{}/audit", server.url), Some(&session))
        .text()
        .unwrap();
    assert!(audit.contains("Đã hủy lúc"), "{audit}");
    assert!(audit.contains("bỏ 1 hộ, 4 nhân khẩu"), "{audit}");

    // Once only.
    let again = admin_command(&server_bin(), &db)
        .args(["import", "undo", &import_id.to_string()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("đã được hủy"), "{said}");

    // The list imported again brings Dũng's household back.
    let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
    assert_eq!(out["imported"]["households_added"], 0, "{out}");
    sync(&mut phone);
    assert_eq!(found(&phone, "le van dung"), Some(dung));
    assert_eq!(found(&phone, "nguyen thi hanh"), Some(dung));
    assert_eq!(server_figure(&db, Indicator::HouseholdsReached), (1, 3));
    drop(server);
}

/// A corrected list (Lan → Lam, Hải 1990 → 1992) imported over the first,
/// then a member changes Hải's year on a phone; undoing the correction
/// brings Lan back and keeps the member's year, listed.
fn an_undo_puts_corrections_back_unless_changed_since(backend: Backend) {
    let place = Place::new(backend);
    let dir = TempDir::new().unwrap();
    let db = place.server_args();
    let server = RunningServer::start_with(&server_bin(), &db);
    let (org, _) = demo(&db, Some(&server.url));
    let file = dir.path().join("thon-dong.xlsx");
    let good = village_people();
    write_list(&file, Shape::OneRow, &good, false);
    import(&db, &file, &["--village", "Thôn Đông"]);
    let mut fixed = good.clone();
    fixed[1].name = "Hà Thanh Lam".into();
    fixed[3].year = 1992;
    write_list(&file, Shape::OneRow, &fixed, false);
    let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
    assert_eq!(out["imported"]["residents_updated"], 2, "{out}");
    let second = out["imported"]["import_id"].as_i64().unwrap();

    let an = member(&org, 0, 1);
    let mut phone = enrolled_phone(&server, &db, an, &dir.path().join("an.db"), "Máy của An");
    sync(&mut phone);
    let home = found(&phone, "le van hai").expect("pulled");
    let hai = phone
        .household(home)
        .unwrap()
        .residents
        .into_iter()
        .map(|r| r.resident)
        .find(|r| r.full_name == "Lê Văn Hải")
        .unwrap();
    assert_eq!(hai.birth_year, 1992);
    phone
        .write(|b| {
            b.update_resident(
                hai.id,
                ResidentInput {
                    household_id: hai.household_id,
                    full_name: hai.full_name.clone(),
                    birth_year: 1991,
                    sex: hai.sex,
                    has_smartphone: hai.has_smartphone,
                    consent_on: hai.consent_on,
                    citizen_id_hash: hai.citizen_id_hash.clone(),
                },
            )
        })
        .unwrap();
    sync(&mut phone);

    let undo = admin_with(&server_bin(), &db, &["import", "undo", &second.to_string()]);
    assert_eq!(undo["households_voided"], 0, "{undo}");
    assert_eq!(undo["residents_voided"], 0, "{undo}");
    assert_eq!(undo["fields_restored"], 1, "Lan's name: {undo}");
    let kept = undo["fields_kept"].as_array().unwrap();
    assert_eq!(kept.len(), 1, "{undo}");
    assert_eq!(kept[0]["name"], "Lê Văn Hải");
    assert_eq!(kept[0]["field"], "birth_year");

    sync(&mut phone);
    assert!(found(&phone, "ha thanh lan").is_some(), "the name put back");
    assert!(found(&phone, "ha thanh lam").is_none());
    let year = phone
        .household(home)
        .unwrap()
        .residents
        .into_iter()
        .find(|r| r.resident.full_name == "Lê Văn Hải")
        .unwrap()
        .resident
        .birth_year;
    assert_eq!(year, 1991, "the member's change stays");
    drop(server);
}
