//! Add or edit a household: head's name, address, phone, village and the
//! priority groups, with the core's messages under each bad field.

use crate::api;
use crate::ctx::{AppCtx, Load, Route, use_api};
use crate::form_state::use_form;
use crate::forms::HouseholdFields;
use crate::widgets::{Check, ErrorBanner, Field, Loading, TopBar};
use gocua_app_api::HouseholdDetail;
use gocua_core::{HouseholdId, VillageId};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: Option<HouseholdId>,
    pub back: Callback<MouseEvent>,
}

#[function_component]
pub fn HouseholdFormScreen(props: &Props) -> Html {
    let existing = use_api(props.id, |id| async move {
        match id {
            Some(id) => api::household(id).await.map(Some),
            None => Ok(None::<HouseholdDetail>),
        }
    });
    let title = if props.id.is_some() {
        "Sửa thông tin hộ"
    } else {
        "Thêm hộ mới"
    };
    let body = match &*existing {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(d) => {
            let initial = (**d).as_ref().map(|d| HouseholdFields {
                village_id: Some(d.household.village_id),
                head_name: d.household.head_name.clone(),
                address: d.household.address.clone(),
                phone: d.household.phone.clone().unwrap_or_default(),
                flags: d.household.flags,
            });
            html! { <HouseholdForm id={props.id} {initial} /> }
        }
    };
    html! {
        <main class="screen" data-screen="household-form">
            <TopBar {title} back={props.back.clone()} />
            { body }
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    id: Option<HouseholdId>,
    initial: Option<HouseholdFields>,
}

#[function_component]
fn HouseholdForm(props: &FormProps) -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let villages = ctx.session.villages.clone();
    let form = {
        let first = villages.first().map(|v| v.id);
        let initial = props.initial.clone();
        use_form(
            move || {
                initial.unwrap_or(HouseholdFields {
                    village_id: first,
                    ..Default::default()
                })
            },
            HouseholdFields::check,
        )
    };
    let onsubmit = {
        let (form, ctx, id) = (form.clone(), ctx.clone(), props.id);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = form.checked(HouseholdFields::to_input) else {
                return;
            };
            let (go, failed) = (ctx.go.clone(), ctx.clone());
            form.save(
                async move { api::save_household(id, &input).await },
                move |h| go.emit(Route::Household(h.id)),
                move |e| failed.report(e),
            );
        })
    };
    let on_village = form.setter(|f, e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        f.village_id = v.parse::<VillageId>().ok();
    });
    let err = |k: &str| form.error(k);
    let f = &*form.fields;
    html! {
        <form {onsubmit} novalidate=true>
            <ErrorBanner error={(*form.failure).clone()} />
            <Field id="head_name" label="Tên chủ hộ" value={f.head_name.clone()}
                oninput={form.setter(|f, v| f.head_name = v)} error={err("head_name")} />
            <Field id="address" label="Địa chỉ (số nhà, ngõ, xóm)" value={f.address.clone()}
                oninput={form.setter(|f, v| f.address = v)} error={err("address")} />
            <Field id="phone" label="Số điện thoại (không bắt buộc)" kind="tel" inputmode="tel"
                value={f.phone.clone()} oninput={form.setter(|f, v| f.phone = v)} error={err("phone")} />
            <label class={if err("village").is_some() { "field bad" } else { "field" }} for="village">
                <span>{ "Thôn/xóm" }</span>
                <select id="village" onchange={on_village}>
                    { for villages.iter().map(|v| html! {
                        <option value={v.id.to_string()} selected={f.village_id == Some(v.id)}>{ &v.name }</option>
                    }) }
                </select>
                if let Some(m) = err("village") { <small class="msg">{ m }</small> }
            </label>
            <fieldset>
                <legend>{ "Nhóm ưu tiên" }</legend>
                <Check id="elderly_only" label="Người cao tuổi (sống một mình hoặc chỉ người cao tuổi)" checked={f.flags.elderly_only} onchange={form.setter(|f, v| f.flags.elderly_only = v)} />
                <Check id="no_smartphone" label="Không có điện thoại thông minh" checked={f.flags.no_smartphone} onchange={form.setter(|f, v| f.flags.no_smartphone = v)} />
                <Check id="poor" label="Hộ nghèo" checked={f.flags.poor} onchange={form.setter(|f, v| f.flags.poor = v)} />
                <Check id="near_poor" label="Hộ cận nghèo" checked={f.flags.near_poor} onchange={form.setter(|f, v| f.flags.near_poor = v)} />
                <Check id="ethnic_minority" label="Dân tộc thiểu số" checked={f.flags.ethnic_minority} onchange={form.setter(|f, v| f.flags.ethnic_minority = v)} />
            </fieldset>
            <button class="primary" type="submit" disabled={*form.busy} data-testid="save-household">{ "Lưu" }</button>
        </form>
    }
}
