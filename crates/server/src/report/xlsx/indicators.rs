//! The tables of the twelve indicators (the summary by team, and by
//! village): a column group per indicator (target, achieved, of how many,
//! percent), split over sheets of `PER_SHEET` indicators so each printed
//! page reads, the row labels on every one.

use super::{Styles, finish, heading};
use crate::report::fmt_day;
use gocua_core::indicators::{Indicator, IndicatorValue, Place, PlaceIndicators, QuarterReport};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

/// Indicators on one printed summary sheet: with the row labels, about 160
/// characters, an A4 landscape page's width at a readable size.
const PER_SHEET: usize = 3;

/// The indicator table's two header rows from column `first`.
fn indicator_headers(
    ws: &mut Worksheet,
    s: &Styles,
    row: u32,
    first: u16,
    indicators: &[Indicator],
) -> Result<(), XlsxError> {
    ws.set_row_height(row, 45)?;
    for (i, ind) in indicators.iter().enumerate() {
        let col = first + 4 * i as u16;
        ws.merge_range(
            row,
            col,
            row,
            col + 3,
            &format!("{} ({})", ind.label_vi(), ind.denominator_vi()),
            &s.header,
        )?;
        for (j, h) in ["Chỉ tiêu (%)", "Đạt", "Tổng số", "Tỷ lệ (%)"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(row + 1, col + j as u16, *h, &s.header)?;
            ws.set_column_width(col + j as u16, 9)?;
        }
    }
    Ok(())
}

fn indicator_cells(
    ws: &mut Worksheet,
    s: &Styles,
    row: u32,
    first: u16,
    values: &[IndicatorValue],
    total: bool,
    indicators: &[Indicator],
) -> Result<(), XlsxError> {
    let number = if total { &s.total_number } else { &s.number };
    for (i, ind) in indicators.iter().enumerate() {
        let col = first + 4 * i as u16;
        let Some(v) = values.iter().find(|v| v.indicator == *ind) else {
            continue;
        };
        match v.target {
            Some(t) => ws.write_number_with_format(row, col, t, &s.percent)?,
            None => ws.write_string_with_format(row, col, "", &s.text)?,
        };
        ws.write_number_with_format(row, col + 1, v.achieved as f64, number)?;
        ws.write_number_with_format(row, col + 2, v.denominator as f64, number)?;
        let style = match v.meets_target {
            Some(true) => &s.met,
            Some(false) => &s.missed,
            None => &s.percent,
        };
        match v.percent {
            Some(p) => ws.write_number_with_format(row, col + 3, p, style)?,
            None => ws.write_string_with_format(row, col + 3, "", &s.text)?,
        };
    }
    Ok(())
}

fn place_rows(
    ws: &mut Worksheet,
    s: &Styles,
    mut row: u32,
    places: &[(&PlaceIndicators, String)],
    total: &PlaceIndicators,
    indicators: &[Indicator],
) -> Result<u32, XlsxError> {
    for (i, (p, note)) in places.iter().enumerate() {
        ws.write_number_with_format(row, 0, (i + 1) as f64, &s.number)?;
        ws.write_string_with_format(row, 1, &p.name, &s.text)?;
        ws.write_string_with_format(row, 2, note, &s.text)?;
        indicator_cells(ws, s, row, 3, &p.values, false, indicators)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "", &s.total_text)?;
    ws.write_string_with_format(row, 1, "Toàn xã", &s.total_text)?;
    ws.write_string_with_format(row, 2, "", &s.total_text)?;
    indicator_cells(ws, s, row, 3, &total.values, true, indicators)?;
    Ok(row + 1)
}

/// The sheets' names and titles when a table of the twelve indicators is
/// split `PER_SHEET` to a sheet: "Tổng hợp (1)", "… (phần 1/4: chỉ tiêu 1–3)".
pub(super) fn parts(name: &str, what: &str) -> Vec<(String, String, &'static [Indicator])> {
    let chunks: Vec<&'static [Indicator]> = Indicator::ALL.chunks(PER_SHEET).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(k, inds)| {
            let first = k * PER_SHEET + 1;
            let last = first + inds.len() - 1;
            (
                format!("{name} ({})", k + 1),
                format!("{what} (phần {}/{n}: chỉ tiêu {first}–{last})", k + 1),
                inds,
            )
        })
        .collect()
}

/// Sheets of indicator columns, `PER_SHEET` indicators each: the table's
/// three label columns `labels` on every one, a row per place, the
/// commune's total. `note` is written under `what`.
fn indicator_sheets(
    wb: &mut Workbook,
    s: &Styles,
    r: &QuarterReport,
    (name, what, note): (&str, &str, Option<&str>),
    labels: [&str; 3],
    places: &[(&PlaceIndicators, String)],
) -> Result<(), XlsxError> {
    let total = &r.dashboard.indicators.total;
    for (sheet, title, inds) in parts(name, what) {
        let ws = wb.add_worksheet().set_name(sheet)?;
        let width = 3 + 4 * inds.len() as u16;
        let mut row = heading(ws, s, r, &title, width)?;
        if let Some(note) = note {
            ws.write_string(row - 1, 0, note)?;
            row += 1;
        }
        for (col, h) in labels.iter().enumerate() {
            ws.merge_range(row, col as u16, row + 1, col as u16, h, &s.header)?;
        }
        ws.set_column_width(0, 5)?;
        ws.set_column_width(1, 24)?;
        ws.set_column_width(2, 22)?;
        indicator_headers(ws, s, row, 3, inds)?;
        // "Chỉ tiêu (%)" wraps: a printed row does not grow by itself.
        ws.set_row_height(row + 1, 30)?;
        ws.set_freeze_panes(row + 2, 3)?;
        let end = place_rows(ws, s, row + 2, places, total, inds)?;
        finish(ws, s, r, end, width, (row, row + 1))?;
    }
    Ok(())
}

/// The summary: a row per team (its villages together), then villages no
/// team covers, then the commune.
pub(super) fn summary(wb: &mut Workbook, s: &Styles, r: &QuarterReport) -> Result<(), XlsxError> {
    let d = &r.dashboard;
    let village_name = |id| {
        d.indicators
            .villages
            .iter()
            .find(|v| v.place == Place::Village(id))
            .map_or(String::new(), |v| v.name.clone())
    };
    let mut places: Vec<(&PlaceIndicators, String)> = Vec::new();
    let mut covered = Vec::new();
    for (t, p) in d.teams.iter().zip(&d.indicators.teams) {
        let names: Vec<String> = t.village_ids.iter().map(|v| village_name(*v)).collect();
        covered.extend(t.village_ids.iter().copied());
        places.push((p, names.join(", ")));
    }
    for v in &d.indicators.villages {
        if let Place::Village(id) = v.place
            && !covered.contains(&id)
        {
            places.push((v, "(chưa có tổ)".into()));
        }
    }
    let deadlines = format!(
        "Tổ báo cáo trước ngày {}; xã báo cáo tỉnh trước ngày {}",
        fmt_day(r.deadlines.team_report_before),
        fmt_day(r.deadlines.commune_report_before)
    );
    indicator_sheets(
        wb,
        s,
        r,
        (
            SUMMARY,
            "BÁO CÁO KẾT QUẢ TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
            Some(&deadlines),
        ),
        ["STT", "Tổ", "Thôn/xóm"],
        &places,
    )
}

/// The sheets' base names.
pub(super) const SUMMARY: &str = "Tổng hợp";
pub(super) const VILLAGES: &str = "Theo thôn";

pub(super) fn villages(wb: &mut Workbook, s: &Styles, r: &QuarterReport) -> Result<(), XlsxError> {
    let places: Vec<(&PlaceIndicators, String)> = r
        .dashboard
        .indicators
        .villages
        .iter()
        .map(|v| {
            (
                v,
                if v.meets_every_target { "Có" } else { "Chưa" }.to_string(),
            )
        })
        .collect();
    indicator_sheets(
        wb,
        s,
        r,
        (VILLAGES, "CHỈ TIÊU THEO THÔN/XÓM", None),
        ["STT", "Thôn/xóm", "Đạt mọi chỉ tiêu"],
        &places,
    )
}
