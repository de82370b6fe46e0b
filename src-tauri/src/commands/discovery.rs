//! The commune servers on this Wi-Fi, for the enrollment screen
//! (`gocua_sync::discover`). Needs no store: it runs before enrollment.

use crate::error::{ApiError, ApiResult};
use gocua_app_api::DiscoveredServer;
use gocua_sync::discover;
use std::time::Duration;

/// How long the enrollment screen listens for announcements.
const WAIT: Duration = Duration::from_secs(3);

#[tauri::command(rename_all = "snake_case")]
pub async fn discover_servers() -> ApiResult<Vec<DiscoveredServer>> {
    let found = tauri::async_runtime::spawn_blocking(|| discover::browse(WAIT))
        .await
        .map_err(ApiError::internal)?;
    // No network or no multicast: nothing found, as on an empty network;
    // the address can still be typed or scanned.
    let found = found.unwrap_or_default();
    Ok(found
        .into_iter()
        .filter_map(|s| {
            Some(DiscoveredServer {
                label: s.label_vi(),
                url: s.urls().into_iter().next()?,
                fingerprint: s.fingerprint,
            })
        })
        .collect())
}
