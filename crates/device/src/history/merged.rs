//! Residents of other villages merged into one this device holds (the
//! server's side is its pull of one resident's history). The merge reaches this
//! device because the server logs it for the kept resident's village too,
//! but the duplicate's record, and the household and visits its actions
//! hang on, were never here: the change cannot be applied. Such a change
//! asks for that resident's history up to it, which brings it again with
//! what it needs; the same for an action of that resident whose visit is
//! not here (logged after the merge, its visit only in its own village).

use crate::history::queue::{Pulled, queue_history};
use crate::{ApplyOutcome, StoreError};
use gocua_core::EntityKind;
use rusqlite::{Connection, params};
use serde_json::Value;

/// A history fetch for each resident a change of `page` could not be
/// applied for, for lack of what a merge across villages brings (`skip`:
/// the resident whose history this page is).
pub(crate) fn note_merges_in(
    conn: &Connection,
    page: &[Pulled],
    outcomes: &[ApplyOutcome],
    skip: Option<&str>,
) -> Result<(), StoreError> {
    let has = |table: &str, id: &str| -> Result<bool, StoreError> {
        Ok(conn
            .prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
            .exists(params![id])?)
    };
    let text = |p: &Pulled, name: &str| -> Option<String> {
        p.change
            .fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    for (p, outcome) in page.iter().zip(outcomes) {
        if !matches!(outcome, ApplyOutcome::Rejected { .. }) {
            continue;
        }
        let resident = match p.change.entity {
            EntityKind::Resident => {
                let id = p.change.entity_id.to_string();
                let merge = text(p, "merged_into").is_some();
                (merge && !has("residents", &id)?).then_some(id)
            }
            EntityKind::AssistedAction => match (text(p, "visit_id"), text(p, "resident_id")) {
                (Some(visit), Some(resident)) if !has("visits", &visit)? => Some(resident),
                _ => None,
            },
            _ => None,
        };
        let Some(resident) = resident else { continue };
        if skip == Some(resident.as_str()) {
            continue;
        }
        queue_history(conn, "resident", &resident, p.seq)?;
    }
    Ok(())
}
