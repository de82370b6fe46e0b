//! The quarterly report as an Excel workbook shaped like the officials'
//! reports: a summary with one row per team (and per village with no team),
//! one column group per indicator (target, achieved, of how many, percent)
//! and the commune's total; the same per village; the teams' work against
//! the monthly quota with their sync status; a sheet per team with its
//! members' months; recognition. Headers in Vietnamese.
//!
//! Every sheet is a report ready to print and sign (`frame.rs`): national
//! header, issuing body, place and date, signatures; A4 landscape, fit to
//! the page's width. The twelve indicators would make the summary 51
//! columns wide, unreadable on a page: it is split into sheets of a few
//! indicators each, with the row labels again (`indicators.rs`).

mod frame;
mod indicators;

use super::percent_text;
use frame::{Frame, FrameStyles};
use gocua_core::indicators::{MemberPeriod, QuarterReport, TeamSync};
use indicators::{SUMMARY, VILLAGES};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

struct Styles {
    title: Format,
    header: Format,
    text: Format,
    number: Format,
    percent: Format,
    met: Format,
    missed: Format,
    total_text: Format,
    total_number: Format,
    frame_styles: FrameStyles,
}

impl Styles {
    fn new() -> Styles {
        let cell = Format::new().set_border(FormatBorder::Thin);
        let header = cell
            .clone()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(Color::RGB(0xDDEBF7));
        let percent = cell.clone().set_num_format("0.0");
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            header,
            text: cell.clone(),
            number: cell.clone().set_num_format("0"),
            met: percent.clone().set_background_color(Color::RGB(0xC6EFCE)),
            missed: percent.clone().set_background_color(Color::RGB(0xFFC7CE)),
            percent,
            total_text: cell.clone().set_bold(),
            total_number: cell.set_bold().set_num_format("0"),
            frame_styles: FrameStyles::new(),
        }
    }
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(name: &str, taken: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .collect();
    let mut base: String = clean.trim().chars().take(28).collect();
    if base.is_empty() {
        base = "Tổ".into();
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == candidate.to_lowercase())
    {
        candidate = format!("{base} {n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

/// The top of a sheet whose table is `width` columns wide (`frame::top`);
/// returns the first row of the table.
fn heading(
    ws: &mut Worksheet,
    s: &Styles,
    r: &QuarterReport,
    what: &str,
    width: u16,
) -> Result<u32, XlsxError> {
    Ok(frame::top(ws, &s.frame_styles, &Frame::new(r), width, what)? + 1)
}

/// The end of a sheet whose last row is above `row`: the signatures, and
/// the print setup repeating rows `header` on every page.
fn finish(
    ws: &mut Worksheet,
    s: &Styles,
    r: &QuarterReport,
    row: u32,
    width: u16,
    header: (u32, u32),
) -> Result<(), XlsxError> {
    frame::signatures(ws, &s.frame_styles, &Frame::new(r), row, width)?;
    frame::print_setup(ws, header)
}

fn sync_text(sync: Option<&TeamSync>) -> (String, String) {
    match sync {
        Some(s) => (
            if s.synced {
                "Đã đồng bộ"
            } else {
                "Chưa đồng bộ"
            }
            .to_string(),
            s.last_sync.map_or("—".to_string(), super::fmt_time),
        ),
        None => ("Chưa đồng bộ".into(), "—".into()),
    }
}

/// The teams' work: assists a month against 50, households helped, members
/// below their quota, sync status.
fn teams(wb: &mut Workbook, s: &Styles, r: &QuarterReport) -> Result<(), XlsxError> {
    let d = &r.dashboard;
    let ws = wb.add_worksheet().set_name("Kết quả tổ")?;
    let months = r.quarter.months();
    let width = 2 + months.len() as u16 + 6;
    let row = heading(
        ws,
        s,
        r,
        "KẾT QUẢ HỖ TRỢ CỦA CÁC TỔ (chỉ tiêu ≥ 50 lượt/tháng)",
        width,
    )?;
    let mut headers: Vec<String> = vec!["STT".into(), "Tổ".into()];
    headers.extend(
        months
            .iter()
            .map(|m| format!("Lượt hỗ trợ T{}/{}", m.month, m.year)),
    );
    headers.extend(
        [
            "Tổng lượt hỗ trợ",
            "Số tháng đạt ≥ 50 lượt",
            "Hộ được hỗ trợ trong quý",
            "Thành viên chưa đạt ≥ 10 hộ/tháng",
            "Đồng bộ quý",
            "Lần đồng bộ gần nhất",
        ]
        .map(String::from),
    );
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, h, &s.header)?;
        ws.set_column_width(c as u16, if c == 1 { 24 } else { 13 })?;
    }
    ws.set_row_height(row, 45)?;
    let mut at = row + 1;
    for (i, t) in d.teams.iter().enumerate() {
        ws.write_number_with_format(at, 0, (i + 1) as f64, &s.number)?;
        ws.write_string_with_format(at, 1, &t.name, &s.text)?;
        for (j, m) in t.months.iter().enumerate() {
            let style = if m.meets_quota == Some(true) {
                &s.met
            } else {
                &s.missed
            };
            ws.write_number_with_format(at, 2 + j as u16, m.assists as f64, style)?;
        }
        let c = 2 + months.len() as u16;
        ws.write_number_with_format(at, c, t.assists as f64, &s.number)?;
        ws.write_number_with_format(at, c + 1, f64::from(t.months_meeting_quota), &s.number)?;
        ws.write_number_with_format(at, c + 2, t.households_helped as f64, &s.number)?;
        ws.write_number_with_format(at, c + 3, t.members_below_quota.len() as f64, &s.number)?;
        let (synced, last) = sync_text(r.sync.iter().find(|x| x.team_id == t.team_id));
        ws.write_string_with_format(at, c + 4, &synced, &s.text)?;
        ws.write_string_with_format(at, c + 5, &last, &s.text)?;
        at += 1;
    }
    ws.write_string_with_format(at, 1, "Toàn xã", &s.total_text)?;
    for (j, m) in d.work.months.iter().enumerate() {
        ws.write_number_with_format(at, 2 + j as u16, m.assists as f64, &s.total_number)?;
    }
    let c = 2 + months.len() as u16;
    ws.write_number_with_format(at, c, d.work.assists as f64, &s.total_number)?;
    ws.write_number_with_format(at, c + 2, d.work.households_helped as f64, &s.total_number)?;
    finish(ws, s, r, at + 1, width, (row, row))
}

/// One sheet per team: each member's months (households helped against
/// 10, assists), the quarter, open follow-ups.
fn team_sheet(
    wb: &mut Workbook,
    s: &Styles,
    r: &QuarterReport,
    name: &str,
    members: &[MemberPeriod],
    taken: &mut Vec<String>,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name(sheet_name(name, taken))?;
    let months = r.quarter.months();
    let width = 2 + 2 * months.len() as u16 + 5;
    let row = heading(
        ws,
        s,
        r,
        &format!("{name}: KẾT QUẢ TỪNG THÀNH VIÊN (≥ 10 hộ/tháng)"),
        width,
    )?;
    ws.merge_range(row, 0, row + 1, 0, "STT", &s.header)?;
    ws.merge_range(row, 1, row + 1, 1, "Họ và tên", &s.header)?;
    ws.set_column_width(0, 6)?;
    ws.set_column_width(1, 26)?;
    for (j, m) in months.iter().enumerate() {
        let c = 2 + 2 * j as u16;
        ws.merge_range(
            row,
            c,
            row,
            c + 1,
            &format!("Tháng {}/{}", m.month, m.year),
            &s.header,
        )?;
        ws.write_string_with_format(row + 1, c, "Hộ được hỗ trợ", &s.header)?;
        ws.write_string_with_format(row + 1, c + 1, "Lượt hỗ trợ", &s.header)?;
        ws.set_column_width(c, 11)?;
        ws.set_column_width(c + 1, 11)?;
    }
    let c0 = 2 + 2 * months.len() as u16;
    for (k, h) in [
        "Hộ trong quý",
        "Lượt trong quý",
        "Số tháng đạt",
        "Hẹn quay lại chưa xong",
        "Trong đó quá hạn",
    ]
    .iter()
    .enumerate()
    {
        ws.merge_range(row, c0 + k as u16, row + 1, c0 + k as u16, h, &s.header)?;
        ws.set_column_width(c0 + k as u16, 12)?;
    }
    ws.set_row_height(row + 1, 30)?;
    for (i, m) in members.iter().enumerate() {
        let at = row + 2 + i as u32;
        ws.write_number_with_format(at, 0, (i + 1) as f64, &s.number)?;
        ws.write_string_with_format(at, 1, &m.full_name, &s.text)?;
        for (j, line) in m.months.iter().enumerate() {
            let c = 2 + 2 * j as u16;
            let style = if line.meets_quota == Some(true) {
                &s.met
            } else {
                &s.missed
            };
            ws.write_number_with_format(at, c, line.households_helped as f64, style)?;
            ws.write_number_with_format(at, c + 1, line.assists as f64, &s.number)?;
        }
        for (k, v) in [
            m.households_helped,
            m.assists,
            u64::from(m.months_meeting_quota),
            m.follow_ups.open,
            m.follow_ups.overdue,
        ]
        .iter()
        .enumerate()
        {
            ws.write_number_with_format(at, c0 + k as u16, *v as f64, &s.number)?;
        }
    }
    let end = row + 2 + members.len() as u32;
    finish(ws, s, r, end, width, (row, row + 1))
}

fn recognition(wb: &mut Workbook, s: &Styles, r: &QuarterReport) -> Result<(), XlsxError> {
    let rec = &r.recognition;
    let ws = wb.add_worksheet().set_name("Khen thưởng")?;
    let width = 6;
    let mut row = heading(ws, s, r, "THI ĐUA, KHEN THƯỞNG QUÝ", width)?;
    let title_rows = (row - 4, row - 2);
    ws.set_column_width(0, 8)?;
    ws.set_column_width(1, 26)?;
    // Wide enough for "Tháng đạt ≥ 50 lượt" on one line.
    for col in 2..width {
        ws.set_column_width(col, 20)?;
    }
    ws.write_string_with_format(row, 0, "Xếp hạng tổ", &s.title)?;
    row += 1;
    for (c, h) in [
        "Hạng",
        "Tổ",
        "Tháng đạt ≥ 50 lượt",
        "Lượt hỗ trợ",
        "Hộ được hỗ trợ",
        "Tổ mẫu",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *h, &s.header)?;
    }
    for t in &rec.teams {
        row += 1;
        ws.write_number_with_format(row, 0, f64::from(t.rank), &s.number)?;
        ws.write_string_with_format(row, 1, &t.name, &s.text)?;
        ws.write_number_with_format(row, 2, f64::from(t.months_meeting_quota), &s.number)?;
        ws.write_number_with_format(row, 3, t.assists as f64, &s.number)?;
        ws.write_number_with_format(row, 4, t.households_helped as f64, &s.number)?;
        ws.write_string_with_format(row, 5, if t.model_team { "Có" } else { "" }, &s.text)?;
    }
    row += 2;
    ws.write_string_with_format(row, 0, "Xếp hạng thành viên", &s.title)?;
    row += 1;
    for (c, h) in [
        "Hạng",
        "Họ và tên",
        "Tháng đạt ≥ 10 hộ",
        "Hộ được hỗ trợ",
        "Lượt hỗ trợ",
        "Tiêu biểu",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *h, &s.header)?;
    }
    for m in &rec.members {
        row += 1;
        ws.write_number_with_format(row, 0, f64::from(m.rank), &s.number)?;
        ws.write_string_with_format(row, 1, &m.full_name, &s.text)?;
        ws.write_number_with_format(row, 2, f64::from(m.months_meeting_quota), &s.number)?;
        ws.write_number_with_format(row, 3, m.households_helped as f64, &s.number)?;
        ws.write_number_with_format(row, 4, m.assists as f64, &s.number)?;
        ws.write_string_with_format(row, 5, if m.pioneer { "Có" } else { "" }, &s.text)?;
    }
    row += 2;
    ws.write_string_with_format(row, 0, "Gia đình số theo thôn/xóm", &s.title)?;
    row += 1;
    for (c, h) in ["STT", "Thôn/xóm", "Gia đình số", "Tổng số hộ", "Tỷ lệ (%)"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *h, &s.header)?;
    }
    for (i, f) in rec.digital_families.iter().enumerate() {
        row += 1;
        ws.write_number_with_format(row, 0, (i + 1) as f64, &s.number)?;
        ws.write_string_with_format(row, 1, &f.name, &s.text)?;
        ws.write_number_with_format(row, 2, f.digital_families as f64, &s.number)?;
        ws.write_number_with_format(row, 3, f.households as f64, &s.number)?;
        ws.write_string_with_format(
            row,
            4,
            percent_text(f.digital_families, f.households),
            &s.text,
        )?;
    }
    row += 2;
    ws.write_string_with_format(
        row,
        0,
        "Thôn/xóm đạt mọi chỉ tiêu (khu dân cư điện tử)",
        &s.title,
    )?;
    if rec.villages_reaching_every_target.is_empty() {
        ws.write_string(row + 1, 1, "Chưa có")?;
    }
    for (i, v) in rec.villages_reaching_every_target.iter().enumerate() {
        ws.write_string(row + 1 + i as u32, 1, &v.name)?;
    }
    let end = row + 2 + rec.villages_reaching_every_target.len() as u32;
    // Three small tables: the title and period head every page.
    finish(ws, s, r, end, width, title_rows)
}

/// The workbook's bytes.
pub fn quarter_workbook(r: &QuarterReport) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new();
    let mut wb = Workbook::new();
    indicators::summary(&mut wb, &s, r)?;
    indicators::villages(&mut wb, &s, r)?;
    teams(&mut wb, &s, r)?;
    let mut taken: Vec<String> = [SUMMARY, VILLAGES, "Kết quả tổ", "Khen thưởng"]
        .iter()
        .flat_map(|n| {
            let split = indicators::parts(n, "")
                .into_iter()
                .map(|(sheet, _, _)| sheet);
            std::iter::once(n.to_string()).chain(split)
        })
        .collect();
    for t in &r.dashboard.teams {
        team_sheet(&mut wb, &s, r, &t.name, &t.members, &mut taken)?;
    }
    recognition(&mut wb, &s, r)?;
    wb.save_to_buffer()
}
