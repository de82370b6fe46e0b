//! The conflict log: values that lost to a concurrent edit of the same
//! field on another device, kept so a leader can see and, if need be, put
//! them back by hand.

use super::{CentralDb, CentralError, DeviceAuth};
use crate::rows;
use gocua_core::{ChangeId, CommuneId, EntityKind, Hlc, VillageId};
use rusqlite::params;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictEntry {
    pub id: i64,
    pub village_id: VillageId,
    pub entity: EntityKind,
    pub entity_id: uuid::Uuid,
    pub field: String,
    pub kept_value: Value,
    pub kept_hlc: Hlc,
    pub lost_value: Value,
    pub lost_hlc: Hlc,
    /// The change that revealed the conflict.
    pub change_id: ChangeId,
    pub at: String,
}

impl CentralDb {
    /// A commune's conflicts, newest first, in some villages or all.
    pub fn conflicts(
        &self,
        commune: CommuneId,
        villages: Option<&[VillageId]>,
        limit: u32,
    ) -> Result<Vec<ConflictEntry>, CentralError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, village_id, entity, entity_id, field, kept_value, kept_hlc,
                    lost_value, lost_hlc, change_id, at
             FROM conflicts WHERE commune_id = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt.query_map(params![commune.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                rows::col::<VillageId>(r, 1)?,
                r.get::<_, String>(2)?,
                rows::col::<uuid::Uuid>(r, 3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                rows::col::<Hlc>(r, 6)?,
                r.get::<_, String>(7)?,
                rows::col::<Hlc>(r, 8)?,
                rows::col::<ChangeId>(r, 9)?,
                r.get::<_, String>(10)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                village_id,
                entity,
                entity_id,
                field,
                kept,
                kept_hlc,
                lost,
                lost_hlc,
                change_id,
                at,
            ) = row?;
            if villages.is_some_and(|vs| !vs.contains(&village_id)) {
                continue;
            }
            let entity = EntityKind::parse(&entity)
                .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
            let value =
                |s: &str| serde_json::from_str(s).map_err(|e| CentralError::Corrupt(e.to_string()));
            out.push(ConflictEntry {
                id,
                village_id,
                entity,
                entity_id,
                field,
                kept_value: value(&kept)?,
                kept_hlc,
                lost_value: value(&lost)?,
                lost_hlc,
                change_id,
                at,
            });
            if out.len() >= limit as usize {
                break;
            }
        }
        Ok(out)
    }

    /// The conflicts a device's member may see: their scope's villages.
    pub fn conflicts_for(
        &self,
        auth: &DeviceAuth,
        limit: u32,
    ) -> Result<Vec<ConflictEntry>, CentralError> {
        let villages = (!auth.scope.is_commune_wide()).then_some(auth.scope.village_ids.as_slice());
        self.conflicts(auth.scope.commune_id, villages, limit)
    }
}
