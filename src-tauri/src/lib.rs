//! Gõ Cửa field app: the Tauri 2 shell around the Yew UI (`ui/`), for the
//! desktop and, through the mobile entry point, Android.
//!
//! This crate owns the app's session — PIN → database key (`keys`), the
//! wrong-PIN guard (`pin_guard`), the unlocked store and its idle lock
//! (`state`) — and the commands the UI invokes (`commands`, one file per
//! area). Commands are thin calls into `gocua-device` and `gocua-sync`, and
//! take and return `gocua-app-api`'s types (shared with the UI; none are
//! declared here); it must not hold domain rules, SQL or wire details of its
//! own, nor anything desktop-only outside `main.rs`. Errors reach the UI as
//! `{code, message}` with a Vietnamese message (`error`).

pub mod commands;
pub mod error;
pub mod keys;
pub mod pin_guard;
pub mod relay_host;
pub mod state;

use state::{AppState, DEFAULT_IDLE, Paths};
use std::time::Duration;
use tauri::Manager;

/// The data folder: `GOCUA_APP_DATA` if set (tests, demos), else the
/// platform's app data folder.
fn data_dir(app: &tauri::App) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("GOCUA_APP_DATA") {
        return Ok(dir.into());
    }
    Ok(app.path().app_data_dir()?)
}

fn idle_lock() -> Duration {
    std::env::var("GOCUA_IDLE_LOCK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_IDLE)
}

/// Enroll the app's data folder without a window, as the first-run screen
/// would, then sync once (used by `scripts/run.sh` to hand a newcomer an
/// enrolled app).
pub fn enroll_headless(
    dir: &std::path::Path,
    target: &str,
    code: &str,
    device_name: &str,
    pin: &str,
) -> Result<gocua_app_api::SessionInfo, error::ApiError> {
    let state = AppState::new(Paths::in_dir(dir), idle_lock());
    let (mut store, info) =
        commands::session::enroll_device(&state.0, target, code, device_name, pin)?;
    // A first sync, so the app opens with the commune's households.
    gocua_sync::client::sync(&mut store, &Default::default(), &mut |_| {})?;
    Ok(info)
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app)?;
            std::fs::create_dir_all(&dir)?;
            app.manage(AppState::new(Paths::in_dir(&dir), idle_lock()));
            // The team leader's relay and the member's relay notes (issue 18).
            app.manage(std::sync::Arc::new(relay_host::RelayState::default()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::app_status,
            commands::session::enroll,
            commands::discovery::discover_servers,
            commands::session::unlock,
            commands::session::lock,
            commands::session::session,
            commands::households::worklist,
            commands::households::search,
            commands::households::household,
            commands::households::save_household,
            commands::households::save_resident,
            commands::visits::log_visit,
            commands::visits::catalogue,
            commands::reports::my_month,
            commands::reports::team_month,
            commands::reports::conflicts,
            commands::training::team_training,
            commands::reviews::review_marks,
            commands::reviews::open_review,
            commands::reviews::resolve_review,
            commands::reviews::reopen_review,
            commands::reviews::void_visit,
            commands::sync::sync_status,
            commands::sync::sync_now,
            commands::sync::retry_quarantined,
            commands::sync::discard_quarantined,
            // The team leader's relay (issue 18).
            commands::relay::relay_host_status,
            commands::relay::relay_set_running,
            commands::relay::relay_new_pairing,
            commands::relay::relay_link,
            commands::relay::relay_join,
            commands::relay::relay_forget,
            commands::relay::sync_via_relay,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Gõ Cửa could not start: {e}");
        std::process::exit(1);
    }
}
