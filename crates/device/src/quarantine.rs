//! The quarantine: changes that could not go through, kept whole with why,
//! and what a person can do about each one.
//!
//! - `pushed`: the server refused this device's change (it left the outbox
//!   in the same transaction). Once the cause is gone — the server's
//!   catalogue or organisation changed, the household's parent arrived —
//!   `retry_quarantined` puts it back in the outbox, unchanged (same id,
//!   same stamp), and the next sync pushes it again.
//!   A change refused as `clock_ahead` is stamped again instead, by the
//!   server's time, once the device knows it (`clock.rs`); a sync does
//!   that by itself.
//! - `pulled`: a change from the server this device could not apply. Every
//!   sync tries these again (`retry_pulled_quarantine`); `retry_quarantined`
//!   tries one at once.
//!
//! Giving up on one is an explicit act, never silent: `discard_quarantined`
//! moves it whole to `quarantine_discards` with the time and an optional
//! note, where it stays listed (`discarded_changes`). Discarding does not
//! undo anything on the device: a refused local change still shows here,
//! only the server never takes it.

use crate::sync_state::record_pulled_outcomes;
use crate::{ApplyOutcome, Store, StoreError, rows};
use gocua_core::{Change, validate};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineDirection {
    /// The server refused this device's change.
    Pushed,
    /// This device could not apply a change from the server.
    Pulled,
}

impl QuarantineDirection {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            QuarantineDirection::Pushed => "pushed",
            QuarantineDirection::Pulled => "pulled",
        }
    }

    fn from_column(s: &str) -> QuarantineDirection {
        match s {
            "pulled" => QuarantineDirection::Pulled,
            _ => QuarantineDirection::Pushed,
        }
    }
}

/// A change held aside, whole, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantinedChange {
    pub id: i64,
    pub direction: QuarantineDirection,
    pub change: Change,
    pub code: String,
    pub message: String,
    pub quarantined_at: String,
}

/// What `retry_quarantined` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RetryOutcome {
    /// A refused push is back in the outbox: the next sync sends it.
    Requeued,
    /// A held pulled change went in now.
    Applied,
    /// A held pulled change still cannot be applied; it stays held.
    StillHeld { reason: String },
}

/// A quarantined change someone chose to give up on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscardedChange {
    pub id: i64,
    pub direction: QuarantineDirection,
    pub change: Change,
    /// Why it was quarantined.
    pub code: String,
    pub message: String,
    pub quarantined_at: String,
    pub discarded_at: String,
    /// Why it was given up, if the person said.
    pub note: Option<String>,
}

impl Store {
    /// Quarantined changes, newest first.
    pub fn quarantine(&self, limit: usize) -> Result<Vec<QuarantinedChange>, StoreError> {
        self.quarantine_rows(None, i64::try_from(limit).unwrap_or(i64::MAX), false)
    }

    /// How many changes are quarantined, in both directions.
    pub fn quarantine_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0))?)
    }

    /// One quarantined change by its id (as listed).
    pub fn quarantined(&self, id: i64) -> Result<QuarantinedChange, StoreError> {
        self.conn()
            .query_row(
                "SELECT id, direction, change, code, message, quarantined_at
                 FROM quarantine WHERE id = ?1",
                params![id],
                quarantine_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("quarantined change", id))
    }

    /// Try one quarantined change again (see the module comment): a
    /// refused push goes back to the outbox in one transaction; a held
    /// pulled change is applied now if it can be.
    pub fn retry_quarantined(&mut self, id: i64) -> Result<RetryOutcome, StoreError> {
        let q = self.quarantined(id)?;
        match q.direction {
            // Refused for a clock running ahead: stamped again by the
            // server's time (with every other change held for it), once the
            // device knows that time (`clock.rs`).
            QuarantineDirection::Pushed
                if q.code == crate::clock::CLOCK_AHEAD && self.clock_offset_ms().is_some() =>
            {
                self.fix_clock()?;
                Ok(RetryOutcome::Requeued)
            }
            QuarantineDirection::Pushed => {
                let c = &q.change;
                let fields = serde_json::to_string(&c.fields)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let base = serde_json::to_string(&c.base)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let tx = self.conn.transaction()?;
                // At the end of the queue: whatever it depends on was
                // either sent already or is queued before it.
                tx.execute(
                    "INSERT INTO outbox (change_id, entity, entity_id, hlc, fields, base)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (change_id) DO NOTHING",
                    params![
                        c.id.to_string(),
                        c.entity.as_str(),
                        c.entity_id.to_string(),
                        c.hlc.to_string(),
                        fields,
                        base
                    ],
                )?;
                tx.execute("DELETE FROM quarantine WHERE id = ?1", params![id])?;
                tx.commit()?;
                Ok(RetryOutcome::Requeued)
            }
            QuarantineDirection::Pulled => {
                let held = [q.change];
                let (outcomes, ()) = self.apply_then(&held, |tx, outcomes| {
                    record_pulled_outcomes(tx, &held, outcomes)
                })?;
                Ok(match outcomes.into_iter().next() {
                    Some(ApplyOutcome::Rejected { reason }) => RetryOutcome::StillHeld { reason },
                    _ => RetryOutcome::Applied,
                })
            }
        }
    }

    /// Try again every pulled change this device could not apply before
    /// (their record may have arrived since). Returns how many went in.
    pub fn retry_pulled_quarantine(&mut self) -> Result<usize, StoreError> {
        let held: Vec<Change> = self
            .quarantine_rows(Some(QuarantineDirection::Pulled), i64::MAX, true)?
            .into_iter()
            .map(|q| q.change)
            .collect();
        if held.is_empty() {
            return Ok(0);
        }
        let (outcomes, ()) = self.apply_then(&held, |tx, outcomes| {
            record_pulled_outcomes(tx, &held, outcomes)?;
            // Held by a version that did not fetch a merged resident's
            // history: ask for it now, up to the cursor (it is behind).
            let cursor: i64 = tx.query_row(
                "SELECT pull_cursor FROM sync_state WHERE singleton = 1",
                [],
                |r| r.get(0),
            )?;
            let page: Vec<crate::Pulled> = held
                .iter()
                .map(|change| crate::Pulled {
                    seq: cursor,
                    change: change.clone(),
                    moved_from: None,
                    village: None,
                })
                .collect();
            crate::history::note_merges_in(tx, &page, outcomes, None)
        })?;
        Ok(outcomes
            .iter()
            .filter(|o| !matches!(o, ApplyOutcome::Rejected { .. }))
            .count())
    }

    /// Give up on one quarantined change: it moves, whole, to the list of
    /// discarded changes with the time and `note`, in one transaction.
    pub fn discard_quarantined(
        &mut self,
        id: i64,
        note: Option<&str>,
    ) -> Result<DiscardedChange, StoreError> {
        let note = note
            .map(gocua_core::text::normalize_name)
            .filter(|n| !n.is_empty());
        if let Some(n) = &note {
            validate::max_len("note", n, validate::MAX_NOTE_CHARS)
                .map_err(gocua_core::ValidationErrors::from)?;
        }
        let tx = self.conn.transaction()?;
        let moved = tx.execute(
            "INSERT INTO quarantine_discards (direction, change_id, entity, entity_id, change,
                 code, message, quarantined_at, discarded_at, note)
             SELECT direction, change_id, entity, entity_id, change, code, message,
                    quarantined_at, ?2, ?3
             FROM quarantine WHERE id = ?1",
            params![id, chrono::Utc::now().to_rfc3339(), note],
        )?;
        if moved == 0 {
            return Err(StoreError::not_found("quarantined change", id));
        }
        let discard_id = tx.last_insert_rowid();
        tx.execute("DELETE FROM quarantine WHERE id = ?1", params![id])?;
        tx.commit()?;
        self.discarded_rows(Some(discard_id), 1)?
            .pop()
            .ok_or_else(|| StoreError::not_found("discarded change", discard_id))
    }

    /// Quarantined changes that were given up on, newest first.
    pub fn discarded_changes(&self, limit: usize) -> Result<Vec<DiscardedChange>, StoreError> {
        self.discarded_rows(None, i64::try_from(limit).unwrap_or(i64::MAX))
    }

    fn discarded_rows(
        &self,
        id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DiscardedChange>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, direction, change, code, message, quarantined_at, discarded_at, note
             FROM quarantine_discards WHERE ?1 IS NULL OR id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![id, limit], |r| {
            Ok(DiscardedChange {
                id: r.get(0)?,
                direction: QuarantineDirection::from_column(&r.get::<_, String>(1)?),
                change: rows::json_col(r, 2)?,
                code: r.get(3)?,
                message: r.get(4)?,
                quarantined_at: r.get(5)?,
                discarded_at: r.get(6)?,
                note: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn quarantine_rows(
        &self,
        direction: Option<QuarantineDirection>,
        limit: i64,
        oldest_first: bool,
    ) -> Result<Vec<QuarantinedChange>, StoreError> {
        let mut stmt = self.conn().prepare_cached(if oldest_first {
            "SELECT id, direction, change, code, message, quarantined_at FROM quarantine
             WHERE ?1 IS NULL OR direction = ?1 ORDER BY id LIMIT ?2"
        } else {
            "SELECT id, direction, change, code, message, quarantined_at FROM quarantine
             WHERE ?1 IS NULL OR direction = ?1 ORDER BY id DESC LIMIT ?2"
        })?;
        let rows = stmt.query_map(
            params![direction.map(|d| d.as_str()), limit],
            quarantine_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn quarantine_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QuarantinedChange> {
    Ok(QuarantinedChange {
        id: r.get(0)?,
        direction: QuarantineDirection::from_column(&r.get::<_, String>(1)?),
        change: rows::json_col(r, 2)?,
        code: r.get(3)?,
        message: r.get(4)?,
        quarantined_at: r.get(5)?,
    })
}
