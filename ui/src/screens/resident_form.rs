//! Add or edit a resident: name, birth year, sex, smartphone, and the
//! resident's consent to keeping their data (recorded with its day).

use crate::api;
use crate::ctx::{AppCtx, Load, Route, use_api};
use crate::form_state::use_form;
use crate::forms::ResidentFields;
use crate::widgets::{Check, ErrorBanner, Field, Loading, TopBar};
use chrono::Datelike;
use gocua_core::{HouseholdId, ResidentId, Sex};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub household: HouseholdId,
    pub resident: Option<ResidentId>,
    /// A new resident who is the household's head: the name is the head's
    /// as typed on the household form; birth year and sex are left to fill.
    #[prop_or_default]
    pub head: bool,
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
                        sex: Some(r.resident.sex),
                        has_smartphone: r.resident.has_smartphone,
                        consent: r.resident.consent_on.is_some(),
                    })
            });
            let initial = initial.or_else(|| {
                props.head.then(|| ResidentFields {
                    full_name: d.household.head_name.clone(),
                    ..Default::default()
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
    let year = ctx.session.today.year();
    let form = {
        let initial = props.initial.clone();
        use_form(
            move || initial.unwrap_or_default(),
            move |f: &ResidentFields| f.check(year),
        )
    };
    let set_sex = form.setter(|f, sex: Sex| f.sex = Some(sex));
    let sex_button = |sex: Sex| {
        let on = form.fields.sex == Some(sex);
        let set_sex = set_sex.clone();
        let onclick = Callback::from(move |_: MouseEvent| set_sex.emit(sex));
        html! {
            <button type="button" class={classes!("choice", on.then_some("on"))} aria-pressed={on.to_string()} {onclick}>
                { sex.label_vi() }
            </button>
        }
    };
    let onsubmit = {
        let (form, ctx) = (form.clone(), ctx.clone());
        let (household, resident) = (props.household, props.resident);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(fields) = form.checked(|f| f.to_form(household, year)) else {
                return;
            };
            let (go, failed) = (ctx.go.clone(), ctx.clone());
            form.save(
                async move { api::save_resident(resident, &fields).await },
                move |_| go.emit(Route::Household(household)),
                move |e| failed.report(e),
            );
        })
    };
    let err = |k: &str| form.error(k);
    let f = &*form.fields;
    html! {
        <form {onsubmit} novalidate=true>
            <ErrorBanner error={(*form.failure).clone()} />
            <Field id="full_name" label="Họ và tên" value={f.full_name.clone()}
                oninput={form.setter(|f, v| f.full_name = v)} error={err("full_name")} />
            <Field id="birth_year" label="Năm sinh" inputmode="numeric" value={f.birth_year.clone()}
                oninput={form.setter(|f, v| f.birth_year = v)} error={err("birth_year")} placeholder="1960" />
            <div class={if err("sex").is_some() { "field bad" } else { "field" }} data-testid="sex">
                <span>{ "Giới tính" }</span>
                <div class="choices">{ sex_button(Sex::Female) }{ sex_button(Sex::Male) }{ sex_button(Sex::Other) }</div>
                if let Some(m) = err("sex") { <small class="msg">{ m }</small> }
            </div>
            <Check id="has_smartphone" label="Có điện thoại thông minh" checked={f.has_smartphone}
                onchange={form.setter(|f, v| f.has_smartphone = v)} />
            <div class="consent">
                <Check id="consent" label="Người dân đồng ý cho Tổ công nghệ số lưu họ tên, năm sinh và kết quả hỗ trợ" checked={f.consent}
                    onchange={form.setter(|f, v| f.consent = v)} />
                <small class="muted">{ "Hãy đọc cho người dân nghe và chỉ đánh dấu khi họ đồng ý. Ngày đồng ý được ghi lại." }</small>
            </div>
            <button class="primary" type="submit" disabled={*form.busy} data-testid="save-resident">{ "Lưu" }</button>
        </form>
    }
}
