//! The worklist: follow-ups falling due, then households of my villages not
//! visited this month, priority groups first — and a search box that
//! ignores diacritics ("nguyen thi dao" finds "Nguyễn Thị Đào").

use crate::api;
use crate::ctx::{AppCtx, Load, Route, use_api};
use crate::format;
use crate::widgets::{ErrorBanner, Loading, TopBar};
use gocua_app_api::{SearchHit, Worklist, WorklistHousehold};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Fewer typed characters than this show the worklist instead of results.
const MIN_QUERY: usize = 2;

#[function_component]
pub fn WorklistScreen() -> Html {
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let query = use_state(String::new);
    let list = use_api((), |_| api::worklist());
    let q = query.trim().to_string();
    let hits = use_api(q.clone(), |q: String| async move {
        if q.chars().count() < MIN_QUERY {
            Ok(Vec::new())
        } else {
            api::search(&q).await
        }
    });

    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            query.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let add = {
        let go = ctx.go.clone();
        Callback::from(move |_: MouseEvent| go.emit(Route::EditHousehold(None)))
    };
    let searching = q.chars().count() >= MIN_QUERY;
    html! {
        <main class="screen" data-screen="worklist">
            <TopBar title="Hộ dân" />
            <input class="search" type="search" data-testid="search" placeholder="Tên hoặc địa chỉ, gõ không dấu"
                value={(*query).clone()} {oninput} aria-label="Tìm hộ dân theo tên hoặc địa chỉ (gõ không dấu cũng được)" />
            if searching {
                { results(&hits, &ctx) }
            } else {
                { worklist(&list, &ctx) }
            }
            <button class="primary" data-testid="add-household" onclick={add}>{ "+ Thêm hộ mới" }</button>
        </main>
    }
}

fn open(ctx: &AppCtx, id: gocua_core::HouseholdId) -> Callback<MouseEvent> {
    let go = ctx.go.clone();
    Callback::from(move |_: MouseEvent| go.emit(Route::Household(id)))
}

fn results(hits: &Load<Vec<SearchHit>>, ctx: &AppCtx) -> Html {
    match hits {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(list) if list.is_empty() => {
            html! { <p class="muted">{ "Không tìm thấy hộ nào." }</p> }
        }
        Load::Ready(list) => html! {
            <ul class="rows" data-testid="search-results">
                { for list.iter().map(|h| html! {
                    <li><button class="row" onclick={open(ctx, h.household_id)}>
                        <strong>{ &h.head_name }</strong>
                        <small>{ format!("{} · {}", h.address, h.village_name) }</small>
                        if let Some(r) = &h.matched_resident {
                            <small class="muted">{ format!("Có người dân: {r}") }</small>
                        }
                    </button></li>
                }) }
            </ul>
        },
    }
}

fn household_row(w: &WorklistHousehold, ctx: &AppCtx) -> Html {
    let h = &w.household;
    html! {
        <li><button class="row" onclick={open(ctx, h.id)}>
            <strong>{ &h.head_name }</strong>
            <small>{ format!("{} · {} người", h.address, w.resident_count) }</small>
            <span class="tags">
                { for h.flags.labels_vi().into_iter().map(|l| html! { <span class="tag">{ l }</span> }) }
            </span>
        </button></li>
    }
}

fn worklist(list: &Load<Worklist>, ctx: &AppCtx) -> Html {
    match list {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(w) => html! {
            <>
                <h2>{ format!("Hẹn quay lại ({})", w.follow_ups.len()) }</h2>
                if w.follow_ups.is_empty() {
                    <p class="muted">{ "Không có hẹn nào đến hạn." }</p>
                }
                <ul class="rows">
                    { for w.follow_ups.iter().map(|f| html! {
                        <li><button class={classes!("row", f.overdue.then_some("overdue"))} onclick={open(ctx, f.household_id)}>
                            <strong>{ &f.head_name }</strong>
                            <small>{ format!("{} – {}", f.resident_name, f.action_name) }</small>
                            <small class={if f.overdue { "warn" } else { "muted" }}>
                                { format!("{} {}", if f.overdue { "Quá hẹn từ" } else { "Hẹn ngày" }, format::date_vi(f.due)) }
                            </small>
                        </button></li>
                    }) }
                </ul>
                <h2>{ format!("Chưa thăm trong {} ({})", format::month_vi(&w.month.to_string()), w.not_visited.len()) }</h2>
                <ul class="rows" data-testid="not-visited">
                    { for w.not_visited.iter().take(200).map(|h| household_row(h, ctx)) }
                </ul>
                if w.not_visited.len() > 200 {
                    <p class="muted">{ format!("… và {} hộ nữa: hãy tìm theo tên.", w.not_visited.len() - 200) }</p>
                }
            </>
        },
    }
}
