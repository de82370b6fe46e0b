//! The PIN screen: opens the encrypted data. Wrong PINs make the shell wait
//! longer each time; its message says how long.

use crate::api;
use crate::forms::check_pin;
use crate::ipc::ApiError;
use crate::widgets::{ErrorBanner, Field};
use gocua_app_api::SessionInfo;
use yew::platform::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub done: Callback<SessionInfo>,
}

#[function_component]
pub fn UnlockScreen(props: &Props) -> Html {
    let pin = use_state(String::new);
    let failure = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (pin, failure, busy, done) = (
            pin.clone(),
            failure.clone(),
            busy.clone(),
            props.done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Err(m) = check_pin(&pin) {
                failure.set(Some(ApiError::new("bad_pin", m)));
                return;
            }
            busy.set(true);
            let p = (*pin).clone();
            let (pin, failure, busy, done) =
                (pin.clone(), failure.clone(), busy.clone(), done.clone());
            spawn_local(async move {
                match api::unlock(&p).await {
                    Ok(info) => done.emit(info),
                    Err(e) => {
                        pin.set(String::new());
                        failure.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let oninput = {
        let pin = pin.clone();
        Callback::from(move |v: String| pin.set(v))
    };
    html! {
        <main class="screen narrow" data-screen="unlock">
            <div class="brand"><h1>{ "Gõ Cửa" }</h1><p>{ "Nhập mã PIN để mở dữ liệu" }</p></div>
            <ErrorBanner error={(*failure).clone()} />
            <form {onsubmit} novalidate=true>
                <Field id="pin" label="Mã PIN" kind="password" inputmode="numeric"
                    value={(*pin).clone()} {oninput} autocomplete="current-password" />
                <button class="primary" type="submit" disabled={*busy} data-testid="unlock">
                    { if *busy { "Đang mở…" } else { "Mở khóa" } }
                </button>
            </form>
        </main>
    }
}
