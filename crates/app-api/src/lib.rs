//! Gõ Cửa field app's command contract: the types the shell's commands
//! (`gocua-app`) take and return, which the UI (`gocua-ui`) sends and reads
//! back as JSON through Tauri's invoke. One definition for both sides, so
//! what one writes the other reads; `gocua_app_api::X` names every one,
//! including the read models and records it carries from `gocua-core`.
//!
//! This crate owns the shapes that only the app's commands declare (the
//! session, forms, month and sync views), one module per commands file. It
//! must not hold logic, rules or I/O, and may depend on nothing but
//! `gocua-core` and plain data crates: it builds for wasm32 and natively.
//! A changed field or enum representation changes the JSON the UI and the
//! shell exchange.

mod discovery;
mod households;
mod relay;
mod reports;
mod session;
mod sync;
mod training;
mod visits;

pub use discovery::DiscoveredServer;
pub use households::ResidentForm;
pub use relay::{PairingView, RELAY_DEFAULT_PORT, RelayHostView, RelayLinkView, RelaySyncOutcome};
pub use reports::{
    ActionCount, ConflictView, MemberLine, MyMonth, QuarterMonthLine, TeamMonthView,
    TeamQuarterView,
};
pub use session::{AppStatus, SessionInfo};
pub use sync::{QuarantineView, SYNC_PROGRESS_EVENT, SyncOutcome, SyncProgress, SyncStatus};
pub use training::{MemberTrainingLine, TeamTrainingView};
pub use visits::{ActionEntry, LoggedVisit, VisitEntry};

// What the commands carry from gocua-core: the device's read models, the
// checklist inside them, and the records and ids they take and return.
pub use gocua_core::review::ReviewMark;
pub use gocua_core::rules::{ChecklistItem, ChecklistStatus};
pub use gocua_core::views::{
    FollowUpItem, HouseholdDetail, MergedAction, MergedRecord, ResidentDetail, ReviewItem,
    SearchHit, VisitActionSummary, VisitSummary, Worklist, WorklistHousehold,
};
pub use gocua_core::{
    CatalogueEntry, EntityKind, Household, HouseholdId, HouseholdInput, Member, Resident,
    ResidentId, ReviewMarkId, Village, VisitId,
};
