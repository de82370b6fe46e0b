//! The report figures that depend on a record's siblings, recomputed from
//! the report tables' rows (never incremented, so recomputing twice changes
//! nothing): a (resident, code) pair's days, a resident's masks, a visit's
//! `helped`, a household's first day reached in a year.

use crate::CentralError;
use crate::backend::sql::{Tx, vals};
use std::collections::{BTreeSet, HashMap};

/// What projecting records leaves to recompute: figures that depend on a
/// record's siblings (each action of a (resident, code) pair carries the
/// pair's first done day and its own next attempt; a resident's masks come
/// from all their standing rows; a visit's `helped` from all its actions; a
/// household's first day reached from all its visits that year). Collected
/// over a batch and recomputed once each: a visit with twenty actions for
/// five residents costs five mask updates, not twenty.
#[derive(Default)]
pub(crate) struct Derived {
    pub(crate) pairs: BTreeSet<(String, String)>,
    pub(crate) visits: BTreeSet<String>,
    pub(crate) reached: BTreeSet<(String, i64)>,
    /// Whether the commune has any merged resident (`report_merges`),
    /// once looked up in this batch: most never do, and their actions
    /// then need no lookup of a root.
    pub(crate) merges: Option<bool>,
}

impl Derived {
    /// Recompute everything collected.
    pub(crate) fn finish(self, tx: &mut dyn Tx) -> Result<(), CentralError> {
        let mut residents = BTreeSet::new();
        for (resident, code) in &self.pairs {
            pair(tx, resident, code)?;
            residents.insert(resident.as_str());
        }
        let mut bits = CodeBits::default();
        for r in residents {
            resident_masks(tx, r, &mut bits)?;
        }
        for v in &self.visits {
            helped(tx, v)?;
        }
        for (household, year) in &self.reached {
            reached(tx, household, *year)?;
        }
        Ok(())
    }
}

/// Recompute a household's first day reached in `year`.
fn reached(tx: &mut dyn Tx, household: &str, year: i64) -> Result<(), CentralError> {
    let first = tx
        .query_opt(
            "SELECT min(day) FROM rpt_visits
             WHERE household_id = $1 AND live = 1 AND reached = 1 AND day >= $2 AND day <= $3",
            vals![
                household,
                format!("{year:04}-01-01"),
                format!("{year:04}-12-31")
            ],
        )?
        .map(|r| r.opt_string(0))
        .transpose()?
        .flatten();
    match first {
        None => tx.execute(
            "DELETE FROM rpt_reached WHERE household_id = $1 AND year = $2",
            vals![household, year],
        )?,
        Some(first) => tx.execute(
            "INSERT INTO rpt_reached (household_id, year, commune_id, village_id, first_on)
             SELECT household_id, $1, commune_id, village_id, $2 FROM rpt_households
             WHERE household_id = $3 AND voided = 0
             ON CONFLICT (household_id, year) DO UPDATE SET first_on = excluded.first_on",
            vals![year, first, household],
        )?,
    };
    Ok(())
}

/// Recompute a visit's `helped` on the visit and its members' rows: as
/// `rules::VisitWork::helped_household`, someone met and at least one live
/// assist (an assist is `ActionOutcome::is_assist`, stored as `assist`).
fn helped(tx: &mut dyn Tx, visit: &str) -> Result<(), CentralError> {
    let Some(row) = tx.query_opt(
        "SELECT v.live, v.met, EXISTS (SELECT 1 FROM rpt_actions a
                                       WHERE a.visit_id = v.visit_id AND a.live = 1
                                         AND a.assist = 1)
         FROM rpt_visits v WHERE v.visit_id = $1",
        vals![visit],
    )?
    else {
        return Ok(());
    };
    let helped = row.bool(0)? && row.bool(1)? && row.bool(2)?;
    tx.execute(
        "UPDATE rpt_visits SET helped = $1 WHERE visit_id = $2 AND helped <> $1",
        vals![helped, visit],
    )?;
    tx.execute(
        "UPDATE rpt_visit_members SET helped = $1 WHERE visit_id = $2 AND helped <> $1",
        vals![helped, visit],
    )?;
    Ok(())
}

/// Recompute one (resident, code) pair: each action's `done_on` and
/// `next_on`, and the resident's standing row (their masks are `finish`'s,
/// once per resident).
fn pair(tx: &mut dyn Tx, resident: &str, code: &str) -> Result<(), CentralError> {
    let rows = tx.query(
        "SELECT action_id, day, live, status, done_on, next_on, visit_id, due FROM rpt_actions
         WHERE resident_id = $1 AND code = $2 ORDER BY day, action_id",
        vals![resident, code],
    )?;
    struct A {
        id: String,
        day: String,
        live: bool,
        done: bool,
        follow_up: bool,
        done_on: Option<String>,
        next_on: Option<String>,
        visit: String,
        due: Option<String>,
    }
    let all: Vec<A> = rows
        .iter()
        .map(|r| {
            Ok(A {
                id: r.string(0)?,
                day: r.string(1)?,
                live: r.bool(2)?,
                done: r.text(3)? == "done",
                follow_up: r.text(3)? == "follow_up",
                done_on: r.opt_string(4)?,
                next_on: r.opt_string(5)?,
                visit: r.string(6)?,
                due: r.opt_string(7)?,
            })
        })
        .collect::<Result<_, CentralError>>()?;
    let live: Vec<&A> = all.iter().filter(|a| a.live).collect();
    let done_on = live.iter().find(|a| a.done).map(|a| a.day.clone());
    let first_on = live.first().map(|a| a.day.clone());
    for (i, a) in all.iter().enumerate() {
        // The next live attempt after this one in (day, id) order.
        let next_on = all[i + 1..].iter().find(|b| b.live).map(|b| b.day.clone());
        if a.done_on != done_on || a.next_on != next_on {
            tx.execute(
                "UPDATE rpt_actions SET done_on = $1, next_on = $2 WHERE action_id = $3",
                vals![done_on.clone(), next_on.clone(), a.id.as_str()],
            )?;
        }
        if a.follow_up && a.live {
            // Open until the next attempt or the first done day, whichever
            // comes first.
            let closed_on = match (&next_on, &done_on) {
                (Some(n), Some(d)) => Some(n.min(d).clone()),
                (n, d) => n.clone().or_else(|| d.clone()),
            };
            tx.execute(
                "INSERT INTO rpt_follow_ups (action_id, member_id, commune_id, day, due, closed_on)
                 SELECT $1, member_id, commune_id, $2, $3, $4 FROM rpt_visit_members
                 WHERE visit_id = $5
                 ON CONFLICT (action_id, member_id) DO UPDATE SET closed_on = excluded.closed_on",
                vals![
                    a.id.as_str(),
                    a.day.as_str(),
                    a.due.clone().unwrap_or_else(|| a.day.clone()),
                    closed_on,
                    a.visit.as_str()
                ],
            )?;
        } else if a.follow_up {
            tx.execute(
                "DELETE FROM rpt_follow_ups WHERE action_id = $1",
                vals![a.id.as_str()],
            )?;
        }
    }
    match first_on {
        None => {
            tx.execute(
                "DELETE FROM rpt_status WHERE resident_id = $1 AND code = $2",
                vals![resident, code],
            )?;
        }
        Some(first_on) => {
            tx.execute(
                "INSERT INTO rpt_status (resident_id, code, commune_id, village_id, household_id,
                     birth_year, first_on, done_on)
                 SELECT resident_id, $1, commune_id, village_id, household_id, birth_year, $2, $3
                 FROM rpt_residents WHERE resident_id = $4
                 ON CONFLICT (resident_id, code) DO UPDATE SET
                     first_on = excluded.first_on, done_on = excluded.done_on",
                vals![code, first_on, done_on, resident],
            )?;
        }
    }
    Ok(())
}

/// Action codes' bits already looked up in this batch.
#[derive(Default)]
struct CodeBits(HashMap<(String, String), i64>);

/// The bit of an action code in its commune's masks, given on first use.
fn code_bit(
    tx: &mut dyn Tx,
    bits: &mut CodeBits,
    commune: &str,
    code: &str,
) -> Result<i64, CentralError> {
    let key = (commune.to_string(), code.to_string());
    if let Some(b) = bits.0.get(&key) {
        return Ok(*b);
    }
    let bit = new_or_known_bit(tx, commune, code)?;
    bits.0.insert(key, bit);
    Ok(bit)
}

fn new_or_known_bit(tx: &mut dyn Tx, commune: &str, code: &str) -> Result<i64, CentralError> {
    if let Some(r) = tx.query_opt(
        "SELECT bit FROM rpt_codes WHERE commune_id = $1 AND code = $2",
        vals![commune, code],
    )? {
        return r.int(0);
    }
    let taken = tx
        .query_opt(
            "SELECT count(*) FROM rpt_codes WHERE commune_id = $1",
            vals![commune],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    if taken >= MAX_CODE_BITS {
        return Err(CentralError::Backend(format!(
            "more than {MAX_CODE_BITS} action codes in one commune's reports"
        )));
    }
    tx.execute(
        "INSERT INTO rpt_codes (commune_id, code, bit) VALUES ($1, $2, $3)",
        vals![commune, code, taken],
    )?;
    Ok(taken)
}

/// Codes a commune's masks hold at most (bits of a signed 64-bit integer,
/// with room to spare).
pub(crate) const MAX_CODE_BITS: i64 = 62;

/// A resident's masks from their standing rows.
fn resident_masks(
    tx: &mut dyn Tx,
    resident: &str,
    bits: &mut CodeBits,
) -> Result<(), CentralError> {
    let rows = tx.query(
        "SELECT commune_id, code, first_on, done_on FROM rpt_status WHERE resident_id = $1",
        vals![resident],
    )?;
    let (mut done, mut att) = (0i64, 0i64);
    let mut changed: Option<String> = None;
    for r in &rows {
        let bit = 1i64 << code_bit(tx, bits, r.text(0)?, r.text(1)?)?;
        att |= bit;
        let mut latest = r.string(2)?;
        if let Some(d) = r.opt_string(3)? {
            done |= bit;
            latest = latest.max(d);
        }
        changed = changed.max(Some(latest));
    }
    tx.execute(
        "UPDATE rpt_residents SET done_mask = $1, att_mask = $2, changed_on = $3
         WHERE resident_id = $4",
        vals![done, att, changed, resident],
    )?;
    Ok(())
}
