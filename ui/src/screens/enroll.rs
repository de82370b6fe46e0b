//! First run: the server and the enrollment code from the leader (or the QR
//! text pasted whole), a name for this device, then a PIN chosen twice.

use crate::api;
use crate::form_state::use_form;
use crate::forms::{EnrollFields, check_new_pin, no_errors};
use crate::widgets::{ErrorBanner, Field};
use gocua_app_api::SessionInfo;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub done: Callback<SessionInfo>,
}

#[function_component]
pub fn EnrollScreen(props: &Props) -> Html {
    let form = use_form(EnrollFields::default, EnrollFields::check);
    let pin = use_state(String::new);
    let pin_again = use_state(String::new);
    let step_pin = use_state(|| false);

    let next = {
        let (form, step_pin) = (form.clone(), step_pin.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if form.checked(|f| no_errors(f.check())).is_some() {
                step_pin.set(true);
            }
        })
    };

    let submit = {
        let (form, pin, pin_again) = (form.clone(), pin.clone(), pin_again.clone());
        let (step_pin, done) = (step_pin.clone(), props.done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if form
                .checked(|_| no_errors(check_new_pin(&pin, &pin_again)))
                .is_none()
            {
                return;
            }
            let f = (*form.fields).clone();
            let p = (*pin).clone();
            let (step_pin, done) = (step_pin.clone(), done.clone());
            form.save(
                async move { api::enroll(&f.target, &f.code, &f.device_name, &p).await },
                move |info| done.emit(info),
                // A problem with the server or code: back to those fields.
                move |e| {
                    if e.code != "bad_pin" {
                        step_pin.set(false);
                    }
                },
            );
        })
    };

    let err = |k: &str| form.error(k);
    let fields = &*form.fields;
    let body = if !*step_pin {
        html! {
            <form onsubmit={next} novalidate=true>
                <p class="lead">{ "Nhập địa chỉ máy chủ của xã và mã đăng ký do tổ trưởng cấp, hoặc dán nguyên văn nội dung mã QR." }</p>
                <Field id="target" label="Máy chủ hoặc mã QR" value={fields.target.clone()}
                    oninput={form.setter(|f, v| f.target = v)} error={err("target")}
                    placeholder="https://192.168.1.10:8443" autocomplete="off" />
                if !fields.is_payload() {
                    <Field id="code" label="Mã đăng ký" value={fields.code.clone()}
                        oninput={form.setter(|f, v| f.code = v)} error={err("code")} autocomplete="off" />
                }
                <Field id="device_name" label="Tên thiết bị" value={fields.device_name.clone()}
                    oninput={form.setter(|f, v| f.device_name = v)} error={err("device_name")}
                    placeholder="Điện thoại của Lan" />
                <button class="primary" type="submit" data-testid="enroll-next">{ "Tiếp tục" }</button>
            </form>
        }
    } else {
        let back = {
            let step_pin = step_pin.clone();
            Callback::from(move |_: MouseEvent| step_pin.set(false))
        };
        let on_pin = {
            let pin = pin.clone();
            Callback::from(move |v: String| pin.set(v))
        };
        let on_again = {
            let pin_again = pin_again.clone();
            Callback::from(move |v: String| pin_again.set(v))
        };
        html! {
            <form onsubmit={submit} novalidate=true>
                <p class="lead">{ "Chọn mã PIN (6–8 chữ số) để mở ứng dụng. Dữ liệu trên máy được mã hóa bằng mã này: đừng cho người khác biết." }</p>
                <Field id="pin" label="Mã PIN" kind="password" inputmode="numeric" value={(*pin).clone()}
                    oninput={on_pin} error={err("pin")} autocomplete="new-password" />
                <Field id="pin_again" label="Nhập lại mã PIN" kind="password" inputmode="numeric"
                    value={(*pin_again).clone()} oninput={on_again} error={err("pin_again")}
                    autocomplete="new-password" />
                <button class="primary" type="submit" disabled={*form.busy} data-testid="enroll-submit">
                    { if *form.busy { "Đang đăng ký với máy chủ…" } else { "Đăng ký thiết bị" } }
                </button>
                <button class="plain" type="button" onclick={back} disabled={*form.busy}>{ "Quay lại" }</button>
            </form>
        }
    };
    html! {
        <main class="screen narrow" data-screen="enroll">
            <div class="brand"><h1>{ "Gõ Cửa" }</h1><p>{ "Sổ tay Tổ công nghệ số cộng đồng" }</p></div>
            <ErrorBanner error={(*form.failure).clone()} />
            { body }
        </main>
    }
}
