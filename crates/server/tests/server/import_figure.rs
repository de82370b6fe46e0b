//! The figure of issue 16: a commune's list as villages keep it (.xlsx,
//! two-row header, closing block) of 6,500 households and 25,000 people,
//! imported (time and peak memory of the command, by `/usr/bin/time -v`),
//! then imported again with 1% of its rows corrected (a birth year or a
//! letter of a name). Run with `cargo test -p gocua-server --test server
//! figure_import_xlsx -- --ignored --nocapture`.

use super::import::demo;
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::server::{admin_command, server_bin};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use tempfile::TempDir;

const HOUSEHOLDS: usize = 6_500;

/// (name, year, female, relation, household) of every row.
fn people(corrected: bool) -> Vec<(String, i32, bool, &'static str, usize)> {
    let mut out = Vec::with_capacity(25_000);
    for h in 0..HOUSEHOLDS {
        // 1,000 households of three, 5,500 of four: 25,000 people.
        let size = if h < 1_000 { 3 } else { 4 };
        let base = 1940 + (h % 40) as i32;
        let members = [
            ("Chủ hộ", false, base, "Văn"),
            ("Vợ", true, base + 2, "Thị"),
            ("Con", false, base + 28, "Văn"),
            ("Con", true, base + 31, "Thị"),
        ];
        for (i, (rel, female, year, middle)) in members.into_iter().take(size).enumerate() {
            out.push((
                format!("Nguyễn {middle} Hộ{h} Người{i}"),
                year,
                female,
                rel,
                h,
            ));
        }
    }
    if corrected {
        // 1% of rows: every hundredth, a year or a letter.
        for (n, p) in out.iter_mut().enumerate().filter(|(n, _)| n % 100 == 7) {
            if n % 200 == 7 {
                p.1 += 1;
            } else {
                p.0 = p.0.replace("Người", "Ngươi");
            }
        }
    }
    out
}

fn write(path: &Path, rows: &[(String, i32, bool, &'static str, usize)]) {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let f = Format::new();
    ws.merge_range(
        0,
        0,
        0,
        9,
        "DANH SÁCH HỘ GIA ĐÌNH, NHÂN KHẨU XÃ THƯỢNG NINH",
        &f,
    )
    .unwrap();
    let labels = [
        "STT",
        "Họ và tên",
        "Năm sinh",
        "Giới tính",
        "Quan hệ với chủ hộ",
        "Địa chỉ",
        "Thôn/Xóm",
    ];
    for (c, l) in labels.iter().enumerate() {
        ws.merge_range(2, c as u16, 3, c as u16, l, &f).unwrap();
    }
    ws.merge_range(2, 7, 2, 8, "Thông tin giấy tờ, liên lạc", &f)
        .unwrap();
    ws.write_string(3, 7, "Số CCCD").unwrap();
    ws.write_string(3, 8, "Số điện thoại").unwrap();
    ws.merge_range(2, 9, 3, 9, "Đồng ý lưu thông tin", &f)
        .unwrap();
    let mut r = 4u32;
    for (n, (name, year, female, rel, h)) in rows.iter().enumerate() {
        ws.write_number(r, 0, (n + 1) as f64).unwrap();
        ws.write_string(r, 1, name).unwrap();
        ws.write_number(r, 2, f64::from(*year)).unwrap();
        ws.write_string(r, 3, if *female { "Nữ" } else { "Nam" })
            .unwrap();
        ws.write_string(r, 4, *rel).unwrap();
        if *rel == "Chủ hộ" {
            ws.write_string(r, 5, format!("Số {h}")).unwrap();
            ws.write_string(
                r,
                6,
                if h % 2 == 0 {
                    "Thôn Đông"
                } else {
                    "Thôn Tây"
                },
            )
            .unwrap();
            ws.write_number(r, 7, (38_000_000_000u64 + *h as u64) as f64)
                .unwrap();
            ws.write_string(r, 9, "x").unwrap();
        }
        if n % 3 == 0 {
            ws.write_string(r, 8, format!("09{:08}", n)).unwrap();
        }
        r += 1;
    }
    r += 1;
    ws.write_string(r, 7, "Thượng Ninh, ngày … năm 2026")
        .unwrap();
    ws.write_string(r + 1, 1, "NGƯỜI LẬP BIỂU").unwrap();
    ws.write_string(r + 1, 7, "CHỦ TỊCH UBND XÃ").unwrap();
    book.save(path).unwrap();
}

/// Run the import under `/usr/bin/time -v`: its summary, wall seconds and
/// peak memory (MB).
fn timed(db: &[OsString], file: &Path) -> (Value, f64, f64) {
    timed_args(db, &[std::ffi::OsStr::new("import"), file.as_os_str()])
}

/// `admin --json ARGS…` under `/usr/bin/time -v`, as `timed`.
fn timed_args(db: &[OsString], args: &[&std::ffi::OsStr]) -> (Value, f64, f64) {
    let probe = admin_command(&server_bin(), db);
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v")
        .arg(probe.get_program())
        .args(probe.get_args());
    cmd.arg("--json").args(args);
    let t = Instant::now();
    let out = cmd.output().expect("run the import");
    let wall = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let peak_kb: f64 = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    (
        serde_json::from_slice(&out.stdout).expect("JSON"),
        wall,
        peak_kb / 1024.0,
    )
}

#[test]
#[ignore]
fn figure_import_xlsx_6500_households_25k_people() {
    let place = Place::new(Backend::Sqlite);
    let dir = TempDir::new().unwrap();
    let db = place.server_args();
    demo(&db, None);
    let file = dir.path().join("xa.xlsx");
    let t = Instant::now();
    write(&file, &people(false));
    let made = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&file).unwrap().len();

    let (first, wall1, mem1) = timed(&db, &file);
    assert_eq!(first["imported"]["households_added"], HOUSEHOLDS, "{first}");
    assert_eq!(first["imported"]["residents_added"], 25_000, "{first}");
    assert_eq!(first["closing_rows"].as_array().map(Vec::len), Some(2));

    let (same, wall2, mem2) = timed(&db, &file);
    assert_eq!(same["outcome"]["residents_unchanged"], 25_000, "{same}");

    write(&file, &people(true));
    let (fixed, wall3, mem3) = timed(&db, &file);
    let o = &fixed["outcome"];
    assert_eq!(o["residents_new"], 0, "{fixed}");
    assert_eq!(o["residents_updated"], 250, "{fixed}");
    assert_eq!(fixed["imported"]["residents_added"], 0, "{fixed}");

    // Undo the correction (every corrected field put back), then the first import
    // (every household and person withdrawn: no member worked on any).
    let id = |v: &Value| v["imported"]["import_id"].as_i64().unwrap().to_string();
    let (fix_id, first_id) = (id(&fixed), id(&first));
    let undo = |n: &str| {
        timed_args(
            &db,
            &[
                std::ffi::OsStr::new("import"),
                std::ffi::OsStr::new("undo"),
                std::ffi::OsStr::new(n),
            ],
        )
    };
    let corrected: u64 = fixed["outcome"]["fields_updated"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    let (u1, wall4, mem4) = undo(&fix_id);
    assert_eq!(u1["fields_restored"], corrected, "{u1}");
    let (u2, wall5, mem5) = undo(&first_id);
    assert_eq!(u2["households_voided"], HOUSEHOLDS, "{u2}");
    assert_eq!(u2["residents_voided"], 25_000, "{u2}");
    println!(
        "undo of the correction ({corrected} fields put back): {wall4:.1} s, peak {mem4:.0} MB\n\
         undo of the first import (6,500 households, 25,000 people withdrawn): \
         {wall5:.1} s, peak {mem5:.0} MB"
    );
    println!(
        "file: {:.1} MB, written in {made:.1} s\n\
         first import (6,500 households, 25,000 people): {wall1:.1} s, peak {mem1:.0} MB \
         (in the command: {} ms)\n\
         same file again (nothing to do): {wall2:.1} s, peak {mem2:.0} MB\n\
         1% of rows corrected (250): {wall3:.1} s, peak {mem3:.0} MB; updated {} people, \
         fields {}",
        size as f64 / 1e6,
        first["elapsed_ms"],
        o["residents_updated"],
        o["fields_updated"]
    );
}
