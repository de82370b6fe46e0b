//! The team's training, for its leader: each member trained this year or
//! not, their last session, and the team's share against the plans' goal
//! (everyone by 30 June). The records came with the organisation on the
//! last sync; the rules are `gocua_core::training`'s.

use super::session::me;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, blocking};
use chrono::NaiveDate;
use gocua_app_api::{MemberTrainingLine, TeamTrainingView};
use gocua_core::training::{self as rules, GoalStatus, TrainingRecord};
use gocua_core::{Member, OrgSnapshot};
use gocua_device::{Store, StoreError};
use tauri::State;

/// The view of `member`'s team from the organisation and records held.
pub fn team_training_view(
    org: &OrgSnapshot,
    member: &Member,
    records: &[TrainingRecord],
    today: NaiveDate,
) -> ApiResult<TeamTrainingView> {
    let team = member.team_id.ok_or_else(|| {
        ApiError::new(
            "no_team",
            "Tài khoản này không thuộc tổ nào nên không có số liệu của tổ.",
        )
    })?;
    let t = rules::team_training(team, &org.members, records, today);
    let name_of = |id| {
        org.members
            .iter()
            .find(|m| m.id == id)
            .map_or_else(|| id.to_string(), |m| m.full_name.clone())
    };
    let mut members: Vec<MemberTrainingLine> = t
        .members
        .iter()
        .map(|m| MemberTrainingLine {
            name: name_of(m.member_id),
            trained: m.trained(),
            sessions_this_year: m.sessions_this_year,
            last_day: m.last_day,
            last_topic: m.last_topic.clone(),
        })
        .collect();
    // Stable: names keep the organisation's order within each group.
    members.sort_by_key(|m| m.trained);
    Ok(TeamTrainingView {
        team_name: org
            .teams
            .iter()
            .find(|x| x.id == team)
            .map_or_else(String::new, |x| x.name.clone()),
        as_of: t.as_of,
        goal_day: t.goal_day,
        trained: t.trained(),
        total: t.total(),
        met: t.status() == GoalStatus::Met,
        status_vi: t.status().label_vi(t.goal_day),
        members,
    })
}

fn team_training_of(s: &Store) -> ApiResult<TeamTrainingView> {
    let member = me(s)?;
    let org = s.org()?.ok_or(StoreError::NotEnrolled)?;
    team_training_view(&org, &member, &s.training()?, s.today())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn team_training(state: State<'_, AppState>) -> ApiResult<TeamTrainingView> {
    blocking(&state, |inner| {
        inner.with_store(true, |s| team_training_of(s))
    })
    .await
}
