//! The record of every registry import (issue 16): one row per import in
//! `registry_imports` (who, which file and sheet, when, what it did) and
//! one per record it created or corrected in `registry_import_records`,
//! written in the import's own transaction, so the list never shows an
//! import that did not happen. `admin import list` and the office's Nhật
//! ký page read it.

use crate::backend::sql::{Row, Tx, Val, vals};
use crate::{CentralDb, CentralError, stamp};
use chrono::{DateTime, Utc};
use gocua_core::{ChangeId, CommuneId, EntityKind};
use serde::Serialize;
use uuid::Uuid;

/// Where an import came from, for the record.
#[derive(Debug, Clone)]
pub struct ImportSource {
    /// `admin:USER`.
    pub actor: String,
    /// The file's name, without its folder.
    pub file_name: String,
    pub sheet: String,
}

/// One import as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ImportEntry {
    pub id: i64,
    pub actor: String,
    pub file_name: String,
    pub sheet: String,
    /// RFC 3339 UTC.
    pub at: String,
    pub counts: super::import::ImportCounts,
    /// Set once the import was undone (`import_undo.rs`).
    pub undone: Option<ImportUndone>,
}

/// When and by whom an import was undone, and what the undo did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportUndone {
    /// RFC 3339 UTC.
    pub at: String,
    pub by: String,
    pub report: super::import_undo::UndoReport,
}

/// What one import wrote: (entity, id, created or not, change).
pub(crate) type Written = Vec<(EntityKind, Uuid, bool, ChangeId)>;

/// Rows of `registry_import_records` per statement.
const ROWS: usize = 100;

pub(crate) fn record(
    tx: &mut dyn Tx,
    commune: CommuneId,
    source: &ImportSource,
    counts: &super::import::ImportCounts,
    written: &Written,
    now: DateTime<Utc>,
) -> Result<i64, CentralError> {
    let row = tx
        .query_opt(
            "INSERT INTO registry_imports (commune_id, actor, file_name, sheet, at, counts)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            vals![
                commune.to_string(),
                source.actor.as_str(),
                source.file_name.as_str(),
                source.sheet.as_str(),
                stamp(now),
                crate::backend::sql::to_json(counts)?
            ],
        )?
        .ok_or_else(|| CentralError::Backend("no id for the import".into()))?;
    let id = row.int(0)?;
    for part in written.chunks(ROWS) {
        let mut marks = Vec::with_capacity(part.len());
        let mut params: Vec<Val> = Vec::with_capacity(part.len() * 5);
        for (i, (entity, entity_id, created, change)) in part.iter().enumerate() {
            let n = i * 5;
            marks.push(format!(
                "(${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            ));
            params.extend([
                Val::from(id),
                Val::from(entity.as_str()),
                Val::from(entity_id.to_string()),
                Val::from(if *created { "created" } else { "updated" }),
                Val::from(change.0.to_string()),
            ]);
        }
        tx.execute(
            &format!(
                "INSERT INTO registry_import_records (import_id, entity, entity_id, action, \
                 change_id) VALUES {}",
                marks.join(", ")
            ),
            &params,
        )?;
    }
    Ok(id)
}

impl CentralDb {
    /// The commune's imports, newest first.
    pub fn registry_imports(
        &self,
        commune: CommuneId,
        limit: u32,
    ) -> Result<Vec<ImportEntry>, CentralError> {
        self.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {IMPORT_COLUMNS} FROM registry_imports
                 WHERE commune_id = $1 ORDER BY id DESC LIMIT $2"
                ),
                vals![commune.to_string(), limit.clamp(1, crate::MAX_AUDIT_PAGE)],
            )?
            .iter()
            .map(import_entry)
            .collect()
        })
    }
}

/// The columns `import_entry` reads, in its order.
pub(crate) const IMPORT_COLUMNS: &str =
    "id, actor, file_name, sheet, at, counts, undone_at, undone_by, undo_report";

/// One row of `registry_imports`, as `IMPORT_COLUMNS` selects it.
pub(crate) fn import_entry(r: &Row) -> Result<ImportEntry, CentralError> {
    Ok(ImportEntry {
        id: r.int(0)?,
        actor: r.string(1)?,
        file_name: r.string(2)?,
        sheet: r.string(3)?,
        at: r.string(4)?,
        counts: r.json(5)?,
        undone: match r.opt_string(6)? {
            None => None,
            Some(at) => Some(ImportUndone {
                at,
                by: r.opt_string(7)?.unwrap_or_default(),
                report: r.json(8)?,
            }),
        },
    })
}
