//! Opening a figure to the records behind it: which figure, for whom, and
//! the rows that make it up — ids and the least a person needs to recognise
//! a record (a name, a birth year, a day), never a phone or an ID number.

use super::defs::Indicator;
use super::period::Period;
use crate::catalogue::ActionCode;
use crate::ids::{
    ActionId, CommuneId, HouseholdId, MemberId, ResidentId, TeamId, VillageId, VisitId,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Whose figure: the whole commune, a village, a team (its villages for
/// indicators, its members' visits for work) or a member (their team's
/// villages for indicators, their visits for work).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Commune(CommuneId),
    Village(VillageId),
    Team(TeamId),
    Member(MemberId),
}

/// Which part of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Counted as achieved.
    Achieved,
    /// In the denominator, not achieved: who is left to help.
    Missing,
    /// The whole denominator.
    All,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "figure", rename_all = "snake_case")]
pub enum Figure {
    /// Residents (or households) an indicator counts, at the as-of day.
    Indicator { indicator: Indicator, part: Part },
    /// Assists in the period, of one action or all.
    Assists {
        #[serde(default)]
        action: Option<ActionCode>,
    },
    /// Every recorded (non-voided) action in the period with this outcome
    /// (`done`, `follow_up`, `not_possible`).
    Actions { outcome: String },
    /// Households helped in the period.
    HouseholdsHelped,
    /// Follow-ups open at the as-of day.
    FollowUpsOpen {
        #[serde(default)]
        overdue_only: bool,
    },
}

/// A drill-down request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillQuery {
    pub subject: Subject,
    pub period: Period,
    pub figure: Figure,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentRow {
    pub resident_id: ResidentId,
    pub household_id: HouseholdId,
    pub village_id: VillageId,
    pub full_name: String,
    pub birth_year: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRow {
    pub household_id: HouseholdId,
    pub village_id: VillageId,
    pub head_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRow {
    pub action_id: ActionId,
    pub visit_id: VisitId,
    pub day: NaiveDate,
    pub household_id: HouseholdId,
    pub resident_id: ResidentId,
    pub resident_name: String,
    pub action: ActionCode,
    /// `done`, `follow_up` or `not_possible`.
    pub status: String,
    pub due: Option<NaiveDate>,
    /// Everyone the visit credits.
    pub members: Vec<MemberId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DrillRow {
    Resident(ResidentRow),
    Household(HouseholdRow),
    Action(ActionRow),
}

impl DrillRow {
    /// The row's own id, the paging cursor.
    pub fn key(&self) -> String {
        match self {
            DrillRow::Resident(r) => r.resident_id.to_string(),
            DrillRow::Household(h) => h.household_id.to_string(),
            DrillRow::Action(a) => a.action_id.to_string(),
        }
    }
}

/// One page of rows, in id order; `next` continues after the last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillPage {
    pub as_of: NaiveDate,
    pub rows: Vec<DrillRow>,
    pub next: Option<String>,
}
