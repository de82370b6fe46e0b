//! The leader's view: the team's month — each member against 10 households,
//! the team against 50 assists — and the log of edits that lost a
//! concurrent change during sync.

use crate::api::{self, ConflictView, TeamMonthView};
use crate::ctx::{Load, use_api};
use crate::format;
use crate::widgets::{ErrorBanner, Loading, Meter, TopBar};
use yew::prelude::*;

#[function_component]
pub fn TeamScreen() -> Html {
    let month = use_api((), |_| api::team_month());
    let conflicts = use_api((), |_| api::conflicts());
    html! {
        <main class="screen" data-screen="team">
            <TopBar title="Kết quả của tổ" />
            { team(&month) }
            <h2>{ "Nhật ký xung đột khi đồng bộ" }</h2>
            { conflict_list(&conflicts) }
        </main>
    }
}

fn team(month: &Load<TeamMonthView>) -> Html {
    match month {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(t) => html! {
            <>
                <section class="card" data-testid="team-month">
                    <h2>{ format!("{} – {}", t.team_name, format::month_vi(&t.month)) }</h2>
                    <Meter label="Lượt hỗ trợ của tổ" value={t.assists} quota={t.quota} unit="lượt" />
                    <p class="muted">{ format!("{} hộ đã được hỗ trợ", t.households_helped) }</p>
                </section>
                <table class="members">
                    <thead><tr><th>{ "Tổ viên" }</th><th>{ "Hộ" }</th><th>{ "Lượt" }</th></tr></thead>
                    <tbody>
                        { for t.members.iter().map(|m| html! {
                            <tr class={if m.meets_quota { "met" } else { "below" }}>
                                <td>{ &m.name }</td>
                                <td>{ format::count_of(m.households_helped, m.quota, "") }</td>
                                <td>{ m.assists }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </>
        },
    }
}

fn conflict_list(list: &Load<Vec<ConflictView>>) -> Html {
    match list {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(l) if l.is_empty() => {
            html! { <p class="muted">{ "Không có xung đột nào." }</p> }
        }
        Load::Ready(l) => html! {
            <ul class="rows">
                { for l.iter().map(|c| html! {
                    <li class="conflict">
                        <strong>{ format!("{} – {}", c.what, c.field) }</strong>
                        <small>{ format!("Giữ: {} · Bỏ: {}", c.kept_value, c.lost_value) }</small>
                    </li>
                }) }
            </ul>
        },
    }
}
