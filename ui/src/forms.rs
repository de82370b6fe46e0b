//! The forms' raw text and their checks, with a Vietnamese message per bad
//! field. The rules are `gocua_core::validate`'s wherever one exists, so the
//! form says what the store would say, before the member taps "Lưu".

use gocua_app_api::{HouseholdInput, ResidentForm};
use gocua_core::validate::{self, ValidationError};
use gocua_core::{HouseholdFlags, HouseholdId, Sex, VillageId};
use std::collections::BTreeMap;

/// Field name → message, for every field that is wrong.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// A check that lists its messages, as a result: no message is Ok.
pub fn no_errors(found: FieldErrors) -> Result<(), FieldErrors> {
    if found.is_empty() { Ok(()) } else { Err(found) }
}

fn note(errors: &mut FieldErrors, field: &'static str, r: Result<(), ValidationError>) {
    if let Err(e) = r {
        errors.entry(field).or_insert_with(|| e.message_vi());
    }
}

/// First run: the server (address or pasted QR text), code and device name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnrollFields {
    pub target: String,
    pub code: String,
    pub device_name: String,
}

impl EnrollFields {
    pub fn is_payload(&self) -> bool {
        self.target.trim().starts_with("gocua-enroll:")
    }

    pub fn check(&self) -> FieldErrors {
        let mut e = FieldErrors::new();
        let target = self.target.trim();
        if target.is_empty() {
            e.insert(
                "target",
                "Hãy nhập địa chỉ máy chủ hoặc dán mã QR đăng ký.".into(),
            );
        } else if !self.is_payload() && !target.starts_with("https://") {
            e.insert(
                "target",
                "Địa chỉ máy chủ phải bắt đầu bằng https:// (hoặc dán nguyên văn mã QR).".into(),
            );
        }
        if !self.is_payload() && self.code.trim().is_empty() {
            e.insert("code", "Hãy nhập mã đăng ký do tổ trưởng cấp.".into());
        }
        note(
            &mut e,
            "device_name",
            validate::required_text("device_name", &self.device_name),
        );
        e
    }
}

/// Shortest and longest PIN.
pub const PIN_MIN: usize = 6;
pub const PIN_MAX: usize = 8;

/// A PIN is 6 to 8 digits.
pub fn check_pin(pin: &str) -> Result<(), String> {
    let n = pin.chars().count();
    if !(PIN_MIN..=PIN_MAX).contains(&n) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("Mã PIN phải gồm {PIN_MIN} đến {PIN_MAX} chữ số."));
    }
    Ok(())
}

/// Choosing a PIN: typed twice.
pub fn check_new_pin(pin: &str, again: &str) -> FieldErrors {
    let mut e = FieldErrors::new();
    if let Err(m) = check_pin(pin) {
        e.insert("pin", m);
    } else if pin != again {
        e.insert("pin_again", "Hai lần nhập mã PIN không khớp.".into());
    }
    e
}

/// The household form as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HouseholdFields {
    pub village_id: Option<VillageId>,
    pub head_name: String,
    pub address: String,
    pub phone: String,
    pub flags: HouseholdFlags,
}

impl HouseholdFields {
    pub fn check(&self) -> FieldErrors {
        let mut e = FieldErrors::new();
        if self.village_id.is_none() {
            e.insert(
                "village",
                ValidationError::Empty { field: "village" }.message_vi(),
            );
        }
        note(
            &mut e,
            "head_name",
            validate::required_text("head_name", &self.head_name),
        );
        note(
            &mut e,
            "address",
            validate::max_len("address", &self.address, validate::MAX_TEXT_CHARS),
        );
        if !self.phone.trim().is_empty() {
            note(&mut e, "phone", validate::phone(&self.phone).map(|_| ()));
        }
        e
    }

    /// The input to send, when the form is right.
    pub fn to_input(&self) -> Result<HouseholdInput, FieldErrors> {
        let e = self.check();
        if !e.is_empty() {
            return Err(e);
        }
        let phone = self.phone.trim();
        Ok(HouseholdInput {
            village_id: self.village_id,
            address: self.address.trim().to_string(),
            head_name: self.head_name.trim().to_string(),
            phone: (!phone.is_empty()).then(|| phone.to_string()),
            flags: self.flags,
        })
    }
}

/// The messages still true after an edit: each field shown wrong before
/// keeps its message only while it is still wrong (the message is the new
/// one), and no field gets a new message while the member types — those
/// wait for "Lưu".
pub fn still_wrong(shown: &FieldErrors, now: FieldErrors) -> FieldErrors {
    now.into_iter()
        .filter(|(k, _)| shown.contains_key(k))
        .collect()
}

/// The resident form as typed. Sex starts unchosen: it is a fact about the
/// person, so the member must pick it (no default a hurried tap would keep).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResidentFields {
    pub full_name: String,
    pub birth_year: String,
    pub sex: Option<Sex>,
    pub has_smartphone: bool,
    pub consent: bool,
}

impl ResidentFields {
    pub fn check(&self, current_year: i32) -> FieldErrors {
        let mut e = FieldErrors::new();
        note(
            &mut e,
            "full_name",
            validate::required_text("full_name", &self.full_name),
        );
        match self.birth_year.trim().parse::<i32>() {
            Ok(y) => note(&mut e, "birth_year", validate::birth_year(y, current_year)),
            Err(_) => {
                e.insert(
                    "birth_year",
                    format!(
                        "Năm sinh phải là một số, từ {} đến {current_year}.",
                        validate::MIN_BIRTH_YEAR
                    ),
                );
            }
        }
        if self.sex.is_none() {
            e.insert("sex", "Hãy chọn giới tính.".into());
        }
        e
    }

    pub fn to_form(
        &self,
        household_id: HouseholdId,
        current_year: i32,
    ) -> Result<ResidentForm, FieldErrors> {
        let e = self.check(current_year);
        let (true, Some(sex)) = (e.is_empty(), self.sex) else {
            return Err(e);
        };
        Ok(ResidentForm {
            household_id,
            full_name: self.full_name.trim().to_string(),
            birth_year: self.birth_year.trim().parse().unwrap_or_default(),
            sex,
            has_smartphone: self.has_smartphone,
            consent: self.consent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_errors_is_ok_only_without_a_message() {
        assert_eq!(no_errors(FieldErrors::new()), Ok(()));
        let found = check_new_pin("12", "12");
        assert!(!found.is_empty());
        assert_eq!(no_errors(found.clone()), Err(found));
    }

    #[test]
    fn enrollment_needs_https_and_a_code_unless_a_payload_is_pasted() {
        let mut f = EnrollFields {
            target: "http://10.0.0.1".into(),
            code: String::new(),
            device_name: "Điện thoại của Lan".into(),
        };
        let e = f.check();
        assert!(e["target"].contains("https://"));
        assert!(e["code"].contains("mã đăng ký"));
        f.target = "gocua-enroll:v1?url=https://x:8443&code=AB12".into();
        assert!(f.check().is_empty());
        f.device_name = "  ".into();
        assert_eq!(
            f.check()["device_name"],
            "Tên thiết bị không được để trống."
        );
    }

    #[test]
    fn pins_are_six_to_eight_digits_typed_twice_alike() {
        assert!(check_pin("123456").is_ok());
        assert!(check_pin("12345").is_err());
        assert!(check_pin("123456789").is_err());
        assert!(check_pin("12345a").is_err());
        assert!(check_new_pin("123456", "123456").is_empty());
        assert_eq!(
            check_new_pin("123456", "654321")["pin_again"],
            "Hai lần nhập mã PIN không khớp."
        );
        assert!(check_new_pin("12", "12").contains_key("pin"));
    }

    #[test]
    fn household_messages_are_the_cores() {
        let f = HouseholdFields {
            phone: "12345".into(),
            ..Default::default()
        };
        let e = f.check();
        assert_eq!(e["head_name"], "Tên chủ hộ không được để trống.");
        assert_eq!(e["village"], "Thôn/xóm không được để trống.");
        assert_eq!(
            e["phone"],
            "Số điện thoại phải gồm 10 chữ số và bắt đầu bằng số 0."
        );
        let ok = HouseholdFields {
            village_id: Some(VillageId::new()),
            head_name: " Nguyễn Thị Đào ".into(),
            phone: "0912 345 678".into(),
            ..Default::default()
        };
        let input = ok.to_input().unwrap();
        assert_eq!(input.head_name, "Nguyễn Thị Đào");
        assert_eq!(input.phone.as_deref(), Some("0912 345 678"));
    }

    #[test]
    fn resident_birth_year_must_be_a_plausible_number() {
        let mut f = ResidentFields {
            full_name: "Lò Văn Páo".into(),
            birth_year: "19x0".into(),
            ..Default::default()
        };
        assert!(f.check(2026)["birth_year"].contains("phải là một số"));
        f.birth_year = "2030".into();
        assert_eq!(
            f.check(2026)["birth_year"],
            "Năm sinh không hợp lệ: phải từ 1900 đến 2026."
        );
        f.birth_year = "1950".into();
        f.sex = Some(Sex::Male);
        let form = f.to_form(HouseholdId::new(), 2026).unwrap();
        assert_eq!(form.birth_year, 1950);
        assert_eq!(form.sex, Sex::Male);
    }

    #[test]
    fn a_new_resident_has_no_sex_until_one_is_picked() {
        let f = ResidentFields {
            full_name: "Lò Văn Páo".into(),
            birth_year: "1986".into(),
            ..Default::default()
        };
        assert_eq!(f.sex, None);
        assert_eq!(f.check(2026)["sex"], "Hãy chọn giới tính.");
        assert!(f.to_form(HouseholdId::new(), 2026).is_err());
    }

    #[test]
    fn a_message_goes_once_its_field_is_fixed() {
        let mut f = ResidentFields {
            birth_year: "2030".into(),
            ..Default::default()
        };
        let shown = f.check(2026);
        assert!(shown.contains_key("birth_year"));
        // The year fixed: its message goes, the others (still wrong) stay.
        f.birth_year = "1986".into();
        let after = still_wrong(&shown, f.check(2026));
        assert!(!after.contains_key("birth_year"), "{after:?}");
        assert!(after.contains_key("full_name"));
        // A field not shown wrong before gets no message while typing.
        let none = still_wrong(&FieldErrors::new(), f.check(2026));
        assert!(none.is_empty());
    }
}
