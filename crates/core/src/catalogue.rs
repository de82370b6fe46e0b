//! The catalogue of assisted actions. It differs by province and year, so it
//! is data: the seed below is where a new commune starts, and a commune can
//! add, rename or retire entries without a code change.

use crate::validate::{self, ValidationError, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Stable code of an action, e.g. `vneid_l2`: lower-case ASCII, digits, `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ActionCode(String);

impl ActionCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ActionCode {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(ActionCode(s.to_string()))
        } else {
            Err(ValidationError::UnknownAction {
                code: s.chars().take(40).collect(),
            })
        }
    }
}

impl TryFrom<String> for ActionCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ActionCode> for String {
    fn from(c: ActionCode) -> String {
        c.0
    }
}

impl fmt::Display for ActionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who an action is for. Ages count by birth year, as the plans do
/// ("công dân từ đủ 6 tuổi" is everyone born six or more years before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    /// Citizens aged 6 and over (VNeID).
    Age6Plus,
    /// Aged 15 and over (bank accounts).
    Age15Plus,
    /// Adults, 18 and over.
    Adults,
    /// Everyone.
    All,
}

impl Eligibility {
    pub fn min_age(self) -> i32 {
        match self {
            Eligibility::Age6Plus => 6,
            Eligibility::Age15Plus => 15,
            Eligibility::Adults => 18,
            Eligibility::All => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Eligibility::Age6Plus => "age6_plus",
            Eligibility::Age15Plus => "age15_plus",
            Eligibility::Adults => "adults",
            Eligibility::All => "all",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Eligibility::Age6Plus => "Từ 6 tuổi",
            Eligibility::Age15Plus => "Từ 15 tuổi",
            Eligibility::Adults => "Người trưởng thành",
            Eligibility::All => "Mọi người",
        }
    }
}

impl FromStr for Eligibility {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "age6_plus" => Ok(Eligibility::Age6Plus),
            "age15_plus" => Ok(Eligibility::Age15Plus),
            "adults" => Ok(Eligibility::Adults),
            "all" => Ok(Eligibility::All),
            other => Err(ValidationError::NotAllowed {
                field: "eligibility",
                value: other.chars().take(40).collect(),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    pub code: ActionCode,
    pub name_vi: String,
    pub eligibility: Eligibility,
    /// Part of the "digital citizen" checklist.
    pub in_checklist: bool,
    /// An essential platform for the "households using ≥1 platform" indicator.
    pub essential_platform: bool,
    /// Retired entries stay for history but cannot be newly recorded.
    pub active: bool,
    pub sort_order: i32,
}

impl CatalogueEntry {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        e.check(validate::required_text("name", &self.name_vi));
        e.into_result()
    }
}

/// Where a commune in Thanh Hóa starts (DOMAIN.md, the 2026 plans).
pub fn seed_catalogue() -> Vec<CatalogueEntry> {
    use Eligibility::*;
    // (code, name, eligibility, checklist, essential platform)
    let rows: [(&str, &str, Eligibility, bool, bool); 11] = [
        (
            "vneid_l2",
            "Kích hoạt tài khoản định danh điện tử VNeID mức độ 2",
            Age6Plus,
            true,
            true,
        ),
        (
            "digital_signature",
            "Cấp, cài đặt chữ ký số cá nhân",
            Adults,
            false,
            false,
        ),
        ("provincial_app", "Cài đặt App ThanhHoa", Adults, true, true),
        ("ehealth_book", "Sổ sức khỏe điện tử", All, true, true),
        (
            "bank_account",
            "Mở tài khoản ngân hàng",
            Age15Plus,
            true,
            true,
        ),
        (
            "online_public_service",
            "Sử dụng dịch vụ công trực tuyến",
            Adults,
            false,
            true,
        ),
        (
            "cashless_payment",
            "Thanh toán không dùng tiền mặt",
            Adults,
            false,
            true,
        ),
        (
            "digital_skills",
            "Đào tạo kỹ năng số cơ bản",
            Adults,
            false,
            false,
        ),
        (
            "online_safety",
            "An toàn thông tin, phòng chống lừa đảo trực tuyến",
            All,
            true,
            false,
        ),
        (
            "ecommerce_ocop",
            "Đưa sản phẩm OCOP lên sàn thương mại điện tử",
            Adults,
            false,
            false,
        ),
        (
            "vneid_documents",
            "Tích hợp giấy tờ lên VNeID",
            Age6Plus,
            false,
            false,
        ),
    ];
    rows.iter()
        .enumerate()
        .map(
            |(i, (code, name, elig, checklist, essential))| CatalogueEntry {
                code: ActionCode(code.to_string()),
                name_vi: name.to_string(),
                eligibility: *elig,
                in_checklist: *checklist,
                essential_platform: *essential,
                active: true,
                sort_order: (i as i32 + 1) * 10,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked() {
        assert!("vneid_l2".parse::<ActionCode>().is_ok());
        for bad in ["", "VNeID", "a b", "x;drop", &"a".repeat(33)] {
            assert!(bad.parse::<ActionCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn seed_codes_are_valid_and_unique() {
        let seed = seed_catalogue();
        assert_eq!(seed.len(), 11);
        let mut codes: Vec<_> = seed.iter().map(|e| e.code.as_str().to_string()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 11);
        for e in &seed {
            assert_eq!(e.code.as_str().parse::<ActionCode>().unwrap(), e.code);
            e.validate().unwrap();
        }
    }
}
