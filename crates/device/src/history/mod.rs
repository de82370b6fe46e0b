//! The device's side of scope changes (the server's is described in
//! docs/sync.md). The pull cursor covers the villages the device held
//! while it moved; when the scope grows, what lies behind the cursor for the
//! new part is fetched once, as history:
//!
//! - `pull_villages` lists the villages whose changes this device has in
//!   full (or is fetching). Each sync hands it the scope the server sent
//!   (`set_scope_villages`): a village gained gets a history fetch of its
//!   changes up to the current cursor (later ones come with the cursor); a
//!   village lost is forgotten, so gaining it again fetches it again. The
//!   copies of its records stay on the device, out of the member's lists.
//! - A pulled change that moved a household here from a village this
//!   device does not hold gets a history fetch of that household, up to the
//!   move (`apply_pulled`, `apply_history_page`).
//! - A pulled merge of a resident this device does not hold (one of another
//!   village, merged into one of its own), or an action of such a
//!   resident whose visit it lacks, gets a history fetch of that resident
//!   up to that change (`merged.rs`); the change itself waits in the
//!   quarantine until the fetch brings it again, in the same round.
//!
//! Each page of history is applied together with its fetch's progress (or
//! the fetch's end) in one transaction, like the cursor's pages: a cut
//! connection costs nothing, and applying a change twice is a no-op.

mod merged;
mod moved;
mod queue;

pub use queue::Pulled;

use crate::sync_state::record_pulled_outcomes;
use crate::{ApplyOutcome, Store, StoreError};
use gocua_core::{Change, HouseholdId, ResidentId, VillageId};
pub(crate) use merged::note_merges_in;
use moved::note_moves_in;
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeSet;

/// Whose history a fetch brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryTarget {
    Village(VillageId),
    Household(HouseholdId),
    Resident(ResidentId),
}

/// History still to fetch: the target's changes with `after` < seq <=
/// `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryFetch {
    pub id: i64,
    pub target: HistoryTarget,
    pub after: i64,
    pub until: i64,
}

/// How the scope moved on this sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeChange {
    pub gained: Vec<VillageId>,
    pub lost: Vec<VillageId>,
}

impl Store {
    /// Take the villages the server says this device reads now (see the
    /// module comment), in one transaction.
    pub fn set_scope_villages(
        &mut self,
        villages: &[VillageId],
    ) -> Result<ScopeChange, StoreError> {
        let now: BTreeSet<VillageId> = villages.iter().copied().collect();
        let tx = self.conn.transaction()?;
        let held: BTreeSet<VillageId> = tx
            .prepare("SELECT village_id FROM pull_villages")?
            .query_map([], |r| crate::rows::col(r, 0))?
            .collect::<Result<_, _>>()?;
        let cursor: i64 = tx.query_row(
            "SELECT pull_cursor FROM sync_state WHERE singleton = 1",
            [],
            |r| r.get(0),
        )?;
        let change = ScopeChange {
            gained: now.difference(&held).copied().collect(),
            lost: held.difference(&now).copied().collect(),
        };
        for v in &change.gained {
            tx.execute(
                "INSERT INTO pull_villages (village_id) VALUES (?1)",
                params![v.to_string()],
            )?;
            // At cursor 0 the cursor itself brings everything.
            if cursor > 0 {
                tx.execute(
                    "INSERT INTO pull_history (kind, target, after, until)
                     VALUES ('village', ?1, 0, ?2)
                     ON CONFLICT (kind, target) DO UPDATE SET after = 0, until = excluded.until",
                    params![v.to_string(), cursor],
                )?;
            }
        }
        for v in &change.lost {
            tx.execute(
                "DELETE FROM pull_villages WHERE village_id = ?1",
                params![v.to_string()],
            )?;
            tx.execute(
                "DELETE FROM pull_history WHERE kind = 'village' AND target = ?1",
                params![v.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(change)
    }

    /// History still to fetch, oldest first.
    pub fn history_fetches(&self) -> Result<Vec<HistoryFetch>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, kind, target, after, until FROM pull_history ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            let kind: String = r.get(1)?;
            let target = match kind.as_str() {
                "village" => HistoryTarget::Village(crate::rows::col(r, 2)?),
                "resident" => HistoryTarget::Resident(crate::rows::col(r, 2)?),
                _ => HistoryTarget::Household(crate::rows::col(r, 2)?),
            };
            Ok(HistoryFetch {
                id: r.get(0)?,
                target,
                after: r.get(3)?,
                until: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Apply one page pulled from the cursor and move the cursor to
    /// `cursor`, in one transaction; households that moved in from a
    /// village this device does not hold get a history fetch. Changes that
    /// cannot be applied yet are quarantined, as by `apply_pull_page`.
    pub fn apply_pulled(
        &mut self,
        page: &[Pulled],
        cursor: i64,
    ) -> Result<Vec<ApplyOutcome>, StoreError> {
        let changes: Vec<Change> = page.iter().map(|p| p.change.clone()).collect();
        let (outcomes, ()) = self.apply_then(&changes, |tx, outcomes| {
            record_pulled_outcomes(tx, &changes, outcomes)?;
            tx.execute(
                "UPDATE sync_state SET pull_cursor = ?1 WHERE singleton = 1",
                params![cursor],
            )?;
            note_merges_in(tx, page, outcomes, None)?;
            note_moves_in(tx, page, None)?;
            crate::relay::keep_pulled(tx, page)
        })?;
        Ok(outcomes)
    }

    /// Apply one page pulled from the leader's relay and move the relay
    /// cursor to `cursor`, in one transaction: as `apply_pulled`, but the
    /// server's cursor stays where it is (the relay's order is not the
    /// server's). History this reveals is fetched from the server on the
    /// next direct sync.
    pub fn apply_relay_pulled(
        &mut self,
        page: &[Pulled],
        cursor: i64,
    ) -> Result<Vec<ApplyOutcome>, StoreError> {
        let changes: Vec<Change> = page.iter().map(|p| p.change.clone()).collect();
        let (outcomes, ()) = self.apply_then(&changes, |tx, outcomes| {
            record_pulled_outcomes(tx, &changes, outcomes)?;
            let n = tx.execute(
                "UPDATE relay_link SET pull_cursor = ?1 WHERE singleton = 1",
                params![cursor],
            )?;
            if n == 0 {
                return Err(StoreError::Corrupt("no relay joined".into()));
            }
            note_merges_in(tx, page, outcomes, None)?;
            note_moves_in(tx, page, None)
        })?;
        Ok(outcomes)
    }

    /// Apply one page of a history fetch and move the fetch on to `cursor`
    /// (or end it when `done`), in one transaction.
    pub fn apply_history_page(
        &mut self,
        fetch: i64,
        page: &[Pulled],
        cursor: i64,
        done: bool,
    ) -> Result<Vec<ApplyOutcome>, StoreError> {
        let changes: Vec<Change> = page.iter().map(|p| p.change.clone()).collect();
        let (outcomes, ()) = self.apply_then(&changes, |tx, outcomes| {
            record_pulled_outcomes(tx, &changes, outcomes)?;
            let this: Option<(String, String)> = tx
                .query_row(
                    "SELECT kind, target FROM pull_history WHERE id = ?1",
                    params![fetch],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if done {
                tx.execute("DELETE FROM pull_history WHERE id = ?1", params![fetch])?;
            } else {
                tx.execute(
                    "UPDATE pull_history SET after = max(after, ?2) WHERE id = ?1",
                    params![fetch, cursor],
                )?;
            }
            // A household's own history names its own moves: no fetch of
            // itself again.
            let own_resident = this
                .as_ref()
                .filter(|(kind, _)| kind == "resident")
                .map(|(_, target)| target.as_str());
            note_merges_in(tx, page, outcomes, own_resident)?;
            let own = this
                .as_ref()
                .filter(|(kind, _)| kind == "household")
                .map(|(_, target)| target.as_str());
            note_moves_in(tx, page, own)?;
            crate::relay::keep_pulled(tx, page)
        })?;
        Ok(outcomes)
    }
}
