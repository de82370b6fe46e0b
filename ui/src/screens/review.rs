//! The review loop's pieces, shared by the home, household and team
//! screens: a list of "needs fix" marks (each with what is marked, the
//! leader's comment, the member's reply, and what can be done: report it
//! fixed, or — for leaders — reopen it), the leader's form to mark a
//! record, and voiding a visit (how a marked visit is corrected: void it
//! with a reason, then log it again).

use crate::ctx::{AppCtx, Route};
use crate::format;
use crate::ipc::ApiError;
use crate::review_api::{self, ReviewItem};
use crate::widgets::ErrorBanner;
use gocua_core::review::ReviewState;
use gocua_core::{EntityKind, VisitId};
use std::rc::Rc;
use uuid::Uuid;
use web_sys::HtmlTextAreaElement;
use yew::platform::spawn_local;
use yew::prelude::*;

fn text_of(e: InputEvent) -> String {
    e.target_unchecked_into::<HtmlTextAreaElement>().value()
}

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
    let writing = use_state(|| false);
    let text = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let open = m.state == ReviewState::Open;
    let toggle = {
        let writing = writing.clone();
        Callback::from(move |_: MouseEvent| writing.set(!*writing))
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(text_of(e)))
    };
    let submit = {
        let (text, writing, error, done, ctx, id) = (
            text.clone(),
            writing.clone(),
            error.clone(),
            props.on_changed.clone(),
            ctx.clone(),
            m.id,
        );
        Callback::from(move |_: MouseEvent| {
            let words = Some(text.trim().to_string()).filter(|t| !t.is_empty());
            let (text, writing, error, done, ctx) = (
                text.clone(),
                writing.clone(),
                error.clone(),
                done.clone(),
                ctx.clone(),
            );
            spawn_local(async move {
                let r = if open {
                    review_api::resolve_review(id, words).await
                } else {
                    review_api::reopen_review(id, words).await
                };
                match r {
                    Ok(_) => {
                        // The same entry shows the next step: start it closed.
                        text.set(String::new());
                        writing.set(false);
                        error.set(None);
                        done.emit(());
                    }
                    Err(e) => {
                        ctx.report(&e);
                        error.set(Some(e));
                    }
                }
            });
        })
    };
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
                    <button type="button" class={classes!("choice", "small", writing.then_some("on"))}
                        data-testid={if open { "review-resolve" } else { "review-reopen" }} onclick={toggle}>
                        { if open { "Đã sửa" } else { "Mở lại" } }
                    </button>
                }
            </div>
            if *writing {
                <div class="confirm">
                    <label class="field">
                        <span>{ if open { "Trả lời tổ trưởng (không bắt buộc)" } else { "Cần sửa thêm gì? (không bắt buộc)" } }</span>
                        <textarea data-testid="review-text" value={(*text).clone()} {oninput} />
                    </label>
                    <button type="button" class="primary" data-testid="review-submit" onclick={submit}>
                        { if open { "Báo đã sửa" } else { "Mở lại yêu cầu" } }
                    </button>
                </div>
            }
            <ErrorBanner error={(*error).clone()} />
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
    let writing = use_state(|| false);
    let text = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    if !ctx.session.is_leader {
        return html! {};
    }
    let toggle = {
        let writing = writing.clone();
        Callback::from(move |_: MouseEvent| writing.set(!*writing))
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(text_of(e)))
    };
    let submit = {
        let (text, error, writing, done, kind, target) = (
            text.clone(),
            error.clone(),
            writing.clone(),
            props.on_done.clone(),
            props.kind,
            props.target,
        );
        Callback::from(move |_: MouseEvent| {
            let comment = (*text).clone();
            let (text, error, writing, done) =
                (text.clone(), error.clone(), writing.clone(), done.clone());
            spawn_local(async move {
                match review_api::open_review(kind, target, &comment).await {
                    Ok(_) => {
                        text.set(String::new());
                        writing.set(false);
                        error.set(None);
                        done.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <div class="mark-form">
            <button type="button" class={classes!("plain", "small", writing.then_some("on"))}
                data-testid="mark-needs-fix" onclick={toggle}>{ "Đánh dấu cần sửa" }</button>
            if *writing {
                <div class="confirm">
                    <label class="field">
                        <span>{ "Cần sửa gì?" }</span>
                        <textarea data-testid="mark-comment" value={(*text).clone()} {oninput} />
                    </label>
                    <button type="button" class="primary" data-testid="mark-submit" onclick={submit}>{ "Gửi yêu cầu sửa" }</button>
                </div>
            }
            <ErrorBanner error={(*error).clone()} />
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
    let asking = use_state(|| false);
    let text = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let toggle = {
        let asking = asking.clone();
        Callback::from(move |_: MouseEvent| asking.set(!*asking))
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(text_of(e)))
    };
    let submit = {
        let (text, error, done, id) = (
            text.clone(),
            error.clone(),
            props.on_done.clone(),
            props.visit,
        );
        Callback::from(move |_: MouseEvent| {
            let reason = (*text).clone();
            let (error, done) = (error.clone(), done.clone());
            spawn_local(async move {
                match review_api::void_visit(id, &reason).await {
                    Ok(()) => done.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <div class="void-visit">
            <button type="button" class={classes!("plain", "small", asking.then_some("on"))}
                data-testid="void-visit" onclick={toggle}>{ "Hủy lượt thăm" }</button>
            if *asking {
                <div class="confirm">
                    <p class="small">{ "Lượt thăm đã ghi không sửa được: hủy kèm lý do (các nội dung hỗ trợ của lượt này cũng bị hủy), rồi ghi lại lượt thăm đúng." }</p>
                    <label class="field">
                        <span>{ "Lý do hủy" }</span>
                        <textarea data-testid="void-reason" value={(*text).clone()} {oninput} />
                    </label>
                    <button type="button" class="danger" data-testid="void-submit" onclick={submit}>{ "Hủy lượt thăm này" }</button>
                </div>
            }
            <ErrorBanner error={(*error).clone()} />
        </div>
    }
}
