//! Merging two records of one person (issue 6): `GET /duplicates/merge?a=…&b=…`
//! shows both records side by side and asks which one to keep; `POST
//! /duplicates/merge` merges the other into it, `POST /duplicates/unmerge`
//! undoes a merge ("tách"). Each is the officer's own synced change
//! (`CentralDb::merge_residents`), audited; every visit and action of both
//! records is kept and counted once, under the one kept.

use super::village_name;
use crate::app::AppState;
use crate::web::auth::{Officer, Posted};
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use gocua_central::ResidentCard;
use gocua_core::{OrgSnapshot, ResidentId};
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PairQuery {
    a: String,
    b: String,
}

fn resident_id(s: Option<&str>) -> Result<ResidentId, PageError> {
    s.and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| PageError::BadQuery("mã nhân khẩu không đúng.".into()))
}

/// `GET /duplicates/merge?a=…&b=…`: the confirm screen.
pub async fn confirm(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<PairQuery>,
) -> Result<Markup, PageError> {
    let (a, b) = (resident_id(Some(&q.a))?, resident_id(Some(&q.b))?);
    if a == b {
        return Err(PageError::BadQuery("hai mã nhân khẩu trùng nhau.".into()));
    }
    let commune = officer.commune();
    let (ca, cb, org) = state
        .db(move |db| {
            Ok((
                db.resident_card(commune, a)?,
                db.resident_card(commune, b)?,
                db.org_snapshot(commune)?,
            ))
        })
        .await?;
    Ok(layout::page(
        "Gộp hai bản ghi",
        &officer,
        Nav::Duplicates,
        confirm_body(&officer, &ca, &cb, &org),
    ))
}

fn record(c: &ResidentCard, org: &OrgSnapshot) -> Markup {
    let r = &c.resident;
    html! {
        dl.figures {
            dt { "Họ tên" } dd { a href={ "/resident?id=" (r.resident_id) } { (r.full_name) } }
            dt { "Năm sinh" } dd { (r.birth_year) }
            dt { "Thôn, xóm" } dd { (village_name(org, r.village_id)) }
            dt { "Chủ hộ" } dd { (r.head_name) }
            dt { "Địa chỉ" } dd { (c.address) }
            dt { "CCCD" } dd { @if r.has_citizen_id { "đã có (không hiển thị)" } @else { "chưa có" } }
        }
    }
}

fn keep_form(officer: &Officer, keep: &ResidentCard, other: &ResidentCard) -> Markup {
    html! {
        form method="post" action="/duplicates/merge" {
            (officer.csrf_field())
            input type="hidden" name="into" value=(keep.resident.resident_id);
            input type="hidden" name="duplicate" value=(other.resident.resident_id);
            button type="submit" id={ "keep-" (keep.resident.resident_id) } {
                "Giữ bản ghi này, gộp bản ghi kia vào"
            }
        }
    }
}

fn confirm_body(
    officer: &Officer,
    a: &ResidentCard,
    b: &ResidentCard,
    org: &OrgSnapshot,
) -> Markup {
    html! {
        h1 { "Gộp hai bản ghi của cùng một người" }
        p.sub {
            "Sau khi gộp, người này chỉ được tính một lần trong mọi số liệu. Mọi lượt thăm và "
            "nội dung hỗ trợ của cả hai bản ghi đều được giữ lại và tính cho bản ghi được giữ. "
            "Các thiết bị của tổ nhận thay đổi này ở lần đồng bộ sau. Có thể tách lại trên "
            "trang của bản ghi đã gộp."
        }
        table #merge-pair {
            thead { tr { th scope="col" { "Bản ghi thứ nhất" } th scope="col" { "Bản ghi thứ hai" } } }
            tbody {
                tr { td { (record(a, org)) } td { (record(b, org)) } }
                tr { td { (keep_form(officer, a, b)) } td { (keep_form(officer, b, a)) } }
            }
        }
        p { a href="/duplicates" { "Không gộp, quay lại danh sách" } }
    }
}

/// `POST /duplicates/merge`: `duplicate` into `into`.
pub async fn merge(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { officer, fields } = posted;
    let duplicate = resident_id(fields.get("duplicate").map(String::as_str))?;
    let into = resident_id(fields.get("into").map(String::as_str))?;
    let commune = officer.commune();
    let member = officer.session.member.id;
    let actor = officer.session.member.full_name.clone();
    state
        .db(move |db| {
            db.merge_residents(
                commune,
                member,
                &actor,
                duplicate,
                Some(into),
                chrono::Utc::now(),
            )
        })
        .await?;
    tracing::info!(%member, %duplicate, %into, "residents merged");
    Ok(Redirect::to(&format!("/resident?id={into}&merged=1")).into_response())
}

/// `POST /duplicates/unmerge`: `id` counts as a person of their own again.
pub async fn unmerge(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { officer, fields } = posted;
    let id = resident_id(fields.get("id").map(String::as_str))?;
    let commune = officer.commune();
    let member = officer.session.member.id;
    let actor = officer.session.member.full_name.clone();
    state
        .db(move |db| db.merge_residents(commune, member, &actor, id, None, chrono::Utc::now()))
        .await?;
    tracing::info!(%member, %id, "resident merge undone");
    Ok(Redirect::to(&format!("/resident?id={id}&unmerged=1")).into_response())
}
