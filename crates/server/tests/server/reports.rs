//! `gocua-server admin report` on a real server database holding the
//! hand-made commune (`gocua_testkit::reports_fixture`, pushed like devices push
//! it): the quarterly .xlsx read back with calamine cell by cell against
//! the hand-worked figures, the CSV, the month view as JSON, the commune's
//! own targets, and bad input refused in words. SQLite and PostgreSQL.

use gocua_testkit::{backend, on_each_backend, reports_fixture, reports_push, server};

use backend::{Backend, Place};
use calamine::{Data, Range, Reader, Xlsx, open_workbook};
use gocua_central::CentralDb;
use reports_fixture::fixture;
use reports_push::load_fixture;
use server::{admin_command, admin_with, server_bin};
use std::path::Path;

mod print;

/// A server database (the data folder's, or a PostgreSQL schema) holding
/// the hand-made commune.
fn loaded(backend: Backend) -> Place {
    let place = Place::new(backend);
    std::fs::create_dir_all(place.data()).unwrap();
    let db = match place.pg() {
        Some(url) => CentralDb::connect(url, 2, &place.key()).unwrap(),
        None => CentralDb::open(&place.data().join("central.db"), &place.key()).unwrap(),
    };
    load_fixture(&db, &fixture());
    place
}

fn sheet(path: &Path, name: &str) -> Range<Data> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("an xlsx workbook");
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

/// A table of the twelve indicators as one range, as it read before it was
/// split for printing: the three label columns, then four columns an
/// indicator. Its sheets are "{name} (1)", "{name} (2)", … with the same
/// rows, each with the label columns and a few indicators.
fn indicator_table(path: &Path, name: &str) -> Range<Data> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("an xlsx workbook");
    let mut parts: Vec<Range<Data>> = Vec::new();
    while let Ok(part) = wb.worksheet_range(&format!("{name} ({})", parts.len() + 1)) {
        parts.push(part);
    }
    assert!(parts.len() > 1, "{name}: split over several sheets");
    let height = parts[0].height();
    let widths: Vec<usize> = parts.iter().map(|p| p.width() - 3).collect();
    let width = 3 + widths.iter().sum::<usize>();
    let mut all = Range::new((0, 0), (height as u32 - 1, width as u32 - 1));
    let mut at = 3;
    for (k, part) in parts.iter().enumerate() {
        assert_eq!(part.height(), height, "{name} ({}): the same rows", k + 1);
        for (row, cells) in part.rows().enumerate() {
            for (col, cell) in cells.iter().enumerate() {
                let to = match col {
                    0..3 if k > 0 => continue,
                    0..3 => col,
                    _ => at + col - 3,
                };
                all.set_value((row as u32, to as u32), cell.clone());
            }
        }
        at += widths[k];
    }
    all
}

/// The first row any cell of which starts with `start`.
fn row_starting(r: &Range<Data>, start: &str) -> usize {
    (0..r.height())
        .find(|row| (0..r.width()).any(|c| text(r, *row, c).starts_with(start)))
        .unwrap_or_else(|| panic!("no row starting {start}"))
}

fn text(r: &Range<Data>, row: usize, col: usize) -> String {
    match r.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn num(r: &Range<Data>, row: usize, col: usize) -> f64 {
    match r.get((row, col)) {
        Some(Data::Float(x)) => *x,
        Some(Data::Int(n)) => *n as f64,
        other => panic!("({row}, {col}): expected a number, found {other:?}"),
    }
}

/// The row whose column `col` reads `label`.
fn row_of(r: &Range<Data>, col: usize, label: &str) -> usize {
    (0..r.height())
        .find(|row| text(r, *row, col) == label)
        .unwrap_or_else(|| panic!("no row labelled {label}"))
}

fn the_quarterly_workbook_holds_the_hand_worked_figures(backend: Backend) {
    let place = loaded(backend);
    let out = place.path().join("bao-cao-quy.xlsx");
    let csv = place.path().join("bao-cao-quy.csv");
    let run = admin_command(&server_bin(), &place.server_args())
        .args(["report", "--quarter", "2026-Q4", "--today", "2026-12-10"])
        .arg("--xlsx")
        .arg(&out)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("Tổ chưa đồng bộ số liệu quý: Tổ A, Tổ B"),
        "{stdout}"
    );

    // Summary: one row per team, a column group per indicator (target,
    // achieved, of how many, percent), the commune's total.
    let s = indicator_table(&out, "Tổng hợp");
    let title = row_starting(&s, "BÁO CÁO KẾT QUẢ");
    assert!(text(&s, title + 2, 0).contains("10/12/2026"));
    let head = row_of(&s, 0, "STT");
    assert_eq!(text(&s, head, 3), "VNeID mức độ 2 (người từ 6 tuổi)");
    assert_eq!(
        [4, 5, 6].map(|c| text(&s, head + 1, c)),
        ["Đạt", "Tổng số", "Tỷ lệ (%)"]
    );
    let a = row_of(&s, 1, "Tổ A");
    assert_eq!(text(&s, a, 2), "Thôn A");
    // VNeID in A: r1, r2 of the five aged 6+; target 100 (the plan's).
    assert_eq!([3, 4, 5, 6].map(|c| num(&s, a, c)), [100.0, 2.0, 5.0, 40.0]);
    // Bank account (7th group, from column 3 + 6×4): r4 of 15+ r1, r4, r5, r6.
    assert_eq!(
        [27, 28, 29, 30].map(|c| num(&s, a, c)),
        [90.0, 1.0, 4.0, 25.0]
    );
    let b = row_of(&s, 1, "Tổ B");
    // Digital families (last group): h5 of h4, h5.
    assert_eq!([48, 49, 50].map(|c| num(&s, b, c)), [1.0, 2.0, 50.0]);
    assert_eq!(text(&s, b, 47), "", "no target set for digital families");
    let total = row_of(&s, 1, "Toàn xã");
    assert_eq!([4, 5, 6].map(|c| num(&s, total, c)), [4.0, 8.0, 50.0]);
    // Households reached: all five; target 100 met.
    assert_eq!(
        [39, 40, 41, 42].map(|c| num(&s, total, c)),
        [100.0, 5.0, 5.0, 100.0]
    );

    // Teams' work against 50 assists a month, and their sync.
    let t = sheet(&out, "Kết quả tổ");
    let ta = row_of(&t, 1, "Tổ A");
    assert_eq!(text(&t, ta - 1, 2), "Lượt hỗ trợ T10/2026");
    assert_eq!(
        [2, 3, 4, 5, 6, 7, 8].map(|c| num(&t, ta, c)),
        [1.0, 11.0, 0.0, 12.0, 0.0, 3.0, 2.0]
    );
    assert_eq!(text(&t, ta, 9), "Chưa đồng bộ");
    let tb = row_of(&t, 1, "Tổ B");
    assert_eq!(
        [2, 3, 4, 5, 7].map(|c| num(&t, tb, c)),
        [0.0, 3.0, 6.0, 9.0, 2.0]
    );
    let all = row_of(&t, 1, "Toàn xã");
    assert_eq!([5, 7].map(|c| num(&t, all, c)), [21.0, 5.0]);

    // Team A's sheet: each member's months.
    let m = sheet(&out, "Tổ A");
    let a1 = row_of(&m, 1, "Lê Văn An");
    // Oct 1 household/1 assist, Nov 1/8, Dec 0/0; quarter 2 households, 9.
    assert_eq!(
        (2..=8).map(|c| num(&m, a1, c)).collect::<Vec<_>>(),
        [1.0, 1.0, 1.0, 8.0, 0.0, 0.0, 2.0]
    );
    assert_eq!(num(&m, a1, 9), 9.0);
    let a2 = row_of(&m, 1, "Trần Thị Bình");
    // r5's app follow-up (due 25/11) is still open and overdue.
    assert_eq!([11, 12].map(|c| num(&m, a2, c)), [1.0, 1.0]);

    let k = sheet(&out, "Khen thưởng");
    let first = row_of(&k, 1, "Tổ A");
    assert_eq!(num(&k, first, 0), 1.0);
    let fam = row_of(&k, 1, "Thôn B");
    assert_eq!([2, 3].map(|c| num(&k, fam, c)), [1.0, 2.0]);
    let villages = indicator_table(&out, "Theo thôn");
    assert_eq!(text(&villages, row_of(&villages, 1, "Thôn A"), 2), "Chưa");

    // The CSV: a figure a line, with a byte-order mark for Excel.
    let bytes = std::fs::read(&csv).unwrap();
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
    let body = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(body.starts_with("Kỳ,Cấp,Tên,Mã chỉ số"), "{body}");
    assert!(
        body.lines()
            .any(|l| l == "2026-Q4,Xã,Xã Thử,vneid_l2,VNeID mức độ 2,,4,8,50.0,100,Chưa"),
        "{body}"
    );
    assert!(
        body.lines()
            .any(|l| l.starts_with("2026-Q4,Tổ,Tổ A,assists,Lượt hỗ trợ,2026-11,11,"))
    );
}

fn month_views_as_json_and_the_communes_own_targets(backend: Backend) {
    let place = loaded(backend);
    let bin = server_bin();
    let args = place.server_args();
    let commune = fixture().org.commune.id.to_string();
    admin_with(
        &bin,
        &args,
        &[
            "target",
            "set",
            "--commune",
            &commune,
            "--indicator",
            "vneid_l2",
            "--percent",
            "40",
        ],
    );
    let d = admin_with(
        &bin,
        &args,
        &["report", "--month", "2026-11", "--today", "2026-12-10"],
    );
    assert_eq!(d["period"], "2026-11");
    assert_eq!(d["as_of"], "2026-11-30");
    assert_eq!(d["work"]["assists"], 14);
    assert_eq!(d["work"]["households_helped"], 3);
    let a = &d["indicators"]["villages"][0]["values"][0];
    assert_eq!(
        (a["indicator"].as_str(), a["target"].as_f64()),
        (Some("vneid_l2"), Some(40.0))
    );
    assert_eq!(a["meets_target"], true, "2 of 5 meets the commune's 40%");
    let a2 = &d["teams"][0]["members"][1];
    assert_eq!(a2["follow_ups"]["overdue"], 1);
}

fn bad_requests_are_refused_in_words(backend: Backend) {
    let place = loaded(backend);
    for args in [
        vec!["report", "--quarter", "2026-Q5"],
        vec!["report", "--month", "2026-13"],
        vec!["report", "--month", "2026-11", "--xlsx", "x.xlsx"],
        vec!["report", "--quarter", "2026-Q4", "--today", "10/12/2026"],
        vec!["report", "--quarter", "2026-Q4", "--commune", "not-an-id"],
    ] {
        let out = admin_command(&server_bin(), &place.server_args())
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: says why");
    }
}

/// Names that a spreadsheet would read as formulas (a village typed as
/// `=HYPERLINK(…)`, a team as `-1+1`, `@SUM(…)`, `+…`) reach the CSV as text:
/// each cell that begins so gets a leading `'`, and no cell of the file
/// begins with a formula character any more.
fn names_a_spreadsheet_would_run_reach_the_csv_as_text(backend: Backend) {
    let place = loaded(backend);
    let bin = server_bin();
    let args = place.server_args();
    let commune = fixture().org.commune.id.to_string();
    let names = [
        "=HYPERLINK(\"http://x.example\",\"Bấm\")",
        "+1+2",
        "-3+4",
        "@SUM(A1)",
    ];
    for name in names {
        // `--name=…`: a value that begins with `-` is not read as a flag.
        let name = format!("--name={name}");
        admin_with(
            &bin,
            &args,
            &["village", "add", "--commune", &commune, &name],
        );
    }
    let csv = place.path().join("bao-cao.csv");
    let run = admin_command(&bin, &args)
        .args(["report", "--quarter", "2026-Q4", "--today", "2026-12-10"])
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let bytes = std::fs::read(&csv).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[3..]);
    let mut seen = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
        seen.push(record[2].to_string());
    }
    for name in names {
        assert!(
            seen.contains(&format!("'{name}")),
            "{name} written as text: {seen:?}"
        );
    }
    assert!(
        seen.iter().any(|n| n == "Thôn A"),
        "other names as they are"
    );
}

/// `admin target set` refuses an indicator no report counts, names the
/// valid ones, and stores nothing.
fn an_unknown_indicator_is_refused_with_the_valid_ones(backend: Backend) {
    let place = loaded(backend);
    let bin = server_bin();
    let args = place.server_args();
    let commune = fixture().org.commune.id.to_string();
    let out = admin_command(&bin, &args)
        .args(["target", "set", "--commune", &commune])
        .args(["--indicator", "vneid_l9", "--percent", "80"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("vneid_l9"), "{stderr}");
    for valid in gocua_core::indicators::Indicator::ALL {
        assert!(
            stderr.contains(valid.code()),
            "lists {}: {stderr}",
            valid.code()
        );
    }
    let db = match place.pg() {
        Some(url) => CentralDb::connect(url, 1, &place.key()).unwrap(),
        None => CentralDb::open(&place.data().join("central.db"), &place.key()).unwrap(),
    };
    let stored: Vec<String> = db
        .targets(fixture().org.commune.id)
        .unwrap()
        .into_iter()
        .map(|t| t.indicator)
        .collect();
    assert!(!stored.iter().any(|t| t == "vneid_l9"), "{stored:?}");
    drop(db);
    // The same code in capitals names the real indicator.
    let t = admin_with(
        &bin,
        &args,
        &[
            "target",
            "set",
            "--commune",
            &commune,
            "--indicator",
            "VNEID_L2",
            "--percent",
            "80",
        ],
    );
    assert_eq!(t["indicator"], "vneid_l2");
}

on_each_backend!(
    the_quarterly_workbook_holds_the_hand_worked_figures,
    month_views_as_json_and_the_communes_own_targets,
    bad_requests_are_refused_in_words,
    names_a_spreadsheet_would_run_reach_the_csv_as_text,
    an_unknown_indicator_is_refused_with_the_valid_ones,
);
