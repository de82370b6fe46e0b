//! Issue 17: the quarterly workbook ready to print and sign. Every sheet
//! reads as a Vietnamese administrative report (issuing body, national
//! header, place and date, title and period, signatures) and prints on A4
//! landscape, fit to the page's width, its header rows repeated; the wide
//! summary is split so each printed page reads. Read back with calamine,
//! and the print setup from the workbook's XML.

use super::{loaded, row_of, text};
use calamine::{Data, Range, Reader, Xlsx, open_workbook};
use gocua_testkit::backend::Backend;
use gocua_testkit::server::{admin_command, server_bin};
use std::io::Read;
use std::path::{Path, PathBuf};

fn workbook(place: &gocua_testkit::backend::Place) -> PathBuf {
    let out = place.path().join("bao-cao-quy.xlsx");
    let run = admin_command(&server_bin(), &place.server_args())
        .args(["report", "--quarter", "2026-Q4", "--today", "2026-12-07"])
        .arg("--xlsx")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

/// Every non-empty cell of a row.
fn row_texts(r: &Range<Data>, row: usize) -> Vec<String> {
    (0..r.width())
        .map(|c| text(r, row, c))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The workbook's file `name` (an XML part) as text.
fn part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn the_quarterly_workbook_is_ready_to_print_and_sign() {
    let place = loaded(Backend::Sqlite);
    let out = workbook(&place);
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let names = wb.sheet_names();
    assert_eq!(
        names[..8],
        [
            "Tổng hợp (1)",
            "Tổng hợp (2)",
            "Tổng hợp (3)",
            "Tổng hợp (4)",
            "Theo thôn (1)",
            "Theo thôn (2)",
            "Theo thôn (3)",
            "Theo thôn (4)",
        ],
        "the wide tables split, three indicators a sheet"
    );
    for name in &names {
        let s = wb.worksheet_range(name).unwrap();
        // The commune is stored as "Xã Thử": its name, not "xã Xã".
        assert_eq!(
            row_texts(&s, 0),
            ["UBND XÃ THỬ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
            "{name}"
        );
        assert_eq!(
            row_texts(&s, 1),
            ["TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", "Độc lập - Tự do - Hạnh phúc"],
            "{name}"
        );
        assert_eq!(
            row_texts(&s, 3),
            ["Thử, ngày 07 tháng 12 năm 2026"],
            "{name}"
        );
        assert_eq!(row_texts(&s, 6), ["Xã Thử (Thanh Hóa) — Quý IV/2026"]);
        // The signatures come last, under everything else.
        let sign = row_of(&s, 0, "NGƯỜI LẬP BIỂU");
        assert_eq!(
            row_texts(&s, sign),
            ["NGƯỜI LẬP BIỂU", "CHỦ TỊCH UBND XÃ"],
            "{name}"
        );
        assert_eq!(
            row_texts(&s, sign + 1),
            ["(Ký, ghi rõ họ tên)", "(Ký, ghi rõ họ tên)"],
            "{name}"
        );
        assert!(
            (sign + 2..s.height()).all(|r| row_texts(&s, r).is_empty()),
            "{name}: nothing under the signatures"
        );
        let all: Vec<String> = (0..s.height()).flat_map(|r| row_texts(&s, r)).collect();
        assert!(
            !all.iter().any(|t| t.to_lowercase().contains("xã xã")),
            "{name}: {all:?}"
        );
    }

    // Each part of the summary reads alone: the teams' names and the
    // commune's total on every one, about a page wide.
    for k in 1..=4 {
        let s = wb.worksheet_range(&format!("Tổng hợp ({k})")).unwrap();
        assert!(s.width() <= 15, "Tổng hợp ({k}): {} columns", s.width());
        let head = row_of(&s, 0, "STT");
        assert_eq!(row_texts(&s, head)[..3], ["STT", "Tổ", "Thôn/xóm"]);
        let title = &row_texts(&s, 5)[0];
        assert!(
            title.starts_with("BÁO CÁO KẾT QUẢ") && title.contains(&format!("phần {k}/4")),
            "{title}"
        );
        for label in ["Tổ A", "Tổ B", "Toàn xã"] {
            row_of(&s, 1, label);
        }
        assert!(row_of(&s, 0, "NGƯỜI LẬP BIỂU") > row_of(&s, 1, "Toàn xã"));
    }
    let s = wb.worksheet_range("Tổng hợp (4)").unwrap();
    let head = row_of(&s, 0, "STT");
    assert_eq!(text(&s, head, 3), "Hộ được tiếp cận (tổng số hộ)");

    // Print setup, sheet by sheet: A4 (paperSize 9), landscape, fit to one
    // page wide (fitToWidth's default, 1, is left out of the XML) and as
    // many pages down as it takes; the table's header rows repeated.
    let workbook_xml = part(&out, "xl/workbook.xml");
    for (i, name) in names.iter().enumerate() {
        let xml = part(&out, &format!("xl/worksheets/sheet{}.xml", i + 1));
        let setup = xml
            .split("<pageSetup ")
            .nth(1)
            .and_then(|rest| rest.split("/>").next())
            .unwrap_or_else(|| panic!("{name}: no pageSetup"));
        for attribute in [
            "paperSize=\"9\"",
            "orientation=\"landscape\"",
            "fitToHeight=\"0\"",
        ] {
            assert!(setup.contains(attribute), "{name}: {setup}");
        }
        assert!(
            !setup.contains("fitToWidth") || setup.contains("fitToWidth=\"1\""),
            "{name}: {setup}"
        );
        assert!(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{name}");
        let titles = format!("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{i}\">");
        assert!(workbook_xml.contains(&titles), "{name}: {workbook_xml}");
    }
    // The summary repeats its two header rows (indicator, then its columns).
    let s = wb.worksheet_range("Tổng hợp (1)").unwrap();
    let head = row_of(&s, 0, "STT") + 1;
    let repeat = format!(
        "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'Tổng hợp (1)'!${}:${}</definedName>",
        head,
        head + 1
    );
    assert!(workbook_xml.contains(&repeat), "{workbook_xml}");
}
