//! The report tables as a read model of the change log. A push only judges
//! and keeps changes (`records`, `changes`); the report tables follow by
//! `seq`, a cursor per commune (`report_state.projected_seq`, migration
//! 0008), caught up in batches:
//! - after pushes, in the background (the server's `projector.rs` calls
//!   `catch_up_reports` once the commune's pushes pause, and at least every
//!   few seconds under steady load);
//! - before every report (`reports_ready`), to the end of the log, so a
//!   figure is never older than the request that asked for it.
//!
//! Why: projecting inside each push made the push ten times dearer (each
//! action recomputed its (resident, code) pair, the resident's masks and
//! its visit's `helped`, and on PostgreSQL each of those was a round trip
//! inside the commune's lock, which every other push of the commune waits
//! for). A batch names each record once, loads the records in bulk and
//! recomputes each derived figure once, whatever number of its changes it
//! holds.
//!
//! Correctness: pushes take the commune's lock before they draw a `seq`, so
//! within a commune `seq` order is commit order and what any transaction
//! sees of the commune's log is a prefix of it: no change can commit
//! behind the cursor. A batch projects the *current* state of every record
//! its changes name, then moves the cursor, in one transaction under the
//! commune's report lock, so two projections never interleave. Projecting a
//! current state is idempotent, so a record projected early (its later
//! changes still ahead of the cursor) is simply projected again when they
//! come, and a crash between a push and its projection leaves the cursor
//! behind, to be caught up by the next batch or report.
//!
//! So the background batch needs only the report lock: on PostgreSQL it
//! (a few hundred milliseconds of round trips) runs beside the commune's
//! pushes instead of making each of them wait for it. What must see every
//! record as of one moment holds the commune's lock too: a rebuild (it
//! reads the records, not the log), and a report catching up (it counts
//! everything committed before it was asked for).

use crate::backend::sql::{ID_CHUNK, Tx, id_chunks, placeholders, vals};
use crate::report::derived::Derived;
use crate::report::project::{PROJECTION_VERSION, apply, clear, rebuild};
use crate::{CentralDb, CentralError};
use gocua_core::{CommuneId, EntityKind};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Changes one background batch projects at most: enough to share the
/// recomputations of a few households' work, few enough that a push waiting
/// for the commune's lock (or SQLite's one connection) waits a fraction of
/// a second.
pub const REPORT_BATCH: usize = 500;

/// A report catching up does it in one transaction (it must wait for all of
/// it anyway); this only bounds what one batch holds in memory.
const READY_BATCH: usize = 5000;

/// Parents before children: a resident needs its household's row, an
/// action its visit's.
const ORDER: [EntityKind; 4] = [
    EntityKind::Household,
    EntityKind::Resident,
    EntityKind::Visit,
    EntityKind::AssistedAction,
];

/// How far a commune's report tables are behind its change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportLag {
    /// The last change projected (0: none).
    pub projected: i64,
    /// The commune's last change (0: none).
    pub head: i64,
}

impl CentralDb {
    /// Project at most `limit` of the commune's changes after its cursor,
    /// in one transaction under the commune's lock; how many it projected
    /// (fewer than `limit`: caught up).
    pub fn catch_up_reports(
        &self,
        commune: CommuneId,
        limit: usize,
    ) -> Result<usize, CentralError> {
        let limit = limit.max(1);
        let c = commune.to_string();
        let projected = self.write(|tx| {
            tx.lock_reports(commune)?;
            match state(tx, &c)? {
                Some((version, _)) if version == PROJECTION_VERSION => {
                    catch_up(tx, commune, limit).map(Some)
                }
                _ => Ok(None),
            }
        })?;
        match projected {
            Some(n) => Ok(n),
            // Built by another version, or never: a rebuild from the
            // records, which must hold still meanwhile.
            None => self.write(|tx| {
                tx.lock_commune(commune)?;
                tx.lock_reports(commune)?;
                catch_up(tx, commune, limit)
            }),
        }
    }

    /// Where the commune's projection stands.
    pub fn report_lag(&self, commune: CommuneId) -> Result<ReportLag, CentralError> {
        self.read(|tx| {
            let c = commune.to_string();
            Ok(ReportLag {
                projected: state(tx, &c)?.map_or(0, |(_, cursor)| cursor),
                head: head(tx, &c)?,
            })
        })
    }

    /// Bring the commune's report tables to the end of its change log (and
    /// to this version of the projection): every report calls this first.
    pub(crate) fn reports_ready(&self, commune: CommuneId) -> Result<(), CentralError> {
        let c = commune.to_string();
        let current = |tx: &mut dyn Tx| -> Result<bool, CentralError> {
            Ok(match state(tx, &c)? {
                Some((version, cursor)) => version == PROJECTION_VERSION && cursor >= head(tx, &c)?,
                None => false,
            })
        };
        if self.read(current)? {
            return Ok(());
        }
        // Pushes of the commune wait meanwhile: the report then holds
        // everything committed before it was asked for.
        self.write(|tx| {
            tx.lock_commune(commune)?;
            tx.lock_reports(commune)?;
            while catch_up(tx, commune, READY_BATCH)? == READY_BATCH {}
            Ok(())
        })
    }
}

/// (version, cursor) of a commune's projection, if it was ever built.
fn state(tx: &mut dyn Tx, commune: &str) -> Result<Option<(i64, i64)>, CentralError> {
    tx.query_opt(
        "SELECT version, projected_seq FROM report_state WHERE commune_id = $1",
        vals![commune],
    )?
    .map(|r| Ok((r.int(0)?, r.int(1)?)))
    .transpose()
}

fn head(tx: &mut dyn Tx, commune: &str) -> Result<i64, CentralError> {
    tx.query_opt(
        "SELECT coalesce(max(seq), 0) FROM changes WHERE commune_id = $1",
        vals![commune],
    )?
    .map_or(Ok(0), |r| r.int(0))
}

/// One batch, inside the caller's transaction and report lock (and commune
/// lock, when the projection may have to be rebuilt: see the module's
/// comment).
pub(crate) fn catch_up(
    tx: &mut dyn Tx,
    commune: CommuneId,
    limit: usize,
) -> Result<usize, CentralError> {
    let c = commune.to_string();
    let cursor = match state(tx, &c)? {
        Some((version, cursor)) if version == PROJECTION_VERSION => cursor,
        // Another version of the projection built these tables: redo them
        // from the records (the cursor then stands at the end).
        Some(_) => {
            rebuild(tx, commune)?;
            return Ok(0);
        }
        // Never projected (a new commune, or one whose changes predate the
        // report tables): from the start of its log.
        None => {
            clear(tx, &c)?;
            tx.execute(
                "INSERT INTO report_state (commune_id, version, projected_seq) VALUES ($1, $2, 0)",
                vals![c.as_str(), PROJECTION_VERSION],
            )?;
            0
        }
    };
    let rows = tx.query(
        "SELECT seq, entity, entity_id FROM changes
         WHERE commune_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        vals![c.as_str(), cursor, limit as i64],
    )?;
    let Some(last) = rows.last() else {
        return Ok(0);
    };
    let last = last.int(0)?;
    // Each record once, whatever number of its changes the batch holds.
    let mut ids: [Vec<String>; 4] = Default::default();
    let mut seen = HashSet::new();
    for r in &rows {
        let entity = r.text(1)?;
        // Review marks are in no report.
        if entity == EntityKind::ReviewMark.as_str() {
            continue;
        }
        let rank = ORDER
            .iter()
            .position(|k| k.as_str() == entity)
            .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
        let id = r.string(2)?;
        if seen.insert(id.clone()) {
            ids[rank].push(id);
        }
    }
    let lookup = format!(
        "SELECT entity_id, village_id, fields FROM records WHERE entity_id IN ({})",
        placeholders(1, ID_CHUNK)
    );
    let mut derived = Derived::default();
    for (entity, ids) in ORDER.into_iter().zip(&ids) {
        for (chunk, params) in ids.chunks(ID_CHUNK).zip(id_chunks(ids)) {
            let records = tx.query(&lookup, &params)?;
            if records.len() != chunk.len() {
                return Err(CentralError::Corrupt(format!(
                    "{} of {} logged {} records found",
                    records.len(),
                    chunk.len(),
                    entity.as_str()
                )));
            }
            for r in records {
                let fields: Map<String, Value> = r.json(2)?;
                apply(
                    tx,
                    entity,
                    r.parse(0)?,
                    commune,
                    r.parse(1)?,
                    &fields,
                    &mut derived,
                )?;
            }
        }
    }
    derived.finish(tx)?;
    tx.execute(
        "UPDATE report_state SET projected_seq = $1 WHERE commune_id = $2",
        vals![last, c.as_str()],
    )?;
    Ok(rows.len())
}
