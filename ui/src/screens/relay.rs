//! "Trạm chuyển tiếp" (issue 18). On a team leader's device: "Làm trạm
//! chuyển tiếp cho tổ" — a switch that runs the relay in the app, where
//! members reach it, how many devices paired and how many of their changes
//! it holds or took to the server, and a one-time pairing code (QR and
//! text). On a member's device: "Ghép nối với trạm của tổ trưởng" — paste
//! the pairing text, see the relay joined, forget it, sync through it.

use crate::api;
use crate::ctx::{AppCtx, Load, use_api};
use crate::format;
use crate::ipc::ApiError;
use crate::widgets::{ErrorBanner, Loading, TopBar};
use gocua_app_api::{PairingView, RelayHostView, RelayLinkView};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use web_sys::HtmlTextAreaElement;
use yew::platform::spawn_local;
use yew::platform::time::sleep;
use yew::prelude::*;

/// How often the leader's figures are read again while the relay runs.
const HOST_REFRESH: Duration = Duration::from_secs(5);

#[derive(Properties, PartialEq)]
pub struct Props {
    pub back: Callback<MouseEvent>,
}

#[function_component]
pub fn RelayScreen(props: &Props) -> Html {
    let host = use_api((), |_| api::relay_host_status());
    let body = match &*host {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(h) if h.can_serve => html! { <RelayHostCard first={(**h).clone()} /> },
        Load::Ready(_) => html! { <RelayJoinCard /> },
    };
    html! {
        <main class="screen" data-screen="relay">
            <TopBar title="Trạm chuyển tiếp" back={Some(props.back.clone())} />
            { body }
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct HostProps {
    /// The status read when the screen opened.
    first: RelayHostView,
}

/// The leader's relay: on/off, its addresses and figures, pairing codes.
#[function_component]
fn RelayHostCard(props: &HostProps) -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let view = use_state(|| props.first.clone());
    let busy = use_state(|| false);
    let failure = use_state(|| None::<ApiError>);
    let pairing = use_state(|| None::<PairingView>);

    // While it runs, its figures move as members sync: read them again.
    {
        let view = view.clone();
        use_effect_with(view.running, move |running| {
            let alive = Rc::new(Cell::new(*running));
            if *running {
                let alive = alive.clone();
                spawn_local(async move {
                    while alive.get() {
                        sleep(HOST_REFRESH).await;
                        if !alive.get() {
                            break;
                        }
                        match api::relay_host_status().await {
                            Ok(v) => view.set(v),
                            Err(_) => break,
                        }
                    }
                });
            }
            move || alive.set(false)
        });
    }

    let toggle = {
        let (view, busy, failure, pairing, ctx) = (
            view.clone(),
            busy.clone(),
            failure.clone(),
            pairing.clone(),
            ctx.clone(),
        );
        Callback::from(move |_: Event| {
            let want = !view.running;
            busy.set(true);
            failure.set(None);
            let (view, busy, failure, pairing, ctx) = (
                view.clone(),
                busy.clone(),
                failure.clone(),
                pairing.clone(),
                ctx.clone(),
            );
            spawn_local(async move {
                match api::relay_set_running(want).await {
                    Ok(v) => {
                        if !v.running {
                            pairing.set(None);
                        }
                        view.set(v);
                    }
                    Err(e) => {
                        ctx.report(&e);
                        failure.set(Some(e));
                    }
                }
                busy.set(false);
            });
        })
    };

    let pair = {
        let (pairing, failure, ctx) = (pairing.clone(), failure.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| {
            failure.set(None);
            let (pairing, failure, ctx) = (pairing.clone(), failure.clone(), ctx.clone());
            spawn_local(async move {
                match api::relay_new_pairing().await {
                    Ok(p) => pairing.set(Some(p)),
                    Err(e) => {
                        ctx.report(&e);
                        failure.set(Some(e));
                    }
                }
            });
        })
    };

    let v = &*view;
    html! {
        <section class="card" data-testid="relay-host">
            <h2>{ "Làm trạm chuyển tiếp cho tổ" }</h2>
            <p class="muted small">{ "Ở nơi không có Wi-Fi của xã, tổ viên đồng bộ qua máy này. Lần đồng bộ tới của máy này với máy chủ xã sẽ chuyển công việc của họ lên." }</p>
            <label class="check" for="relay-switch">
                <input id="relay-switch" type="checkbox" role="switch" data-testid="relay-switch"
                    checked={v.running} disabled={*busy} onchange={toggle} />
                <span>{ if v.running { "Trạm đang chạy" } else { "Trạm đang tắt" } }</span>
            </label>
            if let Some(e) = &v.error {
                <p class="error small" role="alert">{ e.clone() }</p>
            }
            <ErrorBanner error={(*failure).clone()} />
            if v.running {
                <div data-testid="relay-addresses">
                    <p class="small">{ "Tổ viên kết nối tới:" }</p>
                    <ul>{ for v.addresses.iter().map(|a| html! { <li><code>{ a }</code></li> }) }</ul>
                </div>
            }
            <div class="stats">
                <div class="stat"><strong data-testid="relay-paired">{ v.paired_devices }</strong><span>{ "máy tổ viên đã ghép nối" }</span></div>
                <div class="stat"><strong data-testid="relay-held">{ v.held_waiting }</strong><span>{ "thay đổi chờ chuyển lên máy chủ" }</span></div>
                <div class="stat"><strong data-testid="relay-forwarded">{ v.forwarded }</strong><span>{ "thay đổi đã chuyển, có kết quả" }</span></div>
            </div>
            if v.running {
                <button class="secondary" data-testid="relay-pair" onclick={pair}>{ "Tạo mã ghép nối" }</button>
            }
            if let Some(p) = &*pairing {
                <PairingCode pairing={p.clone()} />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PairingProps {
    pairing: PairingView,
}

/// A pairing code: the QR for a phone's camera, the text to paste, the
/// short code and when it stops working.
#[function_component]
fn PairingCode(props: &PairingProps) -> Html {
    let p = &props.pairing;
    html! {
        <div class="pairing" data-testid="relay-pairing">
            <QrImage rows={p.qr_rows.clone()} />
            <p>{ "Mã ghép nối: " }<strong data-testid="relay-code">{ &p.code }</strong></p>
            <p class="small">{ "Trên máy tổ viên, mở “Trạm chuyển tiếp” và dán nội dung sau:" }</p>
            <textarea readonly=true rows="3" data-testid="relay-pairing-text" value={p.text.clone()} />
            <p class="muted small">{ format!("Dùng một lần, hết hạn lúc {}.", format::datetime_vi(&p.expires_at)) }</p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct QrProps {
    rows: Vec<String>,
}

/// A QR code drawn as SVG squares (`#` dark), with its quiet zone.
#[function_component]
fn QrImage(props: &QrProps) -> Html {
    const QUIET: usize = 4;
    let n = props.rows.len();
    let side = n + 2 * QUIET;
    let squares = props.rows.iter().enumerate().flat_map(|(y, row)| {
        row.chars()
            .enumerate()
            .filter(|(_, c)| *c == '#')
            .map(move |(x, _)| {
                html! { <rect x={(x + QUIET).to_string()} y={(y + QUIET).to_string()} width="1" height="1" /> }
            })
    });
    html! {
        <svg class="qr" data-testid="relay-qr" viewBox={format!("0 0 {side} {side}")}
            width="240" height="240" role="img" aria-label="Mã QR ghép nối" shape-rendering="crispEdges">
            <rect width={side.to_string()} height={side.to_string()} fill="#fff" />
            <g fill="#000">{ for squares }</g>
        </svg>
    }
}

/// A member's device and its leader's relay.
#[function_component]
fn RelayJoinCard() -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let refresh = use_state(|| 0u32);
    let link = use_api(*refresh, |_| api::relay_link());
    let text = use_state(String::new);
    let busy = use_state(|| false);
    let failure = use_state(|| None::<ApiError>);
    let note = use_state(|| None::<String>);
    let confirming = use_state(|| false);

    let join = {
        let (text, busy, failure, refresh, ctx) = (
            text.clone(),
            busy.clone(),
            failure.clone(),
            refresh.clone(),
            ctx.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let t = text.trim().to_string();
            if t.is_empty() {
                failure.set(Some(ApiError::new(
                    "empty",
                    "Hãy dán mã ghép nối hiện trên máy của tổ trưởng.",
                )));
                return;
            }
            busy.set(true);
            failure.set(None);
            let (text, busy, failure, refresh, ctx) = (
                text.clone(),
                busy.clone(),
                failure.clone(),
                refresh.clone(),
                ctx.clone(),
            );
            spawn_local(async move {
                match api::relay_join(&t).await {
                    Ok(_) => {
                        text.set(String::new());
                        refresh.set(*refresh + 1);
                    }
                    Err(e) => {
                        ctx.report(&e);
                        failure.set(Some(e));
                    }
                }
                busy.set(false);
            });
        })
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let sync = {
        let (busy, failure, note, ctx) = (busy.clone(), failure.clone(), note.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| {
            busy.set(true);
            failure.set(None);
            note.set(None);
            let (busy, failure, note, ctx) =
                (busy.clone(), failure.clone(), note.clone(), ctx.clone());
            spawn_local(async move {
                match api::sync_via_relay().await {
                    Ok(o) => note.set(Some(o.message)),
                    Err(e) => {
                        ctx.report(&e);
                        failure.set(Some(e));
                    }
                }
                busy.set(false);
            });
        })
    };
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(!*confirming))
    };
    let forget = {
        let (failure, confirming, refresh, ctx) = (
            failure.clone(),
            confirming.clone(),
            refresh.clone(),
            ctx.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (failure, confirming, refresh, ctx) = (
                failure.clone(),
                confirming.clone(),
                refresh.clone(),
                ctx.clone(),
            );
            spawn_local(async move {
                match api::relay_forget().await {
                    Ok(()) => {
                        confirming.set(false);
                        refresh.set(*refresh + 1);
                    }
                    Err(e) => {
                        ctx.report(&e);
                        failure.set(Some(e));
                    }
                }
            });
        })
    };

    let body = match &*link {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(l) => match &**l {
            Some(l) => joined(l, *busy, sync, ask, *confirming, forget),
            None => html! {
                <form onsubmit={join} novalidate=true>
                    <label class="field" for="relay-text">
                        <span>{ "Mã ghép nối (hiện trên máy của tổ trưởng)" }</span>
                        <textarea id="relay-text" rows="3" data-testid="relay-join-text"
                            placeholder="gocua-relay:v1?…" value={(*text).clone()} {oninput} />
                    </label>
                    <button class="primary" type="submit" data-testid="relay-join" disabled={*busy}>
                        { if *busy { "Đang ghép nối…" } else { "Ghép nối" } }
                    </button>
                </form>
            },
        },
    };
    html! {
        <section class="card" data-testid="relay-member">
            <h2>{ "Ghép nối với trạm của tổ trưởng" }</h2>
            <p class="muted small">{ "Khi không tới được máy chủ của xã, ứng dụng đồng bộ qua máy của tổ trưởng (nếu máy ấy đang bật trạm và ở gần)." }</p>
            <ErrorBanner error={(*failure).clone()} />
            { body }
            if let Some(n) = &*note {
                <p class="ok" role="status" data-testid="relay-sync-note">{ n.clone() }</p>
            }
        </section>
    }
}

fn joined(
    l: &RelayLinkView,
    busy: bool,
    sync: Callback<MouseEvent>,
    ask: Callback<MouseEvent>,
    confirming: bool,
    forget: Callback<MouseEvent>,
) -> Html {
    html! {
        <div data-testid="relay-joined">
            <p>{ match &l.leader_name {
                Some(n) => format!("Đã ghép nối với trạm của tổ trưởng {n}"),
                None => "Đã ghép nối với trạm của tổ trưởng".to_string(),
            } }<br/><small class="muted"><code data-testid="relay-url">{ &l.url }</code></small></p>
            <button class="primary" data-testid="sync-relay" disabled={busy} onclick={sync}>
                { if busy { "Đang đồng bộ…" } else { "Đồng bộ qua trạm chuyển tiếp" } }
            </button>
            <button type="button" class={classes!("choice", "small", confirming.then_some("on"))}
                data-testid="relay-forget" onclick={ask}>{ "Quên trạm này" }</button>
            if confirming {
                <div class="confirm">
                    <p class="small">{ "Máy sẽ không đồng bộ qua trạm này nữa (dữ liệu chưa gửi vẫn giữ nguyên trên máy). Muốn dùng lại phải ghép nối bằng mã mới." }</p>
                    <button type="button" class="danger" data-testid="confirm-relay-forget" onclick={forget}>{ "Quên trạm" }</button>
                </div>
            }
        </div>
    }
}
