//! The same figures as CSV, one figure a line (for spreadsheets and
//! scripts): indicators per village, team and the commune; work per team,
//! member, village and the commune, per month and for the period. UTF-8
//! with a byte-order mark so Excel reads the Vietnamese as such.

use gocua_core::indicators::{CommuneDashboard, MonthLine, Place, PlaceIndicators};
use std::borrow::Cow;

const HEADERS: [&str; 11] = [
    "Kỳ",
    "Cấp",
    "Tên",
    "Mã chỉ số",
    "Chỉ số",
    "Tháng",
    "Đạt",
    "Tổng số",
    "Tỷ lệ (%)",
    "Chỉ tiêu",
    "Đạt chỉ tiêu",
];

fn level(p: &Place) -> &'static str {
    match p {
        Place::Village(_) => "Thôn/xóm",
        Place::Team(_) => "Tổ",
        Place::Commune(_) => "Xã",
    }
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "Có",
        Some(false) => "Chưa",
        None => "",
    }
}

/// A cell as written: text that a spreadsheet would read as a formula (it
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return: a name
/// typed on a phone or in a registry file) gets a leading `'`, so Excel
/// and LibreOffice show it as text instead of running it (OWASP's rule
/// for CSV injection).
fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// One row, every cell through `cell`.
fn row<const N: usize>(w: &mut csv::Writer<Vec<u8>>, cells: [&str; N]) -> Result<(), csv::Error> {
    w.write_record(cells.map(cell).iter().map(|c| c.as_ref()))
}

/// The dashboard's figures as CSV bytes.
pub fn dashboard_csv(d: &CommuneDashboard) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    row(&mut w, HEADERS)?;
    let period = d.period.to_string();
    let places: Vec<&PlaceIndicators> = d
        .indicators
        .villages
        .iter()
        .chain(&d.indicators.teams)
        .chain(std::iter::once(&d.indicators.total))
        .collect();
    for p in places {
        for v in &p.values {
            row(
                &mut w,
                [
                    period.as_str(),
                    level(&p.place),
                    &p.name,
                    v.indicator.code(),
                    v.indicator.label_vi(),
                    "",
                    &v.achieved.to_string(),
                    &v.denominator.to_string(),
                    &v.percent.map_or(String::new(), |x| format!("{x:.1}")),
                    &v.target.map_or(String::new(), |x| format!("{x}")),
                    yes_no(v.meets_target),
                ],
            )?;
        }
    }
    for t in &d.teams {
        let team = WorkLine {
            level: "Tổ",
            name: &t.name,
            months: &t.months,
            households: t.households_helped,
            assists: t.assists,
            quota: Some(t.quota),
        };
        write_work(&mut w, &period, &team)?;
        for m in &t.members {
            let name = format!("{} ({})", m.full_name, t.name);
            let member = WorkLine {
                level: "Thành viên",
                name: &name,
                months: &m.months,
                households: m.households_helped,
                assists: m.assists,
                quota: Some(m.quota),
            };
            write_work(&mut w, &period, &member)?;
        }
    }
    for v in &d.villages {
        let village = WorkLine {
            level: "Thôn/xóm",
            name: &v.name,
            months: &[],
            households: v.work.households_helped,
            assists: v.work.assists,
            quota: None,
        };
        write_work(&mut w, &period, &village)?;
    }
    let commune = WorkLine {
        level: "Xã",
        name: &d.commune.name,
        months: &[],
        households: d.work.households_helped,
        assists: d.work.assists,
        quota: None,
    };
    write_work(&mut w, &period, &commune)?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Work of a team, member, village or the commune.
struct WorkLine<'a> {
    level: &'a str,
    name: &'a str,
    /// With a quota: teams count assists a month, members households.
    months: &'a [MonthLine],
    households: u64,
    assists: u64,
    quota: Option<u64>,
}

fn write_work(
    w: &mut csv::Writer<Vec<u8>>,
    period: &str,
    l: &WorkLine<'_>,
) -> Result<(), csv::Error> {
    for m in l.months {
        let month = m.month.to_string();
        let quota = l.quota.map_or(String::new(), |q| q.to_string());
        let (measure, label, value) = if l.level == "Tổ" {
            ("assists", "Lượt hỗ trợ", m.assists)
        } else {
            ("households_helped", "Hộ được hỗ trợ", m.households_helped)
        };
        row(
            w,
            [
                period,
                l.level,
                l.name,
                measure,
                label,
                &month,
                &value.to_string(),
                "",
                "",
                &quota,
                yes_no(m.meets_quota),
            ],
        )?;
    }
    for (measure, label, value) in [
        ("households_helped", "Hộ được hỗ trợ (cả kỳ)", l.households),
        ("assists", "Lượt hỗ trợ (cả kỳ)", l.assists),
    ] {
        row(
            w,
            [
                period,
                l.level,
                l.name,
                measure,
                label,
                "",
                &value.to_string(),
                "",
                "",
                "",
                "",
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn a_cell_a_spreadsheet_would_run_gets_a_quote() {
        for text in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(text), format!("'{text}"));
        }
        for text in ["Nguyễn Thị Đào", "", "12", "50.0", "Xã Thử"] {
            assert_eq!(cell(text), text);
        }
    }
}
