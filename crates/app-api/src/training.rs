//! The team's training, for its leader (`commands::training`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One member of the team and their training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberTrainingLine {
    pub name: String,
    /// Trained this year (a session in it, up to today).
    pub trained: bool,
    pub sessions_this_year: usize,
    /// The latest session, any year.
    pub last_day: Option<NaiveDate>,
    pub last_topic: Option<String>,
}

/// The team's training against the goal (everyone by 30 June).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamTrainingView {
    pub team_name: String,
    pub as_of: NaiveDate,
    pub goal_day: NaiveDate,
    pub trained: usize,
    pub total: usize,
    pub met: bool,
    /// Where the team stands, as a sentence ("Còn 42 ngày đến hạn 30/06/2026").
    pub status_vi: String,
    /// Untrained members first, then in the organisation's name order.
    pub members: Vec<MemberTrainingLine>,
}
