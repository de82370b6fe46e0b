//! The household page: its residents with their digital-citizen checklist
//! (done, follow-up, pending), the visit history, and the ways on: log a
//! visit, edit the household, add or edit a resident. The review loop: the
//! household's "needs fix" marks (report fixed, reopen), a leader's
//! "Đánh dấu cần sửa" on the household, each resident and each visit, and
//! voiding a visit to log it again.

use crate::api;
use crate::ctx::{AppCtx, Load, Route, use_api};
use crate::format;
use crate::review_api;
use crate::screens::review::{MarkForm, ReviewList, VoidVisit};
use crate::widgets::{ErrorBanner, Loading, TopBar};
use gocua_app_api::{
    ChecklistItem, ChecklistStatus, HouseholdDetail, MergedRecord, ResidentDetail, ReviewItem,
    VisitSummary,
};
use gocua_core::{EntityKind, HouseholdId, VisitOutcome};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: HouseholdId,
    pub back: Callback<MouseEvent>,
}

#[function_component]
pub fn HouseholdScreen(props: &Props) -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let refresh = use_state(|| 0u32);
    let detail = use_api((props.id, *refresh), |(id, _)| api::household(id));
    let marks = use_api((props.id, *refresh), |(id, _)| {
        review_api::review_marks(Some(id), false)
    });
    let reload = {
        let refresh = refresh.clone();
        Callback::from(move |()| refresh.set(*refresh + 1))
    };
    let body = match &*detail {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(d) => page(d, &marks, &reload, &ctx),
    };
    html! {
        <main class="screen" data-screen="household">
            <TopBar title="Hộ gia đình" back={props.back.clone()} />
            { body }
        </main>
    }
}

fn go(ctx: &AppCtx, r: Route) -> Callback<MouseEvent> {
    let g = ctx.go.clone();
    Callback::from(move |_: MouseEvent| g.emit(r))
}

fn page(
    d: &HouseholdDetail,
    marks: &Load<Vec<ReviewItem>>,
    reload: &Callback<()>,
    ctx: &AppCtx,
) -> Html {
    let h = &d.household;
    html! {
        <>
            <section class="card">
                <h2 data-testid="head-name">{ &h.head_name }</h2>
                <p>{ format!("{} · {}", h.address, d.village_name) }</p>
                if let Some(p) = &h.phone { <p>{ format!("Điện thoại: {p}") }</p> }
                <span class="tags">
                    { for h.flags.labels_vi().into_iter().map(|l| html! { <span class="tag">{ l }</span> }) }
                    if d.digital_family { <span class="tag good">{ "Gia đình số" }</span> }
                </span>
                <div class="actions">
                    <button class="primary" data-testid="log-visit" onclick={go(ctx, Route::Visit(h.id))}>{ "Ghi lượt thăm" }</button>
                    <button class="secondary" data-testid="edit-household" onclick={go(ctx, Route::EditHousehold(Some(h.id)))}>{ "Sửa thông tin hộ" }</button>
                </div>
                <MarkForm kind={EntityKind::Household} target={h.id.0} on_done={reload.clone()} />
            </section>
            { match marks {
                Load::Ready(items) if !items.is_empty() => html! {
                    <section class="card needs-fix">
                        <h2>{ "Yêu cầu sửa" }</h2>
                        <ReviewList items={items.clone()} on_changed={reload.clone()} testid="household-reviews" />
                    </section>
                },
                Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
                _ => html! {},
            } }
            <h2>{ format!("Người dân ({})", d.residents.len()) }</h2>
            if d.residents.is_empty() {
                <p class="muted">{ "Chưa có người dân nào: hãy thêm người để ghi nội dung hỗ trợ." }</p>
            }
            { for d.residents.iter().map(|r| resident(r, h.id, reload, ctx)) }
            if !head_is_resident(&h.head_name, &d.residents) {
                <button class="primary" data-testid="add-head-resident" onclick={go(ctx, Route::AddHeadResident(h.id))}>
                    { format!("+ Thêm chủ hộ {} làm nhân khẩu", h.head_name) }
                </button>
            }
            <button class="secondary" data-testid="add-resident" onclick={go(ctx, Route::EditResident(h.id, None))}>{ "+ Thêm người dân" }</button>
            <h2>{ "Lịch sử thăm" }</h2>
            if d.visits.is_empty() { <p class="muted">{ "Chưa có lượt thăm nào." }</p> }
            <ul class="visits" data-testid="visits">{ for d.visits.iter().map(|v| visit(v, reload)) }</ul>
        </>
    }
}

/// Whether the head is already on the household's list of residents (by
/// name, case and spacing aside): if not, the screen offers to add them.
fn head_is_resident(head: &str, residents: &[ResidentDetail]) -> bool {
    let key = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let head = key(head);
    head.is_empty() || residents.iter().any(|r| key(&r.resident.full_name) == head)
}

fn status_class(s: &ChecklistStatus) -> &'static str {
    match s {
        ChecklistStatus::Done => "done",
        ChecklistStatus::FollowUp { .. } => "follow",
        ChecklistStatus::NotPossible { .. } => "blocked",
        ChecklistStatus::Pending => "pending",
        ChecklistStatus::NotEligible => "na",
    }
}

/// The label of a checklist status, as `gocua_core::rules` words it.
pub fn status_label(s: &ChecklistStatus) -> String {
    match s {
        ChecklistStatus::Done => "Đã xong".into(),
        ChecklistStatus::FollowUp { due } => format!("Hẹn {}", format::date_vi(*due)),
        ChecklistStatus::NotPossible { reason } => format!("Chưa được: {}", reason.label_vi()),
        ChecklistStatus::Pending => "Chưa làm".into(),
        ChecklistStatus::NotEligible => "Không thuộc đối tượng".into(),
    }
}

fn item(i: &ChecklistItem) -> Html {
    html! {
        <li class={status_class(&i.status)}>
            <span>{ &i.name_vi }</span><small>{ status_label(&i.status) }</small>
        </li>
    }
}

fn resident(
    r: &ResidentDetail,
    household: HouseholdId,
    reload: &Callback<()>,
    ctx: &AppCtx,
) -> Html {
    let p = &r.resident;
    let shown: Vec<&ChecklistItem> = r
        .checklist
        .iter()
        .filter(|i| i.in_checklist && i.status != ChecklistStatus::NotEligible)
        .collect();
    let done = shown
        .iter()
        .filter(|i| i.status == ChecklistStatus::Done)
        .count();
    html! {
        <section class="card resident">
            <div class="resident-head">
                <div>
                    <strong>{ &p.full_name }</strong>
                    <small class="muted">{ format!(" {} · {}", format::age_vi(r.age, p.birth_year), p.sex.label_vi()) }</small>
                </div>
                <button class="plain small" onclick={go(ctx, Route::EditResident(household, Some(p.id)))}>{ "Sửa" }</button>
            </div>
            <p class="small">
                if r.digital_citizen { <span class="tag good">{ "Công dân số" }</span> }
                { format!(" {done}/{} nội dung đã xong", shown.len()) }
                if !p.has_smartphone { <span class="tag">{ "Không có smartphone" }</span> }
                if p.consent_on.is_none() { <span class="tag warn">{ "Chưa ghi nhận đồng ý" }</span> }
            </p>
            <ul class="checklist">{ for shown.into_iter().map(item) }</ul>
            { for r.merged_from.iter().map(merged) }
            <MarkForm kind={EntityKind::Resident} target={p.id.0} on_done={reload.clone()} />
        </section>
    }
}

/// A record merged into this resident: the same person, entered twice; what
/// was recorded for it counts above.
fn merged(m: &MergedRecord) -> Html {
    html! {
        <div class="merged small">
            <p class="muted">{ format!("Đã gộp từ bản ghi «{}» (cùng một người)", m.full_name) }</p>
            <ul>
                { for m.actions.iter().map(|a| html! {
                    <li class={classes!(a.voided.then_some("voided"))}>
                        { format!("{}: {} – {}", format::date_vi(a.day), a.action_name, a.outcome.label_vi()) }
                    </li>
                }) }
            </ul>
        </div>
    }
}

fn visit(v: &VisitSummary, reload: &Callback<()>) -> Html {
    let outcome = match v.outcome {
        VisitOutcome::Met => String::new(),
        o => format!(" – {}", o.label_vi()),
    };
    html! {
        <li class={classes!(v.voided_reason.is_some().then_some("voided"))}>
            <strong>{ format!("{}{}", format::date_vi(v.day), outcome) }</strong>
            <small class="muted">{ format!(" {}", v.members.join(", ")) }</small>
            <ul>
                { for v.actions.iter().map(|a| html! {
                    <li class={classes!(a.voided.then_some("voided"))}>
                        { format!("{}: {} – {}", a.resident_name, a.action_name, a.outcome.label_vi()) }
                    </li>
                }) }
            </ul>
            if let Some(n) = &v.note { <p class="small">{ n }</p> }
            if let Some(r) = &v.voided_reason { <p class="small warn">{ format!("Đã hủy: {r}") }</p> }
            if v.voided_reason.is_none() {
                <div class="choices">
                    <MarkForm kind={EntityKind::Visit} target={v.id.0} on_done={reload.clone()} />
                    <VoidVisit visit={v.id} on_done={reload.clone()} />
                </div>
            }
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use gocua_core::CannotReason;

    #[test]
    fn status_labels_match_the_core_rules() {
        use gocua_core::rules::ChecklistStatus as Core;
        let due = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let pairs = [
            (ChecklistStatus::Done, Core::Done),
            (ChecklistStatus::FollowUp { due }, Core::FollowUp { due }),
            (
                ChecklistStatus::NotPossible {
                    reason: CannotReason::Refused,
                },
                Core::NotPossible {
                    reason: CannotReason::Refused,
                },
            ),
            (ChecklistStatus::Pending, Core::Pending),
            (ChecklistStatus::NotEligible, Core::NotEligible),
        ];
        for (ui, core) in pairs {
            assert_eq!(status_label(&ui), core.label_vi());
        }
    }
}
