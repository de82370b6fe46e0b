//! What the field asks of the store: the worklist and the month figures.
//! The figures themselves are computed by `gocua_core::rules`.

use crate::converge::household_from_row;
use crate::visits::outcome_from_row;
use crate::{Store, StoreError, rows};
use chrono::NaiveDate;
use gocua_core::rules::{self, ActionWork, MemberMonth, TeamMonth, VisitWork};
use gocua_core::text::vietnamese_name_cmp;
use gocua_core::views::{FollowUpItem, Worklist, WorklistHousehold};
use gocua_core::{MemberId, Month, TeamId, VillageId, VisitId};
use rusqlite::params_from_iter;
use std::collections::HashMap;

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
        // Index-only: households_worklist, residents_household and
        // visits_month_live cover every column read. households_worklist is
        // named (SQLite prefers the narrower households_village and then reads
        // every household row) and is partial on `priority >= 0`, true of every
        // household, hence that term. The ORDER BY is the order these rows have
        // always come in (the sort below keeps it among ties).
        let mut not_visited: Vec<WorklistHousehold> = self
            .conn()
            .prepare_cached(&format!(
                "SELECT h.id, h.village_id, h.address, h.head_name, h.phone, h.poor, h.near_poor,
                        h.ethnic_minority, h.elderly_only, h.no_smartphone, h.priority,
                        (SELECT count(*) FROM residents r INDEXED BY residents_household_names
                         WHERE r.household_id = h.id AND r.voided IS NULL)
                 FROM households h INDEXED BY households_worklist
                 WHERE h.village_id IN ({in_list}) AND h.priority >= 0 AND h.voided IS NULL
                   AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id
                                   AND v.month = ?1 AND v.voided_at IS NULL)
                 ORDER BY h.village_id, h.priority DESC, h.rowid"
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
        // Village households -> residents -> their open follow-ups -> "not
        // closed by another action", every step index-only
        // (households_worklist, residents_household_names, actions_follow_up,
        // actions_closing): no table row of the village's ~650 residents or of
        // their actions is read. The covering indexes are named where SQLite
        // would take a narrower one and read the rows (`h.priority >= 0`: as
        // above). An action's visit always exists (foreign key; visits are
        // never deleted), so "its visit is not voided" is "no voided visit has
        // its id", which the tiny visits_voided index answers without reading
        // the visit (named for the same reason). The ORDER BY is the order this
        // walk has always produced (the sort below keeps it among ties).
        let follow_ups: Vec<FollowUpItem> = self
            .conn()
            .prepare_cached(&format!(
                "SELECT a.id, h.id, h.head_name, h.address, r.id, r.full_name, a.action_code,
                        coalesce(c.name_vi, a.action_code), a.follow_up_due
                 FROM households h INDEXED BY households_worklist
                 JOIN residents r INDEXED BY residents_household_names ON r.household_id = h.id
                 JOIN assisted_actions a ON a.resident_id = r.id
                 LEFT JOIN action_catalogue c ON c.code = a.action_code
                 WHERE h.village_id IN ({in_list}) AND h.priority >= 0 AND h.voided IS NULL
                   AND r.voided IS NULL AND a.status = 'follow_up' AND a.voided_at IS NULL
                   AND a.follow_up_due <= ?1
                   AND NOT EXISTS (
                       SELECT 1 FROM visits v INDEXED BY visits_voided
                       WHERE v.id = a.visit_id AND v.voided_at IS NOT NULL)
                   AND NOT EXISTS (
                       SELECT 1 FROM assisted_actions b
                       WHERE b.resident_id = a.resident_id AND b.action_code = a.action_code
                         AND b.id <> a.id AND b.voided_at IS NULL
                         AND (b.status = 'done' OR b.day > a.day OR (b.day = a.day AND b.id > a.id))
                         AND NOT EXISTS (
                             SELECT 1 FROM visits vb INDEXED BY visits_voided
                             WHERE vb.id = b.visit_id AND vb.voided_at IS NOT NULL))
                 ORDER BY h.village_id, h.priority DESC, h.rowid, r.rowid, a.follow_up_due,
                          a.rowid"
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
        // Per record above; per person (issue 6's merges) here.
        let mut follow_ups = self.follow_ups_per_person(follow_ups)?;
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
        // One range of visit_members_member per member: visit_members.month is
        // the visit's month, copied there.
        let visit_filter = format!(
            "SELECT f.visit_id FROM visit_members f
             WHERE f.member_id IN ({in_list}) AND f.month = ?1"
        );
        // Each visit, then its actions, one row per action (a visit without
        // any gives one row of NULLs), ordered by visit id and then as the
        // actions were inserted. Index-only, within the month's part of
        // visits_month and actions_day_visit (`a.day` is its visit's day),
        // while the table rows of a month are spread over the whole year.
        // Both are named: with ANALYZE statistics SQLite would take the
        // primary key and actions_visit and read the rows.
        let mut work: Vec<VisitWork> = Vec::new();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT v.id, v.household_id, v.day, v.outcome, v.voided_at IS NOT NULL,
                    a.status, a.follow_up_due, a.reason, a.reason_note, a.action_code,
                    a.voided_at IS NOT NULL
             FROM visits v INDEXED BY visits_month
             LEFT JOIN assisted_actions a INDEXED BY actions_day_visit
                 ON a.day = v.day AND a.visit_id = v.id
             WHERE v.month = ?1 AND v.id IN ({visit_filter})
             ORDER BY v.id, a.rowid"
        ))?;
        let mut cursor = stmt.query(params_from_iter(params.iter()))?;
        while let Some(r) = cursor.next()? {
            let visit_id: VisitId = rows::col(r, 0)?;
            if work.last().map(|v| v.visit_id) != Some(visit_id) {
                work.push(VisitWork {
                    visit_id,
                    household_id: rows::col(r, 1)?,
                    day: rows::col(r, 2)?,
                    outcome: rows::col(r, 3)?,
                    voided: r.get(4)?,
                    members: Vec::new(),
                    actions: Vec::new(),
                });
            }
            // status is NOT NULL: NULL means the visit has no action.
            if r.get_ref(5)?.data_type() != rusqlite::types::Type::Null {
                let action = ActionWork {
                    outcome: outcome_from_row(r, 5)?,
                    action: rows::col(r, 9)?,
                    voided: r.get(10)?,
                };
                if let Some(v) = work.last_mut() {
                    v.actions.push(action);
                }
            }
        }
        let index: HashMap<VisitId, usize> = work
            .iter()
            .enumerate()
            .map(|(i, v)| (v.visit_id, i))
            .collect();
        // All members of those visits, in order: index-only in the month's
        // part of visit_members_month.
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT m.visit_id, m.member_id FROM visit_members m
             WHERE m.month = ?1 AND m.visit_id IN ({visit_filter})
             ORDER BY m.visit_id, m.position"
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
