//! The month figures: mine, my team's (for leaders), and the conflict log.

use super::session::{me, my_villages};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, blocking};
use gocua_app_api::{ActionCount, ConflictView, MemberLine, MyMonth, TeamMonthView};
use gocua_core::rules::MemberMonth;
use gocua_core::{CatalogueEntry, Month};
use gocua_device::{Store, StoreError};
use std::collections::BTreeMap;
use tauri::State;

/// How each action ended, in the order a leader reads them.
fn outcome_counts(by_outcome: &BTreeMap<&'static str, usize>) -> Vec<ActionCount> {
    [
        ("done", "Đã xong"),
        ("follow_up", "Hẹn quay lại"),
        ("not_possible", "Không thực hiện được"),
    ]
    .iter()
    .map(|(code, label)| ActionCount {
        name_vi: (*label).to_string(),
        count: by_outcome.get(code).copied().unwrap_or(0),
    })
    .collect()
}

/// A stored field value as a member reads it: text without quotes, yes/no
/// for flags, a dash for nothing.
fn value_vi(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::String(s)) if s.is_empty() => "(trống)".into(),
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Bool(true)) => "có".into(),
        Ok(serde_json::Value::Bool(false)) => "không".into(),
        Ok(serde_json::Value::Null) => "(trống)".into(),
        Ok(v) => v.to_string(),
        Err(_) => json.to_string(),
    }
}

/// The wall-clock time of an HLC stamp, as RFC 3339.
fn stamp_time(hlc: &str) -> String {
    hlc.parse::<gocua_core::Hlc>()
        .ok()
        .and_then(|h| chrono::DateTime::from_timestamp_millis(i64::try_from(h.wall_ms).ok()?))
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
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
    let today = s.today();
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
    let t = s.team_month(team, Month::of(s.today()))?;
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
        by_action: counts(&t.by_action, &s.catalogue()?),
        by_outcome: outcome_counts(&t.by_outcome),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_read_as_words() {
        assert_eq!(value_vi("\"Nguyễn Văn An\""), "Nguyễn Văn An");
        assert_eq!(value_vi("true"), "có");
        assert_eq!(value_vi("false"), "không");
        assert_eq!(value_vi("null"), "(trống)");
        assert_eq!(value_vi("1956"), "1956");
        assert_eq!(value_vi("not json"), "not json");
    }

    #[test]
    fn a_stamp_reads_as_its_wall_time() {
        let device = gocua_core::DeviceId::new();
        let stamp = gocua_core::Hlc {
            wall_ms: 1_795_000_000_000,
            counter: 3,
            device,
        };
        assert_eq!(stamp_time(&stamp.to_string()), "2026-11-18T11:06:40+00:00");
        assert_eq!(stamp_time("garbage"), "");
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn conflicts(state: State<'_, AppState>) -> ApiResult<Vec<ConflictView>> {
    blocking(&state, |inner| {
        inner.with_store(true, |s| {
            s.conflicts(50)?
                .into_iter()
                .map(|c| {
                    let subject = s.record_subject(&c.entity, &c.entity_id)?;
                    Ok(ConflictView {
                        what: entity_vi(&c.entity).to_string(),
                        subject: subject
                            .as_ref()
                            .map_or_else(String::new, |x| x.name.clone()),
                        household_id: subject.map(|x| x.household_id),
                        field: field_vi(&c.field),
                        kept_value: value_vi(&c.kept_value),
                        lost_value: value_vi(&c.lost_value),
                        lost_at: stamp_time(&c.lost_hlc),
                    })
                })
                .collect()
        })
    })
    .await
}
