//! A period's work from the report tables: its visits and actions are
//! loaded and `gocua_core::indicators::count_work` counts them, so the
//! result is the same `WorkFacts` the core computes from records (the tests
//! hold the two equal); open follow-ups are one query over the rows the
//! projection marked. Also the shared pieces: a query builder, the
//! age-bracket expression and residents' checklist masks at a day (for
//! drill-downs; `report_stock` counts the indicators).

use crate::CentralError;
use crate::backend::sql::{Row, Tx, Val};
use chrono::NaiveDate;
use gocua_core::indicators::{
    AgeBrackets, BRACKETS, ChecklistMasks, Period, WorkFacts, count_work,
};
use gocua_core::rules::{ActionWork, VisitWork};
use gocua_core::{
    ActionCode, ActionOutcome, CannotReason, CatalogueEntry, OrgSnapshot, VillageId, VisitId,
    VisitOutcome,
};
use rustc_hash::FxHashMap as HashMap;

fn parse_uuid(s: &str) -> Result<uuid::Uuid, CentralError> {
    s.parse()
        .map_err(|e| CentralError::Corrupt(format!("bad id {s}: {e}")))
}

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

/// Every member's, team's, village's and the commune's work in `period`
/// (the period's visits and actions loaded, counted by
/// `gocua_core::indicators::count_work`), and members' open follow-ups at
/// `as_of`.
pub(crate) fn work_facts(
    tx: &mut dyn Tx,
    org: &OrgSnapshot,
    period: Period,
    as_of: NaiveDate,
) -> Result<WorkFacts, CentralError> {
    let c = org.commune.id.to_string();
    let from = period.first_day().to_string();
    let until = period.end_exclusive().to_string();
    let params = [
        Val::from(c.as_str()),
        Val::from(from.as_str()),
        Val::from(until.as_str()),
    ];
    let mut visits: Vec<VisitWork> = Vec::new();
    let mut villages: Vec<VillageId> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::default();
    tx.each(
        "SELECT visit_id, village_id, household_id, day, met, reached FROM rpt_visits
         WHERE commune_id = $1 AND day >= $2 AND day < $3 AND live = 1",
        &params,
        &mut |r| {
            let id = r.string(0)?;
            // The report tables keep whether someone was met or came to the
            // door: enough to tell the three outcomes apart.
            let outcome = match (r.bool(4)?, r.bool(5)?) {
                (true, _) => VisitOutcome::Met,
                (false, true) => VisitOutcome::Refused,
                (false, false) => VisitOutcome::NotAtHome,
            };
            index.insert(id.clone(), visits.len());
            villages.push(r.parse(1)?);
            visits.push(VisitWork {
                visit_id: VisitId(parse_uuid(&id)?),
                household_id: r.parse(2)?,
                members: Vec::new(),
                day: r.parse(3)?,
                outcome,
                voided: false,
                actions: Vec::new(),
            });
            Ok(())
        },
    )?;
    tx.each(
        "SELECT visit_id, member_id FROM rpt_visit_members
         WHERE commune_id = $1 AND day >= $2 AND day < $3",
        &params,
        &mut |r| {
            if let Some(i) = index.get(r.text(0)?) {
                visits[*i].members.push(r.parse(1)?);
            }
            Ok(())
        },
    )?;
    tx.each(
        "SELECT visit_id, code, status, due FROM rpt_actions
         WHERE commune_id = $1 AND day >= $2 AND day < $3 AND live = 1",
        &params,
        &mut |r| {
            let Some(i) = index.get(r.text(0)?) else {
                return Ok(());
            };
            // What counting needs of an outcome is its kind (and a follow-up's
            // day); a reason is not kept in the report tables.
            let outcome = match r.text(2)? {
                "done" => ActionOutcome::Done,
                "follow_up" => ActionOutcome::FollowUp { due: r.parse(3)? },
                _ => ActionOutcome::NotPossible {
                    reason: CannotReason::Other,
                    note: None,
                },
            };
            visits[*i].actions.push(ActionWork {
                action: r.parse(1)?,
                outcome,
                voided: false,
            });
            Ok(())
        },
    )?;
    let village_of: HashMap<VisitId, VillageId> = visits
        .iter()
        .zip(&villages)
        .map(|(v, village)| (v.visit_id, *village))
        .collect();
    let mut facts = count_work(
        org,
        &visits,
        |v| village_of.get(&v.visit_id).copied(),
        period,
    );

    // Open follow-ups at `as_of`, per member their visit credits: still
    // open now, or closed only after the day.
    let day = as_of.to_string();
    for closed in ["closed_on IS NULL", "closed_on > $3"] {
        let sql = format!(
            "SELECT member_id, count(*), sum(CASE WHEN due < $1 THEN 1 ELSE 0 END)
             FROM rpt_follow_ups
             WHERE commune_id = $2 AND {closed} AND day <= $1
             GROUP BY member_id"
        );
        let mut params = vec![Val::from(day.as_str()), Val::from(c.as_str())];
        if closed.contains("$3") {
            params.push(Val::from(day.as_str()));
        }
        for r in tx.query(&sql, &params)? {
            let f = facts.follow_ups.entry(r.parse(0)?).or_default();
            f.open += count(&r, 1)?;
            f.overdue += count(&r, 2)?;
        }
    }
    Ok(facts)
}
