//! Households moved here from a village this device does not hold: their
//! history, up to the move, is fetched once.

use crate::StoreError;
use crate::history::queue::{Pulled, queue_history};
use gocua_core::EntityKind;
use rusqlite::{Connection, params};

/// A history fetch for each household the page moved here from a village
/// this device does not hold (up to the move: what follows comes anyway).
pub(super) fn note_moves_in(
    conn: &Connection,
    page: &[Pulled],
    skip: Option<&str>,
) -> Result<(), StoreError> {
    let held = |v: String| -> Result<bool, StoreError> {
        Ok(conn
            .prepare_cached("SELECT 1 FROM pull_villages WHERE village_id = ?1")?
            .exists(params![v])?)
    };
    for p in page {
        let Some(from) = p.moved_from else { continue };
        if p.change.entity != EntityKind::Household {
            continue;
        }
        let household = p.change.entity_id.to_string();
        let to = p.change.fields.get("village_id").and_then(|v| v.as_str());
        let moved_in = match to {
            Some(to) => held(to.to_string())? && !held(from.to_string())?,
            None => false,
        };
        if moved_in && skip != Some(household.as_str()) {
            queue_history(conn, "household", &household, p.seq)?;
        }
    }
    Ok(())
}
