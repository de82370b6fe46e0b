//! What the device shows: read models built by the store and shown by the
//! app. The device store (`gocua-store`) fills them from its records; the
//! shell (`gocua-app`) hands them to the UI (`gocua-ui`) as JSON, and the UI
//! reads them back into these same types. Plain data: no rules, no I/O.

use crate::catalogue::ActionCode;
use crate::ids::{ActionId, HouseholdId, ResidentId, VisitId};
use crate::model::{ActionOutcome, Household, Resident, VisitForm, VisitOutcome};
use crate::month::Month;
use crate::review::ReviewMark;
use crate::rules::ChecklistItem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A household not yet visited this month, as the worklist shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorklistHousehold {
    pub household: Household,
    pub priority: u8,
    pub resident_count: i64,
}

/// A follow-up falling due: the action promised, for whom, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpItem {
    pub action_id: ActionId,
    pub household_id: HouseholdId,
    pub head_name: String,
    pub address: String,
    pub resident_id: ResidentId,
    pub resident_name: String,
    pub action: ActionCode,
    pub action_name: String,
    pub due: NaiveDate,
    pub overdue: bool,
}

/// The day's work for villages: follow-ups falling due, then the households
/// not yet visited this month, priority groups first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worklist {
    pub month: Month,
    pub follow_ups: Vec<FollowUpItem>,
    pub not_visited: Vec<WorklistHousehold>,
}

/// One resident on the household page: where they stand on every action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentDetail {
    pub resident: Resident,
    pub age: i32,
    pub checklist: Vec<ChecklistItem>,
    pub digital_citizen: bool,
    /// Records merged into this resident (one person entered twice), with
    /// what was recorded for them; their actions count in `checklist`.
    #[serde(default)]
    pub merged_from: Vec<MergedRecord>,
}

/// A record merged into a resident, with what was recorded for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedRecord {
    pub resident_id: ResidentId,
    pub full_name: String,
    pub household_id: HouseholdId,
    /// Its actions, oldest first (voided ones flagged).
    pub actions: Vec<MergedAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedAction {
    pub day: NaiveDate,
    pub action_code: String,
    pub action_name: String,
    pub outcome: ActionOutcome,
    pub voided: bool,
}

/// One action of a visit, for the household page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitActionSummary {
    pub resident_name: String,
    pub action_code: String,
    pub action_name: String,
    pub outcome: ActionOutcome,
    pub voided: bool,
}

/// A visit on the household page: who came, what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitSummary {
    pub id: VisitId,
    pub day: NaiveDate,
    pub form: VisitForm,
    pub outcome: VisitOutcome,
    pub members: Vec<String>,
    pub note: Option<String>,
    pub voided_reason: Option<String>,
    pub actions: Vec<VisitActionSummary>,
}

/// Everything the household page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdDetail {
    pub household: Household,
    pub village_name: String,
    pub residents: Vec<ResidentDetail>,
    pub digital_family: bool,
    pub visits: Vec<VisitSummary>,
}

/// One search result: a household, and the resident whose name matched if
/// it was not the head's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub household_id: HouseholdId,
    pub head_name: String,
    pub address: String,
    pub village_name: String,
    pub matched_resident: Option<String>,
}

/// A review mark as a screen shows it: who, on what, and where to go to
/// fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub mark: ReviewMark,
    pub household_head: String,
    pub address: String,
    pub village_name: String,
    /// What is marked, in Vietnamese ("Hộ gia đình", "Nhân khẩu Lê Thị
    /// Hoa", "Lượt thăm 28/11/2026", "Nội dung hỗ trợ …").
    pub target_label: String,
    pub author_name: String,
    pub assignee_name: Option<String>,
    pub resolved_by_name: Option<String>,
}
