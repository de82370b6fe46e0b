//! What the field asks of the store: the worklist and the month figures.
//! The figures themselves are computed by `gocua_core::rules`.

use crate::merge::household_from_row;
use crate::visits::outcome_from_row;
use crate::{Store, StoreError, rows};
use chrono::NaiveDate;
use gocua_core::rules::{self, ActionWork, MemberMonth, TeamMonth, VisitWork};
use gocua_core::text::vietnamese_name_cmp;
use gocua_core::{
    ActionCode, ActionId, Household, HouseholdId, MemberId, Month, ResidentId, TeamId, VillageId,
    VisitId,
};
use rusqlite::params_from_iter;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct WorklistHousehold {
    pub household: Household,
    pub priority: u8,
    pub resident_count: i64,
}

#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct Worklist {
    pub month: Month,
    pub follow_ups: Vec<FollowUpItem>,
    pub not_visited: Vec<WorklistHousehold>,
}

impl Store {
    /// `horizon_days`: follow-ups due up to this many days ahead are listed.
    pub fn worklist(
        &self,
        villages: &[VillageId],
        today: NaiveDate,
        horizon_days: i64,
    ) -> Result<Worklist, StoreError> {
        let month = Month::of(today);
        if villages.is_empty() {
            return Ok(Worklist {
                month,
                follow_ups: Vec::new(),
                not_visited: Vec::new(),
            });
        }
        let ids: Vec<String> = villages.iter().map(|v| v.to_string()).collect();
        let in_list = rows::placeholders(2, ids.len());
        let mut params: Vec<String> = vec![month.to_string()];
        params.extend(ids.iter().cloned());
        let mut not_visited: Vec<WorklistHousehold> = self
            .conn()
            .prepare_cached(&format!(
                "SELECT h.id, h.village_id, h.address, h.head_name, h.phone, h.poor, h.near_poor,
                        h.ethnic_minority, h.elderly_only, h.no_smartphone, h.priority,
                        (SELECT count(*) FROM residents r WHERE r.household_id = h.id)
                 FROM households h
                 WHERE h.village_id IN ({in_list})
                   AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id
                                   AND v.month = ?1 AND v.voided_at IS NULL)"
            ))?
            .query_map(params_from_iter(params.iter()), |r| {
                Ok(WorklistHousehold {
                    household: household_from_row(r)?,
                    priority: r.get(10)?,
                    resident_count: r.get(11)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        not_visited.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then_with(|| vietnamese_name_cmp(&a.household.head_name, &b.household.head_name))
        });

        let until = today + chrono::Duration::days(horizon_days.max(0));
        let mut fparams: Vec<String> = vec![until.to_string()];
        fparams.extend(ids.iter().cloned());
        let mut follow_ups: Vec<FollowUpItem> = self
            .conn()
            .prepare_cached(&format!(
                "SELECT a.id, h.id, h.head_name, h.address, r.id, r.full_name, a.action_code,
                        coalesce(c.name_vi, a.action_code), a.follow_up_due
                 FROM assisted_actions a
                 JOIN visits v ON v.id = a.visit_id
                 JOIN residents r ON r.id = a.resident_id
                 JOIN households h ON h.id = r.household_id
                 LEFT JOIN action_catalogue c ON c.code = a.action_code
                 WHERE a.status = 'follow_up' AND a.voided_at IS NULL
                   AND a.follow_up_due <= ?1
                   AND v.voided_at IS NULL
                   AND h.village_id IN ({in_list})
                   AND NOT EXISTS (
                       SELECT 1 FROM assisted_actions b JOIN visits vb ON vb.id = b.visit_id
                       WHERE b.resident_id = a.resident_id AND b.action_code = a.action_code
                         AND b.id <> a.id AND b.voided_at IS NULL AND vb.voided_at IS NULL
                         AND (b.status = 'done' OR b.day > a.day OR (b.day = a.day AND b.id > a.id)))"
            ))?
            .query_map(params_from_iter(fparams.iter()), |r| {
                let due: NaiveDate = rows::col(r, 8)?;
                Ok(FollowUpItem {
                    action_id: rows::col(r, 0)?,
                    household_id: rows::col(r, 1)?,
                    head_name: r.get(2)?,
                    address: r.get(3)?,
                    resident_id: rows::col(r, 4)?,
                    resident_name: r.get(5)?,
                    action: rows::col(r, 6)?,
                    action_name: r.get(7)?,
                    due,
                    overdue: due < today,
                })
            })?
            .collect::<Result<_, _>>()?;
        follow_ups.sort_by(|a, b| {
            a.due
                .cmp(&b.due)
                .then_with(|| vietnamese_name_cmp(&a.head_name, &b.head_name))
        });
        Ok(Worklist {
            month,
            follow_ups,
            not_visited,
        })
    }

    /// Visits of a month that credit any of `members`, with all their actions.
    pub fn month_work(
        &self,
        members: &[MemberId],
        month: Month,
    ) -> Result<Vec<VisitWork>, StoreError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let mut params: Vec<String> = vec![month.to_string()];
        params.extend(members.iter().map(|m| m.to_string()));
        let in_list = rows::placeholders(2, members.len());
        let conn = self.conn();
        // CROSS JOIN keeps SQLite starting from the members' index: without
        // statistics it otherwise walks every visit of the month.
        let visit_filter = format!(
            "SELECT DISTINCT vm.visit_id FROM visit_members vm CROSS JOIN visits v
             ON v.id = vm.visit_id
             WHERE vm.member_id IN ({in_list}) AND v.month = ?1"
        );
        let mut work: Vec<VisitWork> = Vec::new();
        let mut index: HashMap<VisitId, usize> = HashMap::new();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT v.id, v.household_id, v.day, v.outcome, v.voided_at IS NOT NULL
             FROM visits v WHERE v.id IN ({visit_filter})"
        ))?;
        let rows_iter = stmt.query_map(params_from_iter(params.iter()), |r| {
            Ok(VisitWork {
                visit_id: rows::col(r, 0)?,
                household_id: rows::col(r, 1)?,
                day: rows::col(r, 2)?,
                outcome: rows::col(r, 3)?,
                voided: r.get(4)?,
                members: Vec::new(),
                actions: Vec::new(),
            })
        })?;
        for v in rows_iter {
            let v = v?;
            index.insert(v.visit_id, work.len());
            work.push(v);
        }
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT visit_id, member_id FROM visit_members WHERE visit_id IN ({visit_filter})
             ORDER BY visit_id, position"
        ))?;
        let members_rows = stmt.query_map(params_from_iter(params.iter()), |r| {
            Ok((rows::col::<VisitId>(r, 0)?, rows::col::<MemberId>(r, 1)?))
        })?;
        for row in members_rows {
            let (visit, member) = row?;
            if let Some(&i) = index.get(&visit) {
                work[i].members.push(member);
            }
        }
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT visit_id, action_code, status, follow_up_due, reason, reason_note,
                    voided_at IS NOT NULL
             FROM assisted_actions WHERE visit_id IN ({visit_filter})"
        ))?;
        let action_rows = stmt.query_map(params_from_iter(params.iter()), |r| {
            Ok((
                rows::col::<VisitId>(r, 0)?,
                ActionWork {
                    action: rows::col(r, 1)?,
                    outcome: outcome_from_row(r, 2)?,
                    voided: r.get(6)?,
                },
            ))
        })?;
        for row in action_rows {
            let (visit, action) = row?;
            if let Some(&i) = index.get(&visit) {
                work[i].actions.push(action);
            }
        }
        Ok(work)
    }

    pub fn member_month(&self, member: MemberId, month: Month) -> Result<MemberMonth, StoreError> {
        let work = self.month_work(&[member], month)?;
        Ok(rules::member_month(member, month, &work))
    }

    pub fn team_month(&self, team: TeamId, month: Month) -> Result<TeamMonth, StoreError> {
        let members = self.team_members(team)?;
        let work = self.month_work(&members, month)?;
        Ok(rules::team_month(&members, month, &work))
    }
}
