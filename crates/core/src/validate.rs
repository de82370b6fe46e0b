//! Input checks shared by every entry point. Each failure has a stable code
//! for programs and a Vietnamese sentence for the person holding the phone.

use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// Earliest birth year we accept: nobody alive was born before it.
pub const MIN_BIRTH_YEAR: i32 = 1900;
/// Longest name or address we keep; longer input is a paste gone wrong.
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest free-text note.
pub const MAX_NOTE_CHARS: usize = 2000;

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
            Self::NoMember => "no_member",
            Self::UnknownAction { .. } => "unknown_action",
            Self::RetiredAction { .. } => "retired_action",
            Self::ActionsWithoutMeeting => "actions_without_meeting",
            Self::ResidentNotInHousehold => "resident_not_in_household",
            Self::Month => "month",
            Self::ConsentRequired => "consent_required",
            Self::MergedIntoItself => "merged_into_itself",
            Self::NotAllowed { .. } => "not_allowed",
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
            Self::FollowUpDue => "Cần chọn ngày hẹn quay lại (không trước ngày thăm).".into(),
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

    proptest! {
        #[test]
        fn any_ten_digits_with_leading_zero_is_a_phone(rest in "[0-9]{9}") {
            let p = format!("0{rest}");
            prop_assert_eq!(phone(&p), Ok(p.clone()));
        }
    }
}
