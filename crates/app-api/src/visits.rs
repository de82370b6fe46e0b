//! Logging a visit with its actions (`commands::visits`).

use gocua_core::{ActionCode, ActionOutcome, HouseholdId, ResidentId, VisitId, VisitOutcome};
use serde::{Deserialize, Serialize};

/// One action of a visit being logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionEntry {
    pub resident_id: ResidentId,
    pub action: ActionCode,
    pub outcome: ActionOutcome,
}

/// A visit as the UI sends it: the shell credits the member logging it, at
/// the time it is saved, door to door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitEntry {
    pub household_id: HouseholdId,
    pub outcome: VisitOutcome,
    pub note: Option<String>,
    pub actions: Vec<ActionEntry>,
}

/// The visit saved, and how many actions with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedVisit {
    pub visit_id: VisitId,
    pub actions: usize,
}
