//! The month figures: mine, my team's (for leaders), and the conflict log.

use super::session::{me, my_villages};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, blocking};
use chrono::NaiveDate;
use gocua_app_api::{
    ActionCount, ConflictView, MemberLine, MyMonth, QuarterMonthLine, TeamMonthView,
    TeamQuarterView,
};
use gocua_core::indicators::{Deadlines, Quarter};
use gocua_core::rules::MemberMonth;
use gocua_core::{CatalogueEntry, Month, TeamId};
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

fn team_month_of(s: &Store, month: Option<String>) -> ApiResult<TeamMonthView> {
    let member = me(s)?;
    let team = member.team_id.ok_or_else(|| {
        ApiError::new(
            "no_team",
            "Tài khoản này không thuộc tổ nào nên không có số liệu của tổ.",
        )
    })?;
    let month = match month {
        None => None,
        Some(m) => Some(m.parse::<Month>().map_err(|_| {
            ApiError::new(
                "bad_month",
                format!("Tháng không đúng: {m} (cần dạng năm-tháng, ví dụ 2026-11)."),
            )
        })?),
    };
    team_view(s, team, month, s.today())
}

/// The team's month (`month`, or the current one; never past it) with its
/// quarter: the quarter's months against their quotas and the deadlines,
/// both as the core computes them for the commune office.
pub fn team_view(
    s: &Store,
    team: TeamId,
    month: Option<Month>,
    today: NaiveDate,
) -> ApiResult<TeamMonthView> {
    let current = Month::of(today);
    let month = month.map_or(current, |m| m.min(current));
    let org = s.org()?.ok_or(StoreError::NotEnrolled)?;
    let t = s.team_month(team, month)?;
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
    let quarter = team_quarter(s, team, Quarter::of(month.first_day()), today)?;
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
        prev_month: Some(prev_month(month).to_string()),
        next_month: (month < current).then(|| month.next().to_string()),
        quarter,
    })
}

fn prev_month(m: Month) -> Month {
    Month::of(m.first_day().pred_opt().unwrap_or(m.first_day()))
}

/// Each month's assists summed over the quarter, against the sum of the
/// months' quotas (3 × 50), with `Deadlines::of` as the office page has it.
fn team_quarter(
    s: &Store,
    team: TeamId,
    q: Quarter,
    today: NaiveDate,
) -> ApiResult<TeamQuarterView> {
    let current = Month::of(today);
    let mut months = Vec::with_capacity(3);
    for m in q.months() {
        let t = s.team_month(team, m)?;
        months.push(QuarterMonthLine {
            month: m.to_string(),
            assists: t.assists,
            quota: t.quota,
            meets_quota: t.meets_quota,
            future: m > current,
        });
    }
    let assists = months.iter().map(|m| m.assists).sum();
    let quota = months.iter().map(|m| m.quota).sum();
    let first = q.months()[0];
    let next_first = q.last_month().next();
    // Stepping back a quarter lands on its last month (the reporting one).
    Ok(TeamQuarterView {
        label: q.label_vi(),
        months,
        assists,
        quota,
        meets_quota: assists >= quota,
        deadlines: Deadlines::of(q, today),
        prev_quarter_month: Some(prev_month(first).to_string()),
        // The next quarter's last month, or the current month while that
        // quarter is still running.
        next_quarter_month: (next_first <= current)
            .then(|| next_first.next().next().min(current).to_string()),
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn team_month(
    state: State<'_, AppState>,
    month: Option<String>,
) -> ApiResult<TeamMonthView> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| team_month_of(s, month))
    })
    .await
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
