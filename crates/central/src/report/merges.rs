//! Converged residents in the report tables (migration 0011; rules in
//! `gocua_core::same_person`): a merged person is counted once, as the root
//! their `merged_into` chain resolves to.
//! - `rpt_merges` holds each resident of a commune whose `merged_into` is
//!   set (or was, until the change is projected), with its root.
//! - A merged resident has no `rpt_residents` row: out of every
//!   denominator, and with no standing of their own.
//! - Each action keeps `recorded_for` (the record it was logged for) and
//!   counts in `resident_id` for that record's root, so the root's (resident,
//!   code) pairs, standing and masks hold both records' actions.
//!
//! Merges are rare (an officer's decision), so a change of any edge
//! resolves the commune's roots again from all its edges (a handful of
//! rows) and moves the actions of every resident whose root changed.

use crate::CentralError;
use crate::backend::sql::{Tx, vals};
use crate::report::derived::Derived;
use gocua_core::same_person::Roots;
use gocua_core::{CommuneId, Resident, ResidentId};

/// The root an action recorded for `resident` counts for.
pub(crate) fn root_of(tx: &mut dyn Tx, resident: &str) -> Result<String, CentralError> {
    Ok(tx
        .query_opt(
            "SELECT root_id FROM rpt_merges WHERE resident_id = $1",
            vals![resident],
        )?
        .map(|r| r.string(0))
        .transpose()?
        .unwrap_or_else(|| resident.to_string()))
}

/// The root an action recorded for `resident` counts for, looking up
/// merges only in a commune that has any.
pub(crate) fn counted_for(
    tx: &mut dyn Tx,
    commune: CommuneId,
    resident: &str,
    derived: &mut Derived,
) -> Result<String, CentralError> {
    let any = match derived.merges {
        Some(any) => any,
        None => {
            let any = tx.exists(
                "SELECT 1 FROM rpt_merges WHERE commune_id = $1",
                vals![commune.to_string()],
            )?;
            derived.merges = Some(any);
            any
        }
    };
    if any {
        root_of(tx, resident)
    } else {
        Ok(resident.to_string())
    }
}

/// After a resident's row is projected: record its edge, resolve the
/// commune's roots again if the edge changed, and keep a merged resident
/// out of `rpt_residents`. `reinsert` projects a resident's row again (one
/// who stops being merged).
pub(crate) fn resident(
    tx: &mut dyn Tx,
    commune: CommuneId,
    r: &Resident,
    derived: &mut Derived,
    reinsert: &mut dyn FnMut(&mut dyn Tx, &str) -> Result<(), CentralError>,
) -> Result<(), CentralError> {
    let id = r.id.to_string();
    let into = r.merged_into.map(|m| m.to_string());
    // One lookup in the usual case (never merged: no row, no edge).
    let before = tx.query_opt(
        "SELECT merged_into, root_id FROM rpt_merges WHERE resident_id = $1",
        vals![id.as_str()],
    )?;
    let (edge, mut root) = match &before {
        None => (None, id.clone()),
        Some(row) => (row.opt_string(0)?, row.string(1)?),
    };
    if edge != into {
        tx.execute(
            "INSERT INTO rpt_merges (resident_id, commune_id, merged_into, root_id)
             VALUES ($1, $2, $3, $1)
             ON CONFLICT (resident_id) DO UPDATE SET merged_into = excluded.merged_into",
            vals![id.as_str(), commune.to_string(), into.clone()],
        )?;
        derived.merges = Some(true);
        reroot(tx, commune, derived, reinsert)?;
        root = root_of(tx, &id)?;
    }
    if root != id {
        tx.execute(
            "DELETE FROM rpt_residents WHERE resident_id = $1",
            vals![id.as_str()],
        )?;
    }
    Ok(())
}

/// Resolve the commune's roots from its edges and move what changed.
fn reroot(
    tx: &mut dyn Tx,
    commune: CommuneId,
    derived: &mut Derived,
    reinsert: &mut dyn FnMut(&mut dyn Tx, &str) -> Result<(), CentralError>,
) -> Result<(), CentralError> {
    let c = commune.to_string();
    let rows = tx.query(
        "SELECT resident_id, merged_into, root_id FROM rpt_merges WHERE commune_id = $1
         ORDER BY resident_id",
        vals![c.as_str()],
    )?;
    let mut known: Vec<(ResidentId, Option<ResidentId>, String)> = Vec::new();
    for row in &rows {
        let into = row
            .opt_string(1)?
            .map(|s| {
                s.parse::<ResidentId>()
                    .map_err(|e| CentralError::Corrupt(format!("rpt_merges: {e}")))
            })
            .transpose()?;
        known.push((row.parse(0)?, into, row.string(2)?));
    }
    let roots = Roots::resolve(
        known
            .iter()
            .filter_map(|(id, into, _)| into.map(|i| (*id, i))),
    );
    for (id, into, old_root) in known {
        let id_s = id.to_string();
        let new_root = roots.of(id).to_string();
        if new_root != old_root {
            let codes = tx.query(
                "SELECT DISTINCT code FROM rpt_actions WHERE recorded_for = $1",
                vals![id_s.as_str()],
            )?;
            for code in codes {
                let code = code.string(0)?;
                derived.pairs.insert((old_root.clone(), code.clone()));
                derived.pairs.insert((new_root.clone(), code));
            }
            tx.execute(
                "UPDATE rpt_actions SET resident_id = $1 WHERE recorded_for = $2",
                vals![new_root.as_str(), id_s.as_str()],
            )?;
            tx.execute(
                "UPDATE rpt_merges SET root_id = $1 WHERE resident_id = $2",
                vals![new_root.as_str(), id_s.as_str()],
            )?;
            if old_root == id_s {
                // Newly merged: out of the population; its standing rows go
                // when its pairs are recomputed (no action counts for it).
                tx.execute(
                    "DELETE FROM rpt_residents WHERE resident_id = $1",
                    vals![id_s.as_str()],
                )?;
            } else if new_root == id_s {
                // A person of their own again.
                reinsert(tx, &id_s)?;
            }
        }
        if into.is_none() && new_root == id_s {
            tx.execute(
                "DELETE FROM rpt_merges WHERE resident_id = $1",
                vals![id_s.as_str()],
            )?;
        }
    }
    Ok(())
}
