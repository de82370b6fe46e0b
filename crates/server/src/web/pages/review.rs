//! `POST /review`: an officer marks a record "needs fix" from the office's
//! pages — a resident on their card, a household, visit or action on the
//! household's page (`household.rs`), an action on the resident's card. The
//! mark is judged and kept like a device's (`CentralDb::open_review_on_web`)
//! and reaches the team's phones on their next sync, where the member
//! corrects the record and reports it fixed; the pages list each record's
//! marks (`fold_out`), so the officer sees the answer.

use super::member_name;
use crate::app::AppState;
use crate::web::auth::{Officer, Posted};
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use crate::web::links::{self, back_to};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gocua_central::ApplyResult;
use gocua_core::review::{ReviewInput, ReviewMark, ReviewState};
use gocua_core::{EntityKind, HouseholdId, OrgSnapshot};
use maud::{Markup, html};
use uuid::Uuid;

/// Where the form goes back to after the mark: the resident's card, or the
/// household's page at the record (None: not a kind of record one marks).
fn back(kind: EntityKind, id: Uuid, household: HouseholdId) -> Option<String> {
    match kind {
        EntityKind::Resident => Some(format!("/resident?id={id}")),
        EntityKind::Household | EntityKind::Visit | EntityKind::AssistedAction => {
            Some(format!("/household?id={household}&target={id}"))
        }
        EntityKind::ReviewMark => None,
    }
}

/// The anchor of a record's marks on its page.
pub fn anchor(id: Uuid) -> String {
    format!("mark-{id}")
}

/// The form for one record; `done`: its mark was just taken; `refused`:
/// why it was not; `from`: where the record's page was opened from (its
/// way back, kept after the mark). Ids carry the record's, as a page may
/// hold many.
pub fn mark_form(
    officer: &Officer,
    kind: EntityKind,
    id: Uuid,
    done: bool,
    refused: Option<&str>,
    from: &str,
) -> Markup {
    let comment = format!("comment-{id}");
    html! {
        @if done {
            p.ok #review-sent { "Đã gửi yêu cầu sửa: tổ sẽ nhận được ở lần đồng bộ tới." }
        }
        @if let Some(m) = refused {
            p.error role="alert" #review-refused { "Chưa gửi: " (m) }
        }
        form.review method="post" action="/review" id={ "review-form-" (id) } {
            (officer.csrf_field())
            input type="hidden" name="target_kind" value=(kind.as_str());
            input type="hidden" name="target_id" value=(id);
            @if from != "/" && !from.is_empty() { input type="hidden" name="from" value=(from); }
            label for=(comment) { "Cần sửa gì? Tổ của thôn sẽ thấy trên điện thoại." }
            textarea id=(comment) name="comment" rows="3" maxlength="1000" {}
            button type="submit" { "Đánh dấu cần sửa" }
        }
    }
}

/// The marks on one record: open or fixed, the comment, who asked, and
/// the member's answer.
pub fn marks_list(marks: &[&ReviewMark], org: &OrgSnapshot) -> Markup {
    html! {
        @if !marks.is_empty() {
            ul.marks {
                @for m in marks {
                    li class={ "mark " (m.state.as_str()) } id={ "review-" (m.id) } {
                        @match m.state {
                            ReviewState::Open => span.badge.short { (m.state.label_vi()) },
                            ReviewState::Resolved => span.badge.met { (m.state.label_vi()) },
                        }
                        " " (m.comment)
                        span.muted.small {
                            " — " (member_name(org, m.author)) ", " (layout::time(m.created_at))
                        }
                        @if let (Some(by), Some(at)) = (m.resolved_by, m.resolved_at) {
                            br;
                            span.small {
                                "Đã sửa: " (member_name(org, by)) ", " (layout::time(at))
                                @if let Some(r) = &m.reply { " — «" (r) "»" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A record's marks and form, folded away unless one is open or its mark
/// was just taken.
pub fn fold_out(
    officer: &Officer,
    org: &OrgSnapshot,
    kind: EntityKind,
    id: Uuid,
    marks: &[ReviewMark],
    done: bool,
    from: &str,
) -> Markup {
    let mine: Vec<&ReviewMark> = marks.iter().filter(|m| m.target_id == id).collect();
    let open = mine.iter().filter(|m| m.state == ReviewState::Open).count();
    html! {
        details.review id=(anchor(id)) open[done || open > 0] {
            summary {
                "Yêu cầu sửa"
                @if open > 0 { " (" (open) " đang chờ sửa)" }
                @else if !mine.is_empty() { " (đã sửa)" }
            }
            (marks_list(&mine, org))
            (mark_form(officer, kind, id, done, None, from))
        }
    }
}

fn bad_field(what: &str) -> PageError {
    PageError::BadField(what.to_string())
}

pub async fn open(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { officer, fields } = posted;
    let kind = fields
        .get("target_kind")
        .and_then(|k| EntityKind::parse(k))
        .filter(|k| *k != EntityKind::ReviewMark)
        .ok_or_else(|| {
            bad_field("chỉ đánh dấu được hộ gia đình, nhân khẩu, lượt thăm hoặc nội dung hỗ trợ.")
        })?;
    let target: Uuid = fields
        .get("target_id")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| bad_field("mã bản ghi cần sửa không đúng."))?;
    let commune = officer.commune();
    // A record of another commune is not found, like none at all.
    let household = state
        .db(move |db| db.record_household(commune, kind, target))
        .await?
        .ok_or(PageError::NotFound)?;
    let mut back = back(kind, target, household).ok_or(PageError::BadForm)?;
    // The page's own way back, if it had one of ours.
    let from = back_to(fields.get("from").map(String::as_str)).0;
    if from != "/" {
        back.push_str(&links::from(&from));
    }
    let input = ReviewInput {
        target_kind: kind,
        target_id: target,
        comment: fields.get("comment").cloned().unwrap_or_default(),
        assignee: None,
    };
    let by = officer.session.member.id;
    let result = state.db(move |db| db.open_review_on_web(by, input)).await?;
    match result {
        ApplyResult::Applied | ApplyResult::AlreadyHad => {
            tracing::info!(member = %by, target = %target, "review mark opened on the web");
            let to = format!("{back}&marked=1#{}", anchor(target));
            Ok(Redirect::to(&to).into_response())
        }
        ApplyResult::Rejected { message, .. } => {
            let body = html! {
                h1 { "Yêu cầu sửa" }
                p.sub { a href=(back) { "Quay lại bản ghi" } }
                (mark_form(&officer, kind, target, false, Some(&message), &from))
            };
            let page = layout::page("Yêu cầu sửa", &officer, Nav::Records, body);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_goes_back_to_its_page() {
        let (id, h) = (Uuid::now_v7(), HouseholdId(Uuid::now_v7()));
        assert_eq!(
            back(EntityKind::Resident, id, h),
            Some(format!("/resident?id={id}"))
        );
        for kind in [
            EntityKind::Household,
            EntityKind::Visit,
            EntityKind::AssistedAction,
        ] {
            assert_eq!(
                back(kind, id, h),
                Some(format!("/household?id={h}&target={id}"))
            );
        }
        assert_eq!(back(EntityKind::ReviewMark, id, h), None);
    }
}
