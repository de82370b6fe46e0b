//! `GET /household?id=…`: one household for the commune officer — its
//! address, village and team, its residents (each linking to their card),
//! its visits and the actions logged in them, voided ones included and
//! said so — each record with its "needs fix" marks and the form to mark it
//! (`review::fold_out`). After a mark the page opens at that record
//! (`&target=…&marked=1`) with the confirmation beside it.
//!
//! Shown: names, birth years, the address, days, who visited. Never the
//! phone or an ID number. Only the officer's commune: a household of another
//! is "not found".

use super::review::fold_out;
use super::{action_name, member_name, village_name};
use crate::app::AppState;
use crate::web::auth::Officer;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use crate::web::links::{back_to, from};
use axum::extract::{Query, State};
use gocua_central::HouseholdView;
use gocua_core::month::local_date;
use gocua_core::{CatalogueEntry, EntityKind, HouseholdId, OrgSnapshot, Visit};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
pub struct HouseholdQuery {
    id: String,
    /// The record just marked (with `marked=1`).
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    marked: Option<String>,
    /// The page it was opened from (`links::back_to`).
    #[serde(default)]
    from: Option<String>,
}

/// What the page shows, read in one go.
struct Data {
    view: HouseholdView,
    org: OrgSnapshot,
    catalogue: Vec<CatalogueEntry>,
    /// The record whose mark was just taken.
    just_marked: Option<Uuid>,
    /// The way back, and its words.
    back: (String, &'static str),
}

/// `GET /household?id=…`.
pub async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<HouseholdQuery>,
) -> Result<Markup, PageError> {
    let id: HouseholdId =
        q.id.parse()
            .map_err(|_| PageError::BadQuery("mã hộ gia đình không đúng.".into()))?;
    let just_marked = match q.marked.as_deref() {
        Some("1") => q.target.as_deref().and_then(|t| t.parse().ok()),
        _ => None,
    };
    let commune = officer.commune();
    let (view, org, catalogue) = state
        .db(move |db| {
            Ok((
                db.household_view(commune, id)?,
                db.org_snapshot(commune)?,
                db.catalogue(commune)?,
            ))
        })
        .await?;
    let data = Data {
        view,
        org,
        catalogue,
        just_marked,
        back: back_to(q.from.as_deref()),
    };
    let title = format!("Hộ {}", data.view.household.head_name);
    Ok(layout::page(
        &title,
        &officer,
        Nav::Records,
        body(&officer, &data),
    ))
}

impl Data {
    fn fold_out(&self, officer: &Officer, kind: EntityKind, id: Uuid) -> Markup {
        fold_out(
            officer,
            &self.org,
            kind,
            id,
            &self.view.marks,
            self.just_marked == Some(id),
            &self.back.0,
        )
    }

    fn visit(&self, id: gocua_core::VisitId) -> Option<&Visit> {
        self.view.visits.iter().find(|v| v.id == id)
    }
}

fn team_names(org: &OrgSnapshot, village: gocua_core::VillageId) -> String {
    let names: Vec<&str> = org
        .teams
        .iter()
        .filter(|t| t.village_ids.contains(&village))
        .map(|t| t.name.as_str())
        .collect();
    if names.is_empty() {
        "—".into()
    } else {
        names.join(", ")
    }
}

fn body(officer: &Officer, d: &Data) -> Markup {
    let h = &d.view.household;
    html! {
        h1 { "Hộ " (h.head_name) }
        p.sub { a #back href=(d.back.0) { (d.back.1) } }
        dl.figures #household-facts {
            dt { "Chủ hộ" } dd { (h.head_name) }
            dt { "Địa chỉ" } dd { (h.address) }
            dt { "Thôn, xóm" } dd { (village_name(&d.org, h.village_id)) }
            dt { "Tổ phụ trách" } dd { (team_names(&d.org, h.village_id)) }
        }
        (d.fold_out(officer, EntityKind::Household, h.id.0))
        (residents(officer, d))
        (visits(officer, d))
        (actions(officer, d))
    }
}

fn residents(officer: &Officer, d: &Data) -> Markup {
    html! {
        h2 { "Nhân khẩu" }
        @if d.view.residents.is_empty() {
            p.muted #no-residents { "Hộ chưa có nhân khẩu nào." }
        } @else {
            table #residents {
                thead { tr {
                    th scope="col" { "Họ tên" } th scope="col" { "Năm sinh" }
                    th scope="col" { "Yêu cầu sửa" }
                } }
                tbody {
                    @for r in &d.view.residents {
                        tr id={ "resident-" (r.id) } {
                            th scope="row" {
                                a href={ "/resident?id=" (r.id) (from(&format!("/household?id={}", d.view.household.id))) } { (r.full_name) }
                                @if r.merged_into.is_some() { span.muted.small { " (đã gộp)" } }
                            }
                            td.num { (r.birth_year) }
                            td { (d.fold_out(officer, EntityKind::Resident, r.id.0)) }
                        }
                    }
                }
            }
        }
    }
}

fn visits(officer: &Officer, d: &Data) -> Markup {
    html! {
        h2 { "Lượt thăm" }
        @if d.view.visits.is_empty() {
            p.muted #no-visits { "Chưa có lượt thăm nào." }
        } @else {
            table #visits {
                thead { tr {
                    th scope="col" { "Ngày" } th scope="col" { "Hình thức" }
                    th scope="col" { "Kết quả" } th scope="col" { "Thành viên" }
                    th scope="col" { "Yêu cầu sửa" }
                } }
                tbody {
                    @for v in &d.view.visits {
                        tr id={ "visit-" (v.id) } class=[v.voided.is_some().then_some("voided")] {
                            td { (layout::day(local_date(v.at))) }
                            td { (v.form.label_vi()) }
                            td {
                                (v.outcome.label_vi())
                                @if let Some(void) = &v.voided { " (đã hủy: " (void.reason) ")" }
                            }
                            td { (v.members.iter().map(|m| member_name(&d.org, *m)).collect::<Vec<_>>().join(", ")) }
                            td { (d.fold_out(officer, EntityKind::Visit, v.id.0)) }
                        }
                    }
                }
            }
        }
    }
}

fn actions(officer: &Officer, d: &Data) -> Markup {
    let name_of = |id: gocua_core::ResidentId| {
        d.view
            .residents
            .iter()
            .find(|r| r.id == id)
            .map_or("—", |r| r.full_name.as_str())
    };
    html! {
        h2 { "Nội dung hỗ trợ" }
        @if d.view.actions.is_empty() {
            p.muted #no-household-actions { "Chưa có nội dung hỗ trợ nào." }
        } @else {
            table #household-actions {
                thead { tr {
                    th scope="col" { "Ngày" } th scope="col" { "Người dân" }
                    th scope="col" { "Nội dung" } th scope="col" { "Kết quả" }
                    th scope="col" { "Yêu cầu sửa" }
                } }
                tbody {
                    @for a in &d.view.actions {
                        @let visit = d.visit(a.visit_id);
                        @let voided = a.voided.is_some() || visit.is_some_and(|v| v.voided.is_some());
                        tr id={ "action-" (a.id) } class=[voided.then_some("voided")] {
                            td { @if let Some(v) = visit { (layout::day(local_date(v.at))) } }
                            td { a href={ "/resident?id=" (a.resident_id) } { (name_of(a.resident_id)) } }
                            td { (action_name(&d.catalogue, a.action.as_str())) }
                            td {
                                (a.outcome.label_vi())
                                @if voided { " (đã hủy)" }
                            }
                            td { (d.fold_out(officer, EntityKind::AssistedAction, a.id.0)) }
                        }
                    }
                }
            }
        }
    }
}
