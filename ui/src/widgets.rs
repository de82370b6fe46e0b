//! Small pieces every screen uses: the error banner, loading line, a top
//! bar with a back button, text inputs with their message, and toggles.

use crate::ipc::ApiError;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ErrorProps {
    pub error: Option<ApiError>,
}

#[function_component]
pub fn ErrorBanner(props: &ErrorProps) -> Html {
    match &props.error {
        Some(e) => {
            html! { <p class="error" role="alert" data-code={e.code.clone()}>{ &e.message }</p> }
        }
        None => html! {},
    }
}

#[function_component]
pub fn Loading() -> Html {
    html! { <p class="muted">{ "Đang tải…" }</p> }
}

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub title: AttrValue,
    #[prop_or_default]
    pub back: Option<Callback<MouseEvent>>,
}

#[function_component]
pub fn TopBar(props: &TopBarProps) -> Html {
    html! {
        <header class="topbar">
            if let Some(back) = &props.back {
                <button class="back" onclick={back.clone()} aria-label="Quay lại">{ "‹" }</button>
            }
            <h1>{ props.title.clone() }</h1>
        </header>
    }
}

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub oninput: Callback<String>,
    #[prop_or_default]
    pub error: Option<String>,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub inputmode: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
}

/// A labelled input; its message, if any, just below it.
#[function_component]
pub fn Field(props: &FieldProps) -> Html {
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let class = if props.error.is_some() {
        "field bad"
    } else {
        "field"
    };
    html! {
        <label class={class} for={props.id.clone()}>
            <span>{ props.label.clone() }</span>
            <input id={props.id.clone()} type={props.kind.clone()} value={props.value.clone()}
                {oninput} inputmode={props.inputmode.clone()} placeholder={props.placeholder.clone()}
                autocomplete={props.autocomplete.clone()} />
            if let Some(m) = &props.error {
                <small class="msg">{ m }</small>
            }
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct CheckProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub checked: bool,
    pub onchange: Callback<bool>,
}

/// A large tappable checkbox row.
#[function_component]
pub fn Check(props: &CheckProps) -> Html {
    let onchange = {
        let cb = props.onchange.clone();
        Callback::from(move |e: Event| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    html! {
        <label class="check" for={props.id.clone()}>
            <input id={props.id.clone()} type="checkbox" checked={props.checked} {onchange} />
            <span>{ props.label.clone() }</span>
        </label>
    }
}

/// A progress bar with its words: "7/10 hộ".
#[derive(Properties, PartialEq)]
pub struct MeterProps {
    pub label: AttrValue,
    pub value: usize,
    pub quota: usize,
    pub unit: AttrValue,
}

#[function_component]
pub fn Meter(props: &MeterProps) -> Html {
    let pct = crate::format::percent(props.value, props.quota);
    let done = props.value >= props.quota;
    html! {
        <div class={classes!("meter", done.then_some("met"))}>
            <div class="meter-head">
                <span>{ props.label.clone() }</span>
                <strong>{ crate::format::count_of(props.value, props.quota, &props.unit) }</strong>
            </div>
            <progress max="100" value={pct.to_string()}></progress>
            <small>{ crate::format::remaining_vi(props.value, props.quota, &props.unit) }</small>
        </div>
    }
}
