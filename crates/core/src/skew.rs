//! A phone's clock against the commune server's. Every server answer
//! carries the server's time; the device keeps the difference of its last
//! exchange (its *offset*: server time minus the phone's) and uses it to
//! date new work and to keep its change stamps within what the server takes
//! (`hlc::MAX_FUTURE_DRIFT_MS`). These are the pure parts: when an offset is
//! worth telling the member about, the sentence that tells them, and how far
//! ahead of the server's time a device's stamps may run.

use crate::hlc::MAX_FUTURE_DRIFT_MS;

/// A clock off by more than this is shown on the home screen and in
/// `gocua status`: five minutes.
pub const WARN_SKEW_MS: i64 = 5 * 60 * 1000;

/// How far past the server's time (as the device estimates it) a device's
/// stamps may run: the server's limit less an hour, for the estimate's own
/// error and for the time a stamp waits before it is pushed.
pub const MAX_STAMP_LEAD_MS: u64 = MAX_FUTURE_DRIFT_MS - 60 * 60 * 1000;

/// The Vietnamese warning for a phone whose clock is `offset_ms` off the
/// server's (server minus phone: negative when the phone runs fast), or
/// None when it is within `WARN_SKEW_MS`.
pub fn warning_vi(offset_ms: i64) -> Option<String> {
    if offset_ms.unsigned_abs() <= WARN_SKEW_MS.unsigned_abs() {
        return None;
    }
    let way = if offset_ms < 0 { "nhanh" } else { "chậm" };
    Some(format!(
        "Đồng hồ của máy đang chạy {way} {} so với máy chủ xã. Hãy chỉnh lại ngày giờ trong \
         Cài đặt của điện thoại (bật \"Tự động đặt ngày giờ\"). Trong lúc chờ, ngày của lượt \
         thăm mới được tính theo giờ của máy chủ.",
        amount_vi(offset_ms.unsigned_abs())
    ))
}

/// "2 ngày", "3 giờ 5 phút", "16 năm": the largest unit and, but for days,
/// the next one, rounded (an offset is measured a few milliseconds off).
pub fn amount_vi(ms: u64) -> String {
    const MIN: u64 = 60 * 1000;
    const DAY: u64 = 24 * 60 * MIN;
    let round = |unit: u64| (ms + unit / 2) / unit;
    let days = round(DAY);
    if days >= 365 {
        let (years, days) = (days / 365, days % 365);
        if days > 0 {
            format!("{years} năm {days} ngày")
        } else {
            format!("{years} năm")
        }
    } else if days >= 1 && ms >= DAY {
        format!("{days} ngày")
    } else {
        let minutes = round(MIN);
        let (hours, minutes) = (minutes / 60, minutes % 60);
        match (hours, minutes) {
            (0, m) => format!("{m} phút"),
            (h, 0) => format!("{h} giờ"),
            (h, m) => format!("{h} giờ {m} phút"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_differences_are_not_worth_a_warning() {
        assert_eq!(warning_vi(0), None);
        assert_eq!(warning_vi(WARN_SKEW_MS), None);
        assert_eq!(warning_vi(-WARN_SKEW_MS), None);
        assert!(warning_vi(WARN_SKEW_MS + 1).is_some());
    }

    #[test]
    fn the_warning_says_which_way_and_how_much() {
        let day = 24 * 3600 * 1000;
        let fast = warning_vi(-2 * day).unwrap();
        assert!(
            fast.starts_with("Đồng hồ của máy đang chạy nhanh 2 ngày so với máy chủ xã."),
            "{fast}"
        );
        assert!(fast.contains("Cài đặt của điện thoại"), "{fast}");
        let slow = warning_vi(16 * 365 * day + 3 * day).unwrap();
        assert!(slow.contains("chậm 16 năm 3 ngày"), "{slow}");
        assert_eq!(amount_vi(3 * 3600 * 1000 + 5 * 60 * 1000), "3 giờ 5 phút");
        assert_eq!(amount_vi(6 * 60 * 1000), "6 phút");
        // Measured a little short of a whole unit: still that unit.
        assert_eq!(amount_vi(16 * 365 * day as u64 - 40), "16 năm");
        assert_eq!(amount_vi(2 * day as u64 - 40), "2 ngày");
        assert_eq!(amount_vi(day as u64 - 40), "24 giờ");
    }
}
