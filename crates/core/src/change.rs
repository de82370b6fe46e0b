//! A change is one write to one record, as it leaves a device and travels
//! through sync. Households and residents merge field by field (the newest
//! stamp wins per field); visits and actions are immutable facts, so their
//! only later change is a void. Review marks merge field by field too.

use crate::hlc::Hlc;
use crate::ids::ChangeId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest a change may be as JSON. A real one is well under a kilobyte
/// (the longest, a visit with a 2,000-character note, about 9 KB); the
/// server refuses bigger ones, so every page it hands out has a size known
/// from its number of changes and a device can refuse a larger answer.
pub const MAX_CHANGE_JSON_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Household,
    Resident,
    Visit,
    AssistedAction,
    /// A leader's "needs fix" mark on one of the records above
    /// (`crate::review`); merges field by field like a household.
    ReviewMark,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Household => "household",
            EntityKind::Resident => "resident",
            EntityKind::Visit => "visit",
            EntityKind::AssistedAction => "assisted_action",
            EntityKind::ReviewMark => "review_mark",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        match s {
            "household" => Some(EntityKind::Household),
            "resident" => Some(EntityKind::Resident),
            "visit" => Some(EntityKind::Visit),
            "assisted_action" => Some(EntityKind::AssistedAction),
            "review_mark" => Some(EntityKind::ReviewMark),
            _ => None,
        }
    }

    /// Facts are written once and can afterwards only be voided.
    pub fn is_immutable_fact(self) -> bool {
        matches!(self, EntityKind::Visit | EntityKind::AssistedAction)
    }
}

/// One change: the fields it sets on one record, stamped by one clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub id: ChangeId,
    pub entity: EntityKind,
    pub entity_id: Uuid,
    pub hlc: Hlc,
    /// Field name → new value. For a new record, every field.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// For an edit: field name → the stamp the field had on the editing
    /// device just before. Where the receiver holds another stamp, two
    /// devices edited the field without seeing each other: a real conflict.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub base: std::collections::BTreeMap<String, Hlc>,
}
