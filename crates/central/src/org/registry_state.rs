//! What a re-import compares the file with: every household and resident
//! of the commune as the server holds it (fields and per-field stamps), and
//! the edits a corrected file makes to them.
//!
//! The server binary matches the file's people to these records (the same
//! person under a corrected name or birth year) and decides, field by
//! field, what to update: a field last written by the import itself may be
//! corrected; one a member changed on a phone since is kept (the stamp's
//! device says which). The edits are written by `import_registry` as
//! ordinary changes from the import device, with the stamps they were
//! decided on as their base, so they reach the devices on their next pull
//! and a concurrent edit shows as a conflict rather than vanishing.

use crate::CentralDb;
use crate::CentralError;
use crate::backend::sql::vals;
use gocua_core::converge::FieldClocks;
use gocua_core::{CommuneId, EntityKind};
use serde_json::{Map, Value};
use std::collections::HashSet;
use uuid::Uuid;

/// One household or resident as stored.
#[derive(Debug, Clone)]
pub struct RegistryRecord {
    pub id: Uuid,
    /// A resident's household.
    pub parent: Option<Uuid>,
    pub fields: Map<String, Value>,
    pub clocks: FieldClocks,
}

/// The commune's households and residents.
#[derive(Debug, Clone, Default)]
pub struct RegistryState {
    pub households: Vec<RegistryRecord>,
    pub residents: Vec<RegistryRecord>,
    /// File values an earlier import was refused for a field a member
    /// changed on a phone: (record, field, `refusal_hash` of the value).
    /// Such a conflict is reported once, not on every re-import of a list
    /// that still has the old value.
    pub refused: HashSet<(Uuid, String, String)>,
}

impl RegistryState {
    /// Whether an earlier import already reported `value` for `field` of
    /// record `id` as kept against the file.
    pub fn refused_before(&self, id: Uuid, field: &str, value: &Value) -> bool {
        self.refused
            .contains(&(id, field.to_string(), refusal_hash(value)))
    }
}

/// A file value kept out of a record because a member changed the field
/// on a phone (a conflict, reported): remembered with the import, so the
/// same value is not reported again.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryRefusal {
    pub entity_id: Uuid,
    pub field: String,
    pub value: Value,
}

/// What `registry_import_refusals` keeps of a value: a SHA-256 of its
/// JSON, no second copy of the personal data.
pub fn refusal_hash(value: &Value) -> String {
    crate::sha256_hex(&value.to_string())
}

/// An edit of a record already on the server: the fields to set and the
/// stamps they had when the import decided (its base). `tag` is the file's
/// row, named if the server refuses it.
#[derive(Debug, Clone)]
pub struct RegistryUpdate {
    pub tag: usize,
    pub entity: EntityKind,
    pub id: Uuid,
    pub fields: Map<String, Value>,
    pub base: FieldClocks,
}

impl CentralDb {
    /// Every household and resident of `commune`, for an import to match
    /// its rows against (one read; about 10 MB for 25,000 residents).
    pub fn registry_state(&self, commune: CommuneId) -> Result<RegistryState, CentralError> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT entity_id, entity, parent_id, fields, clocks FROM records
                 WHERE commune_id = $1 AND entity IN ('household', 'resident')",
                vals![commune.to_string()],
            )?;
            let mut state = RegistryState::default();
            for row in tx.query(
                "SELECT entity_id, field, value_hash FROM registry_import_refusals
                 WHERE commune_id = $1",
                vals![commune.to_string()],
            )? {
                state
                    .refused
                    .insert((row.parse(0)?, row.string(1)?, row.string(2)?));
            }
            for row in rows {
                let record = RegistryRecord {
                    id: row.parse(0)?,
                    parent: row.opt_parse(2)?,
                    fields: row.json(3)?,
                    clocks: row.json(4)?,
                };
                match row.text(1)? {
                    "household" => state.households.push(record),
                    _ => state.residents.push(record),
                }
            }
            Ok(state)
        })
    }
}
