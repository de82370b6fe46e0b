//! Sync: its state for the home screen, and a round on demand or in the
//! background, with progress lines sent to the UI as `sync-progress` events.

use super::reports::entity_vi;
use crate::error::{ApiError, ApiResult};
use crate::relay_host::RelayState;
use crate::state::{AppState, Inner, blocking};
use gocua_app_api::{QuarantineView, SYNC_PROGRESS_EVENT, SyncOutcome, SyncProgress, SyncStatus};
use gocua_device::{QuarantineDirection, RetryOutcome};
use gocua_sync::client::{self, ClientOptions, Progress, RetryPolicy, SyncError};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tauri::{AppHandle, Emitter, State};

/// An automatic round runs when something waits to be sent, or when the
/// last success is older than this.
const AUTO_EVERY_SECS: i64 = 15 * 60;

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_status(
    state: State<'_, AppState>,
    relay: State<'_, Arc<RelayState>>,
) -> ApiResult<SyncStatus> {
    let relay = Arc::clone(&relay);
    blocking(&state, move |inner| {
        let syncing = inner.syncing.load(Ordering::SeqCst);
        inner.with_store(true, |s| {
            let st = s.sync_state()?;
            let quarantined = s
                .quarantine(20)?
                .into_iter()
                .map(|q| {
                    let name = ["head_name", "full_name"]
                        .iter()
                        .find_map(|f| q.change.fields.get(*f).and_then(|v| v.as_str()))
                        .map(|n| format!(" «{n}»"))
                        .unwrap_or_default();
                    let message = match q.direction {
                        QuarantineDirection::Pushed => format!("Máy chủ từ chối: {}", q.message),
                        QuarantineDirection::Pulled => format!(
                            "Thay đổi từ máy chủ chưa áp dụng được (sẽ thử lại): {}",
                            q.message
                        ),
                    };
                    QuarantineView {
                        id: q.id,
                        refused_by_server: q.direction == QuarantineDirection::Pushed,
                        what: format!("{}{name}", entity_vi(q.change.entity.as_str())),
                        message,
                        at: q.quarantined_at,
                    }
                })
                .collect();
            Ok(SyncStatus {
                server_url: s.enrollment()?.map(|e| e.server_url),
                unsent: s.unsent_count()?,
                last_success_at: st.last_success_at,
                last_error: st.last_error,
                syncing,
                quarantined,
                clock_warning: s.clock_status().warning,
                restore_notice: s.restore_notice()?,
                relay_joined: s.relay_link()?.is_some(),
                relay_notice: relay.notice(),
            })
        })
    })
    .await
}

/// What retrying a held change did, in a sentence.
fn retried_vi(outcome: &RetryOutcome) -> String {
    match outcome {
        RetryOutcome::Requeued => "Đã đưa lại vào hàng chờ, sẽ gửi ở lần đồng bộ tới.".into(),
        RetryOutcome::Applied => "Đã áp dụng thay đổi từ máy chủ.".into(),
        RetryOutcome::StillHeld { reason } => {
            format!("Vẫn chưa áp dụng được: {reason}. Thay đổi vẫn được giữ lại.")
        }
    }
}

/// Put a held change back in play: a refused one goes back in the outbox
/// (after the leader fixed the cause on the server), a held pulled one is
/// applied now if it can be.
#[tauri::command(rename_all = "snake_case")]
pub async fn retry_quarantined(state: State<'_, AppState>, id: i64) -> ApiResult<String> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| Ok(retried_vi(&s.retry_quarantined(id)?)))
    })
    .await
}

/// Give up a held change on purpose. It is kept in the discard log with the
/// time and the member's note, never silently lost.
#[tauri::command(rename_all = "snake_case")]
pub async fn discard_quarantined(
    state: State<'_, AppState>,
    id: i64,
    note: Option<String>,
) -> ApiResult<()> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            s.discard_quarantined(id, note.as_deref())?;
            Ok(())
        })
    })
    .await
}

/// One line of progress in Vietnamese.
pub fn progress_vi(p: &Progress) -> String {
    match p {
        Progress::OrgRefreshed => "Đã cập nhật danh sách thôn, tổ, thành viên".into(),
        Progress::Pushed {
            applied,
            already_had,
            rejected,
            remaining,
        } => format!(
            "Đã gửi {} thay đổi ({rejected} bị từ chối); còn {remaining} chưa gửi",
            applied + already_had
        ),
        Progress::Pulled { applied, .. } => format!("Đã nhận {applied} thay đổi mới"),
        Progress::Retrying {
            failed, attempts, ..
        } => format!("Kết nối gặp lỗi, thử lại lần {}/{attempts}…", failed + 1),
    }
}

fn run_round(
    inner: &Inner,
    relay: &RelayState,
    app: &AppHandle,
    auto: bool,
) -> ApiResult<SyncOutcome> {
    let options = if auto {
        // In the background: give up quickly, try again next time.
        ClientOptions {
            timeout: Duration::from_secs(15),
            retry: RetryPolicy {
                attempts: 1,
                ..RetryPolicy::default()
            },
            ..ClientOptions::default()
        }
    } else {
        ClientOptions::default()
    };
    inner.with_store(!auto, |s| {
        if s.enrollment()?.is_none() {
            return Err(ApiError::from(gocua_device::StoreError::NotEnrolled));
        }
        if auto && s.unsent_count()? == 0 {
            let recent = s
                .sync_state()?
                .last_success_at
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .is_some_and(|t| (chrono::Utc::now() - t.to_utc()).num_seconds() < AUTO_EVERY_SECS);
            if recent {
                return Ok(SyncOutcome::default());
            }
        }
        let emit = |text: String| {
            let _ = app.emit(SYNC_PROGRESS_EVENT, SyncProgress { text });
        };
        emit(String::new());
        emit("Đang kết nối máy chủ của xã…".into());
        let report = match client::sync(s, &options, &mut |p| emit(progress_vi(p))) {
            Ok(report) => report,
            Err(e) => {
                let out = through_relay_instead(s, relay, e, &options, &emit)?;
                emit("Đồng bộ xong".into());
                return Ok(out);
            }
        };
        relay.set_notice(None);
        if let Some(url) = &report.server_moved_to {
            emit(format!("Đã tìm thấy máy chủ xã ở địa chỉ mới {url}"));
        }
        emit("Đồng bộ xong".into());
        Ok(SyncOutcome {
            ran: true,
            sent: report.pushed_applied + report.already_had,
            received: report.pulled_applied,
            rejected: report.rejected,
            unsent: report.unsent,
            moved_to: report.server_moved_to,
            via_relay: None,
        })
    })
}

/// The server failed: when it is out of reach (the connection, not a
/// refusal) and this device joined its leader's relay, sync through the
/// relay instead (issue 18). Otherwise, or if the relay is out of reach
/// too, the server's failure stands.
pub fn through_relay_instead(
    s: &mut gocua_device::Store,
    relay: &RelayState,
    failure: SyncError,
    options: &ClientOptions,
    emit: &dyn Fn(String),
) -> ApiResult<SyncOutcome> {
    if !matches!(failure, SyncError::Unreachable { .. }) || s.relay_link()?.is_none() {
        return Err(failure.into());
    }
    emit("Không tới được máy chủ của xã; đang đồng bộ qua trạm của tổ trưởng…".into());
    match super::relay::sync_through_relay(s, relay, options) {
        Ok(r) => Ok(SyncOutcome {
            ran: true,
            sent: r.sent,
            received: r.received,
            rejected: r.rejected,
            unsent: r.unsent,
            via_relay: Some(r.message),
            moved_to: None,
        }),
        Err(_) => Err(failure.into()),
    }
}

/// Run a sync round. `auto`: a background round — quiet, quick to give up,
/// skipped when there is nothing to send and the last success is recent,
/// and not counted as the member using the app.
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_now(
    app: AppHandle,
    state: State<'_, AppState>,
    relay: State<'_, Arc<RelayState>>,
    auto: bool,
) -> ApiResult<SyncOutcome> {
    let relay = Arc::clone(&relay);
    blocking(&state, move |inner| {
        if inner.syncing.swap(true, Ordering::SeqCst) {
            if auto {
                return Ok(SyncOutcome::default());
            }
            return Err(ApiError::new("busy", "Đang đồng bộ, hãy chờ một chút."));
        }
        let out = run_round(inner, &relay, &app, auto);
        inner.syncing.store(false, Ordering::SeqCst);
        out
    })
    .await
}
