//! Keeping the report tables (migrations/server/0002_reports.sql) in step
//! with `records`: `project` runs inside the push transaction for every
//! accepted change, with the record as just saved; `rebuild` redoes a
//! commune from its records (first report after an upgrade, or a new
//! projection version). What counts as an assist, a helped household or a
//! reached one is decided here in Rust by `gocua_core`, and stored as a flag,
//! so the SQL that reads these tables only adds up.

use super::CentralError;
use super::sql::{Tx, vals};
use crate::merge::from_fields;
use gocua_core::indicators::reaches_household;
use gocua_core::month::local_date;
use gocua_core::{
    ActionOutcome, AssistedAction, CommuneId, EntityKind, Household, Resident, VillageId, Visit,
    VisitOutcome,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Bump when what `project` writes changes: every commune is then rebuilt
/// from its records before its next report.
pub(crate) const PROJECTION_VERSION: i64 = 3;

fn rebuild_record<R: DeserializeOwned>(
    id: Uuid,
    fields: &Map<String, Value>,
) -> Result<R, CentralError> {
    from_fields(id, fields.clone())
        .map_err(|e| CentralError::Corrupt(format!("stored record {id}: {e}")))
}

/// Bring the report tables up to date with one record as just saved (the
/// push path: called before the change is logged).
pub(crate) fn project(
    tx: &mut dyn Tx,
    entity: EntityKind,
    id: Uuid,
    commune: CommuneId,
    village: VillageId,
    fields: &Map<String, Value>,
) -> Result<(), CentralError> {
    mark_new_commune(tx, commune)?;
    apply(tx, entity, id, commune, village, fields)
}

/// A commune whose first change this is has nothing older to rebuild from:
/// its report tables are current from the start. (A commune with changes
/// from before the report tables existed has no row, and is rebuilt once.)
fn mark_new_commune(tx: &mut dyn Tx, commune: CommuneId) -> Result<(), CentralError> {
    let c = commune.to_string();
    if tx.exists(
        "SELECT 1 FROM report_state WHERE commune_id = $1",
        vals![c.as_str()],
    )? {
        return Ok(());
    }
    if !tx.exists(
        "SELECT 1 FROM changes WHERE commune_id = $1 LIMIT 1",
        vals![c.as_str()],
    )? {
        tx.execute(
            "INSERT INTO report_state (commune_id, version) VALUES ($1, $2)",
            vals![c.as_str(), PROJECTION_VERSION],
        )?;
    }
    Ok(())
}

fn apply(
    tx: &mut dyn Tx,
    entity: EntityKind,
    id: Uuid,
    commune: CommuneId,
    village: VillageId,
    fields: &Map<String, Value>,
) -> Result<(), CentralError> {
    match entity {
        EntityKind::Household => household(tx, commune, village, &rebuild_record(id, fields)?),
        EntityKind::Resident => resident(tx, commune, &rebuild_record(id, fields)?),
        EntityKind::Visit => visit(tx, commune, &rebuild_record(id, fields)?),
        EntityKind::AssistedAction => action(tx, commune, &rebuild_record(id, fields)?),
    }
}

fn household(
    tx: &mut dyn Tx,
    commune: CommuneId,
    village: VillageId,
    h: &Household,
) -> Result<(), CentralError> {
    let id = h.id.to_string();
    let v = village.to_string();
    let before = tx
        .query_opt(
            "SELECT village_id FROM rpt_households WHERE household_id = $1",
            vals![id.as_str()],
        )?
        .map(|r| r.string(0))
        .transpose()?;
    tx.execute(
        "INSERT INTO rpt_households (household_id, commune_id, village_id) VALUES ($1, $2, $3)
         ON CONFLICT (household_id) DO UPDATE SET village_id = excluded.village_id",
        vals![id.as_str(), commune.to_string(), v.as_str()],
    )?;
    if before.is_some_and(|b| b != v) {
        // The household moved: its people, their standing, its visits and
        // their actions count in the new village from now on.
        tx.execute(
            "UPDATE rpt_residents SET village_id = $1 WHERE household_id = $2",
            vals![v.as_str(), id.as_str()],
        )?;
        tx.execute(
            "UPDATE rpt_status SET village_id = $1
             WHERE resident_id IN (SELECT resident_id FROM rpt_residents WHERE household_id = $2)",
            vals![v.as_str(), id.as_str()],
        )?;
        tx.execute(
            "UPDATE rpt_visits SET village_id = $1 WHERE household_id = $2",
            vals![v.as_str(), id.as_str()],
        )?;
        tx.execute(
            "UPDATE rpt_actions SET village_id = $1
             WHERE visit_id IN (SELECT visit_id FROM rpt_visits WHERE household_id = $2)",
            vals![v.as_str(), id.as_str()],
        )?;
        tx.execute(
            "UPDATE rpt_reached SET village_id = $1 WHERE household_id = $2",
            vals![v.as_str(), id.as_str()],
        )?;
    }
    Ok(())
}

/// The village a household is in now, per the report tables.
fn household_village(tx: &mut dyn Tx, household: &str) -> Result<String, CentralError> {
    tx.query_opt(
        "SELECT village_id FROM rpt_households WHERE household_id = $1",
        vals![household],
    )?
    .map(|r| r.string(0))
    .transpose()?
    .ok_or_else(|| CentralError::Corrupt(format!("report tables lack household {household}")))
}

fn resident(tx: &mut dyn Tx, commune: CommuneId, r: &Resident) -> Result<(), CentralError> {
    let id = r.id.to_string();
    let home = r.household_id.to_string();
    let village = household_village(tx, &home)?;
    tx.execute(
        "INSERT INTO rpt_residents (resident_id, commune_id, village_id, household_id, birth_year)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (resident_id) DO UPDATE SET village_id = excluded.village_id,
             household_id = excluded.household_id, birth_year = excluded.birth_year",
        vals![
            id.as_str(),
            commune.to_string(),
            village.as_str(),
            home.as_str(),
            i64::from(r.birth_year)
        ],
    )?;
    // A move to another household, or a corrected birth year, follows the
    // resident into their standing.
    tx.execute(
        "UPDATE rpt_status SET village_id = $1, household_id = $2, birth_year = $3
         WHERE resident_id = $4",
        vals![
            village.as_str(),
            home.as_str(),
            i64::from(r.birth_year),
            id.as_str()
        ],
    )?;
    Ok(())
}

fn visit(tx: &mut dyn Tx, commune: CommuneId, v: &Visit) -> Result<(), CentralError> {
    let id = v.id.to_string();
    let home = v.household_id.to_string();
    let village = household_village(tx, &home)?;
    let live = v.voided.is_none();
    let day = local_date(v.at).to_string();
    let known = tx.exists(
        "SELECT 1 FROM rpt_visits WHERE visit_id = $1",
        vals![id.as_str()],
    )?;
    if !known {
        tx.execute(
            "INSERT INTO rpt_visits (visit_id, commune_id, village_id, household_id, day, live,
                 met, reached, helped)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)",
            vals![
                id.as_str(),
                commune.to_string(),
                village.as_str(),
                home.as_str(),
                day.as_str(),
                live,
                v.outcome == VisitOutcome::Met,
                reaches_household(v.outcome)
            ],
        )?;
        let members: BTreeSet<String> = v.members.iter().map(|m| m.to_string()).collect();
        for m in &members {
            tx.execute(
                "INSERT INTO rpt_visit_members (visit_id, member_id, commune_id, day, household_id,
                     helped)
                 VALUES ($1, $2, $3, $4, $5, 0)
                 ON CONFLICT (visit_id, member_id) DO NOTHING",
                vals![
                    id.as_str(),
                    m.as_str(),
                    commune.to_string(),
                    day.as_str(),
                    home.as_str()
                ],
            )?;
        }
    } else if !live {
        // A void: the visit and everything recorded in it stop counting.
        tx.execute(
            "UPDATE rpt_visits SET live = 0 WHERE visit_id = $1",
            vals![id.as_str()],
        )?;
        let pairs = tx.query(
            "SELECT DISTINCT resident_id, code FROM rpt_actions WHERE visit_id = $1",
            vals![id.as_str()],
        )?;
        tx.execute(
            "UPDATE rpt_actions SET live = 0 WHERE visit_id = $1",
            vals![id.as_str()],
        )?;
        for p in pairs {
            pair(tx, p.text(0)?, p.text(1)?)?;
        }
    }
    reached(tx, &home, &day)?;
    helped(tx, &id)
}

/// Recompute a household's first day reached in the year of `day`.
fn reached(tx: &mut dyn Tx, household: &str, day: &str) -> Result<(), CentralError> {
    let year: i64 = day
        .get(..4)
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| CentralError::Corrupt(format!("bad day {day}")))?;
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
             WHERE household_id = $3
             ON CONFLICT (household_id, year) DO UPDATE SET first_on = excluded.first_on",
            vals![year, first, household],
        )?,
    };
    Ok(())
}

fn action(tx: &mut dyn Tx, commune: CommuneId, a: &AssistedAction) -> Result<(), CentralError> {
    let id = a.id.to_string();
    let visit = a.visit_id.to_string();
    let row = tx
        .query_opt(
            "SELECT day, live, village_id FROM rpt_visits WHERE visit_id = $1",
            vals![visit.as_str()],
        )?
        .ok_or_else(|| CentralError::Corrupt(format!("report tables lack visit {visit}")))?;
    let (day, visit_live, village) = (row.string(0)?, row.bool(1)?, row.string(2)?);
    let live = visit_live && a.voided.is_none();
    let due = match &a.outcome {
        ActionOutcome::FollowUp { due } => Some(due.to_string()),
        _ => None,
    };
    tx.execute(
        "INSERT INTO rpt_actions (action_id, commune_id, village_id, visit_id, resident_id, code,
             status, due, day, live, assist)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (action_id) DO UPDATE SET live = excluded.live",
        vals![
            id.as_str(),
            commune.to_string(),
            village.as_str(),
            visit.as_str(),
            a.resident_id.to_string(),
            a.action.as_str(),
            a.outcome.status_code(),
            due,
            day.as_str(),
            live,
            a.outcome.is_assist()
        ],
    )?;
    pair(tx, &a.resident_id.to_string(), a.action.as_str())?;
    helped(tx, &visit)
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
/// `next_on`, and the resident's standing row.
pub(crate) fn pair(tx: &mut dyn Tx, resident: &str, code: &str) -> Result<(), CentralError> {
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
    resident_masks(tx, resident)
}

/// The bit of an action code in its commune's masks, given on first use.
fn code_bit(tx: &mut dyn Tx, commune: &str, code: &str) -> Result<i64, CentralError> {
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
fn resident_masks(tx: &mut dyn Tx, resident: &str) -> Result<(), CentralError> {
    let rows = tx.query(
        "SELECT commune_id, code, first_on, done_on FROM rpt_status WHERE resident_id = $1",
        vals![resident],
    )?;
    let (mut done, mut att) = (0i64, 0i64);
    let mut changed: Option<String> = None;
    for r in &rows {
        let bit = 1i64 << code_bit(tx, r.text(0)?, r.text(1)?)?;
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

/// Redo a commune's report tables from its records, in an order where
/// every parent comes before its children.
pub(crate) fn rebuild(tx: &mut dyn Tx, commune: CommuneId) -> Result<(), CentralError> {
    let c = commune.to_string();
    for table in [
        "rpt_follow_ups",
        "rpt_codes",
        "rpt_reached",
        "rpt_status",
        "rpt_actions",
        "rpt_visit_members",
        "rpt_visits",
        "rpt_residents",
        "rpt_households",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE commune_id = $1"),
            vals![c.as_str()],
        )?;
    }
    for entity in [
        EntityKind::Household,
        EntityKind::Resident,
        EntityKind::Visit,
        EntityKind::AssistedAction,
    ] {
        let rows = tx.query(
            "SELECT entity_id, village_id, fields FROM records
             WHERE commune_id = $1 AND entity = $2 ORDER BY entity_id",
            vals![c.as_str(), entity.as_str()],
        )?;
        for r in rows {
            let id: Uuid = r.parse(0)?;
            let village: VillageId = r.parse(1)?;
            let fields: Map<String, Value> = r.json(2)?;
            apply(tx, entity, id, commune, village, &fields)?;
        }
    }
    tx.execute(
        "INSERT INTO report_state (commune_id, version) VALUES ($1, $2)
         ON CONFLICT (commune_id) DO UPDATE SET version = excluded.version",
        vals![c.as_str(), PROJECTION_VERSION],
    )?;
    Ok(())
}
