//! Input checks shared by every entry point. Each failure has a stable code
//! for programs and a Vietnamese sentence for the person holding the phone.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// Earliest birth year we accept: nobody alive was born before it.
pub const MIN_BIRTH_YEAR: i32 = 1900;
/// Longest name or address we keep; longer input is a paste gone wrong.
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest free-text note.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Days after a visit a follow-up may be set for: a year ahead is a plan,
/// later is a typo.
pub const MAX_FOLLOW_UP_DAYS: u64 = 366;

/// The first day any work can be dated: the teams began after it, so an
/// earlier date (0000-01-01 from a broken form) is a mistake.
pub fn earliest_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// How far ahead of the judge's clock a date may be: a phone's clock may
/// run a little fast, as far as a change's stamp may (`hlc`).
pub const CLOCK_GRACE: chrono::TimeDelta = chrono::TimeDelta::days(1);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    #[error("{field}: must not be empty")]
    Empty { field: &'static str },
    #[error("{field}: longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("birth year {year} is outside {MIN_BIRTH_YEAR}..={current_year}")]
    BirthYear { year: i32, current_year: i32 },
    #[error("phone number must be 10 digits starting with 0")]
    Phone,
    #[error("citizen ID (CCCD) must be exactly 12 digits")]
    CitizenId,
    #[error("a follow-up needs a due date on or after the visit")]
    FollowUpDue,
    #[error("{value} is not a date (day first: 30/12/2026, or 2026-12-30)")]
    DayFormat { value: String },
    #[error("an action that could not be done needs a reason")]
    ReasonRequired,
    #[error("a visit needs at least one credited member")]
    NoMember,
    #[error("unknown action code {code}")]
    UnknownAction { code: String },
    #[error("action {code} is retired and cannot be recorded")]
    RetiredAction { code: String },
    #[error("nobody was met, so no action can be recorded")]
    ActionsWithoutMeeting,
    #[error("the resident does not belong to the visited household")]
    ResidentNotInHousehold,
    #[error("month must be written YYYY-MM")]
    Month,
    #[error("a citizen ID can only be kept with the resident's consent")]
    ConsentRequired,
    #[error("a resident cannot be merged into themselves")]
    MergedIntoItself,
    #[error("{field}: {value} is not one of the allowed values")]
    NotAllowed { field: &'static str, value: String },
    #[error("{field}: contains control characters")]
    ControlCharacter { field: &'static str },
    #[error("{field}: not in Unicode normal form C")]
    NotNfc { field: &'static str },
    #[error("the visit time is before 2020 or more than a day ahead")]
    VisitDate,
    #[error("the consent date is before 2020 or in the future")]
    ConsentDate,
    #[error("the void time is before 2020 or more than a day ahead")]
    VoidDate,
    #[error("a member is credited more than once in the visit")]
    RepeatedMember,
    #[error("a credited member is not a member of the commune")]
    UnknownMember,
    #[error("a credited member's team does not serve the household's village")]
    MemberNotServing,
    #[error("a member's visit must credit that member first")]
    RecorderNotCredited,
    #[error("a void must be signed by the member doing it")]
    NotSigner,
    #[error("only the commune office may withdraw or restore a household or resident")]
    RecordVoidNotAllowed,
}

impl ValidationError {
    /// Stable code for programs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty { .. } => "empty",
            Self::TooLong { .. } => "too_long",
            Self::BirthYear { .. } => "birth_year",
            Self::Phone => "phone",
            Self::CitizenId => "citizen_id",
            Self::FollowUpDue => "follow_up_due",
            Self::DayFormat { .. } => "day_format",
            Self::ReasonRequired => "reason_required",
            Self::NoMember => "no_member",
            Self::UnknownAction { .. } => "unknown_action",
            Self::RetiredAction { .. } => "retired_action",
            Self::ActionsWithoutMeeting => "actions_without_meeting",
            Self::ResidentNotInHousehold => "resident_not_in_household",
            Self::Month => "month",
            Self::ConsentRequired => "consent_required",
            Self::MergedIntoItself => "merged_into_itself",
            Self::NotAllowed { .. } => "not_allowed",
            Self::ControlCharacter { .. } => "control_character",
            Self::NotNfc { .. } => "not_nfc",
            Self::VisitDate => "visit_date",
            Self::ConsentDate => "consent_date",
            Self::VoidDate => "void_date",
            Self::RepeatedMember => "repeated_member",
            Self::UnknownMember => "unknown_member",
            Self::MemberNotServing => "member_not_serving",
            Self::RecorderNotCredited => "not_credited",
            Self::NotSigner => "not_signer",
            Self::RecordVoidNotAllowed => "void_not_allowed",
        }
    }

    /// The sentence shown to a Vietnamese user.
    pub fn message_vi(&self) -> String {
        match self {
            Self::Empty { field } => format!("{} không được để trống.", field_vi(field)),
            Self::TooLong { field, max } => {
                format!("{} quá dài (tối đa {max} ký tự).", field_vi(field))
            }
            Self::BirthYear { current_year, .. } => {
                format!("Năm sinh không hợp lệ: phải từ {MIN_BIRTH_YEAR} đến {current_year}.")
            }
            Self::Phone => "Số điện thoại phải gồm 10 chữ số và bắt đầu bằng số 0.".into(),
            Self::CitizenId => "Số CCCD phải gồm đúng 12 chữ số.".into(),
            Self::FollowUpDue => {
                "Cần chọn ngày hẹn quay lại: không trước ngày thăm và không quá một năm sau.".into()
            }
            Self::DayFormat { value } => format!(
                "\"{value}\" không phải một ngày: hãy viết ngày trước, ví dụ 30/12/2026 \
                 (hoặc 2026-12-30)."
            ),
            Self::ReasonRequired => "Cần ghi lý do không thực hiện được: no_smartphone (không \
                 có điện thoại thông minh), not_at_home (không có nhà), refused (từ chối), \
                 data_mismatch (sai lệch dữ liệu) hoặc other (lý do khác)."
                .into(),
            Self::NoMember => "Lượt thăm phải ghi nhận ít nhất một tổ viên.".into(),
            Self::UnknownAction { code } => format!("Không có nội dung hỗ trợ mã \"{code}\"."),
            Self::RetiredAction { code } => {
                format!("Nội dung hỗ trợ \"{code}\" đã ngừng sử dụng.")
            }
            Self::ActionsWithoutMeeting => {
                "Không gặp được người dân thì không thể ghi nội dung hỗ trợ.".into()
            }
            Self::ResidentNotInHousehold => "Người dân này không thuộc hộ đang thăm.".into(),
            Self::Month => "Tháng phải viết dạng NNNN-TT, ví dụ 2026-11.".into(),
            Self::ConsentRequired => {
                "Chỉ được lưu số CCCD khi người dân đồng ý cho lưu thông tin.".into()
            }
            Self::MergedIntoItself => "Không thể gộp một người vào chính họ.".into(),
            Self::NotAllowed { field, value } => {
                format!("{}: giá trị \"{value}\" không hợp lệ.", field_vi(field))
            }
            Self::ControlCharacter { field } => format!(
                "{} chứa ký tự điều khiển (ký tự ẩn) không hợp lệ.",
                field_vi(field)
            ),
            Self::NotNfc { field } => format!(
                "{} chưa ở dạng chữ Unicode chuẩn (NFC); hãy nhập lại trên ứng dụng.",
                field_vi(field)
            ),
            Self::VisitDate => "Ngày thăm không hợp lệ: phải từ 01/01/2020 và không sau \
                 ngày giờ hiện tại quá một ngày."
                .into(),
            Self::ConsentDate => "Ngày người dân đồng ý lưu thông tin không hợp lệ: phải từ \
                 01/01/2020 và không phải ngày trong tương lai."
                .into(),
            Self::VoidDate => "Thời điểm hủy không hợp lệ: phải từ 01/01/2020 và không sau \
                 ngày giờ hiện tại quá một ngày."
                .into(),
            Self::RepeatedMember => {
                "Mỗi tổ viên chỉ được ghi nhận một lần trong một lượt thăm.".into()
            }
            Self::UnknownMember => {
                "Người được ghi nhận trong lượt thăm không phải thành viên của xã.".into()
            }
            Self::MemberNotServing => "Người được ghi nhận trong lượt thăm không thuộc tổ \
                 phụ trách thôn/xóm của hộ này."
                .into(),
            Self::RecorderNotCredited => "Lượt thăm do tổ viên ghi phải ghi nhận chính tổ \
                 viên đó (đứng đầu danh sách)."
                .into(),
            Self::NotSigner => "Người hủy bản ghi phải là chính người dùng thiết bị này.".into(),
            Self::RecordVoidNotAllowed => "Chỉ cán bộ xã mới được hủy hoặc khôi phục hộ gia \
                 đình, nhân khẩu."
                .into(),
        }
    }
}

/// Programs and the UI get `{code, message}`: a stable code and the sentence.
impl Serialize for ValidationError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ValidationError", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.message_vi())?;
        st.end()
    }
}

/// Vietnamese label of a field name used in messages.
fn field_vi(field: &str) -> &'static str {
    match field {
        "full_name" => "Họ và tên",
        "head_name" => "Tên chủ hộ",
        "address" => "Địa chỉ",
        "name" => "Tên",
        "note" => "Ghi chú",
        "reason" => "Lý do",
        "device_name" => "Tên thiết bị",
        "sex" => "Giới tính",
        "outcome" => "Kết quả",
        "form" => "Hình thức",
        "role" => "Vai trò",
        "village" => "Thôn/xóm",
        "comment" => "Nội dung cần sửa",
        "reply" => "Trả lời",
        _ => "Trường thông tin",
    }
}

/// All problems with one input at once, so a form can mark every bad field.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    pub fn push(&mut self, e: ValidationError) {
        self.0.push(e);
    }

    pub fn check(&mut self, r: Result<(), ValidationError>) {
        if let Err(e) = r {
            self.0.push(e);
        }
    }

    /// Ok when nothing was pushed.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn message_vi(&self) -> String {
        self.0
            .iter()
            .map(|e| e.message_vi())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

impl From<ValidationError> for ValidationErrors {
    fn from(e: ValidationError) -> Self {
        ValidationErrors(vec![e])
    }
}

/// Text that is kept: in NFC (one spelling per name, whatever keyboard
/// typed it) and without control characters (a NUL or an escape would
/// reach every page that shows the text). Line breaks and tabs are
/// allowed where `multiline` (notes), nowhere else.
pub fn clean_text(
    field: &'static str,
    value: &str,
    multiline: bool,
) -> Result<(), ValidationError> {
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(ValidationError::ControlCharacter { field });
    }
    if !unicode_normalization::is_nfc(value) {
        return Err(ValidationError::NotNfc { field });
    }
    Ok(())
}

/// A required name as stored: not blank, bounded, clean (`clean_text`).
pub fn name(field: &'static str, value: &str) -> Result<(), ValidationError> {
    required_text(field, value)?;
    clean_text(field, value, false)
}

/// An optional one-line text as stored (an address): bounded and clean.
pub fn line(field: &'static str, value: &str) -> Result<(), ValidationError> {
    max_len(field, value, MAX_TEXT_CHARS)?;
    clean_text(field, value, false)
}

/// A free-text note as stored: bounded, clean, line breaks allowed.
pub fn note(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    max_len(field, value, max)?;
    clean_text(field, value, true)
}

/// Whether `at` falls in the window work can be dated in: from 2020 to a
/// day ahead of `now` (the judge's clock: the phone's when saving, the
/// server's when taking a push).
fn in_window(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    crate::month::local_date(at) >= earliest_day() && at <= now + CLOCK_GRACE
}

/// A visit's time.
pub fn visit_time(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ValidationError> {
    if in_window(at, now) {
        Ok(())
    } else {
        Err(ValidationError::VisitDate)
    }
}

/// A void's time.
pub fn void_time(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ValidationError> {
    if in_window(at, now) {
        Ok(())
    } else {
        Err(ValidationError::VoidDate)
    }
}

/// A follow-up's due day: on or after the visit's day, and within a year.
pub fn follow_up_due(due: NaiveDate, visit_day: NaiveDate) -> Result<(), ValidationError> {
    let last = visit_day
        .checked_add_days(Days::new(MAX_FOLLOW_UP_DAYS))
        .unwrap_or(NaiveDate::MAX);
    if (visit_day..=last).contains(&due) {
        Ok(())
    } else {
        Err(ValidationError::FollowUpDue)
    }
}

/// The day a resident agreed their data may be kept: from 2020, not in
/// the future (a day's grace for the phone's clock, as for visits).
pub fn consent_day(day: NaiveDate, today: NaiveDate) -> Result<(), ValidationError> {
    let last = today
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    if (earliest_day()..=last).contains(&day) {
        Ok(())
    } else {
        Err(ValidationError::ConsentDate)
    }
}

/// A required short text: not blank, not absurdly long.
pub fn required_text(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::Empty { field });
    }
    max_len(field, value, MAX_TEXT_CHARS)
}

pub fn max_len(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(())
}

pub fn birth_year(year: i32, current_year: i32) -> Result<(), ValidationError> {
    if (MIN_BIRTH_YEAR..=current_year).contains(&year) {
        Ok(())
    } else {
        Err(ValidationError::BirthYear { year, current_year })
    }
}

/// Vietnamese mobile and landline numbers: 10 digits, leading 0. Spaces,
/// dots and dashes people type between groups are ignored; the digits are kept.
pub fn phone(input: &str) -> Result<String, ValidationError> {
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    if digits.len() == 10 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(ValidationError::Phone)
    }
}

/// The 12 digits of a CCCD, spaces ignored.
pub fn citizen_id(input: &str) -> Result<String, ValidationError> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(ValidationError::CitizenId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones() {
        assert_eq!(phone("0912 345 678"), Ok("0912345678".into()));
        assert_eq!(phone("0912.345.678"), Ok("0912345678".into()));
        for bad in ["912345678", "1912345678", "09123456789", "09123x5678", ""] {
            assert_eq!(phone(bad), Err(ValidationError::Phone), "{bad}");
        }
    }

    #[test]
    fn citizen_ids() {
        assert_eq!(citizen_id("038 090 001 234"), Ok("038090001234".into()));
        for bad in ["03809000123", "0380900012345", "03809000123a"] {
            assert_eq!(citizen_id(bad), Err(ValidationError::CitizenId));
        }
    }

    #[test]
    fn birth_years() {
        assert!(birth_year(1900, 2026).is_ok());
        assert!(birth_year(2026, 2026).is_ok());
        assert!(birth_year(1800, 2026).is_err());
        assert!(birth_year(2027, 2026).is_err());
    }

    #[test]
    fn every_error_has_a_vietnamese_message_and_code() {
        let e = ValidationError::Empty { field: "full_name" };
        assert_eq!(e.code(), "empty");
        assert_eq!(e.message_vi(), "Họ và tên không được để trống.");
        assert!(required_text("full_name", "   ").is_err());
        assert!(required_text("full_name", &"a".repeat(MAX_TEXT_CHARS + 1)).is_err());
    }

    #[test]
    fn kept_text_is_nfc_without_control_characters() {
        use unicode_normalization::UnicodeNormalization;
        assert_eq!(name("head_name", "Nguyễn Văn A"), Ok(()));
        let nfd: String = "Nguyễn Văn A".nfd().collect();
        assert_eq!(
            name("head_name", &nfd),
            Err(ValidationError::NotNfc { field: "head_name" })
        );
        for bad in ["Lê\u{0}Văn", "A\u{1b}[31m", "Dòng\nhai", "\u{7f}x"] {
            assert_eq!(
                name("head_name", bad),
                Err(ValidationError::ControlCharacter { field: "head_name" }),
                "{bad:?}"
            );
        }
        assert_eq!(note("note", "Dòng một\nDòng hai\tx", 100), Ok(()));
        assert!(note("note", "x\u{0}", 100).is_err());
        assert!(line("address", "").is_ok());
        assert!(line("address", &"a".repeat(MAX_TEXT_CHARS + 1)).is_err());
        let e = ValidationError::ControlCharacter { field: "head_name" };
        assert_eq!(e.code(), "control_character");
        assert!(
            e.message_vi()
                .starts_with("Tên chủ hộ chứa ký tự điều khiển")
        );
    }

    #[test]
    fn dates_fall_in_sane_windows() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 7, 0, 0).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(visit_time(now, now).is_ok());
        assert!(visit_time(now + chrono::TimeDelta::hours(23), now).is_ok());
        assert_eq!(
            visit_time(now + chrono::TimeDelta::hours(25), now),
            Err(ValidationError::VisitDate)
        );
        // 2020-01-01 in Vietnam starts at 17:00 UTC the day before.
        assert!(visit_time(Utc.with_ymd_and_hms(2019, 12, 31, 17, 0, 0).unwrap(), now).is_ok());
        assert!(visit_time(Utc.with_ymd_and_hms(2019, 12, 31, 16, 59, 0).unwrap(), now).is_err());
        for (y, m, d) in [(0, 1, 1), (9999, 12, 31)] {
            let at = day(y, m, d).and_hms_opt(0, 0, 0).unwrap().and_utc();
            assert_eq!(visit_time(at, now), Err(ValidationError::VisitDate));
            assert_eq!(void_time(at, now), Err(ValidationError::VoidDate));
            assert_eq!(
                consent_day(day(y, m, d), day(2026, 12, 7)),
                Err(ValidationError::ConsentDate)
            );
            assert_eq!(
                follow_up_due(day(y, m, d), day(2026, 12, 7)),
                Err(ValidationError::FollowUpDue)
            );
        }
        let visit = day(2026, 12, 7);
        assert!(follow_up_due(visit, visit).is_ok());
        assert!(follow_up_due(day(2027, 12, 7), visit).is_ok());
        assert!(follow_up_due(day(2027, 12, 9), visit).is_err());
        assert!(follow_up_due(day(2026, 12, 6), visit).is_err());
        assert!(
            consent_day(day(2026, 12, 8), visit).is_ok(),
            "a day's grace"
        );
        assert!(consent_day(day(2026, 12, 9), visit).is_err());
        assert!(consent_day(day(2019, 12, 31), visit).is_err());
    }

    proptest! {
        #[test]
        fn any_ten_digits_with_leading_zero_is_a_phone(rest in "[0-9]{9}") {
            let p = format!("0{rest}");
            prop_assert_eq!(phone(&p), Ok(p.clone()));
        }

        /// Whatever is typed, the name the phone keeps (`normalize_name`)
        /// passes the server's check unless it holds a control character.
        #[test]
        fn a_normalised_name_is_clean_unless_it_has_control_characters(s in "\\PC{1,40}|[\\x00-\\x1f a-zà-ỹ\u{300}-\u{323}]{1,40}") {
            let kept = crate::text::normalize_name(&s);
            let r = clean_text("full_name", &kept, false);
            prop_assert_eq!(r.is_ok(), !kept.chars().any(char::is_control), "{:?}", kept);
        }
    }
}
