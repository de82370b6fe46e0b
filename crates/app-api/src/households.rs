//! Saving households and residents (`commands::households`). A household
//! is sent as `gocua_core::HouseholdInput` itself (the store mints the id of
//! a new one).

use gocua_core::{HouseholdId, Sex};
use serde::{Deserialize, Serialize};

/// A resident as the form sends it. `consent`: the resident agrees that
/// their data is kept; the shell records it as the day it was first given,
/// and an edit never drops a citizen ID hash already kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidentForm {
    pub household_id: HouseholdId,
    pub full_name: String,
    pub birth_year: i32,
    pub sex: Sex,
    pub has_smartphone: bool,
    pub consent: bool,
}
