//! How changes from many devices combine, as pure functions used alike by
//! the device store and the server, so both reach the same state.
//!
//! - Households and residents: last writer wins per field, "last" by the
//!   change's hybrid logical clock (ties broken by device id, inside `Hlc`'s
//!   ordering). A change that overwrites a value its writer had not seen is a
//!   conflict, and the losing value is reported so a leader can see it.
//! - Visits and actions: immutable facts. The first change creates them; later
//!   ones can only void them, and the first void stands.

use crate::change::Change;
use crate::hlc::Hlc;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Field name → stamp of the change that last set it.
pub type FieldClocks = BTreeMap<String, Hlc>;

/// A value that lost to a concurrent edit of the same field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldConflict {
    pub field: String,
    pub kept_value: Value,
    pub kept_hlc: Hlc,
    pub lost_value: Value,
    pub lost_hlc: Hlc,
}

/// The record after a change, with its clocks and any conflicts found.
#[derive(Debug, Clone, PartialEq)]
pub struct Converged {
    pub fields: Map<String, Value>,
    pub clocks: FieldClocks,
    pub conflicts: Vec<FieldConflict>,
}

/// Merge a change into a mergeable record's current fields and clocks
/// (both empty for a record not seen before). Order-independent: applying
/// the same set of changes in any order gives the same fields and clocks.
pub fn converge_fields(
    mut fields: Map<String, Value>,
    mut clocks: FieldClocks,
    change: &Change,
) -> Converged {
    let mut conflicts = Vec::new();
    for (name, incoming) in &change.fields {
        let stamp = clocks.get(name).copied();
        let incoming_wins = stamp.is_none_or(|s| change.hlc > s);
        if let (Some(current), Some(stamp)) = (fields.get(name), stamp) {
            // Only a value the writer had not seen makes a real conflict.
            let unseen = change.base.get(name) != Some(&stamp) && stamp != change.hlc;
            if unseen && current != incoming {
                conflicts.push(if incoming_wins {
                    FieldConflict {
                        field: name.clone(),
                        kept_value: incoming.clone(),
                        kept_hlc: change.hlc,
                        lost_value: current.clone(),
                        lost_hlc: stamp,
                    }
                } else {
                    FieldConflict {
                        field: name.clone(),
                        kept_value: current.clone(),
                        kept_hlc: stamp,
                        lost_value: incoming.clone(),
                        lost_hlc: change.hlc,
                    }
                });
            }
        }
        if incoming_wins {
            fields.insert(name.clone(), incoming.clone());
            clocks.insert(name.clone(), change.hlc);
        }
    }
    Converged {
        fields,
        clocks,
        conflicts,
    }
}

/// What a change does to an immutable fact.
#[derive(Debug, Clone, PartialEq)]
pub enum FactEffect {
    /// The fact is new: create it from the change's fields.
    Create,
    /// The fact exists and the change voids it (a no-op if already voided).
    Void(Value),
    /// The fact exists and the change brings nothing new.
    Nothing,
}

pub fn fact_effect(exists: bool, change: &Change) -> FactEffect {
    if !exists {
        return FactEffect::Create;
    }
    match change.fields.get("voided") {
        Some(v) if !v.is_null() => FactEffect::Void(v.clone()),
        _ => FactEffect::Nothing,
    }
}

/// A record's fields as a change carries them: its JSON object without the
/// id (the change carries that). Fails only for a type that is not a JSON
/// object.
pub fn to_fields<R: Serialize>(record: &R) -> Result<Map<String, Value>, serde_json::Error> {
    match serde_json::to_value(record)? {
        Value::Object(mut m) => {
            m.remove("id");
            Ok(m)
        }
        _ => Err(serde::ser::Error::custom("record is not an object")),
    }
}

/// Rebuild a record from its id and fields; fails when a field is missing
/// or has the wrong type.
pub fn from_fields<R: serde::de::DeserializeOwned>(
    id: uuid::Uuid,
    mut fields: Map<String, Value>,
) -> Result<R, serde_json::Error> {
    fields.insert("id".into(), Value::String(id.to_string()));
    serde_json::from_value(Value::Object(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::EntityKind;
    use crate::ids::{ChangeId, DeviceId};
    use proptest::prelude::*;
    use serde_json::json;
    use uuid::Uuid;

    fn change(device: u128, wall: u64, fields: Value) -> Change {
        let Value::Object(fields) = fields else {
            panic!()
        };
        Change {
            id: ChangeId::new(),
            entity: EntityKind::Household,
            entity_id: Uuid::from_u128(1),
            hlc: Hlc {
                wall_ms: wall,
                counter: 0,
                device: DeviceId(Uuid::from_u128(device)),
            },
            fields,
            base: FieldClocks::new(),
        }
    }

    #[test]
    fn later_stamp_wins_per_field_and_the_loser_is_reported() {
        let create = change(1, 10, json!({"head_name": "A", "phone": null}));
        let m = converge_fields(Map::new(), FieldClocks::new(), &create);
        assert!(m.conflicts.is_empty());
        let mut edit1 = change(1, 20, json!({"head_name": "B"}));
        edit1.base.insert("head_name".into(), create.hlc);
        let mut edit2 = change(2, 30, json!({"head_name": "C", "phone": "0912345678"}));
        edit2.base.insert("head_name".into(), create.hlc);
        edit2.base.insert("phone".into(), create.hlc);
        let a = converge_fields(m.fields.clone(), m.clocks.clone(), &edit1);
        let a = converge_fields(a.fields, a.clocks, &edit2);
        assert_eq!(a.fields["head_name"], "C");
        assert_eq!(a.conflicts.len(), 1);
        assert_eq!(a.conflicts[0].lost_value, "B");
        let b = converge_fields(m.fields, m.clocks, &edit2);
        let b = converge_fields(b.fields, b.clocks, &edit1);
        assert_eq!(b.fields, a.fields);
        assert_eq!(b.conflicts[0].lost_value, "B", "same loser whichever order");
    }

    #[test]
    fn facts_are_created_once_then_only_voided() {
        let c = change(1, 1, json!({"outcome": "met"}));
        assert_eq!(fact_effect(false, &c), FactEffect::Create);
        assert_eq!(fact_effect(true, &c), FactEffect::Nothing);
        let v = change(1, 2, json!({"voided": {"reason": "x"}}));
        assert!(matches!(fact_effect(true, &v), FactEffect::Void(_)));
    }

    proptest! {
        #[test]
        fn any_order_gives_the_same_record(
            edits in proptest::collection::vec((1u128..4, 0u64..50, 0usize..3, 0u8..4), 1..12),
            seed in any::<u64>(),
        ) {
            let names = ["head_name", "address", "phone"];
            // A clock never issues the same stamp twice: the index keeps them unique.
            let changes: Vec<Change> = edits.iter().enumerate().map(|(i, (dev, wall, field, value))| {
                let mut c = change(*dev, *wall, json!({ names[*field]: format!("v{value}") }));
                c.hlc.counter = i as u32;
                c
            }).collect();
            let fold = |order: &[Change]| {
                let mut f = Map::new();
                let mut c = FieldClocks::new();
                for ch in order {
                    let m = converge_fields(f, c, ch);
                    f = m.fields;
                    c = m.clocks;
                }
                (f, c)
            };
            let mut shuffled = changes.clone();
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(fold(&changes), fold(&shuffled));
        }
    }
}
