//! The month figures: mine, my team's (for leaders), and the conflict log.

use super::session::{me, my_villages};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, blocking};
use gocua_core::rules::MemberMonth;
use gocua_core::{CatalogueEntry, Month};
use gocua_store::{Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use tauri::State;

#[derive(Debug, Clone, Serialize)]
pub struct ActionCount {
    pub name_vi: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MyMonth {
    pub month: String,
    pub households_helped: usize,
    pub quota: usize,
    pub assists: usize,
    pub follow_ups_due: usize,
    pub by_action: Vec<ActionCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberLine {
    pub name: String,
    pub households_helped: usize,
    pub assists: usize,
    pub quota: usize,
    pub meets_quota: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamMonthView {
    pub month: String,
    pub team_name: String,
    pub assists: usize,
    pub quota: usize,
    pub meets_quota: bool,
    pub households_helped: usize,
    pub members: Vec<MemberLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    pub what: String,
    pub field: String,
    pub kept_value: String,
    pub lost_value: String,
}

fn counts(
    by_action: &BTreeMap<gocua_core::ActionCode, usize>,
    catalogue: &[CatalogueEntry],
) -> Vec<ActionCount> {
    let mut v: Vec<(i32, ActionCount)> = by_action
        .iter()
        .map(|(code, n)| {
            let entry = catalogue.iter().find(|c| &c.code == code);
            (
                entry.map_or(i32::MAX, |c| c.sort_order),
                ActionCount {
                    name_vi: entry.map_or_else(|| code.to_string(), |c| c.name_vi.clone()),
                    count: *n,
                },
            )
        })
        .collect();
    v.sort_by_key(|(order, _)| *order);
    v.into_iter().map(|(_, c)| c).collect()
}

fn my_month_of(s: &Store) -> ApiResult<MyMonth> {
    let today = super::today();
    let member = me(s)?;
    let m: MemberMonth = s.member_month(member.id, Month::of(today))?;
    let due = s.worklist(&my_villages(s)?, today, 0)?.follow_ups.len();
    Ok(MyMonth {
        month: m.month.to_string(),
        households_helped: m.households_helped,
        quota: m.quota,
        assists: m.assists,
        follow_ups_due: due,
        by_action: counts(&m.by_action, &s.catalogue()?),
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn my_month(state: State<'_, AppState>) -> ApiResult<MyMonth> {
    blocking(&state, |inner| inner.with_store(true, |s| my_month_of(s))).await
}

fn team_month_of(s: &Store) -> ApiResult<TeamMonthView> {
    let member = me(s)?;
    let team = member.team_id.ok_or_else(|| {
        ApiError::new(
            "no_team",
            "Tài khoản này không thuộc tổ nào nên không có số liệu của tổ.",
        )
    })?;
    let org = s.org()?.ok_or(StoreError::NotEnrolled)?;
    let t = s.team_month(team, Month::of(super::today()))?;
    let name_of = |id| {
        org.members
            .iter()
            .find(|m| m.id == id)
            .map_or_else(|| id.to_string(), |m| m.full_name.clone())
    };
    let mut members: Vec<MemberLine> = t
        .members
        .iter()
        .map(|m| MemberLine {
            name: name_of(m.member_id),
            households_helped: m.households_helped,
            assists: m.assists,
            quota: m.quota,
            meets_quota: m.meets_quota,
        })
        .collect();
    members.sort_by(|a, b| {
        a.households_helped
            .cmp(&b.households_helped)
            .then_with(|| gocua_core::text::vietnamese_name_cmp(&a.name, &b.name))
    });
    Ok(TeamMonthView {
        month: t.month.to_string(),
        team_name: org
            .teams
            .iter()
            .find(|x| x.id == team)
            .map_or_else(String::new, |x| x.name.clone()),
        assists: t.assists,
        quota: t.quota,
        meets_quota: t.meets_quota,
        households_helped: t.households_helped,
        members,
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn team_month(state: State<'_, AppState>) -> ApiResult<TeamMonthView> {
    blocking(&state, |inner| inner.with_store(true, |s| team_month_of(s))).await
}

pub fn entity_vi(entity: &str) -> &'static str {
    match entity {
        "household" => "Hộ gia đình",
        "resident" => "Người dân",
        "visit" => "Lượt thăm",
        "assisted_action" => "Nội dung hỗ trợ",
        _ => "Bản ghi",
    }
}

/// Field names as the member knows them.
fn field_vi(field: &str) -> String {
    match field {
        "head_name" => "tên chủ hộ".into(),
        "full_name" => "họ và tên".into(),
        "address" => "địa chỉ".into(),
        "phone" => "số điện thoại".into(),
        "birth_year" => "năm sinh".into(),
        "sex" => "giới tính".into(),
        "has_smartphone" => "có smartphone".into(),
        "consent_on" => "ngày đồng ý".into(),
        "village_id" => "thôn/xóm".into(),
        "poor" => "hộ nghèo".into(),
        "near_poor" => "hộ cận nghèo".into(),
        "ethnic_minority" => "dân tộc thiểu số".into(),
        "elderly_only" => "người cao tuổi".into(),
        "no_smartphone" => "không có smartphone".into(),
        other => other.to_string(),
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn conflicts(state: State<'_, AppState>) -> ApiResult<Vec<ConflictView>> {
    blocking(&state, |inner| {
        inner.with_store(true, |s| {
            Ok(s.conflicts(50)?
                .into_iter()
                .map(|c| ConflictView {
                    what: entity_vi(&c.entity).to_string(),
                    field: field_vi(&c.field),
                    kept_value: c.kept_value,
                    lost_value: c.lost_value,
                })
                .collect())
        })
    })
    .await
}
