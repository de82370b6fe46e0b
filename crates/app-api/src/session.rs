//! First run, unlocking, and who is using the app (`commands::session`).

use chrono::NaiveDate;
use gocua_core::{Member, Village};
use serde::{Deserialize, Serialize};

/// Whether the app is set up and unlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    /// A database exists on this device (it was enrolled).
    pub set_up: bool,
    pub unlocked: bool,
    /// Seconds before another PIN may be tried (after wrong PINs).
    pub wait_seconds: u64,
    /// The app locks itself after this many idle seconds.
    pub idle_lock_seconds: u64,
}

/// Who is using the app, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub member: Member,
    pub team_name: Option<String>,
    pub commune_name: String,
    pub villages: Vec<Village>,
    pub device_name: String,
    pub server_url: Option<String>,
    /// Leaders and commune officers see the team view.
    pub is_leader: bool,
    /// Today in Vietnam, as the device's clock has it.
    pub today: NaiveDate,
}
