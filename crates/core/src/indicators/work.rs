//! Work figures for a period: what members, teams, villages and the
//! commune did, against the monthly quotas. The counting follows
//! `rules.rs` (assists, households helped, a shared visit once per team);
//! whoever counts (the records here, SQL on the server) fills `WorkFacts`,
//! and `member_period` / `team_period` turn them into the figures shown.

use super::period::Period;
use crate::catalogue::ActionCode;
use crate::ids::{MemberId, TeamId, VillageId};
use crate::model::{Member, Team};
use crate::month::Month;
use crate::rules::{MEMBER_MONTH_HOUSEHOLDS, TEAM_MONTH_ASSISTS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whose work a tally counts. A team's and a village's work count each
/// action once however many members a visit credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    Member(MemberId),
    Team(TeamId),
    /// Visits to households (now) in the village.
    Village(VillageId),
    Commune,
}

/// Counted work of one `Who` over a month or a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkTally {
    /// Distinct households helped (`rules`: met, with at least one assist).
    pub households_helped: u64,
    /// Assists by action code.
    pub assists_by_action: BTreeMap<ActionCode, u64>,
    /// Every recorded action (assist or not), by outcome status code.
    pub actions_by_outcome: BTreeMap<String, u64>,
}

impl WorkTally {
    pub fn assists(&self) -> u64 {
        self.assists_by_action.values().sum()
    }
}

/// Open follow-ups at the as-of day: the resident's latest attempt at the
/// action is a follow-up and it was never done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUps {
    pub open: u64,
    /// Open and due before the as-of day.
    pub overdue: u64,
}

/// Everything counted for a period, before quotas are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkFacts {
    /// Per (who, month): households distinct within the month.
    pub monthly: BTreeMap<(Who, Month), WorkTally>,
    /// Per who, households helped distinct over the whole period.
    pub households_over_period: BTreeMap<Who, u64>,
    /// Follow-ups whose latest attempt credits the member.
    pub follow_ups: BTreeMap<MemberId, FollowUps>,
}

impl WorkFacts {
    fn month(&self, who: Who, m: Month) -> WorkTally {
        self.monthly.get(&(who, m)).cloned().unwrap_or_default()
    }

    /// The period's tally: months summed, households distinct over it.
    pub fn period(&self, who: Who, period: Period) -> WorkTally {
        let mut t = WorkTally::default();
        for m in period.months() {
            let mt = self.month(who, m);
            for (k, v) in mt.assists_by_action {
                *t.assists_by_action.entry(k).or_default() += v;
            }
            for (k, v) in mt.actions_by_outcome {
                *t.actions_by_outcome.entry(k).or_default() += v;
            }
        }
        t.households_helped = self.households_over_period.get(&who).copied().unwrap_or(0);
        t
    }
}

/// One month of a member or team against its quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthLine {
    pub month: Month,
    pub households_helped: u64,
    pub assists: u64,
    /// The quota's measure (households for a member, assists for a team)
    /// reached the quota; None where no quota applies (villages, commune).
    pub meets_quota: Option<bool>,
}

/// A member's period: distinct households helped (goal ≥ 10 a month),
/// assists by action, open follow-ups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPeriod {
    pub member_id: MemberId,
    pub full_name: String,
    pub team_id: Option<TeamId>,
    pub period: Period,
    pub months: Vec<MonthLine>,
    pub households_helped: u64,
    pub assists: u64,
    pub assists_by_action: BTreeMap<ActionCode, u64>,
    /// Households a month.
    pub quota: u64,
    pub months_meeting_quota: u32,
    /// Every month of the period reached the quota.
    pub meets_quota: bool,
    pub follow_ups: FollowUps,
}

/// A team's period: assists (goal ≥ 50 a month), households helped, by
/// action and outcome; members below quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPeriod {
    pub team_id: TeamId,
    pub name: String,
    pub village_ids: Vec<VillageId>,
    pub period: Period,
    pub months: Vec<MonthLine>,
    pub households_helped: u64,
    pub assists: u64,
    pub assists_by_action: BTreeMap<ActionCode, u64>,
    pub actions_by_outcome: BTreeMap<String, u64>,
    /// Assists a month.
    pub quota: u64,
    pub months_meeting_quota: u32,
    pub meets_quota: bool,
    pub members: Vec<MemberPeriod>,
    /// Members who missed their quota in a month of the period.
    pub members_below_quota: Vec<MemberId>,
}

/// Work of a village or the whole commune (no quota applies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkFigures {
    pub months: Vec<MonthLine>,
    pub households_helped: u64,
    pub assists: u64,
    pub assists_by_action: BTreeMap<ActionCode, u64>,
    pub actions_by_outcome: BTreeMap<String, u64>,
}

fn lines(
    facts: &WorkFacts,
    who: Who,
    period: Period,
    meets: Option<&dyn Fn(&WorkTally) -> bool>,
) -> Vec<MonthLine> {
    period
        .months()
        .into_iter()
        .map(|m| {
            let t = facts.month(who, m);
            MonthLine {
                month: m,
                households_helped: t.households_helped,
                assists: t.assists(),
                meets_quota: meets.map(|f| f(&t)),
            }
        })
        .collect()
}

pub fn member_period(member: &Member, period: Period, facts: &WorkFacts) -> MemberPeriod {
    let who = Who::Member(member.id);
    let quota = MEMBER_MONTH_HOUSEHOLDS as u64;
    let months = lines(facts, who, period, Some(&|t| t.households_helped >= quota));
    let t = facts.period(who, period);
    let months_meeting_quota = months
        .iter()
        .filter(|m| m.meets_quota == Some(true))
        .count() as u32;
    MemberPeriod {
        member_id: member.id,
        full_name: member.full_name.clone(),
        team_id: member.team_id,
        period,
        meets_quota: months_meeting_quota as usize == months.len(),
        months,
        households_helped: t.households_helped,
        assists: t.assists(),
        assists_by_action: t.assists_by_action,
        quota,
        months_meeting_quota,
        follow_ups: facts
            .follow_ups
            .get(&member.id)
            .copied()
            .unwrap_or_default(),
    }
}

/// `members`: the team's members (everyone whose team it is now).
pub fn team_period(
    team: &Team,
    members: &[&Member],
    period: Period,
    facts: &WorkFacts,
) -> TeamPeriod {
    let who = Who::Team(team.id);
    let quota = TEAM_MONTH_ASSISTS as u64;
    let months = lines(facts, who, period, Some(&|t| t.assists() >= quota));
    let t = facts.period(who, period);
    let members: Vec<MemberPeriod> = members
        .iter()
        .map(|m| member_period(m, period, facts))
        .collect();
    let members_below_quota = members
        .iter()
        .filter(|m| !m.meets_quota)
        .map(|m| m.member_id)
        .collect();
    let months_meeting_quota = months
        .iter()
        .filter(|m| m.meets_quota == Some(true))
        .count() as u32;
    TeamPeriod {
        team_id: team.id,
        name: team.name.clone(),
        village_ids: team.village_ids.clone(),
        period,
        meets_quota: months_meeting_quota as usize == months.len(),
        months,
        households_helped: t.households_helped,
        assists: t.assists(),
        assists_by_action: t.assists_by_action,
        actions_by_outcome: t.actions_by_outcome,
        quota,
        months_meeting_quota,
        members,
        members_below_quota,
    }
}

/// A village's or the commune's work (`Who::Village`, `Who::Commune`).
pub fn work_figures(who: Who, period: Period, facts: &WorkFacts) -> WorkFigures {
    let t = facts.period(who, period);
    WorkFigures {
        months: lines(facts, who, period, None),
        households_helped: t.households_helped,
        assists: t.assists(),
        assists_by_action: t.assists_by_action,
        actions_by_outcome: t.actions_by_outcome,
    }
}
