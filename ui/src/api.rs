//! The shell's commands as typed calls, and the shapes of what they take and
//! return. These mirror `gocua-app`'s commands (its tests deserialise real
//! answers into these types, so a drift fails there). Records whose core
//! types can be read back (`Household`, `Member`, …) are used as they are.

use crate::ipc::{ApiError, invoke};
use chrono::NaiveDate;
use gocua_core::{
    ActionCode, ActionOutcome, CannotReason, CatalogueEntry, Household, HouseholdFlags,
    HouseholdId, Member, Resident, ResidentId, Sex, Village, VillageId, VisitForm, VisitId,
    VisitOutcome,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub type ApiResult<T> = Result<T, ApiError>;

/// Whether the app is set up and unlocked.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct FollowUpItem {
    pub household_id: HouseholdId,
    pub head_name: String,
    pub address: String,
    pub resident_name: String,
    pub action_name: String,
    pub due: NaiveDate,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct WorklistHousehold {
    pub household: Household,
    pub priority: u8,
    pub resident_count: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Worklist {
    pub month: String,
    pub follow_ups: Vec<FollowUpItem>,
    pub not_visited: Vec<WorklistHousehold>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SearchHit {
    pub household_id: HouseholdId,
    pub head_name: String,
    pub address: String,
    pub village_name: String,
    pub matched_resident: Option<String>,
}

/// Where one resident stands on one action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChecklistStatus {
    Done,
    FollowUp { due: NaiveDate },
    NotPossible { reason: CannotReason },
    Pending,
    NotEligible,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ChecklistItem {
    pub action: ActionCode,
    pub name_vi: String,
    pub in_checklist: bool,
    pub status: ChecklistStatus,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ResidentDetail {
    pub resident: Resident,
    pub age: i32,
    pub checklist: Vec<ChecklistItem>,
    pub digital_citizen: bool,
    /// Records the commune office merged into this resident (one person
    /// entered twice), with what was recorded for them.
    #[serde(default)]
    pub merged_from: Vec<MergedRecord>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MergedRecord {
    pub resident_id: ResidentId,
    pub full_name: String,
    pub household_id: HouseholdId,
    pub actions: Vec<MergedAction>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MergedAction {
    pub day: NaiveDate,
    pub action_name: String,
    pub outcome: ActionOutcome,
    pub voided: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct VisitActionSummary {
    pub resident_name: String,
    pub action_name: String,
    pub outcome: ActionOutcome,
    pub voided: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct VisitSummary {
    pub id: VisitId,
    pub day: NaiveDate,
    pub form: VisitForm,
    pub outcome: VisitOutcome,
    pub members: Vec<String>,
    pub note: Option<String>,
    pub voided_reason: Option<String>,
    pub actions: Vec<VisitActionSummary>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct HouseholdDetail {
    pub household: Household,
    pub village_name: String,
    pub residents: Vec<ResidentDetail>,
    pub digital_family: bool,
    pub visits: Vec<VisitSummary>,
}

/// A household as the form sends it (the store mints the id of a new one).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct HouseholdInput {
    pub village_id: Option<VillageId>,
    pub address: String,
    pub head_name: String,
    pub phone: Option<String>,
    pub flags: HouseholdFlags,
}

/// A resident as the form sends it. `consent`: the resident agrees that
/// their data is kept (the shell records the day).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ResidentForm {
    pub household_id: HouseholdId,
    pub full_name: String,
    pub birth_year: i32,
    pub sex: Sex,
    pub has_smartphone: bool,
    pub consent: bool,
}

/// One action of a visit being logged.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ActionEntry {
    pub resident_id: ResidentId,
    pub action: ActionCode,
    pub outcome: ActionOutcome,
}

/// A visit being logged: the shell adds the member, the time and the form.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct VisitEntry {
    pub household_id: HouseholdId,
    pub outcome: VisitOutcome,
    pub note: Option<String>,
    pub actions: Vec<ActionEntry>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct LoggedVisit {
    pub visit_id: VisitId,
    pub actions: usize,
}

/// A count per action, with its Vietnamese name.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ActionCount {
    pub name_vi: String,
    pub count: usize,
}

/// "Tháng của tôi".
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MyMonth {
    pub month: String,
    pub households_helped: usize,
    pub quota: usize,
    pub assists: usize,
    pub follow_ups_due: usize,
    pub by_action: Vec<ActionCount>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MemberLine {
    pub name: String,
    pub households_helped: usize,
    pub assists: usize,
    pub quota: usize,
    pub meets_quota: bool,
}

/// The team's month, for its leader.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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

/// One member of the team and their training.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MemberTrainingLine {
    pub name: String,
    /// Trained this year (a session in it, up to today).
    pub trained: bool,
    pub sessions_this_year: usize,
    /// The latest session, any year.
    pub last_day: Option<NaiveDate>,
    pub last_topic: Option<String>,
}

/// The team's training against the goal (everyone by 30 June), for its
/// leader.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct TeamTrainingView {
    pub team_name: String,
    pub as_of: NaiveDate,
    pub goal_day: NaiveDate,
    pub trained: usize,
    pub total: usize,
    pub met: bool,
    pub status_vi: String,
    /// Untrained first.
    pub members: Vec<MemberTrainingLine>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct QuarantineView {
    pub id: i64,
    /// The server refused it (`true`) or this device could not apply it.
    pub refused_by_server: bool,
    pub what: String,
    pub message: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SyncStatus {
    pub server_url: Option<String>,
    pub unsent: i64,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub syncing: bool,
    pub quarantined: Vec<QuarantineView>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SyncOutcome {
    /// False when an automatic sync found nothing to do (or was busy).
    pub ran: bool,
    pub sent: usize,
    pub received: usize,
    pub rejected: usize,
    pub unsent: i64,
}

/// One line of progress during a sync (the `sync-progress` event).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SyncProgress {
    pub text: String,
}

pub const SYNC_PROGRESS_EVENT: &str = "sync-progress";

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

pub async fn team_month() -> ApiResult<TeamMonthView> {
    invoke("team_month", &json!({})).await
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
