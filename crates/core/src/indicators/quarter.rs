//! The quarter: deadlines, which teams have synced the work their leader
//! reports, and recognition (teams and members ranked, digital families,
//! villages reaching every target).

use super::dashboard::{CommuneDashboard, Place, members_of};
use super::defs::Indicator;
use super::period::Quarter;
use super::work::{MemberPeriod, TeamPeriod};
use crate::ids::{MemberId, TeamId, VillageId};
use crate::model::{OrgSnapshot, Team};
use crate::month::local_date;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// Team leaders report before this day.
    pub team_report_before: NaiveDate,
    /// The commune office reports to the province before this day.
    pub commune_report_before: NaiveDate,
    /// Days from today to the last day teams may report (negative once
    /// passed).
    pub team_days_left: i64,
    pub commune_days_left: i64,
}

impl Deadlines {
    pub fn of(quarter: Quarter, today: NaiveDate) -> Deadlines {
        let team = quarter.team_report_before();
        let commune = quarter.commune_report_before();
        Deadlines {
            team_report_before: team,
            commune_report_before: commune,
            team_days_left: (team - today).num_days() - 1,
            commune_days_left: (commune - today).num_days() - 1,
        }
    }
}

/// Whether a team's phones have sent in the quarter's work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSync {
    pub team_id: TeamId,
    pub name: String,
    /// The latest sync of any of the team's devices.
    pub last_sync: Option<DateTime<Utc>>,
    /// Every member with an enrolled device has synced since the reporting
    /// window opened (the first day of the quarter's last month), and the
    /// team has at least one.
    pub synced: bool,
    pub members_with_devices: u32,
    pub members_not_synced: Vec<MemberId>,
}

/// `last_syncs`: for each member with an enrolled (not revoked) device,
/// their latest sync (None: enrolled, never synced).
pub fn team_sync(
    quarter: Quarter,
    team: &Team,
    members: &[MemberId],
    last_syncs: &BTreeMap<MemberId, Option<DateTime<Utc>>>,
) -> TeamSync {
    let opens = quarter.reporting_opens();
    let with_devices: Vec<(MemberId, Option<DateTime<Utc>>)> = members
        .iter()
        .filter_map(|m| last_syncs.get(m).map(|t| (*m, *t)))
        .collect();
    let members_not_synced: Vec<MemberId> = with_devices
        .iter()
        .filter(|(_, t)| t.is_none_or(|t| local_date(t) < opens))
        .map(|(m, _)| *m)
        .collect();
    TeamSync {
        team_id: team.id,
        name: team.name.clone(),
        last_sync: with_devices.iter().filter_map(|(_, t)| *t).max(),
        synced: !with_devices.is_empty() && members_not_synced.is_empty(),
        members_with_devices: with_devices.len() as u32,
        members_not_synced,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRank {
    /// 1 is first; equal figures share a rank.
    pub rank: u32,
    pub team_id: TeamId,
    pub name: String,
    pub months_meeting_quota: u32,
    pub assists: u64,
    pub households_helped: u64,
    /// "Tổ mẫu": the 50-assist quota met every month of the quarter.
    pub model_team: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRank {
    pub rank: u32,
    pub member_id: MemberId,
    pub full_name: String,
    pub team_id: Option<TeamId>,
    pub months_meeting_quota: u32,
    pub households_helped: u64,
    pub assists: u64,
    /// "Tổ viên tiêu biểu": 10 households helped every month of the quarter.
    pub pioneer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageFamilies {
    pub village_id: VillageId,
    pub name: String,
    pub digital_families: u64,
    pub households: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageMark {
    pub village_id: VillageId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recognition {
    pub teams: Vec<TeamRank>,
    pub members: Vec<MemberRank>,
    pub digital_families: Vec<VillageFamilies>,
    /// "Khu dân cư điện tử": every target met.
    pub villages_reaching_every_target: Vec<VillageMark>,
}

/// Competition ranks (1, 2, 2, 4) of items already sorted best first.
fn ranks<K: PartialEq>(keys: &[K]) -> Vec<u32> {
    let mut out = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let rank = match i {
            0 => 1,
            _ if keys[i - 1] == *k => out[i - 1],
            _ => i as u32 + 1,
        };
        out.push(rank);
    }
    out
}

/// Teams rank by months meeting the quota, then assists, then households
/// helped; members by months meeting theirs, then households, then assists.
pub fn recognition(d: &CommuneDashboard) -> Recognition {
    let mut teams: Vec<&TeamPeriod> = d.teams.iter().collect();
    let team_key = |t: &TeamPeriod| {
        (
            Reverse(t.months_meeting_quota),
            Reverse(t.assists),
            Reverse(t.households_helped),
        )
    };
    teams.sort_by_key(|t| team_key(t));
    let team_ranks = ranks(&teams.iter().map(|t| team_key(t)).collect::<Vec<_>>());
    let mut members: Vec<&MemberPeriod> = d.teams.iter().flat_map(|t| &t.members).collect();
    let member_key = |m: &MemberPeriod| {
        (
            Reverse(m.months_meeting_quota),
            Reverse(m.households_helped),
            Reverse(m.assists),
        )
    };
    members.sort_by_key(|m| member_key(m));
    let member_ranks = ranks(&members.iter().map(|m| member_key(m)).collect::<Vec<_>>());
    let digital_families = d
        .indicators
        .villages
        .iter()
        .filter_map(|p| {
            let Place::Village(village_id) = p.place else {
                return None;
            };
            let v = p
                .values
                .iter()
                .find(|v| v.indicator == Indicator::DigitalFamilies)?;
            Some(VillageFamilies {
                village_id,
                name: p.name.clone(),
                digital_families: v.achieved,
                households: v.denominator,
            })
        })
        .collect();
    let villages_reaching_every_target = d
        .indicators
        .villages
        .iter()
        .filter(|p| p.meets_every_target)
        .filter_map(|p| match p.place {
            Place::Village(village_id) => Some(VillageMark {
                village_id,
                name: p.name.clone(),
            }),
            _ => None,
        })
        .collect();
    Recognition {
        teams: teams
            .iter()
            .zip(team_ranks)
            .map(|(t, rank)| TeamRank {
                rank,
                team_id: t.team_id,
                name: t.name.clone(),
                months_meeting_quota: t.months_meeting_quota,
                assists: t.assists,
                households_helped: t.households_helped,
                model_team: t.meets_quota,
            })
            .collect(),
        members: members
            .iter()
            .zip(member_ranks)
            .map(|(m, rank)| MemberRank {
                rank,
                member_id: m.member_id,
                full_name: m.full_name.clone(),
                team_id: m.team_id,
                months_meeting_quota: m.months_meeting_quota,
                households_helped: m.households_helped,
                assists: m.assists,
                pioneer: m.meets_quota,
            })
            .collect(),
        digital_families,
        villages_reaching_every_target,
    }
}

/// The quarterly report: the commune's quarter with deadlines, sync status
/// and recognition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarterReport {
    pub quarter: Quarter,
    pub today: NaiveDate,
    pub deadlines: Deadlines,
    pub dashboard: CommuneDashboard,
    pub sync: Vec<TeamSync>,
    pub teams_not_synced: Vec<TeamId>,
    pub recognition: Recognition,
}

/// `dashboard` must be the quarter's (`Period::Quarter(quarter)`).
pub fn quarter_report(
    org: &OrgSnapshot,
    dashboard: CommuneDashboard,
    quarter: Quarter,
    today: NaiveDate,
    last_syncs: &BTreeMap<MemberId, Option<DateTime<Utc>>>,
) -> QuarterReport {
    let sync: Vec<TeamSync> = org
        .teams
        .iter()
        .map(|t| {
            let members: Vec<MemberId> = members_of(org, t).iter().map(|m| m.id).collect();
            team_sync(quarter, t, &members, last_syncs)
        })
        .collect();
    QuarterReport {
        quarter,
        today,
        deadlines: Deadlines::of(quarter, today),
        teams_not_synced: sync
            .iter()
            .filter(|s| !s.synced)
            .map(|s| s.team_id)
            .collect(),
        sync,
        recognition: recognition(&dashboard),
        dashboard,
    }
}
