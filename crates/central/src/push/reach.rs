//! Where else a change must be logged (see docs/sync.md): a resident
//! merged into one of another village is counted there, so that village's
//! devices must get the merge, its undoing, and every later change of the
//! duplicate and of its actions, and a void of a visit holding one of them.
//! Each change also names the resident it is
//! about, so a device can fetch one resident's history by it. Read through
//! the push's `PushBatch`, which read the merge links ahead: no round trip
//! per change.

use crate::CentralError;
use crate::push::Judge;
use crate::push::batch::Record;
use gocua_core::same_person::Roots;
use gocua_core::{EntityKind, ResidentId, VillageId};
use serde_json::Value;
use uuid::Uuid;

/// Longest merge chain followed; a longer one (never made by hand) is cut.
const MAX_CHAIN: usize = 16;

/// What a kept change adds to its row of the change log.
pub(crate) struct Reach {
    /// The resident the change is about: a resident's own, an action's.
    pub(crate) resident: Option<Uuid>,
    /// The village of that resident's root, when not the record's own.
    pub(crate) also_village: Option<VillageId>,
    /// For a change of whom a resident is merged into: the village their
    /// root was in before, when neither the record's nor the new root's
    /// (logged as `moved_from`: that village's devices must learn that
    /// the person no longer counts there).
    pub(crate) left_village: Option<VillageId>,
}

impl Judge<'_> {
    /// The reach of the change being kept as `record` (the batch still
    /// holds the record as it was before it).
    pub(crate) fn reach(&mut self, record: &Record) -> Result<Reach, CentralError> {
        let home = record.village_id;
        let elsewhere = |v: Option<VillageId>| v.filter(|v| *v != home);
        match record.entity {
            EntityKind::Resident => {
                let id = self.change.entity_id;
                let now = merged_into(&record.fields);
                let also = elsewhere(self.root_village(id, now)?);
                let mut left = None;
                if self.change.fields.contains_key("merged_into") {
                    let before = self.batch.merge_link(self.tx, id)?.and_then(|l| l.0);
                    left = elsewhere(self.root_village(id, before)?).filter(|v| Some(*v) != also);
                }
                Ok(Reach {
                    resident: Some(id),
                    also_village: also,
                    left_village: left,
                })
            }
            EntityKind::AssistedAction => {
                let Some(resident) = record
                    .fields
                    .get("resident_id")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                else {
                    return Ok(Reach {
                        resident: None,
                        also_village: None,
                        left_village: None,
                    });
                };
                let link = self.batch.merge_link(self.tx, resident)?;
                let into = link.and_then(|l| l.0);
                Ok(Reach {
                    resident: Some(resident),
                    also_village: elsewhere(self.root_village(resident, into)?),
                    left_village: None,
                })
            }
            EntityKind::Visit if self.batch.meta(self.tx, self.change.entity_id)?.is_some() => {
                // A void takes back the actions of the visit: the village
                // any of them counts in must learn it.
                let mut also = None;
                for r in self.batch.visit_residents(self.tx, self.change.entity_id)? {
                    let into = self.batch.merge_link(self.tx, r)?.and_then(|l| l.0);
                    also = elsewhere(self.root_village(r, into)?);
                    if also.is_some() {
                        break;
                    }
                }
                Ok(Reach {
                    resident: None,
                    also_village: also,
                    left_village: None,
                })
            }
            _ => Ok(Reach {
                resident: None,
                also_village: None,
                left_village: None,
            }),
        }
    }

    /// The village of `id`'s root when `id` is merged into `into` (None:
    /// not merged, or the root is unknown), by the rule every holder
    /// applies (`gocua_core::same_person`), over the chain from `id`.
    fn root_village(
        &mut self,
        id: Uuid,
        into: Option<Uuid>,
    ) -> Result<Option<VillageId>, CentralError> {
        let Some(first) = into else { return Ok(None) };
        let mut edges = vec![(ResidentId(id), ResidentId(first))];
        let mut at = first;
        let mut village = None;
        for _ in 0..MAX_CHAIN {
            if at == id {
                break;
            }
            let Some((next, v)) = self.batch.merge_link(self.tx, at)? else {
                break;
            };
            village = Some((at, v));
            match next {
                Some(n) if !edges.iter().any(|(from, _)| from.0 == at) => {
                    edges.push((ResidentId(at), ResidentId(n)));
                    at = n;
                }
                _ => break,
            }
        }
        let root = Roots::resolve(edges).of(ResidentId(id)).0;
        if root == id {
            return Ok(None);
        }
        if village.is_some_and(|(r, _)| r == root) {
            return Ok(village.map(|(_, v)| v));
        }
        Ok(self.batch.merge_link(self.tx, root)?.map(|l| l.1))
    }
}

/// A resident's `merged_into`, from its fields.
fn merged_into(fields: &serde_json::Map<String, Value>) -> Option<Uuid> {
    fields
        .get("merged_into")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}
