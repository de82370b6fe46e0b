//! First run: the server and the enrollment code from the leader (or the QR
//! text pasted whole), a name for this device, then a PIN chosen twice.
//! Servers announcing themselves on the Wi-Fi are listed: picking one fills
//! the address only (the certificate still comes from the code's QR text,
//! or is trusted on first use and shown, as when typed).

use crate::api;
use crate::form_state::use_form;
use crate::forms::{EnrollFields, check_new_pin, no_errors};
use crate::widgets::{ErrorBanner, Field};
use gocua_app_api::{DiscoveredServer, SessionInfo};
use yew::prelude::*;

/// The servers found on the Wi-Fi: still looking, or what answered.
#[derive(Clone, PartialEq)]
enum Found {
    Looking,
    Done(Vec<DiscoveredServer>),
}

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
    let found = use_state(|| Found::Looking);
    let look = {
        let found = found.clone();
        Callback::from(move |_: ()| {
            let found = found.clone();
            found.set(Found::Looking);
            yew::platform::spawn_local(async move {
                // No shell or no network: nothing listed, typing still works.
                found.set(Found::Done(
                    api::discover_servers().await.unwrap_or_default(),
                ));
            });
        })
    };
    {
        let look = look.clone();
        use_effect_with((), move |_| look.emit(()));
    }

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
                { found_list(&found, &form.setter(|f, v| f.target = v), &look) }
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

/// "Máy chủ trên Wi-Fi này": each found server a button that fills the
/// address; its certificate's first digits to compare with the office's.
fn found_list(found: &Found, pick: &Callback<String>, look: &Callback<()>) -> Html {
    let again = {
        let look = look.clone();
        Callback::from(move |_: MouseEvent| look.emit(()))
    };
    let list = match found {
        Found::Looking => {
            html! { <p class="muted small">{ "Đang tìm máy chủ của xã trên Wi-Fi này…" }</p> }
        }
        Found::Done(list) if list.is_empty() => html! {
            <p class="muted small">{ "Không tìm thấy máy chủ nào trên Wi-Fi này: hãy nhập địa chỉ hoặc dán mã QR." }</p>
        },
        Found::Done(list) => html! {
            <ul class="rows" data-testid="found-servers">
                { for list.iter().map(|s| {
                    let url = s.url.clone();
                    let onclick = pick.reform(move |_: MouseEvent| url.clone());
                    let fp: String = s.fingerprint.chars().take(8).collect();
                    html! {
                        <li>
                            <button class="row" type="button" {onclick} data-testid="found-server">
                                <span>{ s.label.clone() }</span>
                                <span class="muted small">{ format!("vân tay {fp}…") }</span>
                            </button>
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <section class="card" data-testid="found">
            <p class="lead">{ "Máy chủ trên Wi-Fi này (chọn để điền địa chỉ; chứng chỉ vẫn lấy theo mã QR):" }</p>
            { list }
            <button class="plain" type="button" onclick={again}
                disabled={*found == Found::Looking}>{ "Tìm lại" }</button>
        </section>
    }
}
