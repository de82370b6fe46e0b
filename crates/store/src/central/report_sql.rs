//! Counting a commune's figures from the report tables, in SQL that only
//! adds up: what counts (an assist, a helped or reached household, done by
//! a day, a digital citizen) was decided by `gocua_core` when the rows were
//! projected, or comes in as constants computed by `gocua_core` (age
//! brackets, checklist masks). The result is the same `Counts` and
//! `WorkFacts` that `gocua_core::indicators` computes from records, and the
//! tests hold the two equal.

use super::CentralError;
use super::sql::{Row, Tx, Val};
use chrono::{Datelike, NaiveDate};
use gocua_core::indicators::{
    AgeBrackets, BRACKETS, ChecklistMasks, Counts, FollowUps, Indicator, Period, Population, Who,
    WorkFacts, WorkTally,
};
use gocua_core::month::Month;
use gocua_core::{ActionCode, CatalogueEntry, CommuneId, MemberId, TeamId, VillageId};
use std::collections::BTreeMap;

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

fn bracket_index(r: &Row, idx: usize) -> Result<usize, CentralError> {
    usize::try_from(r.int(idx)?)
        .ok()
        .filter(|b| *b < BRACKETS)
        .ok_or_else(|| CentralError::Corrupt("age bracket out of range".into()))
}

pub(crate) fn count(r: &Row, idx: usize) -> Result<u64, CentralError> {
    u64::try_from(r.int(idx)?).map_err(|_| CentralError::Corrupt("negative count".into()))
}

/// The commune's indicators per village at `as_of`.
pub(crate) fn indicator_counts(
    tx: &mut dyn Tx,
    commune: CommuneId,
    catalogue: &[CatalogueEntry],
    as_of: NaiveDate,
) -> Result<BTreeMap<VillageId, Counts>, CentralError> {
    let c = commune.to_string();
    let day = as_of.to_string();
    let mut out: BTreeMap<VillageId, Counts> = BTreeMap::new();

    // Residents by village and age bracket: the action indicators'
    // denominators, and everyone for digital citizens.
    let mut q = Query::new();
    q.text("SELECT village_id, ");
    bracket(&mut q, "birth_year", as_of);
    q.text(" AS b, count(*) FROM rpt_residents WHERE commune_id = ")
        .bind(c.as_str())
        .text(" GROUP BY village_id, b");
    let mut people: BTreeMap<VillageId, [u64; BRACKETS]> = BTreeMap::new();
    for r in q.run(tx)? {
        people.entry(r.parse(0)?).or_default()[bracket_index(&r, 1)?] += count(&r, 2)?;
    }
    // Residents with each action done by the day, by village and bracket.
    let mut q = Query::new();
    q.text("SELECT village_id, code, ");
    bracket(&mut q, "birth_year", as_of);
    q.text(" AS b, count(*) FROM rpt_status WHERE commune_id = ")
        .bind(c.as_str())
        .text(" AND done_on <= ")
        .bind(day.as_str())
        .text(" GROUP BY village_id, code, b");
    let mut done: BTreeMap<(VillageId, String), [u64; BRACKETS]> = BTreeMap::new();
    for r in q.run(tx)? {
        done.entry((r.parse(0)?, r.string(1)?)).or_default()[bracket_index(&r, 2)?] +=
            count(&r, 3)?;
    }
    for (village, by_bracket) in &people {
        let counts = out.entry(*village).or_default();
        for ind in Indicator::ALL {
            let (Population::ActionDone { action, .. }, Some(elig)) =
                (ind.population(), ind.eligibility(catalogue))
            else {
                continue;
            };
            let done_here = done.get(&(*village, action.to_string()));
            let t = counts.entry(ind);
            for b in (0..BRACKETS).filter(|b| AgeBrackets::eligible(*b, elig)) {
                t.denominator += by_bracket[b];
                t.achieved += done_here.map_or(0, |d| d[b]);
            }
        }
        counts.entry(Indicator::DigitalCitizens).denominator = by_bracket.iter().sum();
    }

    let per_village =
        |tx: &mut dyn Tx, q: &Query| -> Result<BTreeMap<VillageId, u64>, CentralError> {
            q.run(tx)?
                .iter()
                .map(|r| Ok((r.parse(0)?, count(r, 1)?)))
                .collect()
        };
    let mut q = Query::new();
    q.text("SELECT village_id, count(*) FROM rpt_households WHERE commune_id = ")
        .bind(c.as_str())
        .text(" GROUP BY village_id");
    let households = per_village(tx, &q)?;

    let essential: Vec<String> = catalogue
        .iter()
        .filter(|e| e.essential_platform)
        .map(|e| code_literal(&e.code))
        .collect();
    let with_platform = if essential.is_empty() {
        BTreeMap::new()
    } else {
        let mut q = Query::new();
        q.text(
            "SELECT village_id, count(DISTINCT household_id) FROM rpt_status WHERE commune_id = ",
        )
        .bind(c.as_str())
        .text(" AND done_on <= ")
        .bind(day.as_str())
        .text(&format!(
            " AND code IN ({}) GROUP BY village_id",
            essential.join(", ")
        ));
        per_village(tx, &q)?
    };
    let mut q = Query::new();
    q.text("SELECT village_id, count(DISTINCT household_id) FROM rpt_visits WHERE commune_id = ")
        .bind(c.as_str())
        .text(" AND day >= ")
        .bind(as_of.with_ordinal(1).unwrap_or(as_of).to_string())
        .text(" AND day <= ")
        .bind(day.as_str())
        .text(" AND live = 1 AND reached = 1 GROUP BY village_id");
    let reached = per_village(tx, &q)?;
    let (citizens, families) = citizens_and_families(tx, &c, catalogue, as_of)?;
    for (village, n) in &households {
        let counts = out.entry(*village).or_default();
        for (ind, achieved) in [
            (Indicator::EssentialPlatformHouseholds, &with_platform),
            (Indicator::HouseholdsReached, &reached),
            (Indicator::DigitalFamilies, &families),
        ] {
            let t = counts.entry(ind);
            t.denominator = *n;
            t.achieved = achieved.get(village).copied().unwrap_or(0);
        }
    }
    for (village, n) in citizens {
        out.entry(village)
            .or_default()
            .entry(Indicator::DigitalCitizens)
            .achieved = n;
    }
    Ok(out)
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

type PerVillage = BTreeMap<VillageId, u64>;

/// Digital citizens and digital families per village at `as_of`; a
/// household is a digital family when everyone in it with duties is a
/// citizen, and someone is (`rules::is_digital_family`).
fn citizens_and_families(
    tx: &mut dyn Tx,
    commune: &str,
    catalogue: &[CatalogueEntry],
    as_of: NaiveDate,
) -> Result<(PerVillage, PerVillage), CentralError> {
    // PostgreSQL sums a BIGINT into NUMERIC: the outer sum is cast back.
    let mut q = Query::new();
    let (duty, citizen) = resident_masks(&mut q, commune, catalogue, as_of)?;
    q.text(&format!(
        ", h AS (SELECT village_id, household_id,
                        sum(CASE WHEN {duty} THEN 1 ELSE 0 END) AS duties,
                        sum(CASE WHEN {citizen} THEN 1 ELSE 0 END) AS citizens
                 FROM p GROUP BY village_id, household_id)
         SELECT village_id, CAST(sum(citizens) AS BIGINT),
                sum(CASE WHEN duties > 0 AND duties = citizens THEN 1 ELSE 0 END)
         FROM h GROUP BY village_id"
    ));
    let mut citizens = BTreeMap::new();
    let mut families = BTreeMap::new();
    for r in q.run(tx)? {
        let v: VillageId = r.parse(0)?;
        citizens.insert(v, count(&r, 1)?);
        families.insert(v, count(&r, 2)?);
    }
    Ok((citizens, families))
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
