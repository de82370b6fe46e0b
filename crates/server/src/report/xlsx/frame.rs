//! What makes a sheet a report an official can print and sign, as
//! Vietnamese administrative reports are laid out (Nghị định 30/2020): the
//! issuing body on the left and the national header (Quốc hiệu, Tiêu ngữ)
//! on the right, the place and date, the title and period; at the end the
//! signatures of the person who prepared it and of the commune's leader.
//! And the print setup: A4 landscape, fit to the page's width (any number of
//! pages down), the table's header rows repeated on every page.

use chrono::{Datelike, NaiveDate};
use gocua_core::indicators::QuarterReport;
use rust_xlsxwriter::{Format, FormatAlign, Worksheet, XlsxError};

/// rust_xlsxwriter's code for A4 paper.
const A4: u8 = 9;

pub(super) struct FrameStyles {
    /// Centred across its columns (not merged: the text stays in the first
    /// cell, and a narrow column does not cut it).
    plain: Format,
    bold: Format,
    italic: Format,
    title: Format,
}

impl FrameStyles {
    pub(super) fn new() -> FrameStyles {
        let across = Format::new()
            .set_align(FormatAlign::CenterAcross)
            .set_font_size(12);
        FrameStyles {
            bold: across.clone().set_bold(),
            italic: across.clone().set_italic(),
            title: across.clone().set_bold().set_font_size(14),
            plain: across,
        }
    }
}

/// A commune's kind and bare name, from its name as stored: "Xã Thượng
/// Ninh" is a "xã" named "Thượng Ninh" (never "xã Xã Thượng Ninh"); a name
/// without a known kind is a commune's.
pub(super) fn commune_parts(name: &str) -> (&'static str, &str) {
    let name = name.trim();
    for kind in ["xã", "phường", "thị trấn", "đặc khu"] {
        let n = kind.chars().count();
        let head: String = name.chars().take(n).collect();
        let rest: String = name.chars().skip(n).collect();
        if head.to_lowercase() == kind && rest.starts_with(' ') && !rest.trim().is_empty() {
            let bare = &name[name.len() - rest.len()..];
            return (kind, bare.trim_start());
        }
    }
    ("xã", name)
}

/// "Thượng Ninh, ngày 07 tháng 12 năm 2026": days below 10 and the months
/// January and February with a leading zero, as Nghị định 30/2020 asks.
pub(super) fn place_and_date(place: &str, day: NaiveDate) -> String {
    let month = if day.month() <= 2 {
        format!("{:02}", day.month())
    } else {
        day.month().to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        day.day(),
        day.year()
    )
}

/// The text of the frame, worked out once per workbook.
pub(super) struct Frame {
    /// "UBND XÃ THƯỢNG NINH"
    body: String,
    place_date: String,
    /// "CHỦ TỊCH UBND XÃ"
    leader: String,
    /// "Xã Thượng Ninh (Ninh Bình) — Quý IV năm 2026"
    period: String,
    as_of: String,
}

impl Frame {
    pub(super) fn new(r: &QuarterReport) -> Frame {
        let c = &r.dashboard.commune;
        let (kind, bare) = commune_parts(&c.name);
        let kind_upper = kind.to_uppercase();
        Frame {
            body: format!("UBND {kind_upper} {}", bare.to_uppercase()),
            place_date: place_and_date(bare, r.today),
            leader: format!("CHỦ TỊCH UBND {kind_upper}"),
            period: format!("{} ({}) — {}", c.name, c.province, r.quarter.label_vi()),
            as_of: format!(
                "Số liệu tính đến hết ngày {}",
                crate::report::fmt_day(r.dashboard.as_of)
            ),
        }
    }
}

/// `text` centred across columns `first..=last` of `row`.
fn across(
    ws: &mut Worksheet,
    row: u32,
    (first, last): (u16, u16),
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, first, text, format)?;
    for col in first + 1..=last {
        ws.write_blank(row, col, format)?;
    }
    Ok(())
}

/// The left and right halves of a table `width` columns wide.
fn halves(width: u16) -> ((u16, u16), (u16, u16)) {
    let width = width.max(2);
    let left = width / 2;
    ((0, left - 1), (left, width - 1))
}

/// The top of a sheet whose table is `width` columns wide: the issuing body
/// and the national header, place and date, the title `what`, the period
/// and the day the figures run to. Returns the next free row.
pub(super) fn top(
    ws: &mut Worksheet,
    s: &FrameStyles,
    f: &Frame,
    width: u16,
    what: &str,
) -> Result<u32, XlsxError> {
    let (left, right) = halves(width);
    let all = (0, width.max(2) - 1);
    across(ws, 0, left, &f.body, &s.plain)?;
    across(ws, 0, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", &s.bold)?;
    across(ws, 1, left, "TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", &s.bold)?;
    across(ws, 1, right, "Độc lập - Tự do - Hạnh phúc", &s.bold)?;
    across(ws, 3, right, &f.place_date, &s.italic)?;
    across(ws, 5, all, what, &s.title)?;
    across(ws, 6, all, &f.period, &s.bold)?;
    across(ws, 7, all, &f.as_of, &s.italic)?;
    Ok(8)
}

/// The signatures under a table that ended above `row`: the person who
/// prepared it on the left, the commune's leader on the right, each with
/// room to sign. Returns the next free row.
pub(super) fn signatures(
    ws: &mut Worksheet,
    s: &FrameStyles,
    f: &Frame,
    row: u32,
    width: u16,
) -> Result<u32, XlsxError> {
    let (left, right) = halves(width);
    let row = row + 1;
    across(ws, row, left, "NGƯỜI LẬP BIỂU", &s.bold)?;
    across(ws, row, right, &f.leader, &s.bold)?;
    across(ws, row + 1, left, "(Ký, ghi rõ họ tên)", &s.italic)?;
    across(ws, row + 1, right, "(Ký, ghi rõ họ tên)", &s.italic)?;
    Ok(row + 6)
}

/// A4 landscape, as wide as the page and as long as it takes, centred, the
/// rows `header` repeated at the top of every printed page, page numbers
/// at the foot.
pub(super) fn print_setup(ws: &mut Worksheet, header: (u32, u32)) -> Result<(), XlsxError> {
    ws.set_paper_size(A4);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&CTrang &P/&N");
    ws.set_repeat_rows(header.0, header.1)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_communes_kind_is_not_said_twice() {
        assert_eq!(commune_parts("Xã Thượng Ninh"), ("xã", "Thượng Ninh"));
        assert_eq!(commune_parts("xã  Nghĩa Sơn"), ("xã", "Nghĩa Sơn"));
        assert_eq!(commune_parts("Phường Đông Sơn"), ("phường", "Đông Sơn"));
        assert_eq!(
            commune_parts("Thị trấn Cành Nàng"),
            ("thị trấn", "Cành Nàng")
        );
        assert_eq!(commune_parts("Thượng Ninh"), ("xã", "Thượng Ninh"));
        assert_eq!(
            commune_parts("Xã"),
            ("xã", "Xã"),
            "a name that is only a kind"
        );
        assert_eq!(commune_parts("Xãi Lãi"), ("xã", "Xãi Lãi"));
    }

    #[test]
    fn dates_are_written_as_decrees_ask() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(
            place_and_date("Thượng Ninh", d(2026, 12, 7)),
            "Thượng Ninh, ngày 07 tháng 12 năm 2026"
        );
        assert_eq!(
            place_and_date("Nghĩa Sơn", d(2027, 2, 15)),
            "Nghĩa Sơn, ngày 15 tháng 02 năm 2027"
        );
        assert_eq!(
            place_and_date("Nghĩa Sơn", d(2027, 3, 1)),
            "Nghĩa Sơn, ngày 01 tháng 3 năm 2027"
        );
    }
}
