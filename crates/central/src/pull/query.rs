//! The change log's queries that every pull shares: the columns a change
//! is read with, the keys a scope is walked by, one seek per page, and the
//! rows read back as changes.

use crate::CentralError;
use crate::backend::sql::{Row, Tx, vals};
use gocua_core::{Change, ChangeId, EntityKind, Hlc, VillageId};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub(crate) const COLUMNS: &str =
    "SELECT seq, change_id, entity, entity_id, hlc, fields, base, moved_from, village_id
    FROM changes";
pub(crate) const BY_COMMUNE: &str = "commune_id = $1";
pub(crate) const BY_VILLAGE: &str = "village_id = $1";
/// A household moving away is logged under its new village and also
/// reaches the devices of the one it left.
pub(crate) const BY_MOVED_FROM: &str = "moved_from = $1";
pub(crate) const BY_HOUSEHOLD: &str = "household_id = $1";
/// A change of a resident counted in another village (merged into one of
/// it) also reaches that village's devices.
pub(crate) const BY_ALSO_VILLAGE: &str = "also_village_id = $1";
pub(crate) const BY_RESIDENT: &str = "resident_id = $1";
/// The household itself, within its range.
pub(crate) const HOUSEHOLD_RECORD: &str = "household_id = $1 AND entity = 'household'";

/// `COLUMNS WHERE key AND seq in (after, until] ORDER BY seq LIMIT n`: a
/// seek on the index (key, seq) that stops at the page size.
pub(crate) fn sql(key: &str) -> String {
    format!("{COLUMNS} WHERE {key} AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4")
}

/// A change as stored, with where it was logged from.
pub(crate) struct Found {
    pub(crate) seq: i64,
    pub(crate) change: Change,
    pub(crate) moved_from: Option<VillageId>,
    /// The village it was logged under.
    pub(crate) village: VillageId,
}

/// The changes `key` = `id` with seq in (after, until], the first `limit`.
pub(crate) fn query(
    tx: &mut dyn Tx,
    key: &str,
    id: &str,
    (after, until, limit): (i64, i64, i64),
) -> Result<Vec<Found>, CentralError> {
    found(&tx.query(&sql(key), vals![id, after, until, limit])?)
}

/// Rows of `COLUMNS` as changes.
pub(crate) fn found(rows: &[Row]) -> Result<Vec<Found>, CentralError> {
    rows.iter()
        .map(|r| {
            let entity = r.text(2)?;
            let entity = EntityKind::parse(entity)
                .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
            Ok(Found {
                seq: r.int(0)?,
                change: Change {
                    id: r.parse::<ChangeId>(1)?,
                    entity,
                    entity_id: r.parse::<uuid::Uuid>(3)?,
                    hlc: r.parse::<Hlc>(4)?,
                    fields: r.json::<Map<String, Value>>(5)?,
                    base: r.json::<BTreeMap<String, Hlc>>(6)?,
                },
                moved_from: r.opt_parse::<VillageId>(7)?,
                village: r.parse::<VillageId>(8)?,
            })
        })
        .collect()
}
