//! The root component: first run (enroll + PIN), the PIN screen, and once
//! unlocked the screens with a bottom bar. It locks after the idle time the
//! shell gives (the shell also refuses commands after it), and runs an
//! automatic sync now and then so data goes out when the server is in reach.

use crate::api;
use crate::ctx::{AppCtx, Route, now_ms};
use crate::ipc::{self, ApiError};
use crate::screens::relay::RelayScreen;
use crate::screens::{
    enroll::EnrollScreen, home::HomeScreen, household::HouseholdScreen,
    household_form::HouseholdFormScreen, resident_form::ResidentFormScreen, team::TeamScreen,
    unlock::UnlockScreen, visit::VisitScreen, worklist::WorklistScreen,
};
use gocua_app_api::{SYNC_PROGRESS_EVENT, SessionInfo, SyncProgress};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use yew::platform::spawn_local;
use yew::platform::time::sleep;
use yew::prelude::*;

#[derive(Clone, PartialEq)]
enum Phase {
    Starting,
    Failed(ApiError),
    Enroll,
    Unlock,
    Ready(Rc<SessionInfo>),
}

/// How often the idle check and the automatic sync look.
const IDLE_CHECK: Duration = Duration::from_secs(15);
const AUTO_SYNC_EVERY: Duration = Duration::from_secs(120);

/// Where "back" leads from each screen.
fn parent(route: Route) -> Route {
    match route {
        Route::Home | Route::Worklist | Route::Team | Route::Relay => Route::Home,
        Route::Household(_) | Route::EditHousehold(None) => Route::Worklist,
        Route::EditHousehold(Some(h))
        | Route::EditResident(h, _)
        | Route::AddHeadResident(h)
        | Route::Visit(h) => Route::Household(h),
    }
}

/// The bottom-bar tab a screen belongs to.
fn section(route: Route) -> Route {
    match route {
        Route::Home | Route::Relay => Route::Home,
        Route::Team => Route::Team,
        _ => Route::Worklist,
    }
}

#[function_component]
pub fn App() -> Html {
    let phase = use_state(|| Phase::Starting);
    let route = use_state(|| Route::Home);
    let progress = use_state(|| Rc::new(Vec::<String>::new()));
    let idle_lock_ms = use_mut_ref(|| 5.0 * 60.0 * 1000.0);
    let last_active = use_mut_ref(now_ms);

    // First look: set up? unlocked?
    {
        let phase = phase.clone();
        let idle_lock_ms = idle_lock_ms.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let next = match api::app_status().await {
                    Ok(s) => {
                        *idle_lock_ms.borrow_mut() = s.idle_lock_seconds as f64 * 1000.0;
                        if !s.set_up {
                            Phase::Enroll
                        } else if s.unlocked {
                            match api::session().await {
                                Ok(info) => Phase::Ready(Rc::new(info)),
                                Err(_) => Phase::Unlock,
                            }
                        } else {
                            Phase::Unlock
                        }
                    }
                    Err(e) => Phase::Failed(e),
                };
                phase.set(next);
            });
        });
    }

    // Sync progress lines from the shell.
    {
        // The handle seen by this closure keeps its first value: the lines
        // themselves are kept in a cell, and each event shows a copy.
        let progress = progress.clone();
        let lines = use_mut_ref(Vec::<String>::new);
        use_effect_with((), move |_| {
            ipc::listen(SYNC_PROGRESS_EVENT, move |json| {
                if let Ok(p) = ipc::decode::<SyncProgress>(&json) {
                    let mut lines = lines.borrow_mut();
                    if p.text.is_empty() {
                        lines.clear();
                    } else {
                        lines.push(p.text);
                    }
                    progress.set(Rc::new(lines.clone()));
                }
            });
        });
    }

    let to_unlock = {
        let phase = phase.clone();
        Callback::from(move |_: ()| phase.set(Phase::Unlock))
    };

    // While unlocked: lock when idle, and sync in the background.
    let ready = matches!(*phase, Phase::Ready(_));
    {
        let to_unlock = to_unlock.clone();
        let last_active = last_active.clone();
        let idle_lock_ms = idle_lock_ms.clone();
        use_effect_with(ready, move |ready| {
            let alive = Rc::new(Cell::new(*ready));
            if *ready {
                *last_active.borrow_mut() = now_ms();
                let alive_idle = alive.clone();
                spawn_local(async move {
                    while alive_idle.get() {
                        sleep(IDLE_CHECK).await;
                        let idle = now_ms() - *last_active.borrow();
                        if alive_idle.get() && idle > *idle_lock_ms.borrow() {
                            let _ = api::lock().await;
                            to_unlock.emit(());
                            break;
                        }
                    }
                });
                let alive_sync = alive.clone();
                spawn_local(async move {
                    while alive_sync.get() {
                        sleep(AUTO_SYNC_EVERY).await;
                        if alive_sync.get() {
                            // Quiet: its result shows on the home screen's sync card.
                            let _ = api::sync_now(true).await;
                        }
                    }
                });
            }
            move || alive.set(false)
        });
    }

    // Every screen starts at its top: the window's scroll would otherwise
    // carry over from the screen before (a form opened from the bottom of
    // a long list showed its last field, not its first).
    use_effect_with(*route, |_| {
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    });

    let touch = {
        let last_active = last_active.clone();
        Callback::from(move |_: ()| *last_active.borrow_mut() = now_ms())
    };
    let onpointerdown = {
        let touch = touch.clone();
        Callback::from(move |_: PointerEvent| touch.emit(()))
    };
    let onkeydown = Callback::from(move |_: KeyboardEvent| touch.emit(()));

    let unlocked = {
        let phase = phase.clone();
        let route = route.clone();
        Callback::from(move |info: SessionInfo| {
            route.set(Route::Home);
            phase.set(Phase::Ready(Rc::new(info)));
        })
    };

    let body = match &*phase {
        Phase::Starting => {
            html! { <main class="screen center"><p class="muted">{ "Đang mở…" }</p></main> }
        }
        Phase::Failed(e) => html! {
            <main class="screen center"><p class="error" role="alert">{ &e.message }</p></main>
        },
        Phase::Enroll => html! { <EnrollScreen done={unlocked.clone()} /> },
        Phase::Unlock => html! { <UnlockScreen done={unlocked.clone()} /> },
        Phase::Ready(session) => {
            let go = {
                let route = route.clone();
                Callback::from(move |r: Route| route.set(r))
            };
            let failed = {
                let to_unlock = to_unlock.clone();
                Callback::from(move |e: ApiError| {
                    if e.is_locked() {
                        to_unlock.emit(());
                    }
                })
            };
            let ctx = AppCtx {
                session: session.clone(),
                go: go.clone(),
                failed,
                progress: (*progress).clone(),
            };
            let current = *route;
            let back = {
                let go = go.clone();
                Callback::from(move |_: MouseEvent| go.emit(parent(current)))
            };
            let screen = match current {
                Route::Home => html! { <HomeScreen /> },
                Route::Worklist => html! { <WorklistScreen /> },
                Route::Household(id) => html! { <HouseholdScreen {id} back={back.clone()} /> },
                Route::EditHousehold(id) => {
                    html! { <HouseholdFormScreen {id} back={back.clone()} /> }
                }
                Route::EditResident(household, resident) => html! {
                    <ResidentFormScreen {household} {resident} back={back.clone()} />
                },
                Route::AddHeadResident(household) => html! {
                    <ResidentFormScreen {household} resident={None::<gocua_core::ResidentId>} head=true back={back.clone()} />
                },
                Route::Visit(id) => html! { <VisitScreen {id} back={back.clone()} /> },
                Route::Team => html! { <TeamScreen /> },
                Route::Relay => html! { <RelayScreen back={back.clone()} /> },
            };
            let lock = {
                let to_unlock = to_unlock.clone();
                Callback::from(move |_: MouseEvent| {
                    let to_unlock = to_unlock.clone();
                    spawn_local(async move {
                        let _ = api::lock().await;
                        to_unlock.emit(());
                    });
                })
            };
            let tab = |r: Route, label: &'static str, test: &'static str| {
                let go = go.clone();
                let active = section(current) == r;
                html! {
                    <button class={classes!("tab", active.then_some("active"))} data-testid={test}
                        onclick={Callback::from(move |_: MouseEvent| go.emit(r))}>{ label }</button>
                }
            };
            html! {
                <ContextProvider<AppCtx> context={ctx}>
                    <div class="frame">
                        { screen }
                        <nav class="tabs">
                            { tab(Route::Home, "Tháng của tôi", "tab-home") }
                            { tab(Route::Worklist, "Hộ dân", "tab-worklist") }
                            if session.is_leader {
                                { tab(Route::Team, "Tổ", "tab-team") }
                            }
                            <button class="tab" data-testid="lock" onclick={lock}>{ "Khóa" }</button>
                        </nav>
                    </div>
                </ContextProvider<AppCtx>>
            }
        }
    };
    html! { <div class="app" {onpointerdown} {onkeydown}>{ body }</div> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gocua_core::HouseholdId;

    #[test]
    fn back_goes_to_the_screen_above() {
        let h = HouseholdId::new();
        assert_eq!(parent(Route::Visit(h)), Route::Household(h));
        assert_eq!(parent(Route::Household(h)), Route::Worklist);
        assert_eq!(parent(Route::EditHousehold(None)), Route::Worklist);
        assert_eq!(parent(Route::EditHousehold(Some(h))), Route::Household(h));
        assert_eq!(parent(Route::Team), Route::Home);
        assert_eq!(parent(Route::Relay), Route::Home);
        assert_eq!(section(Route::Relay), Route::Home);
    }
}
