//! Log a visit in a few taps: who answered the door (met, nobody home,
//! refused), then per resident the actions helped with, each marked done,
//! follow-up (with a date) or not possible (with a reason). Saved the moment
//! the member taps "Lưu lượt thăm".

use crate::api;
use crate::ctx::{AppCtx, Load, Route, use_api};
use crate::format;
use crate::visit_draft::{Mark, Msg, VisitDraft, default_due};
use crate::widgets::{ErrorBanner, Loading, TopBar};
use gocua_app_api::{ChecklistStatus, ResidentDetail};
use gocua_core::rules::is_eligible;
use gocua_core::{CannotReason, CatalogueEntry, HouseholdId, VisitOutcome};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::platform::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: HouseholdId,
    pub back: Callback<MouseEvent>,
}

#[function_component]
pub fn VisitScreen(props: &Props) -> Html {
    let data = use_api(props.id, |id| async move {
        let detail = api::household(id).await?;
        let catalogue = api::catalogue().await?;
        Ok((detail, catalogue))
    });
    let body = match &*data {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(d) => {
            let (detail, catalogue) = &**d;
            html! {
                <VisitForm id={props.id} head={detail.household.head_name.clone()}
                    residents={Rc::new(detail.residents.clone())}
                    catalogue={Rc::new(catalogue.iter().filter(|c| c.active).cloned().collect::<Vec<_>>())} />
            }
        }
    };
    html! {
        <main class="screen" data-screen="visit">
            <TopBar title="Ghi lượt thăm" back={props.back.clone()} />
            { body }
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    id: HouseholdId,
    head: AttrValue,
    residents: Rc<Vec<ResidentDetail>>,
    catalogue: Rc<Vec<CatalogueEntry>>,
}

/// The draft as Yew state.
#[derive(PartialEq)]
struct Draft(VisitDraft);

impl Reducible for Draft {
    type Action = Msg;
    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut next = self.0.clone();
        next.apply(msg);
        Rc::new(Draft(next))
    }
}

#[function_component]
fn VisitForm(props: &FormProps) -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let today = ctx.session.today;
    let draft = {
        let id = props.id;
        use_reducer(move || Draft(VisitDraft::new(id)))
    };
    let problems = use_state(Vec::<String>::new);
    let failure = use_state(|| None::<crate::ipc::ApiError>);
    let busy = use_state(|| false);
    let d = &draft.0;

    let outcome_button = |o: VisitOutcome, test: &'static str| {
        let draft = draft.clone();
        let on = d.outcome == o;
        html! {
            <button type="button" class={classes!("choice", on.then_some("on"))} aria-pressed={on.to_string()}
                data-testid={test} onclick={Callback::from(move |_: MouseEvent| draft.dispatch(Msg::SetOutcome(o)))}>
                { o.label_vi() }
            </button>
        }
    };

    let save = {
        let (draft, problems, failure, busy, ctx) = (
            draft.clone(),
            problems.clone(),
            failure.clone(),
            busy.clone(),
            ctx.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let entry = match draft.0.to_entry(today) {
                Ok(e) => e,
                Err(p) => {
                    problems.set(p);
                    return;
                }
            };
            problems.set(Vec::new());
            busy.set(true);
            let (failure, busy, ctx) = (failure.clone(), busy.clone(), ctx.clone());
            spawn_local(async move {
                match api::log_visit(&entry).await {
                    Ok(_) => ctx.go.emit(Route::Household(entry.household_id)),
                    Err(e) => {
                        ctx.report(&e);
                        failure.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let on_note = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            draft.dispatch(Msg::SetNote(
                e.target_unchecked_into::<HtmlTextAreaElement>().value(),
            ))
        })
    };

    html! {
        <div class="visit">
            <p class="lead">{ format!("Hộ {}", props.head) }</p>
            <ErrorBanner error={(*failure).clone()} />
            <h2>{ "Kết quả lượt thăm" }</h2>
            <div class="choices">
                { outcome_button(VisitOutcome::Met, "outcome-met") }
                { outcome_button(VisitOutcome::NotAtHome, "outcome-not-at-home") }
                { outcome_button(VisitOutcome::Refused, "outcome-refused") }
            </div>
            if d.outcome == VisitOutcome::Met {
                <h2>{ "Hỗ trợ cho ai, nội dung gì?" }</h2>
                if props.residents.is_empty() {
                    <p class="muted">{ "Hộ chưa có người dân nào: hãy thêm người dân trước khi ghi nội dung hỗ trợ." }</p>
                }
                { for props.residents.iter().map(|r| resident_block(r, &props.catalogue, &draft, today)) }
            }
            <label class="field" for="note">
                <span>{ "Ghi chú (không bắt buộc)" }</span>
                <textarea id="note" rows="2" value={d.note.clone()} oninput={on_note} />
            </label>
            { for problems.iter().map(|p| html! { <p class="error" role="alert">{ p }</p> }) }
            <button class="primary" data-testid="save-visit" disabled={*busy} onclick={save}>
                { match (d.outcome, d.actions.len()) {
                    (VisitOutcome::Met, 0) => "Lưu lượt thăm".to_string(),
                    (VisitOutcome::Met, n) => format!("Lưu lượt thăm ({n} nội dung)"),
                    _ => "Lưu lượt thăm".to_string(),
                } }
            </button>
        </div>
    }
}

fn resident_block(
    r: &ResidentDetail,
    catalogue: &[CatalogueEntry],
    draft: &UseReducerHandle<Draft>,
    today: chrono::NaiveDate,
) -> Html {
    let rid = r.resident.id;
    let d = &draft.0;
    let open = d.open.contains(&rid);
    let count = d.count_for(rid);
    let toggle = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| draft.dispatch(Msg::ToggleResident(rid)))
    };
    let eligible: Vec<&CatalogueEntry> = catalogue
        .iter()
        .filter(|c| is_eligible(c.eligibility, r.resident.birth_year, today))
        .collect();
    html! {
        <section class={classes!("card", "pick", open.then_some("open"))}>
            <button type="button" class="row" data-testid="pick-resident" onclick={toggle}>
                <strong>{ &r.resident.full_name }</strong>
                <small>{ format!("{} tuổi", r.age) }</small>
                if count > 0 { <span class="badge">{ count }</span> }
            </button>
            if open {
                <div class="chips">
                    { for eligible.iter().map(|c| {
                        let code = c.code.clone();
                        let chosen = d.mark_of(rid, &code).is_some();
                        let already = r.checklist.iter().any(|i| i.action == code && i.status == ChecklistStatus::Done);
                        let draft = draft.clone();
                        let onclick = Callback::from(move |_: MouseEvent| draft.dispatch(Msg::ToggleAction(rid, code.clone())));
                        html! {
                            <button type="button" class={classes!("chip", chosen.then_some("on"), already.then_some("was-done"))}
                                aria-pressed={chosen.to_string()} data-action={c.code.to_string()} {onclick}>
                                { &c.name_vi }
                                if already { <small>{ " ✓ đã xong trước đây" }</small> }
                            </button>
                        }
                    }) }
                </div>
                { for d.actions.iter().filter(|a| a.resident_id == rid).map(|a| {
                    let name = catalogue.iter().find(|c| c.code == a.action).map(|c| c.name_vi.clone()).unwrap_or_else(|| a.action.to_string());
                    mark_row(rid, a.action.clone(), name, &a.mark, draft, today)
                }) }
            }
        </section>
    }
}

fn mark_row(
    rid: gocua_core::ResidentId,
    code: gocua_core::ActionCode,
    name: String,
    mark: &Mark,
    draft: &UseReducerHandle<Draft>,
    today: chrono::NaiveDate,
) -> Html {
    let set = |m: Mark| {
        let (draft, code) = (draft.clone(), code.clone());
        Callback::from(move |_: MouseEvent| {
            draft.dispatch(Msg::SetMark(rid, code.clone(), m.clone()))
        })
    };
    let is = |k: u8| {
        matches!(
            (k, mark),
            (0, Mark::Done) | (1, Mark::FollowUp(_)) | (2, Mark::NotPossible(_))
        )
    };
    let button = |k: u8, label: &'static str, test: &'static str, m: Mark| {
        html! {
            <button type="button" class={classes!("choice", "small", is(k).then_some("on"))}
                aria-pressed={is(k).to_string()} data-testid={test} onclick={set(m)}>{ label }</button>
        }
    };
    let detail = match mark {
        Mark::Unset => html! { <small class="warn">{ "Chọn kết quả" }</small> },
        Mark::Done => html! {},
        Mark::FollowUp(due) => {
            let typed = {
                let (draft, code) = (draft.clone(), code.clone());
                Callback::from(move |e: InputEvent| {
                    let v = e.target_unchecked_into::<HtmlInputElement>().value();
                    draft.dispatch(Msg::SetMark(rid, code.clone(), Mark::FollowUp(v)));
                })
            };
            let picked = format::parse_date_vi(due, today);
            // A few taps cover nearly every follow-up; typing is the fallback.
            let quick = |days: i64, label: &'static str| {
                let day = today + chrono::Duration::days(days);
                let on = picked == Some(day);
                html! {
                    <button type="button" class={classes!("choice", "small", on.then_some("on"))}
                        aria-pressed={on.to_string()} onclick={set(Mark::FollowUp(format::date_vi(day)))}>{ label }</button>
                }
            };
            let (read, bad) = match picked {
                Some(d) if gocua_core::validate::follow_up_due(d, today).is_ok() => {
                    (format!("Hẹn {}", format::day_vi(d)), false)
                }
                Some(d) if d < today => ("Ngày hẹn không được trước hôm nay".to_string(), true),
                Some(_) => (
                    "Ngày hẹn không được quá một năm sau hôm nay".to_string(),
                    true,
                ),
                None if due.trim().is_empty() => ("Chọn hoặc nhập ngày hẹn".to_string(), true),
                None => (
                    "Ngày chưa đúng: nhập ngày/tháng/năm, ví dụ 30/11/2026".to_string(),
                    true,
                ),
            };
            html! {
                <div class={classes!("field", "follow-up", bad.then_some("bad"))}><span>{ "Ngày hẹn quay lại" }</span>
                    <div class="choices">
                        { quick(1, "Ngày mai") }
                        { quick(3, "3 ngày") }
                        { quick(7, "1 tuần") }
                        { quick(14, "2 tuần") }
                    </div>
                    <input type="text" inputmode="numeric" autocomplete="off" placeholder="ngày/tháng/năm"
                        aria-label="Ngày hẹn (ngày/tháng/năm)" value={due.clone()} oninput={typed} />
                    <small class={if bad { "msg" } else { "muted" }} data-testid="due-read">{ read }</small></div>
            }
        }
        Mark::NotPossible(reason) => {
            let (draft, code) = (draft.clone(), code.clone());
            let onchange = Callback::from(move |e: Event| {
                let v = e.target_unchecked_into::<HtmlSelectElement>().value();
                let r = v.parse::<CannotReason>().ok();
                draft.dispatch(Msg::SetMark(rid, code.clone(), Mark::NotPossible(r)));
            });
            html! {
                <label class={classes!("field", "inline", reason.is_none().then_some("bad"))}><span>{ "Lý do" }</span>
                    <select {onchange} data-testid="mark-reason">
                        <option value="" selected={reason.is_none()}>{ "— Chọn lý do —" }</option>
                        { for CannotReason::ALL.iter().map(|r| html! {
                            <option value={r.as_str()} selected={Some(*r) == *reason}>{ r.label_vi() }</option>
                        }) }
                    </select>
                </label>
            }
        }
    };
    html! {
        <div class="mark" data-mark={code.to_string()}>
            <strong>{ name }</strong>
            <div class="choices">
                { button(0, "Đã xong", "mark-done", Mark::Done) }
                { button(1, "Hẹn quay lại", "mark-follow-up", Mark::FollowUp(format::date_vi(default_due(today)))) }
                { button(2, "Không thực hiện được", "mark-not-possible", Mark::NotPossible(None)) }
            </div>
            { detail }
        </div>
    }
}
