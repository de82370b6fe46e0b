//! `/training`: members' training sessions — each team's share of members
//! trained this year against the plans' goal (everyone by 30 June; rules in
//! `gocua_core::training`), who is not yet trained, the form that records a
//! session for one or several members, and the sessions recorded, each with
//! a button to delete it when it was recorded by mistake
//! (`training_delete.rs`).
//!
//! A form that cannot be saved shows again with what was typed and ticked
//! and the sentence saying why; nothing is saved.

use super::{member_name, today};
use crate::app::AppState;
use crate::training::parse_day;
use crate::web::auth::{Officer, Posted};
use crate::web::charts;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use gocua_central::{CentralError, TrainingSession};
use gocua_core::training::{GoalStatus, TeamTraining, commune_training, counts_toward_goal};
use gocua_core::{MemberId, OrgSnapshot};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<u32>,
    /// `1` after a session was deleted.
    deleted: Option<u8>,
}

/// Checkbox names: `member-<id>`.
const MEMBER_PREFIX: &str = "member-";

/// What the page shows, read in one go.
struct Data {
    org: OrgSnapshot,
    sessions: Vec<TrainingSession>,
    teams: Vec<TeamTraining>,
    as_of: NaiveDate,
}

async fn load(state: &AppState, officer: &Officer) -> Result<Data, PageError> {
    let commune = officer.commune();
    let as_of = today();
    let (org, sessions, records) = state
        .db(move |db| {
            Ok((
                db.org_snapshot(commune)?,
                db.training_sessions(commune)?,
                db.training_records(commune)?,
            ))
        })
        .await?;
    let teams = commune_training(&org, &records, as_of);
    Ok(Data {
        org,
        sessions,
        teams,
        as_of,
    })
}

/// What the form had in it.
#[derive(Default)]
struct Typed {
    topic: String,
    date: String,
    members: Vec<MemberId>,
}

/// `GET /training`.
pub async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<SavedQuery>,
) -> Result<Markup, PageError> {
    let data = load(&state, &officer).await?;
    let notice = match (q.saved, q.deleted) {
        (Some(n), _) => Some(format!("Đã ghi buổi tập huấn cho {n} thành viên.")),
        (_, Some(_)) => Some("Đã xóa buổi tập huấn; việc xóa được ghi vào Nhật ký.".to_string()),
        _ => None,
    };
    let body = body(&officer, &data, &Typed::default(), None, notice.as_deref());
    Ok(layout::page("Tập huấn", &officer, Nav::Training, body))
}

/// `POST /training`.
pub async fn save(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { officer, fields } = posted;
    let typed = typed(&fields);
    let commune = officer.commune();
    let by = officer.session.member.id;
    let result = match parse_day(&typed.date) {
        None => Err("Ngày tập huấn phải viết như 12/03/2026.".to_string()),
        Some(day) => {
            let (topic, members) = (typed.topic.clone(), typed.members.clone());
            let today = today();
            match state
                .db(move |db| db.record_training(commune, &topic, day, &members, Some(by), today))
                .await
            {
                Ok(s) => Ok(s),
                // Bad input is said beside the form; anything else is the
                // error page.
                Err(crate::error::ApiError::Central(
                    e @ (CentralError::Training(_)
                    | CentralError::NotFound { .. }
                    | CentralError::OtherCommune { .. }),
                )) => Err(e.message_vi()),
                Err(e) => return Err(e.into()),
            }
        }
    };
    match result {
        Ok(s) => {
            tracing::info!(member = %by, session = %s.id, "training recorded");
            let n = s.member_ids.len();
            Ok(Redirect::to(&format!("/training?saved={n}")).into_response())
        }
        Err(message) => {
            let data = load(&state, &officer).await?;
            let body = body(&officer, &data, &typed, Some(&message), None);
            let page = layout::page("Tập huấn", &officer, Nav::Training, body);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

fn typed(fields: &BTreeMap<String, String>) -> Typed {
    Typed {
        topic: fields.get("topic").cloned().unwrap_or_default(),
        date: fields.get("date").cloned().unwrap_or_default(),
        // A box that is not one of ours is simply not a member.
        members: fields
            .keys()
            .filter_map(|k| k.strip_prefix(MEMBER_PREFIX))
            .filter_map(|id| id.parse().ok())
            .collect(),
    }
}

fn team_name(org: &OrgSnapshot, t: &TeamTraining) -> String {
    org.teams
        .iter()
        .find(|x| x.id == t.team_id)
        .map_or_else(|| "—".into(), |x| x.name.clone())
}

fn status_badge(t: &TeamTraining) -> Markup {
    let label = t.status().label_vi(t.goal_day);
    html! {
        @match t.status() {
            GoalStatus::Met => span.badge.met { (label) },
            GoalStatus::Missed => span.badge.short { (label) },
            _ => span.badge.plain { (label) },
        }
    }
}

fn body(
    officer: &Officer,
    d: &Data,
    typed: &Typed,
    error: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    let year = d.as_of.year();
    html! {
        h1 { "Tập huấn thành viên" }
        p.sub {
            "Kế hoạch: 100% tổ viên được tập huấn trước hết ngày "
            (layout::day(gocua_core::training::goal_day(year)))
            ". Tính các buổi trong năm " (year) " đến hết ngày " (layout::day(d.as_of)) "."
        }
        @if let Some(n) = notice {
            p.notice role="status" #saved { (n) }
        }
        (teams_table(d))
        (untrained(d))
        (form(officer, d, typed, error))
        (sessions(officer, d))
    }
}

fn teams_table(d: &Data) -> Markup {
    html! {
        table #training-teams {
            thead { tr {
                th scope="col" { "Tổ" } th scope="col" { "Đã tập huấn" } th scope="col" { "Tỷ lệ" }
                th.chart scope="col" { "So với 100%" } th scope="col" { "Tình hình" }
            } }
            tbody {
                @for t in &d.teams {
                    @let pct = t.percent();
                    @let met = (t.total() > 0).then(|| t.trained() == t.total());
                    tr id={ "training-team-" (t.team_id) } {
                        th scope="row" { (team_name(&d.org, t)) }
                        td.num.trained { (t.trained()) " / " (t.total()) }
                        td.num.percent { (layout::pct(pct)) }
                        td.chart { (charts::progress(pct, Some(100.0), met, &layout::pct(pct))) }
                        td.status { (status_badge(t)) }
                    }
                }
            }
        }
    }
}

fn untrained(d: &Data) -> Markup {
    let waiting: Vec<(String, Vec<&str>)> = d
        .teams
        .iter()
        .map(|t| {
            let names = t
                .members
                .iter()
                .filter(|m| !m.trained())
                .map(|m| member_name(&d.org, m.member_id))
                .collect::<Vec<_>>();
            (team_name(&d.org, t), names)
        })
        .filter(|(_, names)| !names.is_empty())
        .collect();
    html! {
        h2 { "Chưa tập huấn trong năm " (d.as_of.year()) }
        @if waiting.is_empty() {
            p.ok #untrained { "Mọi tổ viên đã được tập huấn." }
        } @else {
            ul #untrained {
                @for (team, names) in &waiting {
                    li { strong { (team) } ": " (names.join(", ")) }
                }
            }
        }
    }
}

fn form(officer: &Officer, d: &Data, typed: &Typed, error: Option<&str>) -> Markup {
    html! {
        h2 { "Ghi một buổi tập huấn" }
        form.training method="post" action="/training" #training-form {
            (officer.csrf_field())
            @if let Some(e) = error { p.error role="alert" { "Chưa ghi: " (e) } }
            p {
                label for="topic" { "Nội dung tập huấn" } br;
                input #topic name="topic" type="text" value=(typed.topic) size="50"
                    maxlength=(gocua_core::training::MAX_TOPIC_CHARS)
                    placeholder="ví dụ: Kích hoạt VNeID mức độ 2";
            }
            p {
                label for="date" { "Ngày" } br;
                input #date name="date" type="text" value=(typed.date) size="12"
                    placeholder="12/03/2026" inputmode="numeric";
            }
            fieldset {
                legend { "Thành viên đã dự" }
                @for team in &d.org.teams {
                    p.small { strong { (team.name) } }
                    @for m in d.org.members.iter().filter(|m| m.team_id == Some(team.id) && counts_toward_goal(m)) {
                        label.check {
                            input type="checkbox" name={ (MEMBER_PREFIX) (m.id) }
                                id={ "m-" (m.id) } checked[typed.members.contains(&m.id)];
                            " " (m.full_name)
                        }
                    }
                }
            }
            button type="submit" { "Ghi buổi tập huấn" }
        }
    }
}

/// A session's members in the organisation's (Vietnamese name) order.
pub(super) fn attendees(org: &OrgSnapshot, s: &TrainingSession) -> String {
    org.members
        .iter()
        .filter(|m| s.member_ids.contains(&m.id))
        .map(|m| m.full_name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn sessions(officer: &Officer, d: &Data) -> Markup {
    html! {
        h2 { "Các buổi đã ghi" }
        @if d.sessions.is_empty() {
            p.muted #no-sessions { "Chưa ghi buổi tập huấn nào." }
        } @else {
            table #training-sessions {
                thead { tr {
                    th scope="col" { "Ngày" } th scope="col" { "Nội dung" }
                    th scope="col" { "Thành viên đã dự" } th scope="col" { "Người ghi" }
                    th scope="col" { "Ghi nhầm?" }
                } }
                tbody {
                    @for s in &d.sessions {
                        tr id={ "session-" (s.id) } {
                            td { (layout::day(s.day)) }
                            th scope="row" { (s.topic) }
                            td { (attendees(&d.org, s)) }
                            td { @match s.recorded_by {
                                Some(m) => (member_name(&d.org, m)),
                                None => span.muted { "quản trị máy chủ" },
                            } }
                            td {
                                form method="post" action="/training/delete" {
                                    (officer.csrf_field())
                                    input type="hidden" name="session" value=(s.id);
                                    button.danger type="submit" { "Xóa buổi này…" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
