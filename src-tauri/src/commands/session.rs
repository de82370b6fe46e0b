//! First run (enroll + PIN), unlocking with the PIN, locking, and who is
//! using the app.

use crate::error::{ApiError, ApiResult};
use crate::keys;
use crate::pin_guard::PinGuard;
use crate::state::{AppState, Inner, blocking};
use gocua_app_api::{AppStatus, SessionInfo};
use gocua_core::{Member, Role, VillageId};
use gocua_device::{DbKey, Store, StoreError};
use gocua_sync::client::{self, ClientOptions};
use tauri::State;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn app_status(state: State<'_, AppState>) -> ApiResult<AppStatus> {
    blocking(&state, |inner| {
        Ok(AppStatus {
            set_up: inner.paths.db.exists(),
            unlocked: inner.unlocked(),
            wait_seconds: PinGuard::new(&inner.paths.attempts).wait_seconds(now_ms()),
            idle_lock_seconds: inner.idle.as_secs(),
        })
    })
    .await
}

/// The villages this device works in: its scope, or the whole commune.
pub fn my_villages(store: &Store) -> ApiResult<Vec<VillageId>> {
    let enrollment = store.enrollment()?.ok_or(StoreError::NotEnrolled)?;
    let scoped: Vec<VillageId> = enrollment
        .scope
        .get("village_ids")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    if !scoped.is_empty() {
        return Ok(scoped);
    }
    Ok(store
        .org()?
        .map(|o| o.villages.into_iter().map(|v| v.id).collect())
        .unwrap_or_default())
}

/// The member this device is enrolled for.
pub fn me(store: &Store) -> ApiResult<Member> {
    let enrollment = store.enrollment()?.ok_or(StoreError::NotEnrolled)?;
    Ok(store.member(enrollment.member_id)?)
}

pub fn session_info(store: &Store) -> ApiResult<SessionInfo> {
    let member = me(store)?;
    let org = store.org()?.ok_or(StoreError::NotEnrolled)?;
    let mine = my_villages(store)?;
    let team_name = member
        .team_id
        .and_then(|t| org.teams.iter().find(|x| x.id == t))
        .map(|t| t.name.clone());
    let villages = org
        .villages
        .iter()
        .filter(|v| mine.contains(&v.id))
        .cloned()
        .collect();
    Ok(SessionInfo {
        is_leader: member.role != Role::Member,
        team_name,
        commune_name: org.commune.name.clone(),
        villages,
        device_name: store.device()?.map(|d| d.device_name).unwrap_or_default(),
        server_url: store.enrollment()?.map(|e| e.server_url),
        today: store.today(),
        member,
    })
}

fn open_with_pin(inner: &Inner, pin: &str) -> ApiResult<Store> {
    let secret = keys::device_secret(&inner.paths.secret)?;
    let key = DbKey::Raw(keys::derive_key(pin, &secret)?);
    let store = Store::open(&inner.paths.db, &key)?;
    inner.remember_key(key);
    Ok(store)
}

/// First run: create the encrypted database under the chosen PIN and enroll
/// it with the commune server. If enrollment fails nothing is left behind,
/// so the member can simply try again.
pub fn enroll_device(
    inner: &Inner,
    target: &str,
    code: &str,
    device_name: &str,
    pin: &str,
) -> ApiResult<(Store, SessionInfo)> {
    keys::check_pin(pin)?;
    if inner.paths.db.exists() {
        return Err(ApiError::new(
            "already_set_up",
            "Thiết bị này đã được đăng ký. Hãy mở bằng mã PIN.",
        ));
    }
    std::fs::create_dir_all(&inner.paths.dir).map_err(ApiError::io)?;
    let result = (|| {
        let mut store = open_with_pin(inner, pin)?;
        let code = Some(code).filter(|c| !c.trim().is_empty());
        client::enroll(
            &mut store,
            target,
            code,
            device_name,
            &ClientOptions::default(),
        )?;
        let info = session_info(&store)?;
        PinGuard::new(&inner.paths.attempts).succeeded()?;
        Ok::<_, ApiError>((store, info))
    })();
    if result.is_err() {
        for f in inner.paths.db_files() {
            let _ = std::fs::remove_file(f);
        }
    }
    result
}

#[tauri::command(rename_all = "snake_case")]
pub async fn enroll(
    state: State<'_, AppState>,
    target: String,
    code: String,
    device_name: String,
    pin: String,
) -> ApiResult<SessionInfo> {
    blocking(&state, move |inner| {
        let (store, info) = enroll_device(inner, &target, &code, &device_name, &pin)?;
        inner.open(store);
        Ok(info)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn unlock(state: State<'_, AppState>, pin: String) -> ApiResult<SessionInfo> {
    blocking(&state, move |inner| {
        if !inner.paths.db.exists() {
            return Err(ApiError::not_set_up());
        }
        let guard = PinGuard::new(&inner.paths.attempts);
        guard.check(now_ms())?;
        keys::check_pin(&pin)?;
        match open_with_pin(inner, &pin) {
            Ok(store) => {
                guard.succeeded()?;
                let info = session_info(&store)?;
                inner.open(store);
                Ok(info)
            }
            Err(e) if e.code == "wrong_key" => Err(guard.failed(now_ms())?),
            Err(e) => Err(e),
        }
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn lock(state: State<'_, AppState>) -> ApiResult<()> {
    blocking(&state, |inner| {
        inner.lock();
        Ok(())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn session(state: State<'_, AppState>) -> ApiResult<SessionInfo> {
    blocking(&state, |inner| inner.with_store(true, |s| session_info(s))).await
}
