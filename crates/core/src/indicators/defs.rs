//! The commune's indicators, their denominators and targets.

use crate::catalogue::{CatalogueEntry, Eligibility};
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// One indicator the plans set a target for. Its code is the key of the
/// commune's target (`gocua-server admin target set --indicator CODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Indicator {
    VneidL2,
    DigitalSignature,
    ProvincialApp,
    OnlinePublicService,
    CashlessPayment,
    DigitalSkills,
    BankAccount,
    EhealthBook,
    EssentialPlatformHouseholds,
    HouseholdsReached,
    DigitalCitizens,
    DigitalFamilies,
}

/// Who an indicator counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    /// Residents eligible for the action (by the commune's catalogue; the
    /// plan's eligibility when the catalogue lacks the action) who have it
    /// done.
    ActionDone {
        action: &'static str,
        plan_eligibility: Eligibility,
    },
    /// Households in which someone has done an essential-platform action.
    HouseholdsWithPlatform,
    /// Households someone was met at (visit met or refused, not "not at
    /// home") since the start of the as-of day's year.
    HouseholdsReached,
    /// Residents who are digital citizens, among all residents.
    DigitalCitizens,
    /// Households that are digital families, among all households.
    DigitalFamilies,
}

impl Indicator {
    pub const ALL: [Indicator; 12] = [
        Indicator::VneidL2,
        Indicator::DigitalSignature,
        Indicator::ProvincialApp,
        Indicator::OnlinePublicService,
        Indicator::CashlessPayment,
        Indicator::DigitalSkills,
        Indicator::BankAccount,
        Indicator::EhealthBook,
        Indicator::EssentialPlatformHouseholds,
        Indicator::HouseholdsReached,
        Indicator::DigitalCitizens,
        Indicator::DigitalFamilies,
    ];

    /// The indicator a code names (`vneid_l2`), if any.
    pub fn from_code(code: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Indicator::VneidL2 => "vneid_l2",
            Indicator::DigitalSignature => "digital_signature",
            Indicator::ProvincialApp => "provincial_app",
            Indicator::OnlinePublicService => "online_public_service",
            Indicator::CashlessPayment => "cashless_payment",
            Indicator::DigitalSkills => "digital_skills",
            Indicator::BankAccount => "bank_account",
            Indicator::EhealthBook => "ehealth_book",
            Indicator::EssentialPlatformHouseholds => "essential_platform_households",
            Indicator::HouseholdsReached => "households_reached",
            Indicator::DigitalCitizens => "digital_citizens",
            Indicator::DigitalFamilies => "digital_families",
        }
    }

    /// Column header in reports.
    pub fn label_vi(self) -> &'static str {
        match self {
            Indicator::VneidL2 => "VNeID mức độ 2",
            Indicator::DigitalSignature => "Chữ ký số cá nhân",
            Indicator::ProvincialApp => "App ThanhHoa",
            Indicator::OnlinePublicService => "Dịch vụ công trực tuyến",
            Indicator::CashlessPayment => "Thanh toán không dùng tiền mặt",
            Indicator::DigitalSkills => "Kỹ năng số cơ bản",
            Indicator::BankAccount => "Tài khoản ngân hàng",
            Indicator::EhealthBook => "Sổ sức khỏe điện tử",
            Indicator::EssentialPlatformHouseholds => "Hộ dùng ≥1 nền tảng thiết yếu",
            Indicator::HouseholdsReached => "Hộ được tiếp cận",
            Indicator::DigitalCitizens => "Công dân số",
            Indicator::DigitalFamilies => "Gia đình số",
        }
    }

    /// What the percentage is taken of.
    pub fn denominator_vi(self) -> &'static str {
        match self.population() {
            Population::ActionDone {
                plan_eligibility, ..
            } => match plan_eligibility {
                Eligibility::Age6Plus => "người từ 6 tuổi",
                Eligibility::Age15Plus => "người từ 15 tuổi",
                Eligibility::Adults => "người từ 18 tuổi",
                Eligibility::All => "toàn bộ nhân khẩu",
            },
            Population::DigitalCitizens => "toàn bộ nhân khẩu",
            Population::HouseholdsWithPlatform
            | Population::HouseholdsReached
            | Population::DigitalFamilies => "tổng số hộ",
        }
    }

    pub fn population(self) -> Population {
        let action = |action, plan_eligibility| Population::ActionDone {
            action,
            plan_eligibility,
        };
        match self {
            Indicator::VneidL2 => action("vneid_l2", Eligibility::Age6Plus),
            Indicator::DigitalSignature => action("digital_signature", Eligibility::Adults),
            Indicator::ProvincialApp => action("provincial_app", Eligibility::Adults),
            Indicator::OnlinePublicService => action("online_public_service", Eligibility::Adults),
            Indicator::CashlessPayment => action("cashless_payment", Eligibility::Adults),
            Indicator::DigitalSkills => action("digital_skills", Eligibility::Adults),
            Indicator::BankAccount => action("bank_account", Eligibility::Age15Plus),
            Indicator::EhealthBook => action("ehealth_book", Eligibility::All),
            Indicator::EssentialPlatformHouseholds => Population::HouseholdsWithPlatform,
            Indicator::HouseholdsReached => Population::HouseholdsReached,
            Indicator::DigitalCitizens => Population::DigitalCitizens,
            Indicator::DigitalFamilies => Population::DigitalFamilies,
        }
    }

    /// Whether the indicator counts households (else residents).
    pub fn counts_households(self) -> bool {
        matches!(
            self.population(),
            Population::HouseholdsWithPlatform
                | Population::HouseholdsReached
                | Population::DigitalFamilies
        )
    }

    /// The eligibility that decides the denominator of an action indicator:
    /// the commune's catalogue says who an action is for (the same rule as
    /// the checklist); the plan's, when the catalogue lacks the action.
    pub fn eligibility(self, catalogue: &[CatalogueEntry]) -> Option<Eligibility> {
        match self.population() {
            Population::ActionDone {
                action,
                plan_eligibility,
            } => Some(
                catalogue
                    .iter()
                    .find(|e| e.code.as_str() == action)
                    .map_or(plan_eligibility, |e| e.eligibility),
            ),
            _ => None,
        }
    }

    /// Where a commune starts: the 2026 plans' values (DOMAIN.md). The
    /// commune sets its own; indicators without a plan value have none.
    pub fn default_target(self) -> Option<f64> {
        match self {
            Indicator::VneidL2 => Some(100.0),
            Indicator::DigitalSignature => Some(40.0),
            Indicator::ProvincialApp => Some(40.0),
            Indicator::EhealthBook => Some(93.0),
            Indicator::BankAccount => Some(90.0),
            Indicator::EssentialPlatformHouseholds => Some(80.0),
            Indicator::HouseholdsReached => Some(100.0),
            Indicator::DigitalSkills => Some(80.0),
            Indicator::OnlinePublicService
            | Indicator::CashlessPayment
            | Indicator::DigitalCitizens
            | Indicator::DigitalFamilies => None,
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Indicator {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Indicator::ALL
            .into_iter()
            .find(|i| i.code() == s)
            .ok_or_else(|| ValidationError::NotAllowed {
                field: "indicator",
                value: s.chars().take(40).collect(),
            })
    }
}

impl From<Indicator> for String {
    fn from(i: Indicator) -> String {
        i.code().to_string()
    }
}

impl TryFrom<String> for Indicator {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// How many count towards an indicator, out of how many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub achieved: u64,
    pub denominator: u64,
}

/// Raw counts per indicator for one place (a village, a team's villages,
/// the commune). Summable: villages do not overlap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts(pub BTreeMap<Indicator, Tally>);

impl Counts {
    pub fn get(&self, i: Indicator) -> Tally {
        self.0.get(&i).copied().unwrap_or_default()
    }

    pub fn entry(&mut self, i: Indicator) -> &mut Tally {
        self.0.entry(i).or_default()
    }

    pub fn add(&mut self, other: &Counts) {
        for (i, t) in &other.0 {
            let e = self.entry(*i);
            e.achieved += t.achieved;
            e.denominator += t.denominator;
        }
    }

    /// Every indicator, with its percentage and target.
    pub fn evaluate(&self, targets: &Targets) -> Vec<IndicatorValue> {
        Indicator::ALL
            .into_iter()
            .map(|i| IndicatorValue::new(i, self.get(i), targets.get(i)))
            .collect()
    }
}

/// The commune's targets, in percent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Targets(pub BTreeMap<Indicator, f64>);

impl Targets {
    /// The plans' example values.
    pub fn defaults() -> Targets {
        Targets(
            Indicator::ALL
                .into_iter()
                .filter_map(|i| i.default_target().map(|t| (i, t)))
                .collect(),
        )
    }

    /// The defaults, overridden by what the commune set. Codes that name
    /// no indicator are left out.
    pub fn with_overrides<'a>(set: impl IntoIterator<Item = (&'a str, f64)>) -> Targets {
        let mut t = Targets::defaults();
        for (code, percent) in set {
            if let Ok(i) = code.parse::<Indicator>() {
                t.0.insert(i, percent);
            }
        }
        t
    }

    pub fn get(&self, i: Indicator) -> Option<f64> {
        self.0.get(&i).copied()
    }
}

/// One indicator at one place, against the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValue {
    pub indicator: Indicator,
    pub achieved: u64,
    pub denominator: u64,
    /// None when nobody is counted (denominator 0).
    pub percent: Option<f64>,
    pub target: Option<f64>,
    /// None without a target or without anybody counted.
    pub meets_target: Option<bool>,
}

impl IndicatorValue {
    pub fn new(indicator: Indicator, tally: Tally, target: Option<f64>) -> IndicatorValue {
        let Tally {
            achieved,
            denominator,
        } = tally;
        let percent = (denominator > 0).then(|| achieved as f64 * 100.0 / denominator as f64);
        // Compared without dividing, so 9 of 10 meets 90% exactly.
        let meets_target = match (target, denominator) {
            (Some(t), d) if d > 0 => Some(achieved as f64 * 100.0 >= t * d as f64),
            _ => None,
        };
        IndicatorValue {
            indicator,
            achieved,
            denominator,
            percent,
            target,
            meets_target,
        }
    }
}
