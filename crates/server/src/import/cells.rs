//! Reading one cell's value the way the registry files write it. Each
//! function gives the value, or the sentence (Vietnamese) the error report
//! shows beside the row and column.

use super::columns::fold;
use super::sheet::Cell;
use chrono::{Datelike, NaiveDate};
use gocua_core::Sex;
use gocua_core::validate::{self, ValidationError};

/// A birth year, from a year, a date, or a date written as text
/// (15/03/1985, 15-3-1985, 1985-03-15, 03/1985).
pub fn birth_year(cell: &Cell, current_year: i32) -> Result<Option<i32>, String> {
    let year = match cell {
        Cell::Empty => return Ok(None),
        Cell::Date(d) => d.year(),
        Cell::Number(n) if n.fract() == 0.0 && (1000.0..10000.0).contains(n) => *n as i32,
        Cell::Text(t) if t.trim().is_empty() => return Ok(None),
        Cell::Text(t) => year_in_text(t).ok_or_else(|| {
            "Năm sinh không đọc được: hãy ghi năm (ví dụ 1985) hoặc ngày dạng 15/03/1985."
                .to_string()
        })?,
        _ => {
            return Err(
                "Năm sinh không đọc được: hãy ghi năm (ví dụ 1985) hoặc ngày dạng 15/03/1985."
                    .into(),
            );
        }
    };
    validate::birth_year(year, current_year).map_err(|e| e.message_vi())?;
    Ok(Some(year))
}

/// The year of "1985", "15/03/1985", "15-3-1985", "15.03.1985",
/// "1985-03-15", "03/1985".
fn year_in_text(t: &str) -> Option<i32> {
    let parts: Vec<&str> = t.trim().split(['/', '-', '.']).map(str::trim).collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !numeric {
        return None;
    }
    let year = match parts.as_slice() {
        [y] if y.len() == 4 => y,
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => {
            let (d, m, y): (u32, u32, i32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
            NaiveDate::from_ymd_opt(y, m, d)?;
            return Some(y);
        }
        [y, m, d] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => {
            let (y, m, d): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
            NaiveDate::from_ymd_opt(y, m, d)?;
            return Some(y);
        }
        [m, y] if y.len() == 4 && m.len() <= 2 && (1..=12).contains(&m.parse::<u32>().ok()?) => y,
        _ => return None,
    };
    year.parse().ok()
}

/// A date written as a date cell or as text 15/03/2024 or 2024-03-15.
fn date(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Text(t) => {
            let t = t.trim();
            ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        }
        _ => None,
    }
}

pub fn sex(cell: &Cell) -> Result<Option<Sex>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    Ok(Some(match fold(&cell.text()).as_str() {
        "nam" | "m" | "male" | "trai" => Sex::Male,
        "nu" | "f" | "female" | "gai" => Sex::Female,
        "khac" | "other" => Sex::Other,
        _ => {
            return Err(format!(
                "Giới tính \"{}\" không hiểu: ghi Nam, Nữ hoặc Khác.",
                short(&cell.text())
            ));
        }
    }))
}

/// A yes/no column: "x", "có", "1", ✓ … for yes; empty, "không", "0" for no.
pub fn mark(cell: &Cell) -> Result<bool, String> {
    if let Cell::Bool(b) = cell {
        return Ok(*b);
    }
    let t = cell.text();
    if matches!(t.trim(), "✓" | "✔" | "√" | "☑") {
        return Ok(true);
    }
    match fold(&t).as_str() {
        "x" | "co" | "1" | "v" | "yes" | "y" | "true" | "dung" => Ok(true),
        "" | "khong" | "0" | "no" | "n" | "false" | "k" => Ok(false),
        _ => Err(format!(
            "Giá trị \"{}\" không hiểu: đánh x (có) hoặc để trống (không).",
            short(&t)
        )),
    }
}

/// Whether a mark cell holds a mark rather than a name.
pub fn is_mark(cell: &Cell) -> bool {
    !cell.is_empty() && mark(cell) == Ok(true)
}

/// The day the resident agreed: a date, or a mark meaning "agreed, as of
/// this import".
pub fn consent(cell: &Cell, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    if let Some(d) = date(cell) {
        // The rule a pushed resident is judged by (`Resident::validate`),
        // said here for the row rather than refused at the push.
        if d > today {
            return Err("Ngày đồng ý không thể sau ngày hôm nay.".into());
        }
        gocua_core::validate::consent_day(d, today).map_err(|e| e.message_vi())?;
        return Ok(Some(d));
    }
    match mark(cell) {
        Ok(true) => Ok(Some(today)),
        Ok(false) => Ok(None),
        Err(_) => Err(format!(
            "Cột đồng ý \"{}\" không hiểu: đánh x, ghi ngày đồng ý, hoặc để trống.",
            short(&cell.text())
        )),
    }
}

/// A household class column: poor, near-poor, or neither.
pub fn poverty(cell: &Cell) -> Result<(bool, bool), String> {
    let f = fold(&cell.text());
    match f.as_str() {
        "" | "khong" | "binhthuong" | "0" => Ok((false, false)),
        "ngheo" | "hongheo" | "hn" | "n" => Ok((true, false)),
        "canngheo" | "hocanngheo" | "hcn" | "cn" => Ok((false, true)),
        _ => Err(format!(
            "Phân loại hộ \"{}\" không hiểu: ghi \"nghèo\", \"cận nghèo\" hoặc để trống.",
            short(&cell.text())
        )),
    }
}

/// Whether the ethnic group named is a minority (anything but Kinh).
pub fn minority(cell: &Cell) -> bool {
    let f = fold(&cell.text());
    !f.is_empty() && f != "kinh" && f != "dantockinh"
}

/// The digits of a CCCD as typed. A number cell has lost the leading zero
/// every CCCD has (province codes run 001–096): it is put back.
pub fn citizen_id_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 => {
            let digits = format!("{}", *n as u64);
            Some(if digits.len() == 11 {
                format!("0{digits}")
            } else {
                digits
            })
        }
        other => {
            let t = other.text();
            if t.trim().is_empty() { None } else { Some(t) }
        }
    }
}

/// A CCCD as the report may show it: every digit hidden but the last two.
pub fn mask(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let keep = if chars.len() > 6 { 2 } else { 0 };
    let hidden = chars.len() - keep;
    let mut out = "*".repeat(hidden);
    out.extend(&chars[hidden..]);
    format!("{out} ({} ký tự)", chars.len())
}

/// A phone number. A number cell has lost its leading zero: put back.
pub fn phone(cell: &Cell) -> Result<Option<String>, String> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 => {
            let digits = format!("{}", *n as u64);
            if digits.len() == 9 {
                format!("0{digits}")
            } else {
                digits
            }
        }
        other => other.text(),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    validate::phone(&text)
        .map(Some)
        .map_err(|e: ValidationError| e.message_vi())
}

/// Text from the file inside a message, cut short.
pub fn short(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn birth_years_from_years_and_dates() {
        assert_eq!(birth_year(&text("1985"), 2026), Ok(Some(1985)));
        assert_eq!(birth_year(&text("15/03/1985"), 2026), Ok(Some(1985)));
        assert_eq!(birth_year(&text("5-3-1985"), 2026), Ok(Some(1985)));
        assert_eq!(birth_year(&text("1985-03-15"), 2026), Ok(Some(1985)));
        assert_eq!(birth_year(&text("03/1985"), 2026), Ok(Some(1985)));
        assert_eq!(birth_year(&Cell::Number(1950.0), 2026), Ok(Some(1950)));
        assert_eq!(birth_year(&Cell::Empty, 2026), Ok(None));
        assert!(birth_year(&text("1800"), 2026).is_err());
        assert!(birth_year(&text("31/02/1985"), 2026).is_err());
        assert!(birth_year(&text("khoảng 1950"), 2026).is_err());
    }

    #[test]
    fn numbers_that_lost_their_zero() {
        assert_eq!(
            citizen_id_text(&Cell::Number(38090001234.0)).as_deref(),
            Some("038090001234")
        );
        assert_eq!(
            phone(&Cell::Number(912345678.0)),
            Ok(Some("0912345678".into()))
        );
        assert_eq!(
            citizen_id_text(&text("03809000123")).as_deref(),
            Some("03809000123")
        );
    }

    #[test]
    fn masks_hide_all_but_two_digits() {
        assert_eq!(mask("03809000123"), "*********23 (11 ký tự)");
        assert!(!mask("038090001234").contains("0380900012"));
    }

    #[test]
    fn marks_and_sexes() {
        assert_eq!(mark(&text("x")), Ok(true));
        assert_eq!(mark(&text("Có")), Ok(true));
        assert_eq!(mark(&text("không")), Ok(false));
        assert!(mark(&text("có lẽ")).is_err());
        assert_eq!(sex(&text("Nữ")), Ok(Some(Sex::Female)));
        assert_eq!(sex(&text("NAM")), Ok(Some(Sex::Male)));
        assert!(sex(&text("?")).is_err());
    }
}
