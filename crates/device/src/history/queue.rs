//! What the history fetches share: a change as pulled, and the queue of
//! fetches still to make.

use crate::StoreError;
use gocua_core::{Change, VillageId};
use rusqlite::{Connection, params};

/// A change as pulled: its server order, and for a change that moved a
/// household to another village, the village it left.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    pub seq: i64,
    pub change: Change,
    pub moved_from: Option<VillageId>,
    /// The village the server logged the change under (None from older
    /// servers, and for changes held again from the quarantine). A relay
    /// serves its members by it.
    pub village: Option<VillageId>,
}

/// Queue a fetch of one household's or resident's history (`kind`) up to
/// `until`; one already queued for it is stretched to the later bound.
pub(crate) fn queue_history(
    conn: &Connection,
    kind: &str,
    target: &str,
    until: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO pull_history (kind, target, after, until)
         VALUES (?1, ?2, 0, ?3)
         ON CONFLICT (kind, target) DO UPDATE SET until = max(until, excluded.until)",
    )?
    .execute(params![kind, target, until])?;
    Ok(())
}
