//! `GET /duplicates`: residents who may have been entered twice, for the
//! officer to review — each pair with how sure it is and why (rules in
//! `gocua_core::duplicates`), linking to each resident's card. `GET
//! /resident?id=…`: that card (the resident, their household's address and
//! other residents, records merged into them and every action counted for
//! them), with the officer's "needs fix" marks and forms on the resident and
//! each action (`review.rs`); the household links to its page
//! (`household.rs`). Merging is
//! `merge.rs`'s, from a link on each pair.
//!
//! Shown: names, birth years, villages, household heads, and whether an ID
//! number is on file — never the number or its hash, never a phone.

use super::{review, village_name};
use crate::app::AppState;
use crate::web::auth::Officer;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use crate::web::links::{back_to, from};
use axum::extract::{Query, State};
use gocua_central::{CardAction, DuplicateCandidate, ResidentBrief, ResidentCard};
use gocua_core::duplicates::Strength;
use gocua_core::review::ReviewMark;
use gocua_core::{EntityKind, OrgSnapshot, ResidentId};
use maud::{Markup, html};
use serde::Deserialize;

/// Pairs shown at most: a longer list is a sign of a bad import, which the
/// first ones already show.
const MAX_SHOWN: usize = 500;

pub async fn show(State(state): State<AppState>, officer: Officer) -> Result<Markup, PageError> {
    let commune = officer.commune();
    let (pairs, org) = state
        .db(move |db| Ok((db.duplicate_candidates(commune)?, db.org_snapshot(commune)?)))
        .await?;
    Ok(layout::page(
        "Nhân khẩu có thể trùng",
        &officer,
        Nav::Duplicates,
        body(&pairs, &org),
    ))
}

fn resident_link(r: &ResidentBrief) -> Markup {
    html! { a href={ "/resident?id=" (r.resident_id) (from("/duplicates")) } { (r.full_name) } }
}

fn who(r: &ResidentBrief, org: &OrgSnapshot) -> Markup {
    html! {
        (resident_link(r)) " (" (r.birth_year) ")"
        br;
        span.muted.small {
            (village_name(org, r.village_id))
            @if !r.head_name.is_empty() {
                " — " a href={ "/household?id=" (r.household_id) (from("/duplicates")) } { "hộ " (r.head_name) }
            }
            @if r.has_citizen_id { " — đã có CCCD" }
        }
    }
}

fn body(pairs: &[DuplicateCandidate], org: &OrgSnapshot) -> Markup {
    let count = |s: Strength| pairs.iter().filter(|p| p.pair.strength == s).count();
    html! {
        h1 { "Nhân khẩu có thể bị nhập trùng" }
        p.sub {
            "Máy chủ không có dữ liệu thôn/xóm nào liền kề nhau, nên chia theo mức chắc chắn: "
            strong { "chắc chắn trùng" } " — cùng số CCCD (so bằng mã đã mã hóa); "
            strong { "có thể trùng" } " — cùng họ tên (không kể dấu, hoa thường) và năm sinh, cùng thôn/xóm; "
            strong { "cần xem lại" } " — cùng họ tên và năm sinh ở thôn/xóm khác trong xã. "
            "Nếu hai bản ghi là một người, bấm «Gộp…» để chọn bản ghi giữ lại."
        }
        @if pairs.is_empty() {
            p.ok #no-duplicates { "Không thấy nhân khẩu nào có thể trùng." }
        } @else {
            p #duplicate-counts {
                (count(Strength::Strong)) " chắc chắn trùng, "
                (count(Strength::Likely)) " có thể trùng, "
                (count(Strength::Possible)) " cần xem lại."
            }
            @if pairs.len() > MAX_SHOWN {
                p.warn { "Chỉ hiện " (MAX_SHOWN) " cặp đầu tiên trong " (pairs.len()) " cặp." }
            }
            table #duplicates {
                thead { tr {
                    th scope="col" { "Mức" } th scope="col" { "Lý do" }
                    th scope="col" { "Người thứ nhất" } th scope="col" { "Người thứ hai" }
                    th scope="col" { "Gộp" }
                } }
                tbody {
                    @for p in pairs.iter().take(MAX_SHOWN) {
                        tr class=(match p.pair.strength {
                            Strength::Strong => "strong",
                            Strength::Likely => "likely",
                            Strength::Possible => "possible",
                        }) {
                            td { @match p.pair.strength {
                                Strength::Strong => span.badge.short { (p.pair.strength.label_vi()) },
                                Strength::Likely => span.badge.plain { (p.pair.strength.label_vi()) },
                                Strength::Possible => span.muted { (p.pair.strength.label_vi()) },
                            } }
                            td.reason { (p.pair.strength.reason_vi()) }
                            td { (who(&p.a, org)) }
                            td { (who(&p.b, org)) }
                            td { a.merge href={ "/duplicates/merge?a=" (p.a.resident_id) "&b=" (p.b.resident_id) } { "Gộp…" } }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ResidentQuery {
    id: String,
    merged: Option<u8>,
    unmerged: Option<u8>,
    /// `1` after the officer's "needs fix" mark was taken.
    #[serde(default)]
    marked: Option<String>,
    /// The page it was opened from (`links::back_to`).
    #[serde(default)]
    from: Option<String>,
}

/// What the card shows beyond the resident: the merge both ways and the
/// actions counted for them.
struct Merges {
    /// Whom this record counts as, when merged (with their name).
    into: Option<(ResidentId, String)>,
    /// Records merged into this one.
    from: Vec<ResidentBrief>,
    actions: Vec<CardAction>,
    /// Action code → its name in the commune's catalogue.
    names: std::collections::HashMap<String, String>,
    notice: Option<&'static str>,
    /// "Needs fix" marks on the resident and on their actions.
    marks: Vec<ReviewMark>,
    /// The record whose mark was just taken.
    just_marked: Option<uuid::Uuid>,
    /// The way back, and its words.
    back: (String, &'static str),
}

/// `GET /resident?id=…`.
pub async fn resident(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<ResidentQuery>,
) -> Result<Markup, PageError> {
    let id: ResidentId =
        q.id.parse()
            .map_err(|_| PageError::BadQuery("mã nhân khẩu không đúng.".into()))?;
    let commune = officer.commune();
    let notice = match (q.merged, q.unmerged) {
        (Some(_), _) => Some("Đã gộp. Các thiết bị nhận thay đổi ở lần đồng bộ sau."),
        (_, Some(_)) => Some("Đã tách: bản ghi này lại được tính là một người riêng."),
        _ => None,
    };
    let back = back_to(q.from.as_deref());
    let (card, org, merges) = state
        .db(move |db| {
            let card = db.resident_card(commune, id)?;
            let roots = db.resident_roots(commune)?;
            let root = roots.of(id);
            let into = if root == id {
                None
            } else {
                Some((root, db.resident_card(commune, root)?.resident.full_name))
            };
            let mut from = Vec::new();
            for m in roots.counted_as(id).into_iter().skip(1) {
                from.push(db.resident_card(commune, m)?.resident);
            }
            let actions = db.resident_actions(commune, id)?;
            let mut targets = vec![id.0];
            targets.extend(actions.iter().map(|a| a.action_id.0));
            let marks = db.review_marks_on(commune, &targets)?;
            let names = db
                .catalogue(commune)?
                .into_iter()
                .map(|e| (e.code.as_str().to_string(), e.name_vi))
                .collect();
            let merges = Merges {
                into,
                from,
                actions,
                names,
                notice,
                marks,
                just_marked: (q.marked.as_deref() == Some("1")).then_some(id.0),
                back,
            };
            Ok((card, db.org_snapshot(commune)?, merges))
        })
        .await?;
    let title = card.resident.full_name.clone();
    Ok(layout::page(
        &title,
        &officer,
        Nav::Records,
        html! {
            (card_body(&officer, &card, &org, &merges))
            h2 { "Yêu cầu sửa" }
            @let mine: Vec<&ReviewMark> = merges.marks.iter().filter(|m| m.target_id == id.0).collect();
            div id=(review::anchor(id.0)) {
                (review::marks_list(&mine, &org))
                (review::mark_form(&officer, EntityKind::Resident, id.0,
                    merges.just_marked == Some(id.0), None, &merges.back.0))
            }
        },
    ))
}

fn sex_vi(sex: &str) -> &'static str {
    match sex {
        "female" => "Nữ",
        "male" => "Nam",
        _ => "—",
    }
}

fn status_vi(status: &str) -> &'static str {
    match status {
        "done" => "Đã xong",
        "follow_up" => "Hẹn quay lại",
        _ => "Không thực hiện được",
    }
}

fn card_body(officer: &Officer, c: &ResidentCard, org: &OrgSnapshot, m: &Merges) -> Markup {
    let r = &c.resident;
    let name_of = |id: ResidentId| -> String {
        m.from
            .iter()
            .find(|b| b.resident_id == id)
            .map_or_else(|| r.full_name.clone(), |b| b.full_name.clone())
    };
    html! {
        h1 { (r.full_name) }
        p.sub { a #back href=(m.back.0) { (m.back.1) } }
        @if let Some(n) = m.notice { p.notice role="status" #merge-notice { (n) } }
        @if let Some((into, name)) = &m.into {
            p.warn #merged-into {
                "Bản ghi này đã được gộp vào "
                a href={ "/resident?id=" (into) } { (name) }
                ": người này được tính một lần, theo bản ghi đó."
            }
            form method="post" action="/duplicates/unmerge" {
                (officer.csrf_field())
                input type="hidden" name="id" value=(r.resident_id);
                button type="submit" #unmerge { "Tách ra thành người riêng" }
            }
        }
        dl.figures #resident {
            dt { "Năm sinh" } dd { (r.birth_year) }
            dt { "Giới tính" } dd { (sex_vi(&c.sex)) }
            dt { "Thôn, xóm" } dd { (village_name(org, r.village_id)) }
            dt { "Chủ hộ" } dd { a #household-link href={ "/household?id=" (r.household_id) (from(&format!("/resident?id={}", r.resident_id))) } { (r.head_name) } }
            dt { "Địa chỉ" } dd { (c.address) }
            dt { "CCCD" } dd { @if r.has_citizen_id { "đã có (không hiển thị)" } @else { "chưa có" } }
        }
        h2 { "Các nhân khẩu trong hộ" }
        table #household {
            thead { tr { th scope="col" { "Họ tên" } th scope="col" { "Năm sinh" } } }
            tbody {
                @for m in &c.household {
                    tr {
                        th scope="row" {
                            @if m.resident_id == r.resident_id { strong { (m.full_name) } }
                            @else { (resident_link(m)) }
                        }
                        td.num { (m.birth_year) }
                    }
                }
            }
        }
        @if !m.from.is_empty() {
            h2 { "Bản ghi đã gộp vào người này" }
            ul #merged-from {
                @for b in &m.from {
                    li {
                        (resident_link(b)) " (" (b.birth_year) ") — "
                        (village_name(org, b.village_id))
                        @if !b.head_name.is_empty() { ", hộ " (b.head_name) }
                    }
                }
            }
        }
        @if m.into.is_none() {
            h2 { "Nội dung hỗ trợ đã ghi nhận" }
            @if m.actions.is_empty() {
                p.muted #no-actions { "Chưa có nội dung hỗ trợ nào." }
            } @else {
                table #actions {
                    thead { tr {
                        th scope="col" { "Ngày" } th scope="col" { "Nội dung" }
                        th scope="col" { "Kết quả" } th scope="col" { "Ghi cho bản ghi" }
                        th scope="col" { "Yêu cầu sửa" }
                    } }
                    tbody {
                        @for a in &m.actions {
                            tr class=[(!a.live).then_some("voided")] {
                                td { (a.day) }
                                td { (m.names.get(&a.code).unwrap_or(&a.code)) }
                                td { (status_vi(&a.status)) @if !a.live { " (đã hủy)" } }
                                td { (name_of(a.recorded_for)) }
                                td { (review::fold_out(officer, org, EntityKind::AssistedAction,
                                    a.action_id.0, &m.marks, false, &m.back.0)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
