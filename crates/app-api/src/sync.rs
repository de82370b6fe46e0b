//! Sync: its state for the home screen, a round's outcome, and the
//! progress lines sent while it runs (`commands::sync`).

use serde::{Deserialize, Serialize};

/// The event carrying a `SyncProgress` line during a sync.
pub const SYNC_PROGRESS_EVENT: &str = "sync-progress";

/// A change held back (quarantined) instead of applied or sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineView {
    pub id: i64,
    /// The server refused it (`true`) or this device could not apply it.
    pub refused_by_server: bool,
    pub what: String,
    pub message: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub server_url: Option<String>,
    pub unsent: i64,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub syncing: bool,
    pub quarantined: Vec<QuarantineView>,
    /// Set when the phone's clock is off the server's by more than five
    /// minutes: what is wrong and how to set it, in Vietnamese.
    #[serde(default)]
    pub clock_warning: Option<String>,
    /// Set for a week after the commune server was restored from a backup:
    /// that this device sent (or is sending) its work again, in Vietnamese.
    #[serde(default)]
    pub restore_notice: Option<String>,
    /// This device joined its team leader's relay (issue 18): the sync
    /// card offers "Đồng bộ qua trạm chuyển tiếp".
    #[serde(default)]
    pub relay_joined: bool,
    /// What the last sync through the relay did, in Vietnamese ("Đã đồng
    /// bộ qua trạm của tổ trưởng: gửi N thay đổi, nhận M"), until the next
    /// direct sync succeeds.
    #[serde(default)]
    pub relay_notice: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOutcome {
    /// False when an automatic sync found nothing to do (or was busy).
    pub ran: bool,
    pub sent: usize,
    pub received: usize,
    pub rejected: usize,
    pub unsent: i64,
    /// The server was found again on the LAN at this new address (by its
    /// pinned certificate), now kept.
    #[serde(default)]
    pub moved_to: Option<String>,
    /// The server was out of reach and the round went through the team
    /// leader's relay instead (issue 18): what it did, in Vietnamese.
    #[serde(default)]
    pub via_relay: Option<String>,
}

/// One line of progress during a sync (the `sync-progress` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub text: String,
}
