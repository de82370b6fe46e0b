//! Add or edit a resident: name, birth year, sex, smartphone, and the
//! resident's consent to keeping their data (recorded with its day).

use crate::api;
use crate::ctx::{AppCtx, Load, Route, use_api};
use crate::forms::{FieldErrors, ResidentFields};
use crate::ipc::ApiError;
use crate::widgets::{Check, ErrorBanner, Field, Loading, TopBar};
use chrono::Datelike;
use gocua_core::{HouseholdId, ResidentId, Sex};
use yew::platform::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub household: HouseholdId,
    pub resident: Option<ResidentId>,
    pub back: Callback<MouseEvent>,
}

#[function_component]
pub fn ResidentFormScreen(props: &Props) -> Html {
    let detail = use_api(props.household, api::household);
    let title = if props.resident.is_some() {
        "Sửa thông tin người dân"
    } else {
        "Thêm người dân"
    };
    let body = match &*detail {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(d) => {
            let initial = props.resident.and_then(|rid| {
                d.residents
                    .iter()
                    .find(|r| r.resident.id == rid)
                    .map(|r| ResidentFields {
                        full_name: r.resident.full_name.clone(),
                        birth_year: r.resident.birth_year.to_string(),
                        sex: r.resident.sex,
                        has_smartphone: r.resident.has_smartphone,
                        consent: r.resident.consent_on.is_some(),
                    })
            });
            html! {
                <>
                    <p class="muted">{ format!("Hộ: {}", d.household.head_name) }</p>
                    <ResidentForm household={props.household} resident={props.resident} {initial} />
                </>
            }
        }
    };
    html! {
        <main class="screen" data-screen="resident-form">
            <TopBar {title} back={props.back.clone()} />
            { body }
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    household: HouseholdId,
    resident: Option<ResidentId>,
    initial: Option<ResidentFields>,
}

#[function_component]
fn ResidentForm(props: &FormProps) -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let fields = {
        let initial = props.initial.clone();
        use_state(move || initial.unwrap_or_default())
    };
    let errors = use_state(FieldErrors::new);
    let failure = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let year = ctx.session.today.year();

    let edit = |f: fn(&mut ResidentFields, String)| {
        let fields = fields.clone();
        Callback::from(move |v: String| {
            let mut next = (*fields).clone();
            f(&mut next, v);
            fields.set(next);
        })
    };
    let toggle = |f: fn(&mut ResidentFields, bool)| {
        let fields = fields.clone();
        Callback::from(move |v: bool| {
            let mut next = (*fields).clone();
            f(&mut next, v);
            fields.set(next);
        })
    };
    let sex_button = |sex: Sex| {
        let on = fields.sex == sex;
        let fields = fields.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            let mut next = (*fields).clone();
            next.sex = sex;
            fields.set(next);
        });
        html! {
            <button type="button" class={classes!("choice", on.then_some("on"))} aria-pressed={on.to_string()} {onclick}>
                { sex.label_vi() }
            </button>
        }
    };
    let onsubmit = {
        let (fields, errors, failure, busy, ctx) = (
            fields.clone(),
            errors.clone(),
            failure.clone(),
            busy.clone(),
            ctx.clone(),
        );
        let (household, resident) = (props.household, props.resident);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let form = match fields.to_form(household, year) {
                Ok(f) => f,
                Err(found) => {
                    errors.set(found);
                    return;
                }
            };
            errors.set(FieldErrors::new());
            busy.set(true);
            let (failure, busy, ctx) = (failure.clone(), busy.clone(), ctx.clone());
            spawn_local(async move {
                match api::save_resident(resident, &form).await {
                    Ok(_) => ctx.go.emit(Route::Household(household)),
                    Err(e) => {
                        ctx.report(&e);
                        failure.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let err = |k: &str| errors.get(k).cloned();
    let f = &*fields;
    html! {
        <form {onsubmit} novalidate=true>
            <ErrorBanner error={(*failure).clone()} />
            <Field id="full_name" label="Họ và tên" value={f.full_name.clone()}
                oninput={edit(|f, v| f.full_name = v)} error={err("full_name")} />
            <Field id="birth_year" label="Năm sinh" inputmode="numeric" value={f.birth_year.clone()}
                oninput={edit(|f, v| f.birth_year = v)} error={err("birth_year")} placeholder="1960" />
            <div class="field">
                <span>{ "Giới tính" }</span>
                <div class="choices">{ sex_button(Sex::Female) }{ sex_button(Sex::Male) }{ sex_button(Sex::Other) }</div>
            </div>
            <Check id="has_smartphone" label="Có điện thoại thông minh" checked={f.has_smartphone}
                onchange={toggle(|f, v| f.has_smartphone = v)} />
            <div class="consent">
                <Check id="consent" label="Người dân đồng ý cho Tổ công nghệ số lưu họ tên, năm sinh và kết quả hỗ trợ" checked={f.consent}
                    onchange={toggle(|f, v| f.consent = v)} />
                <small class="muted">{ "Hãy đọc cho người dân nghe và chỉ đánh dấu khi họ đồng ý. Ngày đồng ý được ghi lại." }</small>
            </div>
            <button class="primary" type="submit" disabled={*busy} data-testid="save-resident">{ "Lưu" }</button>
        </form>
    }
}
