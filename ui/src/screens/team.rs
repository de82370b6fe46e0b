//! The leader's view: the team's month — each member against 10 households,
//! the team against 50 assists — the "needs fix" marks open and resolved
//! (reopened from here), the members' training against the goal of
//! everyone trained by 30 June, and the log of edits that lost a concurrent
//! change during sync.

use crate::api;
use crate::chart::{Bar, BarChart};
use crate::ctx::{AppCtx, Load, Route, use_api};
use crate::format;
use crate::review_api;
use crate::screens::review::ReviewList;
use crate::widgets::{ErrorBanner, Loading, Meter, TopBar};
use chrono::Datelike;
use gocua_app_api::{ActionCount, ConflictView, ReviewItem, TeamMonthView, TeamTrainingView};
use yew::prelude::*;

#[function_component]
pub fn TeamScreen() -> Html {
    // The month shown (None: the current one); the leader steps back and
    // forth a month or a quarter at a time.
    let shown = use_state(|| None::<String>);
    let month = use_api((*shown).clone(), api::team_month);
    let step = {
        let shown = shown.clone();
        Callback::from(move |m: String| shown.set(Some(m)))
    };
    let training = use_api((), |_| api::team_training());
    let conflicts = use_api((), |_| api::conflicts());
    let refresh = use_state(|| 0u32);
    let marks = use_api(*refresh, |_| review_api::review_marks(None, false));
    let ctx = use_context::<AppCtx>().expect("inside the app");
    let reload = {
        let refresh = refresh.clone();
        Callback::from(move |()| refresh.set(*refresh + 1))
    };
    html! {
        <main class="screen" data-screen="team">
            <TopBar title="Kết quả của tổ" />
            { team(&month, &step) }
            <h2>{ "Yêu cầu sửa" }</h2>
            { match &*marks {
                Load::Loading => html! { <Loading /> },
                Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
                Load::Ready(items) if items.is_empty() => html! {
                    <p class="muted">{ "Chưa có yêu cầu sửa nào. Đánh dấu cần sửa từ trang hộ gia đình." }</p>
                },
                Load::Ready(items) => html! {
                    <>
                        <p class="muted" data-testid="review-counts">{ review_counts_vi(items) }</p>
                        <ReviewList items={items.clone()} on_changed={reload} with_household=true testid="team-reviews" />
                    </>
                },
            } }
            <h2>{ "Tập huấn tổ viên" }</h2>
            { training_section(&training) }
            <h2>{ "Nhật ký xung đột khi đồng bộ" }</h2>
            { conflict_list(&conflicts, &ctx.go) }
        </main>
    }
}

/// "2 cần sửa, 3 đã sửa".
fn review_counts_vi(items: &[ReviewItem]) -> String {
    let open = items
        .iter()
        .filter(|i| i.mark.state == gocua_core::review::ReviewState::Open)
        .count();
    format!("{open} cần sửa, {} đã sửa", items.len() - open)
}

/// A step button: "‹ Tháng 11/2026"; nothing when there is no such month.
fn step_button(
    to: &Option<String>,
    label: &str,
    test: &'static str,
    step: &Callback<String>,
) -> Html {
    match to {
        Some(m) => {
            let (m, step) = (m.clone(), step.clone());
            let text = label.replace("{}", &format::month_vi(&m));
            html! {
                <button type="button" class="choice small" data-testid={test}
                    onclick={Callback::from(move |_: MouseEvent| step.emit(m.clone()))}>{ text }</button>
            }
        }
        None => html! {},
    }
}

/// The quarter of the month shown: each month against its quota, the sum
/// against the quarter's, and the reporting deadlines.
fn quarter_card(t: &TeamMonthView, step: &Callback<String>) -> Html {
    let q = &t.quarter;
    html! {
        <section class="card" data-testid="team-quarter">
            <h2>{ format!("{} của tổ", q.label) }</h2>
            <Meter label="Lượt hỗ trợ trong quý" value={q.assists} quota={q.quota} unit="lượt" />
            <table class="members" data-testid="quarter-months">
                <thead><tr><th>{ "Tháng" }</th><th>{ "Lượt" }</th></tr></thead>
                <tbody>
                    { for q.months.iter().map(|m| html! {
                        <tr class={if m.future { "" } else if m.meets_quota { "met" } else { "below" }}>
                            <td>{ format::month_vi(&m.month) }</td>
                            <td>{ if m.future { "chưa đến".to_string() } else { format::count_of(m.assists, m.quota, "") } }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <ul class="deadlines" data-testid="deadlines">
                <li>{ format!("Tổ báo cáo xã: {}", format::deadline_vi(q.deadlines.team_report_before, q.deadlines.team_days_left)) }</li>
                <li>{ format!("Xã báo cáo tỉnh: {}", format::deadline_vi(q.deadlines.commune_report_before, q.deadlines.commune_days_left)) }</li>
            </ul>
            <div class="choices">
                { step_button(&q.prev_quarter_month, "‹ Quý trước", "prev-quarter", step) }
                { step_button(&q.next_quarter_month, "Quý sau ›", "next-quarter", step) }
            </div>
        </section>
    }
}

fn team(month: &Load<TeamMonthView>, step: &Callback<String>) -> Html {
    match month {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(t) => html! {
            <>
                <div class="choices month-nav">
                    { step_button(&t.prev_month, "‹ {}", "prev-month", step) }
                    { step_button(&t.next_month, "{} ›", "next-month", step) }
                </div>
                <section class="card" data-testid="team-month">
                    <h2>{ format!("{} – {}", t.team_name, format::month_vi(&t.month)) }</h2>
                    <Meter label="Lượt hỗ trợ của tổ" value={t.assists} quota={t.quota} unit="lượt" />
                    <p class="muted">{ format!("{} hộ đã được hỗ trợ", t.households_helped) }</p>
                </section>
                <section class="card">
                    <BarChart caption="Số hộ mỗi tổ viên đã hỗ trợ" unit="hộ" testid="members-chart"
                        goal={t.members.first().map(|m| m.quota)}
                        bars={t.members.iter().map(|m| Bar { label: m.name.clone(), value: m.households_helped }).collect::<Vec<_>>()} />
                    <p class="muted">{ below_quota_vi(t) }</p>
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
                if t.by_outcome.iter().any(|o| o.count > 0) {
                    <section class="card">
                        <BarChart caption="Kết quả các nội dung đã làm" unit="lượt" testid="outcome-chart"
                            bars={bars(&t.by_outcome)} />
                        if !t.by_action.is_empty() {
                            <BarChart caption="Lượt hỗ trợ theo nội dung" unit="lượt" testid="team-by-action"
                                bars={bars(&t.by_action)} />
                        }
                    </section>
                }
                { quarter_card(t, step) }
            </>
        },
    }
}

/// The team's share trained this year against everyone by 30 June, and
/// each member's line (untrained first).
fn training_section(training: &Load<TeamTrainingView>) -> Html {
    match training {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(t) => {
            let year = t.as_of.year();
            html! {
                <section class="card" data-testid="team-training">
                    <Meter label={format!("Tổ viên đã tập huấn năm {year}")} value={t.trained}
                        quota={t.total} unit="người" />
                    <p class={if t.met { "ok" } else { "warn" }}>{ &t.status_vi }</p>
                    <ul class="rows training">
                        { for t.members.iter().map(|m| html! {
                            <li class={if m.trained { "trained" } else { "untrained" }}>
                                <strong>{ &m.name }</strong>
                                <small>{ format::training_line_vi(m.trained, m.sessions_this_year,
                                    year, m.last_day, m.last_topic.as_deref()) }</small>
                            </li>
                        }) }
                    </ul>
                </section>
            }
        }
    }
}

fn bars(counts: &[ActionCount]) -> Vec<Bar> {
    counts
        .iter()
        .map(|c| Bar {
            label: c.name_vi.clone(),
            value: c.count,
        })
        .collect()
}

fn below_quota_vi(t: &TeamMonthView) -> String {
    match t.members.iter().filter(|m| !m.meets_quota).count() {
        0 => "Mọi tổ viên đã đạt chỉ tiêu hộ của tháng.".to_string(),
        n => format!(
            "{n}/{} tổ viên chưa đạt chỉ tiêu hộ của tháng.",
            t.members.len()
        ),
    }
}

/// One lost edit: whose record, which field, what was kept and what was
/// set aside, when; tapping it opens the household to check with the member.
fn conflict_row(c: &ConflictView, go: &Callback<Route>) -> Html {
    let title = if c.subject.is_empty() {
        format!("{} – {}", c.what, c.field)
    } else {
        format!("{} {} – {}", c.what, c.subject, c.field)
    };
    let body = html! {
        <>
            <strong>{ title }</strong>
            <small>{ format!("Đang dùng: {}", c.kept_value) }</small>
            <small>{ format!("Bị thay: {}", c.lost_value) }</small>
            if !c.lost_at.is_empty() {
                <small class="muted">{ format!("Sửa lúc {}", format::datetime_vi(&c.lost_at)) }</small>
            }
        </>
    };
    match c.household_id {
        Some(id) => {
            let go = go.clone();
            let onclick = Callback::from(move |_: MouseEvent| go.emit(Route::Household(id)));
            html! { <li class="conflict"><button class="row" {onclick}>{ body }</button></li> }
        }
        None => html! { <li class="conflict"><div class="row">{ body }</div></li> },
    }
}

fn conflict_list(list: &Load<Vec<ConflictView>>, go: &Callback<Route>) -> Html {
    match list {
        Load::Loading => html! { <Loading /> },
        Load::Failed(e) => html! { <ErrorBanner error={Some(e.clone())} /> },
        Load::Ready(l) if l.is_empty() => {
            html! { <p class="muted">{ "Không có xung đột nào." }</p> }
        }
        Load::Ready(l) => html! {
            <ul class="rows" data-testid="conflicts">
                { for l.iter().map(|c| conflict_row(c, go)) }
            </ul>
        },
    }
}
