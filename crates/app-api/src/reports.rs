//! The month figures — mine, my team's (for leaders) — and the conflict
//! log (`commands::reports`).

use gocua_core::HouseholdId;
use serde::{Deserialize, Serialize};

/// A count per action (or per outcome), with its Vietnamese name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCount {
    pub name_vi: String,
    pub count: usize,
}

/// "Tháng của tôi".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyMonth {
    pub month: String,
    pub households_helped: usize,
    pub quota: usize,
    pub assists: usize,
    pub follow_ups_due: usize,
    pub by_action: Vec<ActionCount>,
}

/// One member's line in the team's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLine {
    pub name: String,
    pub households_helped: usize,
    pub assists: usize,
    pub quota: usize,
    pub meets_quota: bool,
}

/// The team's month, for its leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMonthView {
    pub month: String,
    pub team_name: String,
    pub assists: usize,
    pub quota: usize,
    pub meets_quota: bool,
    pub households_helped: usize,
    pub members: Vec<MemberLine>,
    pub by_action: Vec<ActionCount>,
    /// Every action recorded this month by how it ended.
    pub by_outcome: Vec<ActionCount>,
}

/// An edit that lost to another when two devices changed the same field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictView {
    pub what: String,
    /// Whose record: the household head's or the resident's name.
    pub subject: String,
    /// The household to open, when the record still exists here.
    pub household_id: Option<HouseholdId>,
    pub field: String,
    pub kept_value: String,
    pub lost_value: String,
    /// When the losing edit was made (RFC 3339).
    pub lost_at: String,
}
