//! The worklist, search, the household page, and saving households and
//! residents.

use super::session::my_villages;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, blocking};
use gocua_app_api::{
    Household, HouseholdDetail, HouseholdId, HouseholdInput, Resident, ResidentForm, ResidentId,
    SearchHit, Worklist,
};
use gocua_core::ResidentInput;
use tauri::State;

/// Follow-ups due within this many days are on the worklist.
const FOLLOW_UP_HORIZON_DAYS: i64 = 7;
const SEARCH_LIMIT: usize = 30;

#[tauri::command(rename_all = "snake_case")]
pub async fn worklist(state: State<'_, AppState>) -> ApiResult<Worklist> {
    blocking(&state, |inner| {
        inner.with_store(true, |s| {
            let villages = my_villages(s)?;
            Ok(s.worklist(&villages, s.today(), FOLLOW_UP_HORIZON_DAYS)?)
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn search(state: State<'_, AppState>, query: String) -> ApiResult<Vec<SearchHit>> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| Ok(s.search(&query, SEARCH_LIMIT)?))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn household(state: State<'_, AppState>, id: HouseholdId) -> ApiResult<HouseholdDetail> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| Ok(s.household(id)?))
    })
    .await
}

/// Add a household (`id` none) or save an edited one.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_household(
    state: State<'_, AppState>,
    id: Option<HouseholdId>,
    input: HouseholdInput,
) -> ApiResult<Household> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            Ok(s.write(|b| match id {
                Some(id) => b.update_household(id, input),
                None => b.add_household(input),
            })?)
        })
    })
    .await
}

/// Add a resident (`id` none) or save an edited one: `consent` is recorded
/// as the day it was first given; a citizen ID hash already kept is never
/// dropped by an edit.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_resident(
    state: State<'_, AppState>,
    id: Option<ResidentId>,
    input: ResidentForm,
) -> ApiResult<Resident> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            let existing = match id {
                None => None,
                Some(id) => Some(
                    s.household(input.household_id)?
                        .residents
                        .into_iter()
                        .map(|r| r.resident)
                        .find(|r| r.id == id)
                        .ok_or_else(|| {
                            ApiError::new("not_found", "Không tìm thấy người dân trong hộ này.")
                        })?,
                ),
            };
            let consent_on = match (input.consent, &existing) {
                (false, _) => None,
                (true, Some(r)) if r.consent_on.is_some() => r.consent_on,
                (true, _) => Some(s.today()),
            };
            let resident = ResidentInput {
                household_id: input.household_id,
                full_name: input.full_name,
                birth_year: input.birth_year,
                sex: input.sex,
                has_smartphone: input.has_smartphone,
                consent_on,
                citizen_id_hash: existing.and_then(|r| r.citizen_id_hash),
            };
            Ok(s.write(|b| match id {
                Some(id) => b.update_resident(id, resident),
                None => b.add_resident(resident),
            })?)
        })
    })
    .await
}
