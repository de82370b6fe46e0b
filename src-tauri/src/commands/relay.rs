//! The team leader's relay (issue 18). On a leader's device: its status,
//! starting and stopping it, pairing codes (`gocua-relay`). On a member's
//! device: joining, the relay joined, forgetting it, a sync through it
//! (`gocua-sync`'s relay client). The functions under the commands are
//! public so tests drive them on real stores without a window.

use crate::error::{ApiError, ApiResult};
use crate::relay_host::{self, RelayState};
use crate::state::{AppState, Inner, blocking};
use gocua_app_api::{
    PairingView, RELAY_DEFAULT_PORT, RelayHostView, RelayLinkView, RelaySyncOutcome,
};
use gocua_core::Role;
use gocua_device::Store;
use gocua_sync::client::{self, ClientOptions, RelayReport};
use std::sync::Arc;
use tauri::State;

/// The leader's relay as the screen shows it.
pub fn host_view(store: &Store, relay: &RelayState) -> ApiResult<RelayHostView> {
    let can_serve = gocua_relay::leader_team(store).is_ok();
    if !can_serve {
        return Ok(RelayHostView::default());
    }
    let running = relay.running();
    let (held_waiting, forwarded) = store.relay_held_counts()?;
    Ok(RelayHostView {
        can_serve,
        running: running.is_some(),
        addresses: running
            .as_ref()
            .map(|(port, _)| relay_host::addresses(*port))
            .unwrap_or_default(),
        fingerprint: running
            .map(|(_, fp)| fp)
            .or(store.relay_identity()?.map(|i| i.fingerprint)),
        paired_devices: store.relay_members()?.len(),
        held_waiting,
        forwarded,
        error: relay.failure(),
    })
}

/// Start (or stop) the leader's relay on `port`.
pub fn set_running(
    inner: &Inner,
    relay: &RelayState,
    running: bool,
    port: u16,
) -> ApiResult<RelayHostView> {
    if running {
        inner.with_store(true, |s| {
            gocua_relay::leader_team(s).map_err(relay_error)?;
            // The certificate is made here, on the app's connection, so
            // the relay's own connection only reads it.
            gocua_relay::ensure_identity(s).map_err(relay_error)?;
            Ok(())
        })?;
        relay.start(inner.second_connection()?, port)?;
    } else {
        relay.stop()?;
    }
    inner.with_store(true, |s| host_view(s, relay))
}

/// A one-time pairing code for the running relay at `url`, or else on the
/// device's first address (the one the QR carries; the others are listed
/// on screen).
pub fn new_pairing(inner: &Inner, relay: &RelayState, url: Option<&str>) -> ApiResult<PairingView> {
    let Some((port, _)) = relay.running() else {
        return Err(ApiError::new(
            "relay_not_running",
            "Hãy bật trạm chuyển tiếp trước khi tạo mã ghép nối.",
        ));
    };
    let first = || relay_host::addresses(port).into_iter().next();
    let url = url.map(str::to_string).or_else(first).ok_or_else(|| {
        ApiError::new(
            "no_network",
            "Máy chưa kết nối mạng nào (Wi-Fi hoặc điểm phát sóng): tổ viên chưa thể tới trạm.",
        )
    })?;
    inner.with_store(true, |s| {
        let p = gocua_relay::new_pairing(s, Some(&url)).map_err(relay_error)?;
        Ok(PairingView {
            qr_rows: relay_host::qr_rows(&p.text)?,
            text: p.text,
            code: p.code,
            url: p.url,
            expires_at: p.expires_at,
        })
    })
}

fn relay_error(e: gocua_relay::RelayError) -> ApiError {
    ApiError::new(e.code(), e.message_vi())
}

/// The leader of this member's team, by name (who the relay belongs to).
fn my_leader_name(store: &Store) -> ApiResult<Option<String>> {
    let me = crate::commands::session::me(store)?;
    let Some(team) = me.team_id else {
        return Ok(None);
    };
    Ok(store.org()?.and_then(|o| {
        o.members
            .into_iter()
            .find(|m| m.team_id == Some(team) && m.role == Role::TeamLeader)
            .map(|m| m.full_name)
    }))
}

pub fn link_view(store: &Store) -> ApiResult<Option<RelayLinkView>> {
    let Some(link) = store.relay_link()? else {
        return Ok(None);
    };
    Ok(Some(RelayLinkView {
        url: link.url,
        fingerprint: link.fingerprint,
        leader_name: my_leader_name(store)?,
    }))
}

/// Join the leader's relay named by the pairing text.
pub fn join(store: &mut Store, text: &str) -> ApiResult<RelayLinkView> {
    let out = client::join_relay(store, text.trim(), &ClientOptions::default())?;
    Ok(RelayLinkView {
        url: out.url,
        fingerprint: out.fingerprint,
        leader_name: store.member(out.leader).ok().map(|m| m.full_name),
    })
}

/// What a sync through the relay did, in one sentence.
pub fn relay_sentence(r: &RelayReport) -> String {
    let mut text = format!(
        "Đã đồng bộ qua trạm của tổ trưởng: gửi {} thay đổi, nhận {}.",
        r.pushed.saturating_sub(r.refused.len()),
        r.pulled_applied
    );
    if r.held > 0 {
        text.push_str(&format!(
            " Trạm đang giữ {} thay đổi, sẽ chuyển lên máy chủ xã ở lần tổ trưởng đồng bộ.",
            r.held
        ));
    }
    if r.rejected > 0 {
        text.push_str(&format!(
            " Máy chủ từ chối {} thay đổi (xem bên dưới).",
            r.rejected
        ));
    }
    if !r.refused.is_empty() {
        text.push_str(&format!(
            " Trạm không nhận {} thay đổi: {}",
            r.refused.len(),
            r.refused[0].message
        ));
    }
    text
}

/// One sync through the joined relay, with `options`; its sentence is kept
/// for the sync card.
pub fn sync_through_relay(
    store: &mut Store,
    relay: &RelayState,
    options: &ClientOptions,
) -> ApiResult<RelaySyncOutcome> {
    let r = client::sync_via_relay(store, options)?;
    let message = relay_sentence(&r);
    relay.set_notice(Some(message.clone()));
    Ok(RelaySyncOutcome {
        sent: r.pushed.saturating_sub(r.refused.len()),
        received: r.pulled_applied,
        rejected: r.rejected,
        refused: r.refused.len(),
        unsent: r.unsent,
        message,
    })
}

// The commands. `relay` is the managed `RelayState`, shared with `sync`.

fn relay_state(relay: &State<'_, Arc<RelayState>>) -> Arc<RelayState> {
    Arc::clone(relay)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn relay_host_status(
    state: State<'_, AppState>,
    relay: State<'_, Arc<RelayState>>,
) -> ApiResult<RelayHostView> {
    let relay = relay_state(&relay);
    blocking(&state, move |inner| {
        inner.with_store(true, |s| host_view(s, &relay))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn relay_set_running(
    state: State<'_, AppState>,
    relay: State<'_, Arc<RelayState>>,
    running: bool,
) -> ApiResult<RelayHostView> {
    let relay = relay_state(&relay);
    blocking(&state, move |inner| {
        set_running(inner, &relay, running, RELAY_DEFAULT_PORT)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn relay_new_pairing(
    state: State<'_, AppState>,
    relay: State<'_, Arc<RelayState>>,
) -> ApiResult<PairingView> {
    let relay = relay_state(&relay);
    blocking(&state, move |inner| new_pairing(inner, &relay, None)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn relay_link(state: State<'_, AppState>) -> ApiResult<Option<RelayLinkView>> {
    blocking(&state, |inner| inner.with_store(true, |s| link_view(s))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn relay_join(state: State<'_, AppState>, text: String) -> ApiResult<RelayLinkView> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| join(s, &text))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn relay_forget(
    state: State<'_, AppState>,
    relay: State<'_, Arc<RelayState>>,
) -> ApiResult<()> {
    let relay = relay_state(&relay);
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            s.forget_relay_link()?;
            relay.set_notice(None);
            Ok(())
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_via_relay(
    state: State<'_, AppState>,
    relay: State<'_, Arc<RelayState>>,
) -> ApiResult<RelaySyncOutcome> {
    let relay = relay_state(&relay);
    blocking(&state, move |inner| {
        use std::sync::atomic::Ordering;
        if inner.syncing.swap(true, Ordering::SeqCst) {
            return Err(ApiError::new("busy", "Đang đồng bộ, hãy chờ một chút."));
        }
        let out = inner.with_store(true, |s| {
            sync_through_relay(s, &relay, &ClientOptions::default())
        });
        inner.syncing.store(false, Ordering::SeqCst);
        out
    })
    .await
}
