//! "Tháng của tôi": what the leader asked to fix (open "needs fix" marks
//! for this member or the team, each opening its household); households
//! helped against 10, assists, follow-ups due; and the sync card — a
//! warning when the phone's clock is off the server's, unsent changes, last
//! sync, a sync button with progress, and what the server refused (the
//! quarantine), with why; what the last sync through the team leader's
//! relay did, and the way to the relay screen.

use crate::api;
use crate::chart::{Bar, BarChart};
use crate::ctx::{AppCtx, Load, Route, use_api};
use crate::format;
use crate::ipc::ApiError;
use crate::review_api;
use crate::screens::review::ReviewList;
use crate::widgets::{ErrorBanner, Loading, Meter, TopBar};
use gocua_app_api::{MyMonth, QuarantineView, ReviewItem, SyncStatus};
use yew::platform::spawn_local;
use yew::prelude::*;

#[function_component]
pub fn HomeScreen() -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let refresh = use_state(|| 0u32);
    let month = use_api(*refresh, |_| api::my_month());
    let sync = use_api(*refresh, |_| api::sync_status());
    let marks = use_api(*refresh, |_| review_api::review_marks(None, true));
    let running = use_state(|| false);
    let sync_error = use_state(|| None::<ApiError>);

    let sync_now = {
        let (running, sync_error, refresh, ctx) = (
            running.clone(),
            sync_error.clone(),
            refresh.clone(),
            ctx.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            running.set(true);
            sync_error.set(None);
            let (running, sync_error, refresh, ctx) = (
                running.clone(),
                sync_error.clone(),
                refresh.clone(),
                ctx.clone(),
            );
            spawn_local(async move {
                if let Err(e) = api::sync_now(false).await {
                    ctx.report(&e);
                    sync_error.set(Some(e));
                }
                running.set(false);
                refresh.set(*refresh + 1);
            });
        })
    };

    let s = &ctx.session;
    let who = match &s.team_name {
        Some(t) => format!("{} · {}", t, s.commune_name),
        None => s.commune_name.clone(),
    };
    html! {
        <main class="screen" data-screen="home">
            <TopBar title="Tháng của tôi" />
            <p class="hello">{ format!("Xin chào, {}", s.member.full_name) }<br/><small class="muted">{ who }</small></p>
            { marks_card(&marks, {
                let refresh = refresh.clone();
                Callback::from(move |()| refresh.set(*refresh + 1))
            }) }
            { month_card(&month, &ctx) }
            { sync_card(&sync, *running, &ctx.progress, sync_now, {
                let refresh = refresh.clone();
                Callback::from(move |()| refresh.set(*refresh + 1))
            }) }
            <ErrorBanner error={(*sync_error).clone()} />
            { relay_link(&sync, &ctx) }
        </main>
    }
}

/// The way to the team leader's relay: for a leader (to run it) and for a
/// member (to join it, or to sync through it by hand).
fn relay_link(sync: &Load<SyncStatus>, ctx: &AppCtx) -> Html {
    let joined = matches!(sync, Load::Ready(s) if s.relay_joined);
    let go = ctx.go.clone();
    let onclick = Callback::from(move |_: MouseEvent| go.emit(Route::Relay));
    let label = if ctx.session.member.role == gocua_core::Role::TeamLeader {
        "Trạm chuyển tiếp cho tổ…"
    } else if joined {
        "Trạm chuyển tiếp của tổ trưởng…"
    } else {
        "Ghép nối với trạm của tổ trưởng…"
    };
    html! {
        <button class="secondary" data-testid="open-relay" {onclick}>{ label }</button>
    }
}

/// "Cần sửa": nothing when there is nothing to fix.
fn marks_card(marks: &Load<Vec<ReviewItem>>, on_changed: Callback<()>) -> Html {
    match marks {
        Load::Ready(items) if !items.is_empty() => html! {
            <section class="card needs-fix" data-testid="needs-fix">
                <h2>{ format!("Cần sửa ({})", items.len()) }</h2>
                <p class="muted small">{ "Tổ trưởng đề nghị xem lại các bản ghi này. Sửa xong, bấm “Đã sửa”." }</p>
                <ReviewList items={items.clone()} {on_changed} with_household=true testid="needs-fix-list" />
            </section>
        },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        _ => html! {},
    }
}

fn month_card(month: &Load<MyMonth>, ctx: &AppCtx) -> Html {
    match month {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(m) => {
            let go = ctx.go.clone();
            let to_worklist = Callback::from(move |_: MouseEvent| go.emit(Route::Worklist));
            html! {
                <section class="card" data-testid="my-month">
                    <h2>{ format!("Kết quả {}", format::month_vi(&m.month)) }</h2>
                    <Meter label="Hộ đã hỗ trợ" value={m.households_helped} quota={m.quota} unit="hộ" />
                    <div class="stats">
                        <div class="stat"><strong data-testid="assists">{ m.assists }</strong><span>{ "lượt hỗ trợ" }</span></div>
                        <button class="stat link" onclick={to_worklist}>
                            <strong>{ m.follow_ups_due }</strong><span>{ "hẹn quay lại đến hạn" }</span>
                        </button>
                    </div>
                    if !m.by_action.is_empty() {
                        <BarChart caption="Lượt hỗ trợ theo nội dung" unit="lượt" testid="my-by-action"
                            bars={m.by_action.iter().map(|a| Bar { label: a.name_vi.clone(), value: a.count }).collect::<Vec<_>>()} />
                    }
                </section>
            }
        }
    }
}

fn sync_card(
    sync: &Load<SyncStatus>,
    running: bool,
    progress: &[String],
    onclick: Callback<MouseEvent>,
    on_changed: Callback<()>,
) -> Html {
    let status = match sync {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(s) => html! {
            <>
                if let Some(warning) = &s.clock_warning {
                    <p class="warn" role="alert" data-testid="clock-warning">{ warning.clone() }</p>
                }
                if let Some(notice) = &s.restore_notice {
                    <p class="warn" role="status" data-testid="restore-notice">{ notice.clone() }</p>
                }
                <p data-testid="unsent" class={if s.unsent == 0 && s.last_success_at.is_some() { "ok" } else { "warn" }}>
                    { format::unsent_vi(s.unsent, s.last_success_at.is_some()) }</p>
                <p class="muted" data-testid="last-sync">{ match &s.last_success_at {
                    Some(t) => format!("Đồng bộ thành công lần cuối: {}", format::datetime_vi(t)),
                    None => "Chưa đồng bộ thành công lần nào".to_string(),
                } }</p>
                if let Some(notice) = &s.relay_notice {
                    <p class="ok" role="status" data-testid="relay-notice">{ notice.clone() }</p>
                }
                if let Some(err) = &s.last_error {
                    <p class="error small">{ format!("Lần đồng bộ gần nhất bị lỗi: {err}") }</p>
                }
                if !s.quarantined.is_empty() {
                    <div class="quarantine" data-testid="quarantine">
                        <h3>{ format!("{} thay đổi bị giữ lại", s.quarantined.len()) }</h3>
                        <ul>
                            { for s.quarantined.iter().map(|q| html! {
                                <HeldChange key={q.id} change={q.clone()} on_done={on_changed.clone()} />
                            }) }
                        </ul>
                    </div>
                }
            </>
        },
    };
    let busy = running || matches!(sync, Load::Ready(s) if s.syncing);
    html! {
        <section class="card" data-testid="sync-card">
            <h2>{ "Đồng bộ với máy chủ xã" }</h2>
            { status }
            <button class="primary" data-testid="sync-now" disabled={busy} {onclick}>
                { if busy { "Đang đồng bộ…" } else { "Đồng bộ ngay" } }
            </button>
            if busy && !progress.is_empty() {
                <ul class="progress-lines" aria-live="polite">
                    { for progress.iter().map(|l| html! { <li>{ l }</li> }) }
                </ul>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct HeldChangeProps {
    change: QuarantineView,
    /// Called after a retry or a discard, to reload the sync card.
    on_done: Callback<()>,
}

/// One held change with what the member can do about it: send it again
/// (after the leader fixed the cause) or, after a second tap that says what
/// it means, give it up — kept in the discard log, never silently lost.
#[function_component]
fn HeldChange(props: &HeldChangeProps) -> Html {
    let q = &props.change;
    let confirming = use_state(|| false);
    let answer = use_state(|| None::<Result<String, ApiError>>);
    let retry = {
        let (id, answer, done) = (q.id, answer.clone(), props.on_done.clone());
        Callback::from(move |_: MouseEvent| {
            let (answer, done) = (answer.clone(), done.clone());
            spawn_local(async move {
                let r = api::retry_quarantined(id).await;
                let ok = r.is_ok();
                answer.set(Some(r));
                if ok {
                    done.emit(());
                }
            });
        })
    };
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(!*confirming))
    };
    let discard = {
        let (id, answer, done) = (q.id, answer.clone(), props.on_done.clone());
        Callback::from(move |_: MouseEvent| {
            let (answer, done) = (answer.clone(), done.clone());
            spawn_local(async move {
                match api::discard_quarantined(id, None).await {
                    Ok(()) => done.emit(()),
                    Err(e) => answer.set(Some(Err(e))),
                }
            });
        })
    };
    let retry_label = if q.refused_by_server {
        "Gửi lại"
    } else {
        "Áp dụng lại"
    };
    html! {
        <li data-testid="held-change">
            <strong>{ &q.what }</strong><br/><small>{ &q.message }</small><br/>
            <small class="muted">{ format::datetime_vi(&q.at) }</small>
            <div class="choices">
                <button type="button" class="choice small" data-testid="retry-held" onclick={retry}>{ retry_label }</button>
                <button type="button" class={classes!("choice", "small", confirming.then_some("on"))}
                    data-testid="discard-held" onclick={ask}>{ "Bỏ thay đổi này" }</button>
            </div>
            if *confirming {
                <div class="confirm">
                    <p class="small">{ "Thay đổi này sẽ không được gửi lên máy chủ. Nó vẫn được ghi lại trong nhật ký trên máy. Chắc chắn bỏ?" }</p>
                    <button type="button" class="danger" data-testid="confirm-discard" onclick={discard}>{ "Bỏ thay đổi" }</button>
                </div>
            }
            { match &*answer {
                Some(Ok(text)) => html! { <p class="ok small">{ text }</p> },
                Some(Err(e)) => html! { <ErrorBanner error={Some(e.clone())} /> },
                None => html! {},
            } }
        </li>
    }
}
