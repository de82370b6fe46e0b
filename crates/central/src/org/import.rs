//! The commune's registry (its household and resident lists in Excel)
//! coming in on the server. The server binary reads and checks the file;
//! here the records it made are written as changes from the server's own
//! "import device", through the same judging and merge as a device's push
//! (`push::push_in`), so they land in `changes` and `records` and reach the
//! village teams' devices on their next pull.
//!
//! - One transaction for the whole file: every household goes in, or, when
//!   the database or the judge refuses anything, nothing does.
//! - Ids are derived from the file (UUIDv5 of the commune and a stable key
//!   the caller builds), and so are the change ids: importing the same file
//!   again finds every record there and adds nothing.
//! - A record that already exists is not created again. A corrected file
//!   edits it through `RegistryUpdate`s the caller decided field by field
//!   (`registry_state.rs`): only fields the import itself wrote last, so
//!   the teams' corrections in the field win.

use crate::backend::sql::{Tx, Val, vals};
use crate::lookups::village_commune;
use crate::org::import_ledger::{ImportSource, Written, record};
use crate::org::registry_state::{RegistryRefusal, RegistryUpdate, refusal_hash};
use crate::push::push_in;
use crate::scopes::commune_villages;
use crate::{ApplyResult, CentralDb, CentralError, DeviceAuth, Scope};
use chrono::{DateTime, Utc};
use gocua_core::citizen_id::CommuneSecret;
use gocua_core::converge::to_fields;
use gocua_core::{
    Change, ChangeId, Commune, CommuneId, DeviceId, EntityKind, Hlc, HlcClock, Household, Member,
    MemberId, Resident, Role, Village, VillageId,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use thiserror::Error;
use uuid::Uuid;

/// Namespace of every id the import derives (fixed forever: changing it
/// would make a re-import duplicate everything).
const NAMESPACE: Uuid = Uuid::from_u128(0x6f6e_6b63_7561_4e88_9a2b_676f_6375_6131);

/// A stable id for `key` within a commune: the same file gives the same ids.
pub fn registry_id(commune: CommuneId, key: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{commune}/{key}").as_bytes())
}

/// Households written per call of the push judge.
const BATCH: usize = 100;

/// The device id the server's imports stamp their changes with.
pub fn import_device(commune: CommuneId) -> DeviceId {
    DeviceId(registry_id(commune, "device/registry-import"))
}

/// Where an import goes: the commune, its villages (for matching names in
/// the file) and the secret CCCD numbers are hashed with.
pub struct ImportTarget {
    pub commune: Commune,
    pub villages: Vec<Village>,
    pub secret: CommuneSecret,
}

/// One household of the file with its residents, already checked by the
/// domain's constructors. `tag` comes back in a refusal (the caller's row).
#[derive(Debug, Clone)]
pub struct RegistryHousehold {
    pub tag: usize,
    pub household: Household,
    pub residents: Vec<(usize, Resident)>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ImportCounts {
    pub households_added: usize,
    pub households_existing: usize,
    pub residents_added: usize,
    pub residents_existing: usize,
    /// Existing records edited by the file (corrections).
    #[serde(default)]
    pub households_updated: usize,
    #[serde(default)]
    pub residents_updated: usize,
    /// Its number in `admin import list` (None before it is recorded).
    #[serde(default)]
    pub import_id: Option<i64>,
}

#[derive(Debug, Error)]
pub enum ImportError {
    #[error(transparent)]
    Db(#[from] CentralError),
    #[error("the database holds {count} communes: say which one (--commune)")]
    CommuneNeeded { count: usize },
    /// The judge refused a record: nothing was imported.
    #[error("record {entity_id} (row {tag}) refused: [{code}] {message}")]
    Refused {
        tag: usize,
        entity_id: Uuid,
        code: String,
        message: String,
    },
}

impl ImportError {
    pub fn message_vi(&self) -> String {
        match self {
            ImportError::Db(e) => e.message_vi(),
            ImportError::CommuneNeeded { count: 0 } => {
                "Chưa có xã nào trên máy chủ; hãy tạo xã và thôn/xóm trước khi nhập.".into()
            }
            ImportError::CommuneNeeded { .. } => {
                "Máy chủ có nhiều xã: hãy chỉ rõ xã bằng --commune.".into()
            }
            ImportError::Refused { tag, message, .. } => format!(
                "Máy chủ không nhận bản ghi ở dòng {tag}: {message} Chưa nhập gì từ tệp này."
            ),
        }
    }
}

impl CentralDb {
    /// The commune an import goes into: the one named, else the village's,
    /// else the only commune there is.
    pub fn import_target(
        &self,
        commune: Option<CommuneId>,
        village: Option<VillageId>,
    ) -> Result<ImportTarget, ImportError> {
        let found = self.read(|tx| {
            let from_village = match village {
                None => None,
                Some(v) => Some(
                    village_commune(tx, v)?.ok_or_else(|| CentralError::not_found("village", v))?,
                ),
            };
            let id = match (commune, from_village) {
                (Some(c), Some(v)) if c != v => {
                    return Err(CentralError::OtherCommune {
                        what: "village",
                        id: village.map(|v| v.to_string()).unwrap_or_default(),
                    });
                }
                (Some(c), _) | (None, Some(c)) => c,
                (None, None) => {
                    let all = tx.query("SELECT id FROM communes", &[])?;
                    match all.as_slice() {
                        [one] => one.parse(0)?,
                        _ => return Ok(Err(all.len())),
                    }
                }
            };
            let secret = tx
                .query_opt(
                    "SELECT secret_hex, secret_wrapped FROM communes WHERE id = $1",
                    vals![id.to_string()],
                )?
                .ok_or_else(|| CentralError::not_found("commune", id))?;
            let secret = self
                .key()
                .unwrap_secret(id, secret.text(0)?, secret.int(1)? != 0)?;
            Ok(Ok((id, secret)))
        })?;
        let (id, secret) = found.map_err(|count| ImportError::CommuneNeeded { count })?;
        let snapshot = self.org_snapshot(id)?;
        Ok(ImportTarget {
            commune: snapshot.commune,
            villages: snapshot.villages,
            secret,
        })
    }

    /// Write the households and residents that are not there yet, as
    /// changes from the import device, in one transaction. `progress` hears
    /// how many households are done.
    #[allow(clippy::too_many_arguments)] // what the file gives, where from, when
    pub fn import_registry(
        &self,
        commune: CommuneId,
        households: &[RegistryHousehold],
        updates: &[RegistryUpdate],
        refusals: &[RegistryRefusal],
        source: &ImportSource,
        now: DateTime<Utc>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportCounts, ImportError> {
        let mut refused = None;
        let result = self.write(|tx| {
            let auth = import_auth(tx, commune)?;
            let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
            let mut clock = HlcClock::new(auth.device_id);
            let mut counts = ImportCounts::default();
            let mut written: Written = Vec::new();
            // Households a batch at a time: few round trips to PostgreSQL,
            // and the progress bar still moves.
            for (first, batch) in households.chunks(BATCH).enumerate() {
                let ids = batch.iter().flat_map(|h| {
                    std::iter::once(h.household.id.0).chain(h.residents.iter().map(|(_, r)| r.id.0))
                });
                let known = existing(tx, ids.collect())?;
                // Change id → the row it came from, to name it if refused.
                let mut rows = BTreeMap::new();
                let mut changes = Vec::new();
                for h in batch {
                    if known.contains(&h.household.id.0) {
                        counts.households_existing += 1;
                    } else {
                        let hlc = clock.tick(now_ms);
                        let c = create(
                            commune,
                            EntityKind::Household,
                            h.household.id.0,
                            &h.household,
                            hlc,
                        )?;
                        rows.insert(c.id, h.tag);
                        changes.push(c);
                        counts.households_added += 1;
                    }
                    for (row, r) in &h.residents {
                        if known.contains(&r.id.0) {
                            counts.residents_existing += 1;
                            continue;
                        }
                        let c =
                            create(commune, EntityKind::Resident, r.id.0, r, clock.tick(now_ms))?;
                        rows.insert(c.id, *row);
                        changes.push(c);
                        counts.residents_added += 1;
                    }
                }
                written.extend(changes.iter().map(|c| (c.entity, c.entity_id, true, c.id)));
                if !changes.is_empty() {
                    push_all(tx, &auth, &changes, &rows, now, &mut refused)?;
                }
                progress(first * BATCH + batch.len());
            }
            // Corrections, after the creations (a corrected person may now
            // belong to nothing new, but the order costs nothing).
            for batch in updates.chunks(BATCH * 4) {
                let mut rows = BTreeMap::new();
                let mut changes = Vec::new();
                for u in batch {
                    for stamp in u.base.values() {
                        // Sort after what it corrects, whatever the clocks.
                        let _ = clock.observe(*stamp, now_ms);
                    }
                    let change = Change {
                        id: ChangeId::new(),
                        entity: u.entity,
                        entity_id: u.id,
                        hlc: clock.tick(now_ms),
                        fields: u.fields.clone(),
                        base: u.base.clone(),
                    };
                    rows.insert(change.id, u.tag);
                    changes.push(change);
                    match u.entity {
                        EntityKind::Household => counts.households_updated += 1,
                        _ => counts.residents_updated += 1,
                    }
                }
                written.extend(changes.iter().map(|c| (c.entity, c.entity_id, false, c.id)));
                push_all(tx, &auth, &changes, &rows, now, &mut refused)?;
            }
            let id = record(tx, commune, source, &counts, &written, now)?;
            for r in refusals {
                tx.execute(
                    "INSERT INTO registry_import_refusals
                         (commune_id, entity_id, field, value_hash, import_id)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (entity_id, field, value_hash) DO NOTHING",
                    vals![
                        commune.to_string(),
                        r.entity_id.to_string(),
                        r.field.as_str(),
                        refusal_hash(&r.value),
                        id
                    ],
                )?;
            }
            counts.import_id = Some(id);
            Ok(counts)
        });
        match (result, refused) {
            (_, Some(refusal)) => Err(refusal),
            (Ok(counts), None) => Ok(counts),
            (Err(e), None) => Err(e.into()),
        }
    }
}

/// The import acts as an admin's device of the commune: it may write in
/// every village, and its changes carry its own device id.
pub(crate) fn import_auth(tx: &mut dyn Tx, commune: CommuneId) -> Result<DeviceAuth, CentralError> {
    let village_ids = commune_villages(tx, commune)?;
    Ok(DeviceAuth {
        device_id: import_device(commune),
        member: Member {
            id: MemberId(registry_id(commune, "member/registry-import")),
            commune_id: commune,
            team_id: None,
            full_name: "Nhập danh sách (máy chủ)".into(),
            role: Role::Admin,
        },
        signing_key: None,
        scope: Scope {
            commune_id: commune,
            role: Role::Admin,
            village_ids,
        },
    })
}

/// Which of `ids` the server has a record of: one query per batch.
fn existing(tx: &mut dyn Tx, ids: Vec<Uuid>) -> Result<HashSet<Uuid>, CentralError> {
    let mut found = HashSet::new();
    for part in ids.chunks(500) {
        let marks: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT entity_id FROM records WHERE entity_id IN ({})",
            marks.join(", ")
        );
        let params: Vec<Val> = part.iter().map(|id| Val::from(id.to_string())).collect();
        for row in tx.query(&sql, &params)? {
            found.insert(row.parse(0)?);
        }
    }
    Ok(found)
}

/// The change creating a record: every field, and an id fixed by the
/// record's, so the same creation is never taken twice.
fn create<R: Serialize>(
    commune: CommuneId,
    entity: EntityKind,
    id: Uuid,
    record: &R,
    hlc: Hlc,
) -> Result<Change, CentralError> {
    Ok(Change {
        id: ChangeId(registry_id(commune, &format!("change/create/{id}"))),
        entity,
        entity_id: id,
        hlc,
        fields: to_fields(record).map_err(|e| CentralError::Corrupt(e.to_string()))?,
        base: BTreeMap::new(),
    })
}

/// Push `changes` as the import's device. The first change the judge
/// refuses is kept in `refused`, named by its row (`rows`: change id →
/// row), and fails the call: any error rolls the whole import back.
fn push_all(
    tx: &mut dyn Tx,
    auth: &DeviceAuth,
    changes: &[Change],
    rows: &BTreeMap<ChangeId, usize>,
    now: DateTime<Utc>,
    refused: &mut Option<ImportError>,
) -> Result<(), CentralError> {
    let results = push_in(tx, auth, changes, now)?;
    for ((id, result), change) in results.into_iter().zip(changes) {
        if let ApplyResult::Rejected { code, message } = result {
            *refused = Some(ImportError::Refused {
                tag: rows.get(&id).copied().unwrap_or_default(),
                entity_id: change.entity_id,
                code,
                message,
            });
            return Err(CentralError::Backend("import refused".into()));
        }
    }
    Ok(())
}
