//! `admin import` on lists shaped like the ones villages really keep: a
//! title, one- or two-row headers (a group heading over "Số CCCD | Số
//! điện thoại", a tall merged header), and the closing block under the
//! table ("Thượng Ninh, ngày … năm 2026 / NGƯỜI LẬP BIỂU / TRƯỞNG THÔN /
//! (Ký, ghi rõ họ tên)") sitting under data columns such as Số CCCD.

use super::import::{demo, import, report_lines};
use gocua_central::{CentralDb, DeviceAuth, Scope};
use gocua_core::{DeviceId, OrgSnapshot, Role};
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::server::server_bin;
use rust_xlsxwriter::{Format, Workbook};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use tempfile::TempDir;

/// How the header is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// One row of labels.
    OneRow,
    /// "Thông tin giấy tờ, liên lạc" merged over "Số CCCD | Số điện
    /// thoại"; the other labels merged down both rows.
    GroupOverLabels,
    /// Every label merged down two rows: the lower row repeats nothing
    /// of its own.
    TallMerged,
}

/// One row of a village list.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Person {
    pub name: String,
    pub year: i32,
    pub female: bool,
    pub relation: &'static str,
    pub address: String,
    pub cccd: Option<String>,
    pub phone: Option<String>,
    pub consent: bool,
}

pub(super) fn person(name: &str, year: i32, female: bool, relation: &'static str) -> Person {
    Person {
        name: name.into(),
        year,
        female,
        relation,
        address: String::new(),
        cccd: None,
        phone: None,
        consent: false,
    }
}

/// The list of the issue: three households, phones on head and non-head
/// rows, a CCCD with consent.
pub(super) fn village_people() -> Vec<Person> {
    let mut dung = person("Lê Văn Dũng", 1960, false, "Chủ hộ");
    dung.address = "Số 3, xóm Trại".into();
    dung.cccd = Some("038060001111".into());
    dung.consent = true;
    dung.phone = Some("0912000111".into());
    let mut lan = person("Hà Thanh Lan", 1936, true, "Mẹ");
    lan.phone = Some("0987000222".into());
    let mut binh = person("Trần Văn Bình", 1955, false, "Chủ hộ");
    binh.address = "Số 7".into();
    let mut duc = person("Phạm Văn Đức", 1970, false, "Chủ hộ");
    duc.address = "Số 9".into();
    duc.phone = Some("0903000333".into());
    let mut em = person("Phạm Thị Em", 2000, true, "Con");
    em.phone = Some("0977000444".into());
    vec![
        dung,
        lan,
        person("Nguyễn Thị Hạnh", 1962, true, "Vợ"),
        person("Lê Văn Hải", 1990, false, "Con"),
        binh,
        person("Trần Thị Cúc", 1958, true, "Vợ"),
        duc,
        em,
    ]
}

const LABELS: [&str; 10] = [
    "STT",
    "Họ và tên",
    "Năm sinh",
    "Giới tính",
    "Quan hệ với chủ hộ",
    "Địa chỉ",
    "Số CCCD",
    "Số điện thoại",
    "Đồng ý lưu thông tin",
    "Ghi chú",
];

/// Write the list; with `closing`, the date and signature block under it
/// (the date and one signature under Số CCCD). Returns the rows (Excel
/// numbers) of the first data row and of the closing block.
pub(super) fn write_list(
    path: &Path,
    shape: Shape,
    people: &[Person],
    closing: bool,
) -> (u32, Option<(u32, u32)>) {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let f = Format::new();
    ws.merge_range(0, 0, 0, 9, "DANH SÁCH NHÂN KHẨU THÔN ĐÔNG", &f)
        .unwrap();
    ws.write_string(1, 0, "Xã Thượng Ninh, năm 2026").unwrap();
    let h = 3u32;
    let mut r = match shape {
        Shape::OneRow => {
            for (c, l) in LABELS.iter().enumerate() {
                ws.write_string(h, c as u16, *l).unwrap();
            }
            h + 1
        }
        Shape::GroupOverLabels => {
            for (c, l) in LABELS.iter().enumerate() {
                if c != 6 && c != 7 {
                    ws.merge_range(h, c as u16, h + 1, c as u16, l, &f).unwrap();
                }
            }
            ws.merge_range(h, 6, h, 7, "Thông tin giấy tờ, liên lạc", &f)
                .unwrap();
            ws.write_string(h + 1, 6, LABELS[6]).unwrap();
            ws.write_string(h + 1, 7, LABELS[7]).unwrap();
            h + 2
        }
        Shape::TallMerged => {
            for (c, l) in LABELS.iter().enumerate() {
                ws.merge_range(h, c as u16, h + 1, c as u16, l, &f).unwrap();
            }
            h + 2
        }
    };
    let first = r + 1;
    for (n, p) in people.iter().enumerate() {
        ws.write_number(r, 0, (n + 1) as f64).unwrap();
        ws.write_string(r, 1, &p.name).unwrap();
        ws.write_number(r, 2, f64::from(p.year)).unwrap();
        ws.write_string(r, 3, if p.female { "Nữ" } else { "Nam" })
            .unwrap();
        ws.write_string(r, 4, p.relation).unwrap();
        if !p.address.is_empty() {
            ws.write_string(r, 5, &p.address).unwrap();
        }
        if let Some(c) = &p.cccd {
            // Typed as a number, as officers do: the leading zero is lost.
            ws.write_number(r, 6, c.parse::<f64>().unwrap()).unwrap();
        }
        if let Some(ph) = &p.phone {
            ws.write_string(r, 7, ph).unwrap();
        }
        if p.consent {
            ws.write_string(r, 8, "x").unwrap();
        }
        r += 1;
    }
    if !closing {
        book.save(path).unwrap();
        return (first, None);
    }
    // Totals right under the table: a number under Năm sinh.
    ws.write_string(r, 0, "Tổng cộng").unwrap();
    ws.write_number(r, 2, people.len() as f64).unwrap();
    let start = r + 1;
    r += 2;
    ws.write_string(r, 6, "Thượng Ninh, ngày … năm 2026")
        .unwrap();
    r += 1;
    ws.write_string(r, 1, "NGƯỜI LẬP BIỂU").unwrap();
    ws.write_string(r, 6, "TRƯỞNG THÔN").unwrap();
    r += 1;
    ws.write_string(r, 1, "(Ký, ghi rõ họ tên)").unwrap();
    ws.write_string(r, 6, "(Ký, ghi rõ họ tên)").unwrap();
    r += 3;
    ws.write_string(r, 1, "Nguyễn Thị Hoa").unwrap();
    ws.write_string(r, 6, "Lê Văn Thành").unwrap();
    book.save(path).unwrap();
    (first, Some((start, r + 1)))
}

/// The server's current records, by entity kind and id: every change
/// pulled, applied in order (an update carries only the fields it sets).
pub(super) fn current(place: &Place, org: &OrgSnapshot) -> BTreeMap<String, Map<String, Value>> {
    let db = match place.pg() {
        Some(url) => CentralDb::connect(url, 1, &place.key()).expect("connect"),
        None => CentralDb::open(&place.data().join("central.db"), &place.key())
            .expect("open central db"),
    };
    let officer = org
        .members
        .iter()
        .find(|m| m.role == Role::CommuneOfficer)
        .expect("officer");
    let auth = DeviceAuth {
        device_id: DeviceId::new(),
        signing_key: None,
        member: officer.clone(),
        scope: Scope {
            commune_id: org.commune.id,
            role: Role::CommuneOfficer,
            village_ids: org.villages.iter().map(|v| v.id).collect(),
        },
    };
    let page = db.pull(&auth, 0, 100_000).expect("pull");
    let mut out: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for (_, c) in page.changes {
        let key = format!("{}/{}", c.entity.as_str(), c.entity_id);
        out.entry(key).or_default().extend(c.fields);
    }
    out
}

pub(super) fn of_kind<'a>(
    records: &'a BTreeMap<String, Map<String, Value>>,
    kind: &str,
) -> Vec<&'a Map<String, Value>> {
    records
        .iter()
        .filter(|(k, f)| {
            k.starts_with(&format!("{kind}/")) && !f.get("voided").is_some_and(|v| v == true)
        })
        .map(|(_, f)| f)
        .collect()
}

#[test]
fn closing_block_under_any_column_is_skipped_and_said() {
    for shape in [Shape::OneRow, Shape::GroupOverLabels, Shape::TallMerged] {
        let place = Place::new(Backend::Sqlite);
        let dir = TempDir::new().unwrap();
        let db = place.server_args();
        let (org, _) = demo(&db, None);
        let file = dir.path().join("thon-dong.xlsx");
        let people = village_people();
        let (_, closing) = write_list(&file, shape, &people, true);
        let (first, last) = closing.unwrap();
        let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
        let lines = report_lines(&dir.path().join("thon-dong.loi-nhap.csv"));
        let errors: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains(",Lỗi,") || l.contains(",Chưa nhập,"))
            .collect();
        assert!(errors.is_empty(), "{shape:?}: {errors:#?}");
        let said = format!("Bỏ qua phần ký tên ở dòng {first}–{last}");
        assert!(
            lines.iter().any(|l| l.contains(&said)),
            "{shape:?}: {said} in {lines:#?}"
        );
        assert_eq!(out["closing_rows"], serde_json::json!([first, last]));
        assert_eq!(out["rows"], people.len(), "{shape:?}: {out}");
        assert_eq!(out["imported"]["households_added"], 3, "{shape:?}: {out}");
        assert_eq!(out["imported"]["residents_added"], 8, "{shape:?}: {out}");
        let records = current(&place, &org);
        assert_eq!(of_kind(&records, "resident").len(), 8);
        let names: Vec<&str> = of_kind(&records, "resident")
            .iter()
            .filter_map(|r| r["full_name"].as_str())
            .collect();
        for n in ["Phạm Văn Đức", "Phạm Thị Em"] {
            assert!(
                names.contains(&n),
                "{shape:?}: the last household, {names:?}"
            );
        }
    }
}

#[test]
fn two_row_headers_keep_cccd_and_phone_and_skip_the_header_half() {
    for shape in [Shape::GroupOverLabels, Shape::TallMerged] {
        let place = Place::new(Backend::Sqlite);
        let dir = TempDir::new().unwrap();
        let db = place.server_args();
        let (org, _) = demo(&db, None);
        let file = dir.path().join("hai-dong.xlsx");
        write_list(&file, shape, &village_people(), false);
        let (out, _) = import(&db, &file, &["--village", "Thôn Đông"]);
        assert_eq!(out["header_row"], 4, "{shape:?}");
        assert_eq!(
            out["rows"], 8,
            "{shape:?}: the header's lower row is no data"
        );
        assert_eq!(out["rows_with_errors"], 0, "{shape:?}: {out}");
        assert_eq!(
            out["unknown_columns"],
            serde_json::json!(["Ghi chú"]),
            "{shape:?}: every other column used"
        );
        let used: Vec<String> = out["used_columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[0].as_str().unwrap().to_string())
            .collect();
        for c in ["Số CCCD (G)", "Số điện thoại (H)"] {
            assert!(used.contains(&c.to_string()), "{shape:?}: {c} in {used:?}");
        }
        let records = current(&place, &org);
        let dung = of_kind(&records, "household")
            .into_iter()
            .find(|h| h["head_name"] == "Lê Văn Dũng")
            .expect("Dũng's household");
        assert_eq!(dung["phone"], "0912000111", "{shape:?}");
        let head = of_kind(&records, "resident")
            .into_iter()
            .find(|r| r["full_name"] == "Lê Văn Dũng")
            .expect("Dũng");
        assert_eq!(
            head["citizen_id_hash"].as_str().map(str::len),
            Some(64),
            "{shape:?}"
        );
    }
    let _ = server_bin();
}

#[test]
fn every_persons_phone_is_kept_and_the_commune_named_once() {
    let place = Place::new(Backend::Sqlite);
    let dir = TempDir::new().unwrap();
    let db = place.server_args();
    let (org, _) = demo(&db, None);
    let file = dir.path().join("dien-thoai.xlsx");
    write_list(&file, Shape::OneRow, &village_people(), true);
    import(&db, &file, &["--village", "Thôn Đông"]);
    let records = current(&place, &org);
    let resident = |name: &str| {
        of_kind(&records, "resident")
            .into_iter()
            .find(|r| r["full_name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    // Non-head rows: their own numbers.
    assert_eq!(resident("Hà Thanh Lan")["phone"], "0987000222");
    assert_eq!(resident("Phạm Thị Em")["phone"], "0977000444");
    // The head's number is the household's, kept once.
    assert!(resident("Lê Văn Dũng")["phone"].is_null());
    assert!(resident("Lê Văn Hải")["phone"].is_null());
    let duc = of_kind(&records, "household")
        .into_iter()
        .find(|h| h["head_name"] == "Phạm Văn Đức")
        .unwrap();
    assert_eq!(duc["phone"], "0903000333");

    // "Xã Thượng Ninh" is named so, not "xã Xã Thượng Ninh".
    let out = gocua_testkit::server::admin_command(&server_bin(), &db)
        .arg("import")
        .arg(&file)
        .args(["--village", "Thôn Bắc"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("trong Xã Thượng Ninh") || err.contains("trong xã Thượng Ninh"),
        "{err}"
    );
    assert!(!err.to_lowercase().contains("xã xã"), "{err}");
}
