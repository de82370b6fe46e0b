//! Where the table ends. Village lists close with a block that is not
//! data: "Thượng Ninh, ngày … tháng … năm 2026", "NGƯỜI LẬP BIỂU",
//! "TRƯỞNG THÔN", "(Ký, ghi rõ họ tên)", the signers' names, notes and
//! totals. Those lines sit under whatever column the page layout put them
//! (often under Số CCCD), so they are found by what they say, not where:
//! from the first such line after the data on, nothing is a person.

use super::columns::{Field, Layout, fold};
use super::sheet::SheetRow;

/// Folded beginnings of the lines that close a list.
const CLOSING: &[&str] = &[
    "nguoilapbieu",
    "nguoilap",
    "nguoiky",
    "nguoikiemtra",
    "nguoiduyet",
    "truongthon",
    "truongxom",
    "truongban",
    "truongap",
    "truongkhupho",
    "totruong",
    "thontruong",
    "xomtruong",
    "bitruong",
    "chutich",
    "phochutich",
    "congchuc",
    "canbo",
    "xacnhan",
    "kyghiro",
    "kyvaghiro",
    "kyten",
    "kydongdau",
    "kyhoten",
    "ghichu",
    "tongcong",
    "tongso",
    "cong",
    "tm",
    "kt",
    "ubnd",
    "uybannhandan",
    "danhsachnaycoi",
];

/// A cell that belongs to the closing block: one of the usual words, or a
/// date line ("…, ngày 15 tháng 3 năm 2026", "ngày … năm 2026").
pub fn is_closing_text(text: &str) -> bool {
    let f = fold(text);
    if f.is_empty() {
        return false;
    }
    if CLOSING.iter().any(|w| {
        f.starts_with(w)
            // "Cộng" and "TM" alone or followed by a number or a colon,
            // not a name that happens to begin so.
            && (w.len() > 4 || f.len() == w.len() || !text_has_name_after(text, w))
    }) {
        return true;
    }
    if let Some(at) = f.find("ngay") {
        let rest = &f[at + 4..];
        let year_end = rest.len() >= 7
            && rest[rest.len() - 4..].bytes().all(|b| b.is_ascii_digit())
            && rest[..rest.len() - 4].ends_with("nam");
        return rest.contains("thang") || year_end;
    }
    false
}

/// Whether short words ("Cộng", "TM") are followed by more letters in the
/// cell, as a name beginning so would be ("Công Minh"): then not closing.
fn text_has_name_after(text: &str, word: &str) -> bool {
    // "TM.", "KT.", "Cộng:": an abbreviation or a label, not a name.
    let raw_first = text.split_whitespace().next().unwrap_or("");
    if raw_first.ends_with(['.', ':']) || raw_first.contains('/') {
        return false;
    }
    let words: Vec<String> = text.split_whitespace().map(fold).collect();
    words.first().is_some_and(|w| w == word)
        && words.get(1).is_some_and(|w| {
            !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic()) && w.len() > 1
        })
}

/// The first row (index into `rows`) of the closing block, if any: the
/// first row after at least one data row whose first filled cell (in any
/// column, or outside the STT column), or every filled cell, closes the
/// list. A person's row with a note such as
/// "chuyển đi ngày 3 tháng 5 năm 2025" is not one: its first cell is a
/// number or a name.
pub fn closing_start(rows: &[&SheetRow], layout: &Layout) -> Option<usize> {
    let skip = |i: usize| {
        layout
            .columns
            .get(i)
            .is_some_and(|c| c.field == Some(Field::Skip))
    };
    rows.iter().enumerate().skip(1).find_map(|(n, row)| {
        let filled: Vec<(usize, String)> = row
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .map(|(i, c)| (i, c.text()))
            .collect();
        let first = filled.iter().find(|(i, _)| !skip(*i)).or(filled.first())?;
        let leftmost = filled.first().is_some_and(|(_, t)| is_closing_text(t));
        let all = filled.iter().all(|(_, t)| is_closing_text(t));
        (leftmost || is_closing_text(&first.1) || all).then_some(n)
    })
}

/// "105–110", or "105" for one row.
pub fn span(first: usize, last: usize) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_lines_are_known_and_names_are_not() {
        for t in [
            "Thượng Ninh, ngày … năm 2026",
            "Thượng Ninh, ngày 15 tháng 3 năm 2026",
            "NGƯỜI LẬP BIỂU",
            "TRƯỞNG THÔN",
            "(Ký, ghi rõ họ tên)",
            "Tổng cộng",
            "Cộng: 120 hộ",
            "Ghi chú: danh sách cập nhật",
            "TM. UBND XÃ",
        ] {
            assert!(is_closing_text(t), "{t}");
        }
        for t in [
            "Nguyễn Văn An",
            "Công Minh",
            "Chuyển đi",
            "Trương Thị Thôn",
            "1958",
            "Con",
        ] {
            assert!(!is_closing_text(t), "{t}");
        }
    }
}
