//! The store's side of sync: reading and acknowledging the outbox, and
//! applying changes that came from the server. Applied changes never enter
//! the outbox; applying the same change twice is a no-op.

use crate::clock::Now;
use crate::converge::{ConvergingRecord, FieldClocks, from_fields};
use crate::visits::{insert_action, insert_visit, set_void};
use crate::{Store, StoreError, rows};
use chrono::NaiveDate;
use gocua_core::converge::{FactEffect, converge_fields, fact_effect};
use gocua_core::{
    AssistedAction, Change, ChangeId, EntityKind, HlcClock, Household, Resident, Visit, Void,
};
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ApplyOutcome {
    Applied,
    AlreadyHad,
    Rejected { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub entity: String,
    pub entity_id: String,
    pub field: String,
    pub kept_value: String,
    pub kept_hlc: String,
    pub lost_value: String,
    pub lost_hlc: String,
}

impl Store {
    /// The oldest `limit` changes not yet acknowledged by the server.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, change_id, entity, entity_id, hlc, fields, base FROM outbox
             ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            let entity: String = r.get(2)?;
            Ok((
                r.get::<_, i64>(0)?,
                rows::col::<ChangeId>(r, 1)?,
                entity,
                rows::col::<uuid::Uuid>(r, 3)?,
                rows::col(r, 4)?,
                rows::json_col::<Map<String, Value>>(r, 5)?,
                rows::json_col::<FieldClocks>(r, 6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, entity, entity_id, hlc, fields, base) = row?;
            let entity = EntityKind::parse(&entity)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown entity {entity}")))?;
            out.push(OutboxEntry {
                seq,
                change: Change {
                    id,
                    entity,
                    entity_id,
                    hlc,
                    fields,
                    base,
                },
            });
        }
        Ok(out)
    }

    /// Changes the server has durably taken leave the outbox (for the
    /// archive of sent changes, `resend.rs`).
    pub fn outbox_ack(&mut self, ids: &[ChangeId]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        crate::resend::archive_sent(&tx, ids)?;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM outbox WHERE change_id = ?1")?;
            for id in ids {
                stmt.execute(params![id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn unsent_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }

    /// Apply changes from the server in one transaction. Each change is
    /// judged on its own: a bad one is rejected without stopping the rest.
    pub fn apply_remote(&mut self, changes: &[Change]) -> Result<Vec<ApplyOutcome>, StoreError> {
        self.apply_then(changes, |_, _| Ok(()))
            .map(|(outcomes, ())| outcomes)
    }

    /// Apply changes from the server, then run `then` in the same
    /// transaction with the outcomes (to record sync progress atomically).
    pub(crate) fn apply_then<T>(
        &mut self,
        changes: &[Change],
        then: impl FnOnce(&Transaction<'_>, &[ApplyOutcome]) -> Result<T, StoreError>,
    ) -> Result<(Vec<ApplyOutcome>, T), StoreError> {
        let now = self.work_now();
        let clock = self.clock.as_mut().ok_or(StoreError::NotInitialised)?;
        let mut draft = clock.clone();
        let mut tx = self.conn.transaction()?;
        let outcomes = apply_in(&mut tx, &mut draft, changes, now)?;
        tx.execute(
            "UPDATE device SET last_hlc = ?1 WHERE singleton = 1",
            params![draft.current().to_string()],
        )?;
        let out = then(&tx, &outcomes)?;
        tx.commit()?;
        *clock = draft;
        Ok((outcomes, out))
    }

    /// Field values that lost a concurrent edit, newest first.
    pub fn conflicts(&self, limit: usize) -> Result<Vec<Conflict>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT entity, entity_id, field, kept_value, kept_hlc, lost_value, lost_hlc
             FROM conflicts ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(Conflict {
                entity: r.get(0)?,
                entity_id: r.get(1)?,
                field: r.get(2)?,
                kept_value: r.get(3)?,
                kept_hlc: r.get(4)?,
                lost_value: r.get(5)?,
                lost_hlc: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Apply each change inside `tx`, moving `draft` past every stamp taken;
/// `now` (corrected by the server's time where known) bounds how far ahead
/// a stamp taken may be.
fn apply_in(
    tx: &mut Transaction<'_>,
    draft: &mut HlcClock,
    changes: &[Change],
    now: Now,
) -> Result<Vec<ApplyOutcome>, StoreError> {
    let own_device = draft.device();
    let mut outcomes = Vec::with_capacity(changes.len());
    let today = now.today();
    let now = now.ms();
    for change in changes {
        let seen = tx
            .prepare_cached("SELECT 1 FROM applied_changes WHERE change_id = ?1")?
            .exists(params![change.id.to_string()])?;
        // Our own changes coming back are already here.
        if seen || change.hlc.device == own_device {
            outcomes.push(ApplyOutcome::AlreadyHad);
            continue;
        }
        if let Err(e) = draft.observe(change.hlc, now) {
            outcomes.push(ApplyOutcome::Rejected {
                reason: e.to_string(),
            });
            continue;
        }
        let sp = tx.savepoint()?;
        match apply_one(&sp, change, today) {
            Ok(()) => {
                sp.execute(
                    "INSERT INTO applied_changes (change_id) VALUES (?1)",
                    params![change.id.to_string()],
                )?;
                sp.commit()?;
                outcomes.push(ApplyOutcome::Applied);
            }
            Err(e) => {
                drop(sp); // rolls back this change only
                outcomes.push(ApplyOutcome::Rejected {
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(outcomes)
}

fn apply_one(conn: &Connection, change: &Change, today: NaiveDate) -> Result<(), StoreError> {
    match change.entity {
        EntityKind::Household => converge_record::<Household>(conn, change, today),
        EntityKind::Resident => converge_record::<Resident>(conn, change, today),
        EntityKind::Visit => apply_fact::<Visit>(conn, change, "visits", insert_visit),
        EntityKind::AssistedAction => {
            apply_fact::<AssistedAction>(conn, change, "assisted_actions", insert_action)
        }
        EntityKind::ReviewMark => {
            converge_record::<gocua_core::review::ReviewMark>(conn, change, today)
        }
    }
}

fn invalid(e: impl ToString) -> StoreError {
    StoreError::Corrupt(format!(
        "change does not describe a valid record: {}",
        e.to_string()
    ))
}

/// Last writer wins, field by field (`gocua_core::converge`); the loser of a
/// real conflict is logged.
fn converge_record<R: ConvergingRecord>(
    conn: &Connection,
    change: &Change,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let (fields, clocks) = match R::load(conn, change.entity_id)? {
        Some((current, clocks)) => (crate::converge::to_fields(&current)?, clocks),
        None => (Map::new(), FieldClocks::new()),
    };
    let merged = converge_fields(fields, clocks, change);
    for c in &merged.conflicts {
        conn.prepare_cached(
            "INSERT INTO conflicts (entity, entity_id, field, kept_value, kept_hlc,
                                    lost_value, lost_hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            R::KIND.as_str(),
            change.entity_id.to_string(),
            c.field,
            c.kept_value.to_string(),
            c.kept_hlc.to_string(),
            c.lost_value.to_string(),
            c.lost_hlc.to_string(),
        ])?;
    }
    let record: R = from_fields(change.entity_id, merged.fields).map_err(invalid)?;
    record.check(today)?;
    record.save(conn, &merged.clocks)
}

/// Facts are inserted once; afterwards only a void is taken.
fn apply_fact<F: serde::de::DeserializeOwned>(
    conn: &Connection,
    change: &Change,
    table: &str,
    insert: fn(&Connection, &F) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let exists = conn
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
        .exists(params![change.entity_id.to_string()])?;
    match fact_effect(exists, change) {
        FactEffect::Create => {
            let fact: F = from_fields(change.entity_id, change.fields.clone()).map_err(invalid)?;
            insert(conn, &fact)
        }
        FactEffect::Void(v) => {
            let void: Void = serde_json::from_value(v).map_err(invalid)?;
            set_void(conn, table, change.entity_id, &void)?;
            Ok(())
        }
        FactEffect::Nothing => Ok(()),
    }
}
