//! How numbers, dates and progress read in Vietnamese. Pure functions.

use chrono::{DateTime, Datelike, NaiveDate};
use gocua_core::month::vietnam;

/// 23/11/2026
pub fn date_vi(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// "Thứ Hai, 30/11/2026": the weekday helps a member agree a day at the door.
pub fn day_vi(d: NaiveDate) -> String {
    use chrono::Weekday::*;
    let weekday = match d.weekday() {
        Mon => "Thứ Hai",
        Tue => "Thứ Ba",
        Wed => "Thứ Tư",
        Thu => "Thứ Năm",
        Fri => "Thứ Sáu",
        Sat => "Thứ Bảy",
        Sun => "Chủ nhật",
    };
    format!("{weekday}, {}", date_vi(d))
}

/// A date as a member types it, day first ("30/11/2026", "30/11", ISO…):
/// core's one parser for typed dates, which the CLI shares.
pub fn parse_date_vi(input: &str, today: NaiveDate) -> Option<NaiveDate> {
    gocua_core::month::parse_day(input, today)
}

/// "2026-11" → "tháng 11/2026"; anything else is shown as it is.
pub fn month_vi(month: &str) -> String {
    match month.split_once('-') {
        Some((y, m)) if y.len() == 4 && m.len() == 2 => {
            let m = m.trim_start_matches('0');
            format!("tháng {m}/{y}")
        }
        _ => month.to_string(),
    }
}

/// An RFC 3339 instant as a Vietnamese clock reads it: "14:05 23/11/2026".
pub fn datetime_vi(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(&vietnam())
            .format("%H:%M %d/%m/%Y")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// "7/10 hộ"
pub fn count_of(n: usize, quota: usize, unit: &str) -> String {
    format!("{n}/{quota} {unit}")
}

/// Share of a quota done, 0–100, for a progress bar.
pub fn percent(n: usize, quota: usize) -> u32 {
    if quota == 0 {
        return 100;
    }
    let p = n.saturating_mul(100) / quota;
    p.min(100) as u32
}

/// What is still missing to reach a quota, as a sentence.
pub fn remaining_vi(n: usize, quota: usize, unit: &str) -> String {
    if n >= quota {
        "Đã đạt chỉ tiêu".to_string()
    } else {
        format!("Còn {} {unit} nữa", quota - n)
    }
}

/// The sync state in one line.
/// A reporting deadline as the office page words it: "trước ngày
/// 15/12/2026 — còn 7 ngày" (`left`: days left, as `Deadlines` counts them).
pub fn deadline_vi(before: NaiveDate, left: i64) -> String {
    let when = match left {
        l if l > 0 => format!("còn {l} ngày"),
        0 => "hôm nay là hạn cuối".to_string(),
        _ => "đã qua hạn".to_string(),
    };
    format!("trước ngày {} — {when}", date_vi(before))
}

/// `ever_synced`: a sync has succeeded once. Before that nothing has been
/// sent, so the line never claims it was.
pub fn unsent_vi(unsent: i64, ever_synced: bool) -> String {
    match (unsent, ever_synced) {
        (0, true) => "Đã gửi hết dữ liệu".to_string(),
        (0, false) => "Chưa có thay đổi nào cần gửi".to_string(),
        (n, true) => format!("{n} thay đổi chưa gửi"),
        (n, false) => format!("{n} thay đổi chưa gửi (chưa gửi được lần nào)"),
    }
}

/// Age and birth year: "75 tuổi (1951)".
pub fn age_vi(age: i32, birth_year: i32) -> String {
    format!("{age} tuổi ({birth_year})")
}

/// A member's training in one line: "Đã tập huấn 2 buổi năm 2026 · gần
/// nhất 02/04/2026: An toàn thông tin", or "Chưa tập huấn năm 2026", with
/// the last session when there is one from before.
pub fn training_line_vi(
    trained: bool,
    sessions: usize,
    year: i32,
    last_day: Option<NaiveDate>,
    last_topic: Option<&str>,
) -> String {
    let head = if trained {
        format!("Đã tập huấn {sessions} buổi năm {year}")
    } else {
        format!("Chưa tập huấn năm {year}")
    };
    match (last_day, last_topic) {
        (Some(d), Some(t)) => format!("{head} · gần nhất {}: {t}", date_vi(d)),
        (Some(d), None) => format!("{head} · gần nhất {}", date_vi(d)),
        _ => head,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_members_training_reads_in_one_line() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 2);
        assert_eq!(
            training_line_vi(true, 2, 2026, d, Some("An toàn thông tin")),
            "Đã tập huấn 2 buổi năm 2026 · gần nhất 02/04/2026: An toàn thông tin"
        );
        let last_year = NaiveDate::from_ymd_opt(2025, 11, 5);
        assert_eq!(
            training_line_vi(false, 0, 2026, last_year, Some("Chữ ký số")),
            "Chưa tập huấn năm 2026 · gần nhất 05/11/2025: Chữ ký số"
        );
        assert_eq!(
            training_line_vi(false, 0, 2026, None, None),
            "Chưa tập huấn năm 2026"
        );
    }

    /// The parsing itself is core's (`month::parse_day`, tested there);
    /// the form reads through it.
    #[test]
    fn typed_dates_read_day_first() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            parse_date_vi("30/11/2026", today),
            NaiveDate::from_ymd_opt(2026, 11, 30)
        );
        assert_eq!(parse_date_vi("11/30/2026", today), None);
    }

    use super::*;

    #[test]
    fn dates_read_day_first() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(date_vi(d), "05/03/2026");
        assert_eq!(month_vi("2026-03"), "tháng 3/2026");
        assert_eq!(month_vi("2026-11"), "tháng 11/2026");
        assert_eq!(month_vi("bad"), "bad");
    }

    #[test]
    fn instants_are_shown_in_vietnam_time() {
        assert_eq!(datetime_vi("2026-11-30T18:30:00+00:00"), "01:30 01/12/2026");
        assert_eq!(datetime_vi("not a time"), "not a time");
    }

    #[test]
    fn progress_is_clamped() {
        assert_eq!(percent(7, 10), 70);
        assert_eq!(percent(12, 10), 100);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(count_of(7, 10, "hộ"), "7/10 hộ");
        assert_eq!(remaining_vi(7, 10, "hộ"), "Còn 3 hộ nữa");
        assert_eq!(remaining_vi(10, 10, "hộ"), "Đã đạt chỉ tiêu");
    }

    #[test]
    fn sync_lines() {
        assert_eq!(unsent_vi(0, true), "Đã gửi hết dữ liệu");
        assert_eq!(unsent_vi(3, true), "3 thay đổi chưa gửi");
        let d = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        assert_eq!(deadline_vi(d, 7), "trước ngày 15/12/2026 — còn 7 ngày");
        assert_eq!(
            deadline_vi(d, 0),
            "trước ngày 15/12/2026 — hôm nay là hạn cuối"
        );
        assert_eq!(deadline_vi(d, -3), "trước ngày 15/12/2026 — đã qua hạn");
        // Never synced: nothing is said to be sent.
        assert!(!unsent_vi(0, false).contains("Đã gửi"));
        assert!(!unsent_vi(2, false).contains("Đã gửi"));
        assert_eq!(age_vi(75, 1951), "75 tuổi (1951)");
    }
}
