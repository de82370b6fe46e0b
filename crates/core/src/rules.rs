//! The rules the commune plans judge the work by, as plain functions over
//! plain data. The device, the CLI and the server all call these, so a figure
//! means the same thing wherever it is shown.
//!
//! Definitions (from the plans, made precise):
//! - an **assist** (lượt hỗ trợ) is a non-voided action, in a non-voided visit,
//!   that ended done or needing a follow-up: the member guided someone;
//! - a member **helped** a household in a month when a non-voided visit that
//!   credits them met someone there and recorded at least one assist;
//! - a team's assists count each action once, however many members it credits.

use crate::catalogue::{ActionCode, CatalogueEntry, Eligibility};
use crate::ids::{HouseholdId, MemberId, ResidentId, VisitId};
use crate::model::{ActionOutcome, CannotReason, VisitOutcome};
use crate::month::Month;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Each member directly helps at least this many households a month.
pub const MEMBER_MONTH_HOUSEHOLDS: usize = 10;
/// Each village team gives at least this many assists a month.
pub const TEAM_MONTH_ASSISTS: usize = 50;

/// Age reached during the year of `on`, the way the plans count by birth year.
pub fn age_in_year(birth_year: i32, on: NaiveDate) -> i32 {
    on.year() - birth_year
}

pub fn is_eligible(eligibility: Eligibility, birth_year: i32, on: NaiveDate) -> bool {
    age_in_year(birth_year, on) >= eligibility.min_age()
}

/// One recorded action for one resident, as the checklist needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    pub resident_id: ResidentId,
    pub action: ActionCode,
    pub outcome: ActionOutcome,
    pub day: NaiveDate,
    pub voided: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChecklistStatus {
    Done,
    FollowUp { due: NaiveDate },
    NotPossible { reason: CannotReason },
    Pending,
    NotEligible,
}

impl ChecklistStatus {
    pub fn label_vi(&self) -> String {
        match self {
            ChecklistStatus::Done => "Đã xong".into(),
            ChecklistStatus::FollowUp { due } => format!("Hẹn {}", due.format("%d/%m/%Y")),
            ChecklistStatus::NotPossible { reason } => format!("Chưa được: {}", reason.label_vi()),
            ChecklistStatus::Pending => "Chưa làm".into(),
            ChecklistStatus::NotEligible => "Không thuộc đối tượng".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub action: ActionCode,
    pub name_vi: String,
    pub in_checklist: bool,
    pub status: ChecklistStatus,
}

/// One resident's standing on every action: done wins over anything else
/// (a later failed attempt does not undo an activation); otherwise the latest
/// attempt tells what is pending.
pub fn resident_checklist(
    birth_year: i32,
    catalogue: &[CatalogueEntry],
    actions: &[ActionRecord],
    on: NaiveDate,
) -> Vec<ChecklistItem> {
    let mut items = Vec::new();
    for entry in catalogue {
        let records: Vec<&ActionRecord> = actions
            .iter()
            .filter(|a| !a.voided && a.action == entry.code)
            .collect();
        if !entry.active && records.is_empty() {
            continue;
        }
        let status = if records.iter().any(|a| a.outcome == ActionOutcome::Done) {
            ChecklistStatus::Done
        } else if !is_eligible(entry.eligibility, birth_year, on) {
            ChecklistStatus::NotEligible
        } else {
            // max_by_key keeps the last of equal days: the later record wins.
            match records.iter().max_by_key(|a| a.day).map(|a| &a.outcome) {
                Some(ActionOutcome::FollowUp { due }) => ChecklistStatus::FollowUp { due: *due },
                Some(ActionOutcome::NotPossible { reason, .. }) => {
                    ChecklistStatus::NotPossible { reason: *reason }
                }
                Some(ActionOutcome::Done) | None => ChecklistStatus::Pending,
            }
        };
        items.push(ChecklistItem {
            action: entry.code.clone(),
            name_vi: entry.name_vi.clone(),
            in_checklist: entry.in_checklist,
            status,
        });
    }
    items
}

/// Whether the resident has anything on the checklist they are eligible for.
pub fn has_checklist_duties(items: &[ChecklistItem]) -> bool {
    items
        .iter()
        .any(|i| i.in_checklist && i.status != ChecklistStatus::NotEligible)
}

/// A digital citizen has done every checklist item they are eligible for.
pub fn is_digital_citizen(items: &[ChecklistItem]) -> bool {
    has_checklist_duties(items)
        && items
            .iter()
            .filter(|i| i.in_checklist && i.status != ChecklistStatus::NotEligible)
            .all(|i| i.status == ChecklistStatus::Done)
}

/// A digital family: everyone in the household who has checklist duties is a
/// digital citizen, and there is at least one such person.
pub fn is_digital_family(residents: &[Vec<ChecklistItem>]) -> bool {
    let with_duties: Vec<&Vec<ChecklistItem>> = residents
        .iter()
        .filter(|items| has_checklist_duties(items))
        .collect();
    !with_duties.is_empty() && with_duties.iter().all(|items| is_digital_citizen(items))
}

/// One visit with its actions, as the month figures need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitWork {
    pub visit_id: VisitId,
    pub household_id: HouseholdId,
    pub members: Vec<MemberId>,
    pub day: NaiveDate,
    pub outcome: VisitOutcome,
    pub voided: bool,
    pub actions: Vec<ActionWork>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionWork {
    pub action: ActionCode,
    pub outcome: ActionOutcome,
    pub voided: bool,
}

impl VisitWork {
    /// Not voided, and on a day of `month`.
    pub fn counts_in(&self, month: Month) -> bool {
        !self.voided && month.contains(self.day)
    }

    /// The visit's assists (see the module header); none once it is voided
    /// is the caller's check (`counts_in`).
    pub fn assists(&self) -> impl Iterator<Item = &ActionWork> {
        self.actions
            .iter()
            .filter(|a| !a.voided && a.outcome.is_assist())
    }

    /// Someone was met and helped with at least one assist.
    pub fn helped_household(&self) -> bool {
        self.outcome == VisitOutcome::Met && self.assists().next().is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberMonth {
    pub member_id: MemberId,
    pub month: Month,
    pub households_helped: usize,
    pub assists: usize,
    pub by_action: BTreeMap<ActionCode, usize>,
    pub quota: usize,
    pub meets_quota: bool,
}

pub fn member_month(member_id: MemberId, month: Month, work: &[VisitWork]) -> MemberMonth {
    let mut households = HashSet::new();
    let mut assists = 0;
    let mut by_action = BTreeMap::new();
    for v in work
        .iter()
        .filter(|v| v.counts_in(month) && v.members.contains(&member_id))
    {
        if v.helped_household() {
            households.insert(v.household_id);
        }
        for a in v.assists() {
            assists += 1;
            *by_action.entry(a.action.clone()).or_insert(0) += 1;
        }
    }
    MemberMonth {
        member_id,
        month,
        households_helped: households.len(),
        assists,
        by_action,
        quota: MEMBER_MONTH_HOUSEHOLDS,
        meets_quota: households.len() >= MEMBER_MONTH_HOUSEHOLDS,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamMonth {
    pub month: Month,
    pub assists: usize,
    pub households_helped: usize,
    pub by_action: BTreeMap<ActionCode, usize>,
    /// Every action recorded (not only assists), by outcome status code.
    pub by_outcome: BTreeMap<&'static str, usize>,
    pub members: Vec<MemberMonth>,
    pub members_below_quota: Vec<MemberId>,
    pub quota: usize,
    pub meets_quota: bool,
}

/// The team's month from the visits crediting any of its members.
pub fn team_month(members: &[MemberId], month: Month, work: &[VisitWork]) -> TeamMonth {
    let team: BTreeSet<MemberId> = members.iter().copied().collect();
    let mut households = HashSet::new();
    let mut assists = 0;
    let mut by_action = BTreeMap::new();
    let mut by_outcome = BTreeMap::new();
    for v in work
        .iter()
        .filter(|v| v.counts_in(month) && v.members.iter().any(|m| team.contains(m)))
    {
        if v.helped_household() {
            households.insert(v.household_id);
        }
        for a in v.actions.iter().filter(|a| !a.voided) {
            *by_outcome.entry(a.outcome.status_code()).or_insert(0) += 1;
        }
        for a in v.assists() {
            assists += 1;
            *by_action.entry(a.action.clone()).or_insert(0) += 1;
        }
    }
    let member_months: Vec<MemberMonth> = members
        .iter()
        .map(|m| member_month(*m, month, work))
        .collect();
    let members_below_quota = member_months
        .iter()
        .filter(|m| !m.meets_quota)
        .map(|m| m.member_id)
        .collect();
    TeamMonth {
        month,
        assists,
        households_helped: households.len(),
        by_action,
        by_outcome,
        members: member_months,
        members_below_quota,
        quota: TEAM_MONTH_ASSISTS,
        meets_quota: assists >= TEAM_MONTH_ASSISTS,
    }
}

#[cfg(test)]
mod tests;
