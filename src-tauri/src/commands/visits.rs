//! Logging a visit (with its actions) and the action catalogue it offers.

use super::session::me;
use crate::error::ApiResult;
use crate::state::{AppState, blocking};
use gocua_app_api::{CatalogueEntry, LoggedVisit, VisitEntry};
use gocua_core::{ActionInput, VisitForm, VisitInput};
use tauri::State;

/// Log a visit as the UI sends it: the member logging it is credited, at
/// the time it is saved, door to door.
#[tauri::command(rename_all = "snake_case")]
pub async fn log_visit(state: State<'_, AppState>, entry: VisitEntry) -> ApiResult<LoggedVisit> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            let member = me(s)?;
            let input = VisitInput {
                household_id: entry.household_id,
                members: vec![member.id],
                // By the server's time where the device knows how far its
                // clock is off: the visit counts in the month it happened.
                at: s.now(),
                form: VisitForm::DoorToDoor,
                outcome: entry.outcome,
                note: entry.note,
                actions: entry
                    .actions
                    .into_iter()
                    .map(|a| ActionInput {
                        resident_id: a.resident_id,
                        action: a.action,
                        outcome: a.outcome,
                    })
                    .collect(),
            };
            let (visit, actions) = s.write(|b| b.log_visit(input))?;
            Ok(LoggedVisit {
                visit_id: visit.id,
                actions: actions.len(),
            })
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn catalogue(state: State<'_, AppState>) -> ApiResult<Vec<CatalogueEntry>> {
    blocking(&state, |inner| {
        inner.with_store(true, |s| Ok(s.catalogue()?))
    })
    .await
}
