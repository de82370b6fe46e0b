//! Undoing a registry import (issue 16): `admin import undo ID`.
//!
//! What the import wrote is in its ledger (`import_ledger.rs`): the records
//! it created and the corrections it made, each with its change. The undo
//! writes ordinary changes from the import device, through the push judge,
//! in one transaction, so they reach the devices on their next pull and
//! converge like any edit:
//!
//! - A household it created is withdrawn (`voided`, with its residents the
//!   import created) unless a member worked on it since: any change naming
//!   the household from another device (a visit, a resident added, an
//!   edit, a mark). Such a household is kept, whole, and listed.
//! - A resident it created in a household that was there before is
//!   withdrawn unless a member recorded anything about them.
//! - A field it corrected goes back to the value it had before, taken from
//!   the change log (the change whose stamp the correction's base names),
//!   unless someone changed the field since (the record's stamp is no longer
//!   the correction's): then it is kept and listed.
//!
//! The undo is written on the import's row (when, by whom, what it did), so
//! an import is undone once, and `admin import list` and Nhật ký show it.

use crate::backend::sql::{Tx, Val, to_json, vals};
use crate::org::import::{import_auth, import_device};
use crate::push::push_in;
use crate::{ApplyResult, CentralDb, CentralError, stamp};
use chrono::{DateTime, Utc};
use gocua_core::converge::FieldClocks;
use gocua_core::{Change, ChangeId, CommuneId, EntityKind, Hlc, HlcClock, Void};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use thiserror::Error;
use uuid::Uuid;

/// A household or resident the undo left in place, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptRecord {
    pub entity_id: Uuid,
    /// The head's or the resident's name.
    pub name: String,
}

/// A corrected field the undo did not put back: changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptField {
    pub entity_id: Uuid,
    pub name: String,
    pub field: String,
}

/// What an undo did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoReport {
    pub import_id: i64,
    pub households_voided: usize,
    pub residents_voided: usize,
    /// Households the import created that members have worked on since.
    pub households_kept: Vec<KeptRecord>,
    /// Residents it added to earlier households that members recorded
    /// something about.
    pub residents_kept: Vec<KeptRecord>,
    /// Corrected fields put back to their earlier values.
    pub fields_restored: usize,
    pub fields_kept: Vec<KeptField>,
}

#[derive(Debug, Error)]
pub enum UndoError {
    #[error(transparent)]
    Db(#[from] CentralError),
    #[error("no import {0} in this commune")]
    NotFound(i64),
    #[error("import {id} was undone at {at}")]
    AlreadyUndone { id: i64, at: String },
    #[error("change for {entity_id} refused: [{code}] {message}")]
    Refused {
        entity_id: Uuid,
        code: String,
        message: String,
    },
}

impl UndoError {
    pub fn message_vi(&self) -> String {
        match self {
            UndoError::Db(e) => e.message_vi(),
            UndoError::NotFound(id) => format!("Không có lần nhập số {id} của xã này."),
            UndoError::AlreadyUndone { id, at } => {
                format!("Lần nhập số {id} đã được hủy lúc {at}.")
            }
            UndoError::Refused { message, .. } => {
                format!("Máy chủ không nhận thay đổi khi hủy: {message} Chưa hủy gì.")
            }
        }
    }
}

/// One record as stored, as the undo needs it.
struct Stored {
    entity: EntityKind,
    parent: Option<Uuid>,
    fields: Map<String, Value>,
    clocks: FieldClocks,
}

impl Stored {
    fn name(&self) -> String {
        let key = match self.entity {
            EntityKind::Household => "head_name",
            _ => "full_name",
        };
        self.fields
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn is_voided(&self) -> bool {
        self.fields.get("voided").is_some_and(|v| !v.is_null())
    }
}

/// Ids per `IN (…)` list.
const CHUNK: usize = 400;

impl CentralDb {
    /// Undo import `id` of `commune` (see the module's comment); `actor` is
    /// `admin:USER`.
    pub fn undo_registry_import(
        &self,
        commune: CommuneId,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<UndoReport, UndoError> {
        let mut failure: Option<UndoError> = None;
        let result = self.write(|tx| match undo_in(tx, commune, id, actor, now) {
            Ok(report) => Ok(report),
            Err(UndoError::Db(e)) => Err(e),
            Err(other) => {
                failure = Some(other);
                // Any error rolls the whole transaction back.
                Err(CentralError::Backend("undo refused".into()))
            }
        });
        match (result, failure) {
            (_, Some(f)) => Err(f),
            (Ok(r), None) => Ok(r),
            (Err(e), None) => Err(e.into()),
        }
    }
}

fn undo_in(
    tx: &mut dyn Tx,
    commune: CommuneId,
    id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<UndoReport, UndoError> {
    let row = tx
        .query_opt(
            "SELECT undone_at FROM registry_imports WHERE id = $1 AND commune_id = $2",
            vals![id, commune.to_string()],
        )?
        .ok_or(UndoError::NotFound(id))?;
    if let Some(at) = row.opt_string(0)? {
        return Err(UndoError::AlreadyUndone { id, at });
    }
    let mut created: Vec<Uuid> = Vec::new();
    let mut corrections: Vec<(Uuid, String)> = Vec::new();
    for r in tx.query(
        "SELECT entity_id, action, change_id FROM registry_import_records WHERE import_id = $1
         ORDER BY entity_id",
        vals![id],
    )? {
        let entity_id: Uuid = r.parse(0)?;
        match r.text(1)? {
            "created" => created.push(entity_id),
            _ => corrections.push((entity_id, r.string(2)?)),
        }
    }
    let mut ids: Vec<Uuid> = created.clone();
    ids.extend(corrections.iter().map(|(e, _)| *e));
    let stored = load_records(tx, &ids)?;
    let device = import_device(commune).to_string();
    let created_set: HashSet<Uuid> = created.iter().copied().collect();
    let (households, residents): (Vec<Uuid>, Vec<Uuid>) = created
        .iter()
        .filter(|e| stored.contains_key(e))
        .partition(|e| stored[e].entity == EntityKind::Household);
    // Member work: a change from any other device naming the household (or
    // the resident) — a visit, an action, a resident added, an edit.
    let worked_h = others_naming(tx, "household_id", &households, &device)?;
    let worked_r = others_naming(tx, "resident_id", &residents, &device)?;

    let auth = import_auth(tx, commune)?;
    let mut clock = HlcClock::new(auth.device_id);
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    for s in stored.values() {
        for h in s.clocks.values() {
            // After everything it withdraws or puts back, whatever the clocks.
            let _ = clock.observe(*h, now_ms);
        }
    }
    let void = Void {
        reason: format!("Hủy lần nhập danh sách số {id}"),
        by: auth.member.id,
        at: now,
    };
    let void_value =
        serde_json::to_value(&void).map_err(|e| CentralError::Corrupt(e.to_string()))?;
    let mut report = UndoReport {
        import_id: id,
        ..UndoReport::default()
    };
    let mut changes: Vec<Change> = Vec::new();
    let withdraw = |target: Uuid, s: &Stored, clock: &mut HlcClock, changes: &mut Vec<Change>| {
        let mut fields = Map::new();
        fields.insert("voided".into(), void_value.clone());
        changes.push(Change {
            id: ChangeId::new(),
            entity: s.entity,
            entity_id: target,
            hlc: clock.tick(now_ms),
            fields,
            base: s
                .clocks
                .get("voided")
                .map(|h| BTreeMap::from([("voided".to_string(), *h)]))
                .unwrap_or_default(),
        });
    };
    let mut kept_homes: HashSet<Uuid> = HashSet::new();
    for h in &households {
        let s = &stored[h];
        if worked_h.contains(h) {
            kept_homes.insert(*h);
            report.households_kept.push(KeptRecord {
                entity_id: *h,
                name: s.name(),
            });
        } else if !s.is_voided() {
            withdraw(*h, s, &mut clock, &mut changes);
            report.households_voided += 1;
        }
    }
    for r in &residents {
        let s = &stored[r];
        let home = s.parent.unwrap_or_default();
        if kept_homes.contains(&home) {
            continue;
        }
        // A resident of a household this import added goes with it; one it
        // added to an earlier household stays if a member recorded anything.
        if !created_set.contains(&home) && worked_r.contains(r) {
            report.residents_kept.push(KeptRecord {
                entity_id: *r,
                name: s.name(),
            });
        } else if !s.is_voided() {
            withdraw(*r, s, &mut clock, &mut changes);
            report.residents_voided += 1;
        }
    }
    // Corrections: per record, the fields to put back and their stamps.
    let mut restore: BTreeMap<Uuid, (Map<String, Value>, FieldClocks)> = BTreeMap::new();
    for (entity_id, change_id) in &corrections {
        let Some(s) = stored.get(entity_id) else {
            continue;
        };
        let Some(row) = tx.query_opt(
            "SELECT hlc, fields, base FROM changes WHERE change_id = $1",
            vals![change_id.as_str()],
        )?
        else {
            continue;
        };
        let hlc: Hlc = row.parse(0)?;
        let fields: Map<String, Value> = row.json(1)?;
        let base: FieldClocks = row.json(2)?;
        for field in fields.keys() {
            if s.clocks.get(field) != Some(&hlc) {
                report.fields_kept.push(KeptField {
                    entity_id: *entity_id,
                    name: s.name(),
                    field: field.clone(),
                });
                continue;
            }
            let before = match base.get(field) {
                None => Value::Null,
                Some(b) => {
                    value_set_at(tx, s.entity, *entity_id, *b, field)?.unwrap_or(Value::Null)
                }
            };
            let entry = restore.entry(*entity_id).or_default();
            entry.0.insert(field.clone(), before);
            entry.1.insert(field.clone(), hlc);
            report.fields_restored += 1;
        }
    }
    for (entity_id, (fields, base)) in restore {
        changes.push(Change {
            id: ChangeId::new(),
            entity: stored[&entity_id].entity,
            entity_id,
            hlc: clock.tick(now_ms),
            fields,
            base,
        });
    }
    for part in changes.chunks(500) {
        for ((_, result), change) in push_in(tx, &auth, part, now)?.into_iter().zip(part) {
            if let ApplyResult::Rejected { code, message } = result {
                return Err(UndoError::Refused {
                    entity_id: change.entity_id,
                    code,
                    message,
                });
            }
        }
    }
    tx.execute(
        "UPDATE registry_imports SET undone_at = $1, undone_by = $2, undo_report = $3
         WHERE id = $4",
        vals![stamp(now), actor, to_json(&report)?, id],
    )?;
    Ok(report)
}

/// The stored households and residents among `ids`.
fn load_records(tx: &mut dyn Tx, ids: &[Uuid]) -> Result<HashMap<Uuid, Stored>, CentralError> {
    let mut out = HashMap::new();
    let unique: BTreeSet<Uuid> = ids.iter().copied().collect();
    let unique: Vec<Uuid> = unique.into_iter().collect();
    for part in unique.chunks(CHUNK) {
        let sql = format!(
            "SELECT entity_id, entity, parent_id, fields, clocks FROM records
             WHERE entity_id IN ({})",
            marks(1, part.len())
        );
        let params: Vec<Val> = part.iter().map(|i| Val::from(i.to_string())).collect();
        for row in tx.query(&sql, &params)? {
            let Some(entity) = EntityKind::parse(row.text(1)?) else {
                continue;
            };
            out.insert(
                row.parse(0)?,
                Stored {
                    entity,
                    parent: row.opt_parse(2)?,
                    fields: row.json(3)?,
                    clocks: row.json(4)?,
                },
            );
        }
    }
    Ok(out)
}

/// Which of `ids` a change from a device other than `device` names in
/// `column` (`household_id` or `resident_id` of the change log).
fn others_naming(
    tx: &mut dyn Tx,
    column: &str,
    ids: &[Uuid],
    device: &str,
) -> Result<HashSet<Uuid>, CentralError> {
    let mut out = HashSet::new();
    for part in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT DISTINCT {column} FROM changes WHERE device_id <> $1 AND {column} IN ({})",
            marks(2, part.len())
        );
        let mut params: Vec<Val> = vec![Val::from(device)];
        params.extend(part.iter().map(|i| Val::from(i.to_string())));
        for row in tx.query(&sql, &params)? {
            out.insert(row.parse(0)?);
        }
    }
    Ok(out)
}

/// The value `field` of record `id` was given by the change stamped `hlc`.
fn value_set_at(
    tx: &mut dyn Tx,
    entity: EntityKind,
    id: Uuid,
    hlc: Hlc,
    field: &str,
) -> Result<Option<Value>, CentralError> {
    // Through the log's household and resident indexes: a household's own
    // changes name it, a resident's own name the resident.
    let sql = match entity {
        EntityKind::Household => {
            "SELECT fields FROM changes WHERE household_id = $1 AND entity_id = $1 AND hlc = $2"
        }
        _ => "SELECT fields FROM changes WHERE resident_id = $1 AND entity_id = $1 AND hlc = $2",
    };
    let row = tx.query_opt(sql, vals![id.to_string(), hlc.to_string()])?;
    Ok(match row {
        None => None,
        Some(r) => r.json::<Map<String, Value>>(0)?.remove(field),
    })
}

/// `$first, $first+1, …` for `n` values.
fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
