//! The records. Constructors take raw input, normalise it and validate it,
//! so a record that exists is a record that is valid.

use crate::catalogue::ActionCode;
use crate::citizen_id::CitizenIdHash;
use crate::ids::*;
use crate::text::normalize_name;
use crate::validate::{self, ValidationError, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// An enum stored and sent as a short snake_case code, with a Vietnamese label.
macro_rules! coded_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident = $code:literal / $vi:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label_vi(self) -> &'static str {
                match self { $($name::$variant => $vi),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($code => Ok($name::$variant),)+
                    other => Err(ValidationError::NotAllowed { field: $field, value: other.chars().take(40).collect() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

coded_enum!(
    /// What a person may see and do. Scope grows down the list.
    Role, "role" {
        Member = "member" / "Tổ viên",
        TeamLeader = "team_leader" / "Tổ trưởng",
        CommuneOfficer = "commune_officer" / "Cán bộ xã",
        Admin = "admin" / "Quản trị",
    }
);

coded_enum!(
    Sex, "sex" {
        Male = "male" / "Nam",
        Female = "female" / "Nữ",
        Other = "other" / "Khác",
    }
);

coded_enum!(
    /// How the household was reached.
    VisitForm, "form" {
        DoorToDoor = "door_to_door" / "Đến tận nhà",
        SkillsCorner = "skills_corner" / "Góc kỹ năng số",
        VillageMeeting = "village_meeting" / "Họp thôn",
    }
);

coded_enum!(
    /// Whether anybody was met at the door.
    VisitOutcome, "outcome" {
        Met = "met" / "Đã gặp",
        NotAtHome = "not_at_home" / "Không có nhà",
        Refused = "refused" / "Từ chối",
    }
);

coded_enum!(
    /// Why an assisted action could not be done.
    CannotReason, "reason" {
        NoSmartphone = "no_smartphone" / "Không có điện thoại thông minh",
        NotAtHome = "not_at_home" / "Không có nhà",
        Refused = "refused" / "Từ chối",
        DataMismatch = "data_mismatch" / "Sai lệch dữ liệu – chuyển Công an xã",
        Other = "other" / "Lý do khác",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commune {
    pub id: CommuneId,
    pub name: String,
    pub province: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Village {
    pub id: VillageId,
    pub commune_id: CommuneId,
    pub name: String,
}

/// A team covers one village as a rule, sometimes several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub commune_id: CommuneId,
    pub name: String,
    pub village_ids: Vec<VillageId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub commune_id: CommuneId,
    /// None for commune officers and admins, who belong to no team.
    pub team_id: Option<TeamId>,
    pub full_name: String,
    pub role: Role,
}

/// A commune's whole organisation, as the server hands it to a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSnapshot {
    pub commune: Commune,
    pub villages: Vec<Village>,
    pub teams: Vec<Team>,
    pub members: Vec<Member>,
}

/// The priority groups the commune plans name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HouseholdFlags {
    pub poor: bool,
    pub near_poor: bool,
    pub ethnic_minority: bool,
    pub elderly_only: bool,
    pub no_smartphone: bool,
}

impl HouseholdFlags {
    /// Higher goes first on the worklist: elderly people alone and households
    /// with no smartphone need help most, then poverty, then minorities.
    pub fn priority(&self) -> u8 {
        4 * u8::from(self.elderly_only)
            + 3 * u8::from(self.no_smartphone)
            + 2 * u8::from(self.poor || self.near_poor)
            + u8::from(self.ethnic_minority)
    }

    pub fn labels_vi(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.elderly_only {
            v.push("Người cao tuổi");
        }
        if self.no_smartphone {
            v.push("Không có smartphone");
        }
        if self.poor {
            v.push("Hộ nghèo");
        }
        if self.near_poor {
            v.push("Hộ cận nghèo");
        }
        if self.ethnic_minority {
            v.push("Dân tộc thiểu số");
        }
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub id: HouseholdId,
    pub village_id: VillageId,
    /// House number, alley, or a landmark: whatever finds the door.
    pub address: String,
    pub head_name: String,
    pub phone: Option<String>,
    /// Flattened so that each flag is its own field when edits merge.
    #[serde(flatten)]
    pub flags: HouseholdFlags,
    /// Set when the commune office withdrew the record (an undone registry
    /// import, issue 16): out of every list, search and denominator, kept
    /// for history. A plain last-writer-wins field; only officers set or
    /// clear it (`credit::check_record_void`). Absent in records from before.
    #[serde(default)]
    pub voided: Option<Void>,
}

/// Raw household input from a form or the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdInput {
    pub village_id: Option<VillageId>,
    pub address: String,
    pub head_name: String,
    pub phone: Option<String>,
    #[serde(default)]
    pub flags: HouseholdFlags,
}

impl Household {
    /// Normalise and validate raw input into a household.
    pub fn create(id: HouseholdId, input: HouseholdInput) -> Result<Household, ValidationErrors> {
        let Some(village_id) = input.village_id else {
            return Err(ValidationError::Empty { field: "village" }.into());
        };
        let phone = match input.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(validate::phone(p).unwrap_or_else(|_| p.to_string())),
        };
        let h = Household {
            id,
            village_id,
            address: normalize_name(&input.address),
            head_name: normalize_name(&input.head_name),
            phone,
            flags: input.flags,
            voided: None,
        };
        h.validate()?;
        Ok(h)
    }

    /// The checks every stored household passes, whatever wrote it.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.check(validate::name("head_name", &self.head_name));
        errors.check(validate::line("address", &self.address));
        if let Some(p) = &self.phone {
            errors.check(validate::phone(p).map(|_| ()));
        }
        errors.into_result()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    pub id: ResidentId,
    pub household_id: HouseholdId,
    pub full_name: String,
    pub birth_year: i32,
    pub sex: Sex,
    pub has_smartphone: bool,
    /// The day the resident agreed that their data may be kept.
    pub consent_on: Option<NaiveDate>,
    /// Keyed hash of the CCCD; the number itself is never kept.
    pub citizen_id_hash: Option<CitizenIdHash>,
    /// The person's own phone number, kept only where the registry lists
    /// one that is not the household's (`Household::phone` holds that):
    /// the least personal data that still lets a team call them. Absent
    /// in records from before (issue 16).
    #[serde(default)]
    pub phone: Option<String>,
    /// Set when the commune office merged this record, a duplicate, into
    /// another resident's (`same_person.rs`); absent in records from
    /// before merges existed.
    #[serde(default)]
    pub merged_into: Option<ResidentId>,
    /// As `Household::voided`: withdrawn by the commune office.
    #[serde(default)]
    pub voided: Option<Void>,
}

/// Raw resident input. The CCCD, if any, must already be hashed by the caller
/// (who holds the commune secret) before it reaches a record.
#[derive(Debug, Clone, Deserialize)]
pub struct ResidentInput {
    pub household_id: HouseholdId,
    pub full_name: String,
    pub birth_year: i32,
    pub sex: Sex,
    #[serde(default)]
    pub has_smartphone: bool,
    #[serde(default)]
    pub consent_on: Option<NaiveDate>,
    #[serde(default)]
    pub citizen_id_hash: Option<CitizenIdHash>,
}

impl Resident {
    pub fn create(
        id: ResidentId,
        input: ResidentInput,
        today: NaiveDate,
    ) -> Result<Resident, ValidationErrors> {
        let r = Resident {
            id,
            household_id: input.household_id,
            full_name: normalize_name(&input.full_name),
            birth_year: input.birth_year,
            sex: input.sex,
            has_smartphone: input.has_smartphone,
            consent_on: input.consent_on,
            citizen_id_hash: input.citizen_id_hash,
            phone: None,
            merged_into: None,
            voided: None,
        };
        r.validate(today)?;
        Ok(r)
    }

    /// The checks every stored resident passes, whatever wrote it.
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        use chrono::Datelike;
        let mut errors = ValidationErrors::default();
        errors.check(validate::name("full_name", &self.full_name));
        errors.check(validate::birth_year(self.birth_year, today.year()));
        if let Some(day) = self.consent_on {
            errors.check(validate::consent_day(day, today));
        }
        if self.citizen_id_hash.is_some() && self.consent_on.is_none() {
            errors.push(ValidationError::ConsentRequired);
        }
        if self.merged_into == Some(self.id) {
            errors.push(ValidationError::MergedIntoItself);
        }
        if let Some(p) = &self.phone {
            errors.check(validate::phone(p).map(|_| ()));
        }
        errors.into_result()
    }
}

/// Why and by whom a fact was withdrawn. Visits and actions are never edited:
/// a mistake is voided with a reason and recorded anew, so history stays true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Void {
    pub reason: String,
    pub by: MemberId,
    pub at: DateTime<Utc>,
}

impl Void {
    /// The checks every void passes, whatever wrote it; `now` is the
    /// judge's clock. Who signed it is the caller's check
    /// (`credit::check_signer`: it knows who is voiding).
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.check(validate::name("reason", &self.reason));
        errors.check(validate::void_time(self.at, now));
        errors.into_result()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub id: VisitId,
    pub household_id: HouseholdId,
    /// Everyone credited with the visit; the first is who recorded it.
    pub members: Vec<MemberId>,
    pub at: DateTime<Utc>,
    pub form: VisitForm,
    pub outcome: VisitOutcome,
    pub note: Option<String>,
    pub voided: Option<Void>,
}

/// How one assisted action ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ActionOutcome {
    Done,
    FollowUp {
        due: NaiveDate,
    },
    NotPossible {
        reason: CannotReason,
        note: Option<String>,
    },
}

impl ActionOutcome {
    pub fn status_code(&self) -> &'static str {
        match self {
            ActionOutcome::Done => "done",
            ActionOutcome::FollowUp { .. } => "follow_up",
            ActionOutcome::NotPossible { .. } => "not_possible",
        }
    }

    pub fn label_vi(&self) -> String {
        match self {
            ActionOutcome::Done => "Đã xong".into(),
            ActionOutcome::FollowUp { due } => format!("Hẹn quay lại {}", due.format("%d/%m/%Y")),
            ActionOutcome::NotPossible { reason, .. } => {
                format!("Không thực hiện được: {}", reason.label_vi())
            }
        }
    }

    /// Counts as an assist (lượt hỗ trợ): the member actually guided the
    /// resident, whether it finished today or needs another visit.
    pub fn is_assist(&self) -> bool {
        !matches!(self, ActionOutcome::NotPossible { .. })
    }

    /// Parse the compact form the CLI and scripts use: `done`,
    /// `follow_up:DAY` or `not_possible:REASON`. DAY is written as the app
    /// takes it (`30/12/2026`, `30/12`, `2026-12-30`: `month::parse_day`)
    /// or as days after the visit (`+30`, `+30d`), so a script's date
    /// stays valid whenever it runs; `visit_day` is the visit's day.
    pub fn parse_compact(s: &str, visit_day: NaiveDate) -> Result<ActionOutcome, ValidationError> {
        let (status, arg) = match s.split_once(':') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        match (status, arg) {
            ("done", None) => Ok(ActionOutcome::Done),
            ("follow_up", Some(d)) => parse_due(d, visit_day)
                .map(|due| ActionOutcome::FollowUp { due })
                .ok_or_else(|| ValidationError::DayFormat {
                    value: d.chars().take(40).collect(),
                }),
            ("follow_up", None) => Err(ValidationError::FollowUpDue),
            ("not_possible", None) | ("not_possible", Some("")) => {
                Err(ValidationError::ReasonRequired)
            }
            ("not_possible", Some(r)) => Ok(ActionOutcome::NotPossible {
                reason: r.parse()?,
                note: None,
            }),
            _ => Err(ValidationError::NotAllowed {
                field: "outcome",
                value: s.chars().take(40).collect(),
            }),
        }
    }
}

/// A follow-up's day: `+N` / `+Nd` days after the visit, or a typed day.
fn parse_due(d: &str, visit_day: NaiveDate) -> Option<NaiveDate> {
    let d = d.trim();
    match d.strip_prefix('+') {
        Some(n) => {
            let n: u64 = n.strip_suffix('d').unwrap_or(n).parse().ok()?;
            visit_day.checked_add_days(chrono::Days::new(n))
        }
        None => crate::month::parse_day(d, visit_day),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistedAction {
    pub id: ActionId,
    pub visit_id: VisitId,
    pub resident_id: ResidentId,
    pub action: ActionCode,
    pub outcome: ActionOutcome,
    pub voided: Option<Void>,
}

/// Raw input for one action within a visit.
#[derive(Debug, Clone, Deserialize)]
pub struct ActionInput {
    pub resident_id: ResidentId,
    pub action: ActionCode,
    pub outcome: ActionOutcome,
}

/// Raw input for a visit and its actions, saved together or not at all.
#[derive(Debug, Clone, Deserialize)]
pub struct VisitInput {
    pub household_id: HouseholdId,
    pub members: Vec<MemberId>,
    pub at: DateTime<Utc>,
    pub form: VisitForm,
    pub outcome: VisitOutcome,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub actions: Vec<ActionInput>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_outcomes_take_day_first_and_relative_days() {
        let visit = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let due = |y, m, d| ActionOutcome::FollowUp {
            due: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        };
        let p = |s| ActionOutcome::parse_compact(s, visit);
        assert_eq!(p("follow_up:30/12/2026"), Ok(due(2026, 12, 30)));
        assert_eq!(p("follow_up:2026-12-30"), Ok(due(2026, 12, 30)));
        assert_eq!(p("follow_up:+30d"), Ok(due(2027, 1, 6)));
        assert_eq!(p("follow_up:+3"), Ok(due(2026, 12, 10)));
        assert_eq!(p("follow_up:12/30/2026").unwrap_err().code(), "day_format");
        assert_eq!(
            p("not_possible").unwrap_err(),
            ValidationError::ReasonRequired
        );
        assert_eq!(
            p("not_possible:").unwrap_err(),
            ValidationError::ReasonRequired
        );
        assert_eq!(p("not_possible:lazy").unwrap_err().code(), "not_allowed");
    }
}
