//! Counting a commune's work from the report tables, in SQL that only adds
//! up: what counts (an assist, a helped household) was decided by
//! `gocua_core` when the rows were projected. The result is the same
//! `WorkFacts` that `gocua_core::indicators` computes from records, and the
//! tests hold the two equal. Also the shared pieces: a query builder, the
//! age-bracket expression and residents' checklist masks at a day (for
//! drill-downs; `report_stock` counts the indicators).

use super::CentralError;
use super::sql::{Row, Tx, Val};
use chrono::NaiveDate;
use gocua_core::indicators::{
    AgeBrackets, BRACKETS, ChecklistMasks, FollowUps, Period, Who, WorkFacts, WorkTally,
};
use gocua_core::month::Month;
use gocua_core::{ActionCode, CatalogueEntry, CommuneId, MemberId, TeamId, VillageId};

/// SQL text with its parameters, numbered in the order they are written
/// (SQLite binds `$N` by first appearance; see sql.rs).
pub(crate) struct Query {
    pub(crate) sql: String,
    pub(crate) params: Vec<Val>,
}

impl Query {
    pub(crate) fn new() -> Query {
        Query {
            sql: String::new(),
            params: Vec::new(),
        }
    }

    pub(crate) fn text(&mut self, s: &str) -> &mut Query {
        self.sql.push_str(s);
        self
    }

    /// Append a placeholder for `v`.
    pub(crate) fn bind(&mut self, v: impl Into<Val>) -> &mut Query {
        self.params.push(v.into());
        self.sql.push_str(&format!("${}", self.params.len()));
        self
    }

    /// `(…, …)` of placeholders, for `IN`.
    pub(crate) fn list<V: Into<Val>>(&mut self, vs: impl IntoIterator<Item = V>) -> &mut Query {
        self.sql.push('(');
        for (i, v) in vs.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(v);
        }
        self.sql.push(')');
        self
    }

    pub(crate) fn run(&self, tx: &mut dyn Tx) -> Result<Vec<Row>, CentralError> {
        tx.query(&self.sql, &self.params)
    }
}

/// `CASE WHEN col <= … THEN 0 … ELSE NOT_BORN END`: the age bracket of a
/// birth-year column at `as_of` (`gocua_core::indicators::AgeBrackets`).
pub(crate) fn bracket(q: &mut Query, col: &str, as_of: NaiveDate) {
    q.text("CASE");
    for (i, max) in AgeBrackets::at(as_of).max_birth_years().iter().enumerate() {
        q.text(&format!(" WHEN {col} <= "))
            .bind(i64::from(*max))
            .text(&format!(" THEN {i}"));
    }
    q.text(&format!(" ELSE {} END", BRACKETS - 1));
}

/// A catalogue code written into SQL: codes are `[a-z0-9_]` only
/// (`ActionCode` refuses anything else), so they need no quoting.
pub(crate) fn code_literal(c: &ActionCode) -> String {
    format!("'{}'", c.as_str())
}

pub(crate) fn count(r: &Row, idx: usize) -> Result<u64, CentralError> {
    u64::try_from(r.int(idx)?).map_err(|_| CentralError::Corrupt("negative count".into()))
}

/// Appends `WITH m AS (…), p AS (…)`: `p` has one row per resident of the
/// commune (`resident_id, village_id, household_id, birth_year, b, done,
/// att`) with their checklist as two masks — entries done by `as_of`, and
/// entries with any record by then — and their age bracket `b`. Returns the
/// SQL tests, over `p`, for "has checklist duties" and "is a digital
/// citizen" (`ChecklistMasks`' constants for the bracket).
pub(crate) fn resident_masks(
    q: &mut Query,
    commune: &str,
    catalogue: &[CatalogueEntry],
    as_of: NaiveDate,
) -> Result<(String, String), CentralError> {
    let masks = ChecklistMasks::new(catalogue).map_err(|e| CentralError::Backend(e.to_string()))?;
    let day = as_of.to_string();
    let bits = if masks.codes.is_empty() {
        "0".to_string()
    } else {
        let mut s = "CASE code".to_string();
        for (i, c) in masks.codes.iter().enumerate() {
            s.push_str(&format!(" WHEN {} THEN {}", code_literal(c), 1u32 << i));
        }
        s.push_str(" ELSE 0 END");
        s
    };
    let per_bracket = |m: &[u32; BRACKETS]| {
        let mut s = "CASE b".to_string();
        for (i, v) in m.iter().enumerate() {
            s.push_str(&format!(" WHEN {i} THEN {v}"));
        }
        s.push_str(" ELSE 0 END");
        s
    };
    let req = format!(
        "(({}) | (({}) & att))",
        per_bracket(&masks.active_required),
        per_bracket(&masks.retired_required)
    );
    let duty = format!("(done <> 0 OR {req} <> 0)");
    let citizen = format!("({duty} AND (done & {req}) = {req})");
    q.text("WITH m AS (SELECT resident_id, sum(CASE WHEN done_on <= ")
        .bind(day.as_str())
        .text(&format!(
            " THEN {bits} ELSE 0 END) AS done, sum({bits}) AS att
             FROM rpt_status WHERE commune_id = "
        ))
        .bind(commune)
        .text(" AND first_on <= ")
        .bind(day.as_str())
        .text(
            " GROUP BY resident_id),
             p AS (SELECT r.resident_id, r.village_id, r.household_id, r.birth_year, ",
        );
    bracket(q, "r.birth_year", as_of);
    q.text(
        " AS b, coalesce(m.done, 0) AS done, coalesce(m.att, 0) AS att
         FROM rpt_residents r LEFT JOIN m ON m.resident_id = r.resident_id
         WHERE r.commune_id = ",
    )
    .bind(commune)
    .text(")");
    Ok((duty, citizen))
}

/// Who a work row's first column names.
fn who(kind: &str, id: &str) -> Result<Who, CentralError> {
    let bad = |e: uuid::Error| CentralError::Corrupt(format!("bad id {id}: {e}"));
    Ok(match kind {
        "m" => Who::Member(MemberId(id.parse().map_err(bad)?)),
        "t" => Who::Team(TeamId(id.parse().map_err(bad)?)),
        _ => Who::Village(VillageId(id.parse().map_err(bad)?)),
    })
}

/// Every member's, team's, village's and the commune's work in `period`,
/// and members' open follow-ups at `as_of`.
pub(crate) fn work_facts(
    tx: &mut dyn Tx,
    commune: CommuneId,
    period: Period,
    as_of: NaiveDate,
) -> Result<WorkFacts, CentralError> {
    let c = commune.to_string();
    let from = period.first_day().to_string();
    let until = period.end_exclusive().to_string();
    let mut facts = WorkFacts::default();

    // Actions by (who, month, code, status); a team counts each of its
    // visits once however many of its members it credits.
    let action_queries = [
        "SELECT 'm', vm.member_id, substr(vm.day, 1, 7), a.code, a.status, a.assist, count(*)
         FROM rpt_visit_members vm JOIN rpt_actions a ON a.visit_id = vm.visit_id
         WHERE vm.commune_id = $1 AND vm.day >= $2 AND vm.day < $3 AND a.live = 1
         GROUP BY vm.member_id, substr(vm.day, 1, 7), a.code, a.status, a.assist",
        "SELECT 't', t.team_id, substr(t.day, 1, 7), a.code, a.status, a.assist, count(*)
         FROM (SELECT DISTINCT vm.visit_id, vm.day, m.team_id
               FROM rpt_visit_members vm JOIN members m ON m.id = vm.member_id
               WHERE vm.commune_id = $1 AND vm.day >= $2 AND vm.day < $3
                 AND m.team_id IS NOT NULL) t
         JOIN rpt_actions a ON a.visit_id = t.visit_id
         WHERE a.live = 1
         GROUP BY t.team_id, substr(t.day, 1, 7), a.code, a.status, a.assist",
        "SELECT 'v', village_id, substr(day, 1, 7), code, status, assist, count(*)
         FROM rpt_actions
         WHERE commune_id = $1 AND day >= $2 AND day < $3 AND live = 1
         GROUP BY village_id, substr(day, 1, 7), code, status, assist",
    ];
    let params = [
        Val::from(c.as_str()),
        Val::from(from.as_str()),
        Val::from(until.as_str()),
    ];
    for sql in action_queries {
        for r in tx.query(sql, &params)? {
            let w = who(r.text(0)?, r.text(1)?)?;
            let month: Month = r.parse(2)?;
            let code: ActionCode = r.parse(3)?;
            let status = r.string(4)?;
            let n = count(&r, 6)?;
            // The commune is the sum of its villages: each visit's
            // household is in exactly one.
            let mut keys = vec![w];
            if matches!(w, Who::Village(_)) {
                keys.push(Who::Commune);
            }
            for key in keys {
                let t: &mut WorkTally = facts.monthly.entry((key, month)).or_default();
                *t.actions_by_outcome.entry(status.clone()).or_default() += n;
                if r.bool(5)? {
                    *t.assists_by_action.entry(code.clone()).or_default() += n;
                }
            }
        }
    }

    // Distinct households helped, per month and over the whole period.
    let household_queries = [
        "SELECT 'm', member_id, substr(day, 1, 7), count(DISTINCT household_id)
         FROM rpt_visit_members
         WHERE commune_id = $1 AND day >= $2 AND day < $3 AND helped = 1
         GROUP BY member_id, substr(day, 1, 7)",
        "SELECT 'm', member_id, '', count(DISTINCT household_id)
         FROM rpt_visit_members
         WHERE commune_id = $1 AND day >= $2 AND day < $3 AND helped = 1
         GROUP BY member_id",
        "SELECT 't', m.team_id, substr(vm.day, 1, 7), count(DISTINCT vm.household_id)
         FROM rpt_visit_members vm JOIN members m ON m.id = vm.member_id
         WHERE vm.commune_id = $1 AND vm.day >= $2 AND vm.day < $3 AND vm.helped = 1
           AND m.team_id IS NOT NULL
         GROUP BY m.team_id, substr(vm.day, 1, 7)",
        "SELECT 't', m.team_id, '', count(DISTINCT vm.household_id)
         FROM rpt_visit_members vm JOIN members m ON m.id = vm.member_id
         WHERE vm.commune_id = $1 AND vm.day >= $2 AND vm.day < $3 AND vm.helped = 1
           AND m.team_id IS NOT NULL
         GROUP BY m.team_id",
        "SELECT 'v', village_id, substr(day, 1, 7), count(DISTINCT household_id)
         FROM rpt_visits
         WHERE commune_id = $1 AND day >= $2 AND day < $3 AND helped = 1
         GROUP BY village_id, substr(day, 1, 7)",
        "SELECT 'v', village_id, '', count(DISTINCT household_id)
         FROM rpt_visits
         WHERE commune_id = $1 AND day >= $2 AND day < $3 AND helped = 1
         GROUP BY village_id",
    ];
    for sql in household_queries {
        for r in tx.query(sql, &params)? {
            let w = who(r.text(0)?, r.text(1)?)?;
            let n = count(&r, 3)?;
            let mut keys = vec![w];
            if matches!(w, Who::Village(_)) {
                keys.push(Who::Commune);
            }
            for key in keys {
                match r.text(2)? {
                    "" => *facts.households_over_period.entry(key).or_default() += n,
                    m => {
                        let month: Month = m
                            .parse()
                            .map_err(|e| CentralError::Corrupt(format!("bad month {m}: {e}")))?;
                        facts
                            .monthly
                            .entry((key, month))
                            .or_default()
                            .households_helped += n;
                    }
                }
            }
        }
    }

    // Open follow-ups at `as_of`, per member their visit credits.
    let day = as_of.to_string();
    let rows = tx.query(
        "SELECT vm.member_id, count(*), sum(CASE WHEN a.due < $1 THEN 1 ELSE 0 END)
         FROM rpt_actions a JOIN rpt_visit_members vm ON vm.visit_id = a.visit_id
         WHERE a.commune_id = $2 AND a.status = 'follow_up' AND a.live = 1 AND a.day <= $1
           AND (a.next_on IS NULL OR a.next_on > $1)
           AND (a.done_on IS NULL OR a.done_on > $1)
         GROUP BY vm.member_id",
        &[Val::from(day.as_str()), Val::from(c.as_str())],
    )?;
    for r in rows {
        facts.follow_ups.insert(
            r.parse(0)?,
            FollowUps {
                open: count(&r, 1)?,
                overdue: count(&r, 2)?,
            },
        );
    }
    Ok(facts)
}
