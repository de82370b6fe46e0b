//! The shell's commands as typed calls. What they take and return is
//! `gocua-app-api`'s, the same types the shell's commands use; argument
//! names are the commands' parameter names, snake_case.

use crate::ipc::{ApiError, invoke};
use gocua_app_api::{
    AppStatus, CatalogueEntry, ConflictView, DiscoveredServer, Household, HouseholdDetail,
    HouseholdId, HouseholdInput, LoggedVisit, MyMonth, Resident, ResidentForm, ResidentId,
    SearchHit, SessionInfo, SyncOutcome, SyncStatus, TeamMonthView, TeamTrainingView, VisitEntry,
    Worklist,
};
use gocua_app_api::{PairingView, RelayHostView, RelayLinkView, RelaySyncOutcome};
use serde_json::json;

pub type ApiResult<T> = Result<T, ApiError>;

pub async fn app_status() -> ApiResult<AppStatus> {
    invoke("app_status", &json!({})).await
}

pub async fn enroll(
    target: &str,
    code: &str,
    device_name: &str,
    pin: &str,
) -> ApiResult<SessionInfo> {
    invoke(
        "enroll",
        &json!({ "target": target, "code": code, "device_name": device_name, "pin": pin }),
    )
    .await
}

/// Commune servers announcing themselves on this Wi-Fi (a few seconds).
pub async fn discover_servers() -> ApiResult<Vec<DiscoveredServer>> {
    invoke("discover_servers", &json!({})).await
}

pub async fn unlock(pin: &str) -> ApiResult<SessionInfo> {
    invoke("unlock", &json!({ "pin": pin })).await
}

pub async fn lock() -> ApiResult<()> {
    invoke("lock", &json!({})).await
}

pub async fn session() -> ApiResult<SessionInfo> {
    invoke("session", &json!({})).await
}

pub async fn worklist() -> ApiResult<Worklist> {
    invoke("worklist", &json!({})).await
}

pub async fn search(query: &str) -> ApiResult<Vec<SearchHit>> {
    invoke("search", &json!({ "query": query })).await
}

pub async fn household(id: HouseholdId) -> ApiResult<HouseholdDetail> {
    invoke("household", &json!({ "id": id })).await
}

pub async fn save_household(
    id: Option<HouseholdId>,
    input: &HouseholdInput,
) -> ApiResult<Household> {
    invoke("save_household", &json!({ "id": id, "input": input })).await
}

pub async fn save_resident(id: Option<ResidentId>, input: &ResidentForm) -> ApiResult<Resident> {
    invoke("save_resident", &json!({ "id": id, "input": input })).await
}

pub async fn catalogue() -> ApiResult<Vec<CatalogueEntry>> {
    invoke("catalogue", &json!({})).await
}

pub async fn log_visit(entry: &VisitEntry) -> ApiResult<LoggedVisit> {
    invoke("log_visit", &json!({ "entry": entry })).await
}

pub async fn my_month() -> ApiResult<MyMonth> {
    invoke("my_month", &json!({})).await
}

/// `month`: `YYYY-MM`, or None for the current month.
pub async fn team_month(month: Option<String>) -> ApiResult<TeamMonthView> {
    invoke("team_month", &json!({ "month": month })).await
}

pub async fn team_training() -> ApiResult<TeamTrainingView> {
    invoke("team_training", &json!({})).await
}

pub async fn conflicts() -> ApiResult<Vec<ConflictView>> {
    invoke("conflicts", &json!({})).await
}

/// Put a held change back in play; the answer says what happened.
pub async fn retry_quarantined(id: i64) -> ApiResult<String> {
    invoke("retry_quarantined", &json!({ "id": id })).await
}

/// Give up a held change on purpose (kept in the discard log).
pub async fn discard_quarantined(id: i64, note: Option<String>) -> ApiResult<()> {
    invoke("discard_quarantined", &json!({ "id": id, "note": note })).await
}

pub async fn sync_status() -> ApiResult<SyncStatus> {
    invoke("sync_status", &json!({})).await
}

pub async fn sync_now(auto: bool) -> ApiResult<SyncOutcome> {
    invoke("sync_now", &json!({ "auto": auto })).await
}

// The team leader's relay (issue 18).

/// The leader's relay: may this device serve, is it running, its figures.
pub async fn relay_host_status() -> ApiResult<RelayHostView> {
    invoke("relay_host_status", &json!({})).await
}

/// Start (`true`) or stop the leader's relay.
pub async fn relay_set_running(running: bool) -> ApiResult<RelayHostView> {
    invoke("relay_set_running", &json!({ "running": running })).await
}

/// A new one-time pairing code for a member's device.
pub async fn relay_new_pairing() -> ApiResult<PairingView> {
    invoke("relay_new_pairing", &json!({})).await
}

/// The relay this member's device joined, if any.
pub async fn relay_link() -> ApiResult<Option<RelayLinkView>> {
    invoke("relay_link", &json!({})).await
}

/// Join the leader's relay with the pairing text (or code) shown there.
pub async fn relay_join(text: &str) -> ApiResult<RelayLinkView> {
    invoke("relay_join", &json!({ "text": text })).await
}

/// Forget the joined relay.
pub async fn relay_forget() -> ApiResult<()> {
    invoke("relay_forget", &json!({})).await
}

/// One sync through the joined relay.
pub async fn sync_via_relay() -> ApiResult<RelaySyncOutcome> {
    invoke("sync_via_relay", &json!({})).await
}
