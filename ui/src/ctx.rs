//! What every screen shares: the session, navigation, error reporting and
//! sync progress (a Yew context), and a hook that loads data from a command.

use crate::api::ApiResult;
use crate::ipc::ApiError;
use gocua_app_api::SessionInfo;
use gocua_core::{HouseholdId, ResidentId};
use std::future::Future;
use std::rc::Rc;
use yew::platform::spawn_local;
use yew::prelude::*;

/// The screens of an unlocked app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Home,
    Worklist,
    Household(HouseholdId),
    /// None: a new household.
    EditHousehold(Option<HouseholdId>),
    /// The household, and the resident (None: a new one).
    EditResident(HouseholdId, Option<ResidentId>),
    /// A new resident who is the household's head (name filled in).
    AddHeadResident(HouseholdId),
    Visit(HouseholdId),
    Team,
    /// The team leader's relay: serve it (leader) or join it (member).
    Relay,
}

#[derive(Clone, PartialEq)]
pub struct AppCtx {
    pub session: Rc<SessionInfo>,
    pub go: Callback<Route>,
    /// A command failed: a locked session goes back to the PIN screen.
    pub failed: Callback<ApiError>,
    /// Progress lines of the sync running now (empty when none).
    pub progress: Rc<Vec<String>>,
}

impl AppCtx {
    pub fn report(&self, e: &ApiError) {
        self.failed.emit(e.clone());
    }
}

/// Data a screen is waiting for.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(Rc<T>),
    Failed(ApiError),
}

/// Run `fetch(deps)` whenever `deps` change, and hold its result.
#[hook]
pub fn use_api<T, D, F, Fut>(deps: D, fetch: F) -> UseStateHandle<Load<T>>
where
    T: 'static,
    D: PartialEq + Clone + 'static,
    F: FnOnce(D) -> Fut + 'static,
    Fut: Future<Output = ApiResult<T>> + 'static,
{
    let state = use_state(|| Load::Loading);
    let ctx = use_context::<AppCtx>();
    {
        let state = state.clone();
        use_effect_with(deps, move |d| {
            let d = d.clone();
            spawn_local(async move {
                match fetch(d).await {
                    Ok(v) => state.set(Load::Ready(Rc::new(v))),
                    Err(e) => {
                        if let Some(c) = &ctx {
                            c.report(&e);
                        }
                        state.set(Load::Failed(e));
                    }
                }
            });
        });
    }
    state
}

/// Milliseconds since the epoch, from the page's clock.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0)
    }
}
