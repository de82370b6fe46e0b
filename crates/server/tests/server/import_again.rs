//! A corrected list imported again: the story. The first file has
//! three errors (two households held back); the officer fixes them and
//! also one name ("Hà Thanh Lan" → "Lam") and one birth year (1936 →
//! 1937). The second import adds only the held-back households, corrects
//! Lan in place (reported as "sửa"), and leaves a birth year a member
//! corrected on a phone since the first import as the phone has it, listed.

use super::import::{demo, import, report_lines};
use super::import_lists::{Shape, current, of_kind, village_people, write_list};
use gocua_core::{ResidentId, ResidentInput, Sex};
use gocua_device::{DbKey, Store};
use gocua_sync::client;
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::server::RunningServer;
use gocua_testkit::server::server_bin;
use gocua_testkit::{device, http_client, officer, on_each_backend};
use tempfile::TempDir;

on_each_backend!(a_corrected_list_updates_in_place_and_keeps_phone_edits);

fn a_corrected_list_updates_in_place_and_keeps_phone_edits(backend: Backend) {
    let place = Place::new(backend);
    let dir = TempDir::new().unwrap();
    let db = place.server_args();
    let server = RunningServer::start_with(&server_bin(), &db);
    let (org, demo_out) = demo(&db, Some(&server.url));
    let file = dir.path().join("thon-dong.xlsx");

    // Three errors: Cúc born 1800, Em's CCCD 11 digits, Hải born 1800.
    let good = village_people();
    let mut first = good.clone();
    first[5].year = 1800;
    first[7].cccd = Some("03800012345".into());
    first[7].consent = true;
    first[3].year = 1800;
    write_list(&file, Shape::OneRow, &first, true);
    let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
    assert_eq!(out["imported"]["households_added"], 0, "{out}");
    // Hải's error holds Dũng's household back too: fix it first alone.
    first[3].year = 1990;
    write_list(&file, Shape::OneRow, &first, true);
    let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
    assert_eq!(out["imported"]["households_added"], 1, "{out}");
    assert_eq!(out["imported"]["residents_added"], 4, "{out}");

    // A member's phone pulls Dũng's household and corrects Hải's year.
    let mut store = Store::open(&dir.path().join("may.db"), &DbKey::Raw([5; 32])).unwrap();
    let payload = demo_out["enrollment"]["payload"].as_str().unwrap();
    client::enroll(&mut store, payload, None, "Máy của Lan", &device::options()).unwrap();
    client::sync(&mut store, &device::options(), &mut |_| {}).unwrap();
    let hits = store.search("le van hai", 10).unwrap();
    let hai = store
        .household(hits[0].household_id)
        .unwrap()
        .residents
        .into_iter()
        .find(|r| r.resident.full_name == "Lê Văn Hải")
        .unwrap()
        .resident;
    store
        .write(|b| {
            b.update_resident(
                ResidentId(hai.id.0),
                ResidentInput {
                    household_id: hai.household_id,
                    full_name: hai.full_name.clone(),
                    birth_year: 1991,
                    sex: Sex::Male,
                    has_smartphone: hai.has_smartphone,
                    consent_on: hai.consent_on,
                    citizen_id_hash: hai.citizen_id_hash.clone(),
                },
            )
        })
        .unwrap();
    client::sync(&mut store, &device::options(), &mut |_| {}).unwrap();

    // The corrected file: the errors fixed, Lan → Lam, 1936 → 1937, and
    // Hải's year as the list had it (1990, not the phone's 1991).
    let mut fixed = good.clone();
    fixed[1].name = "Hà Thanh Lam".into();
    fixed[1].year = 1937;
    write_list(&file, Shape::OneRow, &fixed, true);
    let (dry, _) = import(&db, &file, &["--village", "Thôn Đông", "--dry-run"]);
    assert_eq!(dry["outcome"]["residents_new"], 4, "{dry}");
    assert_eq!(dry["outcome"]["residents_updated"], 1, "{dry}");
    let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
    let o = &out["outcome"];
    assert_eq!(o["households_new"], 2, "{out}");
    assert_eq!(o["households_unchanged"], 1, "{out}");
    assert_eq!(o["residents_new"], 4, "{out}");
    assert_eq!(o["residents_updated"], 1, "{out}");
    assert_eq!(o["residents_unchanged"], 3, "{out}");
    assert_eq!(o["conflicts"], 1, "{out}");
    assert_eq!(o["fields_updated"]["full_name"], 1, "{out}");
    assert_eq!(o["fields_updated"]["birth_year"], 1, "{out}");
    assert_eq!(out["imported"]["residents_added"], 4, "{out}");
    assert_eq!(out["imported"]["residents_updated"], 1, "{out}");

    let records = current(&place, &org);
    let residents = of_kind(&records, "resident");
    assert_eq!(residents.len(), 8, "no one twice");
    let named = |n: &str| residents.iter().filter(|r| r["full_name"] == n).count();
    assert_eq!(named("Hà Thanh Lan"), 0);
    assert_eq!(named("Hà Thanh Lam"), 1);
    let lam = residents
        .iter()
        .find(|r| r["full_name"] == "Hà Thanh Lam")
        .unwrap();
    assert_eq!(lam["birth_year"], 1937);
    let hai = residents
        .iter()
        .find(|r| r["full_name"] == "Lê Văn Hải")
        .unwrap();
    assert_eq!(hai["birth_year"], 1991, "the phone's correction stays");
    let lines = report_lines(&dir.path().join("thon-dong.loi-nhap.csv"));
    assert!(
        lines.iter().any(|l| l.contains(
            "Sửa Hà Thanh Lam: họ và tên \"\"Hà Thanh Lan\"\" → \"\"Hà Thanh Lam\"\"; năm sinh \
             1936 → 1937."
        )),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Xung đột: năm sinh của Lê Văn Hải")),
        "{lines:#?}"
    );

    // The device pulls the correction, and Lam is one person there too.
    client::sync(&mut store, &device::options(), &mut |_| {}).unwrap();
    assert_eq!(store.search("ha thanh lam", 10).unwrap().len(), 1);
    assert!(store.search("ha thanh lan", 10).unwrap().is_empty());

    // Once more: nothing to do.
    let (again, _) = import(&db, &file, &["--village", "Thôn Đông"]);
    assert_eq!(again["outcome"]["residents_new"], 0, "{again}");
    assert_eq!(again["outcome"]["residents_updated"], 0, "{again}");
    assert_eq!(again["outcome"]["residents_unchanged"], 8, "{again}");
    // Hải's year, kept as the phone has it, was reported once: a list that
    // still says 1990 does not report it again.
    assert_eq!(again["outcome"]["conflicts"], 0, "{again}");

    // Every import recorded: `admin import list`, and Nhật ký.
    let listed = gocua_testkit::server::admin_with(&server_bin(), &db, &["import", "list"]);
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert_eq!(listed[1]["counts"]["residents_added"], 4);
    assert_eq!(listed[1]["counts"]["residents_updated"], 1);
    assert_eq!(listed[1]["file_name"], "thon-dong.xlsx");
    assert!(
        listed[0]["id"].as_i64() > listed[1]["id"].as_i64(),
        "newest first"
    );
    let officer = org
        .members
        .iter()
        .find(|m| m.role == gocua_core::Role::CommuneOfficer)
        .unwrap();
    officer::set_password(&server_bin(), &db, &officer.id.to_string());
    let http = http_client::http(&server);
    let session = http_client::sign_in(&http, &server.url);
    let audit = http_client::get(&http, &format!("{}/audit", server.url), Some(&session))
        .text()
        .unwrap();
    assert!(audit.contains("Nhập danh sách hộ, nhân khẩu"), "{audit}");
    assert!(audit.contains("thon-dong.xlsx"));
    assert!(audit.contains("4 hộ, 1 nhân khẩu") || audit.contains("0 hộ, 1 nhân khẩu"));

    // Another value for the field the phone changed is a new conflict,
    // reported once too.
    fixed[3].year = 1989;
    write_list(&file, Shape::OneRow, &fixed, true);
    for expected in [1, 0] {
        let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
        assert_eq!(out["outcome"]["conflicts"], expected, "{out}");
    }
    drop(server);
}
