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
    /// The months a leader can step to (`YYYY-MM`): None past the current
    /// month.
    pub prev_month: Option<String>,
    pub next_month: Option<String>,
    /// The quarter the month lies in, with its deadlines.
    pub quarter: TeamQuarterView,
}

/// The team's quarter: each month's assists against its quota, the sum
/// against the quarter's (3 × 50), and the reporting deadlines as the
/// commune office's page shows them (`gocua_core::indicators::Deadlines`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamQuarterView {
    /// "Quý IV/2026".
    pub label: String,
    pub months: Vec<QuarterMonthLine>,
    pub assists: usize,
    pub quota: usize,
    pub meets_quota: bool,
    pub deadlines: gocua_core::indicators::Deadlines,
    /// The last month of the quarter before and after (`YYYY-MM`), to step
    /// a quarter at a time; None past the current month.
    pub prev_quarter_month: Option<String>,
    pub next_quarter_month: Option<String>,
}

/// One month in the quarter: `future` months have not begun yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterMonthLine {
    pub month: String,
    pub assists: usize,
    pub quota: usize,
    pub meets_quota: bool,
    pub future: bool,
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
