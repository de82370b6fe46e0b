//! Putting counted facts together into what people see: the commune's
//! dashboard, a team's and a village's view. Whoever counted (a device
//! from its records, the server in SQL), the same functions apply the
//! targets and quotas, so the figures mean the same everywhere.

use super::defs::{Counts, IndicatorValue, Targets};
use super::period::Period;
use super::work::{TeamPeriod, Who, WorkFacts, WorkFigures, team_period, work_figures};
use crate::ids::{CommuneId, TeamId, VillageId};
use crate::model::{Commune, Member, OrgSnapshot, Team};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a row of indicators is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Place {
    Village(VillageId),
    /// A team's villages together.
    Team(TeamId),
    Commune(CommuneId),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceIndicators {
    pub place: Place,
    pub name: String,
    pub values: Vec<IndicatorValue>,
    /// Every indicator with a target and anybody counted meets it (and at
    /// least one does).
    pub meets_every_target: bool,
}

impl PlaceIndicators {
    pub fn new(place: Place, name: &str, counts: &Counts, targets: &Targets) -> PlaceIndicators {
        let values = counts.evaluate(targets);
        let judged: Vec<bool> = values.iter().filter_map(|v| v.meets_target).collect();
        PlaceIndicators {
            place,
            name: name.to_string(),
            meets_every_target: !judged.is_empty() && judged.iter().all(|m| *m),
            values,
        }
    }
}

/// Indicators at one day for every village, every team and the commune.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorTable {
    pub as_of: NaiveDate,
    pub villages: Vec<PlaceIndicators>,
    pub teams: Vec<PlaceIndicators>,
    pub total: PlaceIndicators,
}

/// A team's villages' counts together.
pub fn team_counts(team: &Team, by_village: &BTreeMap<VillageId, Counts>) -> Counts {
    let mut c = Counts::default();
    for v in &team.village_ids {
        if let Some(vc) = by_village.get(v) {
            c.add(vc);
        }
    }
    c
}

pub fn indicator_table(
    org: &OrgSnapshot,
    targets: &Targets,
    as_of: NaiveDate,
    by_village: &BTreeMap<VillageId, Counts>,
) -> IndicatorTable {
    let villages = org
        .villages
        .iter()
        .map(|v| {
            let c = by_village.get(&v.id).cloned().unwrap_or_default();
            PlaceIndicators::new(Place::Village(v.id), &v.name, &c, targets)
        })
        .collect();
    let teams = org
        .teams
        .iter()
        .map(|t| {
            PlaceIndicators::new(
                Place::Team(t.id),
                &t.name,
                &team_counts(t, by_village),
                targets,
            )
        })
        .collect();
    let mut total = Counts::default();
    for v in &org.villages {
        if let Some(c) = by_village.get(&v.id) {
            total.add(c);
        }
    }
    IndicatorTable {
        as_of,
        villages,
        teams,
        total: PlaceIndicators::new(
            Place::Commune(org.commune.id),
            &org.commune.name,
            &total,
            targets,
        ),
    }
}

/// A village's work in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageWork {
    pub village_id: VillageId,
    pub name: String,
    pub work: WorkFigures,
}

/// The commune office's view of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommuneDashboard {
    pub commune: Commune,
    pub period: Period,
    pub as_of: NaiveDate,
    pub targets: Targets,
    pub indicators: IndicatorTable,
    /// The whole commune's work, each action once.
    pub work: WorkFigures,
    pub villages: Vec<VillageWork>,
    pub teams: Vec<TeamPeriod>,
}

pub fn members_of<'a>(org: &'a OrgSnapshot, team: &Team) -> Vec<&'a Member> {
    org.members
        .iter()
        .filter(|m| m.team_id == Some(team.id))
        .collect()
}

pub fn commune_dashboard(
    org: &OrgSnapshot,
    targets: &Targets,
    period: Period,
    as_of: NaiveDate,
    by_village: &BTreeMap<VillageId, Counts>,
    work: &WorkFacts,
) -> CommuneDashboard {
    CommuneDashboard {
        commune: org.commune.clone(),
        period,
        as_of,
        targets: targets.clone(),
        indicators: indicator_table(org, targets, as_of, by_village),
        work: work_figures(Who::Commune, period, work),
        villages: org
            .villages
            .iter()
            .map(|v| VillageWork {
                village_id: v.id,
                name: v.name.clone(),
                work: work_figures(Who::Village(v.id), period, work),
            })
            .collect(),
        teams: org
            .teams
            .iter()
            .map(|t| team_period(t, &members_of(org, t), period, work))
            .collect(),
    }
}

/// A team leader's view: the team's work and its villages' indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamView {
    pub period: Period,
    pub as_of: NaiveDate,
    pub team: TeamPeriod,
    /// The team's villages together.
    pub indicators: PlaceIndicators,
    pub villages: Vec<PlaceIndicators>,
}

pub fn team_view(
    org: &OrgSnapshot,
    team: &Team,
    targets: &Targets,
    period: Period,
    as_of: NaiveDate,
    by_village: &BTreeMap<VillageId, Counts>,
    work: &WorkFacts,
) -> TeamView {
    let villages = org
        .villages
        .iter()
        .filter(|v| team.village_ids.contains(&v.id))
        .map(|v| {
            let c = by_village.get(&v.id).cloned().unwrap_or_default();
            PlaceIndicators::new(Place::Village(v.id), &v.name, &c, targets)
        })
        .collect();
    TeamView {
        period,
        as_of,
        team: team_period(team, &members_of(org, team), period, work),
        indicators: PlaceIndicators::new(
            Place::Team(team.id),
            &team.name,
            &team_counts(team, by_village),
            targets,
        ),
        villages,
    }
}

/// A village's indicators and the work done there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VillageView {
    pub period: Period,
    pub as_of: NaiveDate,
    pub indicators: PlaceIndicators,
    pub work: WorkFigures,
}

pub fn village_view(
    village_id: VillageId,
    name: &str,
    targets: &Targets,
    period: Period,
    as_of: NaiveDate,
    counts: &Counts,
    work: &WorkFacts,
) -> VillageView {
    VillageView {
        period,
        as_of,
        indicators: PlaceIndicators::new(Place::Village(village_id), name, counts, targets),
        work: work_figures(Who::Village(village_id), period, work),
    }
}
