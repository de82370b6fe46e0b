//! The conflict log: values that lost to a concurrent edit of the same
//! field on another device, kept so a leader can see and, if need be, put
//! them back by hand.

use crate::backend::sql::vals;
use crate::{CentralDb, CentralError, DeviceAuth};
use gocua_core::{ChangeId, CommuneId, EntityKind, Hlc, VillageId};
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
        let rows = self.read(|tx| {
            tx.query(
                "SELECT id, village_id, entity, entity_id, field, kept_value, kept_hlc,
                        lost_value, lost_hlc, change_id, at
                 FROM conflicts WHERE commune_id = $1 ORDER BY id DESC",
                vals![commune.to_string()],
            )
        })?;
        let value = |s: &str| -> Result<Value, CentralError> {
            serde_json::from_str(s).map_err(|e| CentralError::Corrupt(e.to_string()))
        };
        let mut out = Vec::new();
        for r in rows {
            let village_id: VillageId = r.parse(1)?;
            if villages.is_some_and(|vs| !vs.contains(&village_id)) {
                continue;
            }
            let entity = r.text(2)?;
            let entity = EntityKind::parse(entity)
                .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
            out.push(ConflictEntry {
                id: r.int(0)?,
                village_id,
                entity,
                entity_id: r.parse::<uuid::Uuid>(3)?,
                field: r.string(4)?,
                kept_value: value(r.text(5)?)?,
                kept_hlc: r.parse::<Hlc>(6)?,
                lost_value: value(r.text(7)?)?,
                lost_hlc: r.parse::<Hlc>(8)?,
                change_id: r.parse::<ChangeId>(9)?,
                at: r.string(10)?,
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
