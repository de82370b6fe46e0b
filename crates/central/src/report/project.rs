//! Keeping the report tables (migrations/server/0002_reports.sql) in step
//! with `records`: `apply` projects one record's current state, and
//! `Derived::finish` then recomputes, once per batch, what depends on a
//! record's siblings; `report_catch_up` calls both for the records the
//! change log names after a commune's cursor, and `rebuild` redoes a
//! commune from its records (a new projection version). What counts as an
//! assist, a helped household or a reached one is decided here in Rust by
//! `gocua_core`, and stored as a flag, so the SQL that reads these tables
//! only adds up.
//!
//! Projecting a record's current state is idempotent (upserts, and derived
//! figures recomputed from the rows, never incremented), so a record named
//! by several changes, or projected again after a crash between a batch's
//! work and its commit, ends in the same tables.

use crate::CentralError;
use crate::backend::sql::{Tx, vals};
use crate::report::derived::Derived;
use crate::report::merges;
use chrono::Datelike;
use gocua_core::converge::from_fields;
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
pub(crate) const PROJECTION_VERSION: i64 = 4;

fn rebuild_record<R: DeserializeOwned>(
    id: Uuid,
    fields: &Map<String, Value>,
) -> Result<R, CentralError> {
    from_fields(id, fields.clone())
        .map_err(|e| CentralError::Corrupt(format!("stored record {id}: {e}")))
}

/// Project one record's current state. Parents go before children (a batch
/// applies households, then residents, visits, actions); `finish` follows.
pub(crate) fn apply(
    tx: &mut dyn Tx,
    entity: EntityKind,
    id: Uuid,
    commune: CommuneId,
    village: VillageId,
    fields: &Map<String, Value>,
    derived: &mut Derived,
) -> Result<(), CentralError> {
    match entity {
        EntityKind::Household => household(tx, commune, village, &rebuild_record(id, fields)?),
        EntityKind::Resident => resident(tx, commune, &rebuild_record(id, fields)?, derived),
        EntityKind::Visit => visit(tx, commune, &rebuild_record(id, fields)?, derived),
        EntityKind::AssistedAction => action(tx, commune, &rebuild_record(id, fields)?, derived),
        // Review marks are in no report (catch-up skips them).
        EntityKind::ReviewMark => Ok(()),
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
    let voided = h.voided.is_some();
    let row = tx.query_opt(
        "SELECT village_id, voided FROM rpt_households WHERE household_id = $1",
        vals![id.as_str()],
    )?;
    let (before, was_voided) = match row {
        Some(r) => (Some(r.string(0)?), r.int(1)? != 0),
        None => (None, false),
    };
    tx.execute(
        "INSERT INTO rpt_households (household_id, commune_id, village_id, voided)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (household_id) DO UPDATE SET village_id = excluded.village_id,
             voided = excluded.voided",
        vals![
            id.as_str(),
            commune.to_string(),
            v.as_str(),
            i64::from(voided)
        ],
    )?;
    if voided && !was_voided {
        // Withdrawn by the office (issue 16): its people leave every
        // denominator, and it counts as reached no more. The row stays for
        // the village of any visit it has.
        for sql in [
            "DELETE FROM rpt_status WHERE household_id = $1",
            "DELETE FROM rpt_residents WHERE household_id = $1",
            "DELETE FROM rpt_reached WHERE household_id = $1",
        ] {
            tx.execute(sql, vals![id.as_str()])?;
        }
    } else if was_voided && !voided {
        // Restored: its people count again, from their records.
        let rows = tx.query(
            "SELECT entity_id, fields FROM records WHERE parent_id = $1 AND entity = 'resident'",
            vals![id.as_str()],
        )?;
        for row in rows {
            let rid: Uuid = row.parse(0)?;
            let fields: Map<String, Value> = row.json(1)?;
            resident_row(tx, commune, &rebuild_record(rid, &fields)?)?;
        }
    }
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
fn household_village(tx: &mut dyn Tx, household: &str) -> Result<Option<String>, CentralError> {
    Ok(household_state(tx, household)?.map(|(v, _)| v))
}

/// The village a household is in now and whether it is withdrawn.
fn household_state(
    tx: &mut dyn Tx,
    household: &str,
) -> Result<Option<(String, bool)>, CentralError> {
    tx.query_opt(
        "SELECT village_id, voided FROM rpt_households WHERE household_id = $1",
        vals![household],
    )?
    .map(|r| Ok((r.string(0)?, r.int(1)? != 0)))
    .transpose()
}

fn known_household_village(tx: &mut dyn Tx, household: &str) -> Result<String, CentralError> {
    household_village(tx, household)?
        .ok_or_else(|| CentralError::Corrupt(format!("report tables lack household {household}")))
}

fn resident(
    tx: &mut dyn Tx,
    commune: CommuneId,
    r: &Resident,
    derived: &mut Derived,
) -> Result<(), CentralError> {
    resident_row(tx, commune, r)?;
    merges::resident(tx, commune, r, derived, &mut |tx, id| {
        let row = tx
            .query_opt(
                "SELECT fields FROM records WHERE entity_id = $1 AND entity = 'resident'",
                vals![id],
            )?
            .ok_or_else(|| CentralError::Corrupt(format!("no record of resident {id}")))?;
        let uuid: Uuid = id
            .parse()
            .map_err(|e| CentralError::Corrupt(format!("resident id {id}: {e}")))?;
        resident_row(tx, commune, &rebuild_record(uuid, &row.json(0)?)?)
    })
}

/// A resident's own row and standing's place (`report_merges` then keeps a
/// merged one out).
fn resident_row(tx: &mut dyn Tx, commune: CommuneId, r: &Resident) -> Result<(), CentralError> {
    let id = r.id.to_string();
    let home = r.household_id.to_string();
    let village = match household_state(tx, &home)? {
        Some((_, true)) => return withdraw_resident(tx, &id),
        Some((v, false)) => v,
        // A resident's current state can name a household created after
        // the batch being projected (a move made later): project that
        // household now, from its record, rather than wait for its turn.
        None => {
            let row = tx
                .query_opt(
                    "SELECT village_id, fields FROM records
                     WHERE entity_id = $1 AND entity = 'household'",
                    vals![home.as_str()],
                )?
                .ok_or_else(|| CentralError::Corrupt(format!("resident {id}: no household")))?;
            let village: VillageId = row.parse(0)?;
            let fields: Map<String, Value> = row.json(1)?;
            let h: Household = rebuild_record(r.household_id.0, &fields)?;
            household(tx, commune, village, &h)?;
            if h.voided.is_some() {
                return withdraw_resident(tx, &id);
            }
            village.to_string()
        }
    };
    if r.voided.is_some() {
        return withdraw_resident(tx, &id);
    }
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

/// A resident the office withdrew, or of a withdrawn household (issue 16):
/// out of every denominator, with no standing, as a merged one.
fn withdraw_resident(tx: &mut dyn Tx, id: &str) -> Result<(), CentralError> {
    tx.execute("DELETE FROM rpt_status WHERE resident_id = $1", vals![id])?;
    tx.execute(
        "DELETE FROM rpt_residents WHERE resident_id = $1",
        vals![id],
    )?;
    Ok(())
}

fn visit(
    tx: &mut dyn Tx,
    commune: CommuneId,
    v: &Visit,
    derived: &mut Derived,
) -> Result<(), CentralError> {
    let id = v.id.to_string();
    let home = v.household_id.to_string();
    let village = known_household_village(tx, &home)?;
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
            derived.pairs.insert((p.string(0)?, p.string(1)?));
        }
    }
    derived
        .reached
        .insert((home, i64::from(local_date(v.at).year())));
    derived.visits.insert(id);
    Ok(())
}

fn action(
    tx: &mut dyn Tx,
    commune: CommuneId,
    a: &AssistedAction,
    derived: &mut Derived,
) -> Result<(), CentralError> {
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
    // Counted for the root of the record it was logged for (report_merges).
    let recorded_for = a.resident_id.to_string();
    let counted = merges::counted_for(tx, commune, &recorded_for, derived)?;
    tx.execute(
        "INSERT INTO rpt_actions (action_id, commune_id, village_id, visit_id, resident_id, code,
             status, due, day, live, assist, recorded_for)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (action_id) DO UPDATE SET live = excluded.live",
        vals![
            id.as_str(),
            commune.to_string(),
            village.as_str(),
            visit.as_str(),
            counted.as_str(),
            a.action.as_str(),
            a.outcome.status_code(),
            due,
            day.as_str(),
            live,
            a.outcome.is_assist(),
            recorded_for.as_str()
        ],
    )?;
    derived
        .pairs
        .insert((counted, a.action.as_str().to_string()));
    derived.visits.insert(visit);
    Ok(())
}

/// Empty a commune's report tables.
pub(crate) fn clear(tx: &mut dyn Tx, commune: &str) -> Result<(), CentralError> {
    for table in [
        "rpt_merges",
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
            vals![commune],
        )?;
    }
    Ok(())
}

/// Redo a commune's report tables from its records, in an order where
/// every parent comes before its children; the cursor then stands at the
/// commune's last change (the caller holds the commune's lock).
pub(crate) fn rebuild(tx: &mut dyn Tx, commune: CommuneId) -> Result<(), CentralError> {
    let c = commune.to_string();
    clear(tx, &c)?;
    let mut derived = Derived::default();
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
            apply(tx, entity, id, commune, village, &fields, &mut derived)?;
        }
    }
    derived.finish(tx)?;
    tx.execute(
        "INSERT INTO report_state (commune_id, version, projected_seq)
         VALUES ($1, $2, (SELECT coalesce(max(seq), 0) FROM changes WHERE commune_id = $1))
         ON CONFLICT (commune_id) DO UPDATE SET
             version = excluded.version, projected_seq = excluded.projected_seq",
        vals![c.as_str(), PROJECTION_VERSION],
    )?;
    Ok(())
}
