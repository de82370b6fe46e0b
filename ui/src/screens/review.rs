//! The review loop's pieces, shared by the home, household and team
//! screens: a list of "needs fix" marks (each with what is marked, the
//! leader's comment, the member's reply, and what can be done: report it
//! fixed, or — for leaders — reopen it), the leader's form to mark a
//! record, and voiding a visit (how a marked visit is corrected: void it
//! with a reason, then log it again).

use crate::ctx::{AppCtx, Route};
use crate::fold_out::use_fold_out;
use crate::format;
use crate::review_api;
use crate::widgets::ErrorBanner;
use gocua_app_api::ReviewItem;
use gocua_core::review::ReviewState;
use gocua_core::{EntityKind, VisitId};
use std::rc::Rc;
use uuid::Uuid;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ListProps {
    pub items: Rc<Vec<ReviewItem>>,
    /// Called after a step, to reload.
    pub on_changed: Callback<()>,
    /// Show the household and a link to it (home and team screens).
    #[prop_or_default]
    pub with_household: bool,
    #[prop_or_default]
    pub testid: Option<AttrValue>,
}

#[function_component]
pub fn ReviewList(props: &ListProps) -> Html {
    html! {
        <ul class="reviews" data-testid={props.testid.clone()}>
            { for props.items.iter().map(|i| html! {
                <ReviewEntry key={i.mark.id.to_string()} item={i.clone()}
                    on_changed={props.on_changed.clone()} with_household={props.with_household} />
            }) }
        </ul>
    }
}

#[derive(Properties, PartialEq)]
struct EntryProps {
    item: ReviewItem,
    on_changed: Callback<()>,
    with_household: bool,
}

/// One mark and its step: "Đã sửa" (with an optional reply) while open,
/// "Mở lại" for a leader once resolved.
#[function_component]
fn ReviewEntry(props: &EntryProps) -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let i = &props.item;
    let m = &i.mark;
    let form = use_fold_out();
    let open = m.state == ReviewState::Open;
    let id = m.id;
    // Sent, the same entry shows the next step, its form closed.
    let submit = form.submit(
        move |text: String| async move {
            let words = Some(text.trim().to_string()).filter(|t| !t.is_empty());
            if open {
                review_api::resolve_review(id, words).await
            } else {
                review_api::reopen_review(id, words).await
            }
        },
        props.on_changed.clone(),
        {
            let ctx = ctx.clone();
            move |e| ctx.report(e)
        },
    );
    let to_household = {
        let (go, h) = (ctx.go.clone(), m.household_id);
        Callback::from(move |_: MouseEvent| go.emit(Route::Household(h)))
    };
    let can_step = open || ctx.session.is_leader;
    html! {
        <li class={classes!("review", if open { "open" } else { "resolved" })} data-testid="review-mark">
            <span class={classes!("tag", if open { "warn" } else { "good" })}>{ m.state.label_vi() }</span>
            <strong>{ format!(" {}", i.target_label) }</strong>
            if props.with_household {
                <br/><small>{ format!("{} · {}", i.household_head, i.address) }</small>
            }
            <p data-testid="review-comment">{ &m.comment }</p>
            <small class="muted">{ format!("{} · {}", i.author_name, format::datetime_vi(&m.created_at.to_rfc3339())) }</small>
            if let Some(r) = &m.reply { <p class="small" data-testid="review-reply">{ format!("Trả lời: {r}") }</p> }
            if let (Some(by), Some(at)) = (&i.resolved_by_name, &m.resolved_at) {
                <p class="small ok">{ format!("Đã sửa bởi {by} lúc {}", format::datetime_vi(&at.to_rfc3339())) }</p>
            }
            <div class="choices">
                if props.with_household {
                    <button type="button" class="choice small" data-testid="review-open-household" onclick={to_household}>{ "Mở hồ sơ hộ" }</button>
                }
                if can_step {
                    <button type="button" class={classes!("choice", "small", form.is_open().then_some("on"))}
                        data-testid={if open { "review-resolve" } else { "review-reopen" }} onclick={form.toggle()}>
                        { if open { "Đã sửa" } else { "Mở lại" } }
                    </button>
                }
            </div>
            if form.is_open() {
                <div class="confirm">
                    <label class="field">
                        <span>{ if open { "Trả lời tổ trưởng (không bắt buộc)" } else { "Cần sửa thêm gì? (không bắt buộc)" } }</span>
                        <textarea data-testid="review-text" value={(*form.text).clone()} oninput={form.oninput()} />
                    </label>
                    <button type="button" class="primary" data-testid="review-submit" onclick={submit}>
                        { if open { "Báo đã sửa" } else { "Mở lại yêu cầu" } }
                    </button>
                </div>
            }
            <ErrorBanner error={(*form.error).clone()} />
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct MarkProps {
    pub kind: EntityKind,
    pub target: Uuid,
    pub on_done: Callback<()>,
}

/// A leader's "Đánh dấu cần sửa" on one record: a comment, then send.
#[function_component]
pub fn MarkForm(props: &MarkProps) -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let form = use_fold_out();
    if !ctx.session.is_leader {
        return html! {};
    }
    let (kind, target) = (props.kind, props.target);
    let submit = form.submit(
        move |comment: String| async move { review_api::open_review(kind, target, &comment).await },
        props.on_done.clone(),
        |_| {},
    );
    html! {
        <div class="mark-form">
            <button type="button" class={classes!("plain", "small", form.is_open().then_some("on"))}
                data-testid="mark-needs-fix" onclick={form.toggle()}>{ "Đánh dấu cần sửa" }</button>
            if form.is_open() {
                <div class="confirm">
                    <label class="field">
                        <span>{ "Cần sửa gì?" }</span>
                        <textarea data-testid="mark-comment" value={(*form.text).clone()} oninput={form.oninput()} />
                    </label>
                    <button type="button" class="primary" data-testid="mark-submit" onclick={submit}>{ "Gửi yêu cầu sửa" }</button>
                </div>
            }
            <ErrorBanner error={(*form.error).clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct VoidProps {
    pub visit: VisitId,
    pub on_done: Callback<()>,
}

/// "Hủy lượt thăm": a visit is never edited; a wrong one is withdrawn with
/// a reason (its actions with it) and logged again.
#[function_component]
pub fn VoidVisit(props: &VoidProps) -> Html {
    let form = use_fold_out();
    let id = props.visit;
    let submit = form.submit(
        move |reason: String| async move { review_api::void_visit(id, &reason).await },
        props.on_done.clone(),
        |_| {},
    );
    html! {
        <div class="void-visit">
            <button type="button" class={classes!("plain", "small", form.is_open().then_some("on"))}
                data-testid="void-visit" onclick={form.toggle()}>{ "Hủy lượt thăm" }</button>
            if form.is_open() {
                <div class="confirm">
                    <p class="small">{ "Lượt thăm đã ghi không sửa được: hủy kèm lý do (các nội dung hỗ trợ của lượt này cũng bị hủy), rồi ghi lại lượt thăm đúng." }</p>
                    <label class="field">
                        <span>{ "Lý do hủy" }</span>
                        <textarea data-testid="void-reason" value={(*form.text).clone()} oninput={form.oninput()} />
                    </label>
                    <button type="button" class="danger" data-testid="void-submit" onclick={submit}>{ "Hủy lượt thăm này" }</button>
                </div>
            }
            <ErrorBanner error={(*form.error).clone()} />
        </div>
    }
}
