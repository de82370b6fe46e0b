//! Horizontal bar charts for the month views: one row per member or per
//! action, with the quota drawn as a line across the bars.
//!
//! Bars are SVG shapes sized by attributes: the app's CSP forbids inline
//! styles, and a chart library would weigh more than the whole UI.

use yew::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: usize,
}

/// The value the full width stands for: the largest bar or the goal,
/// whichever is larger, so the goal line always fits on the chart.
pub fn full_scale(bars: &[Bar], goal: Option<usize>) -> usize {
    bars.iter()
        .map(|b| b.value)
        .chain(goal)
        .max()
        .unwrap_or(0)
        .max(1)
}

/// Where `value` ends on a 0–100 axis of `scale`.
pub fn position(value: usize, scale: usize) -> f64 {
    if scale == 0 {
        return 0.0;
    }
    (value.min(scale) as f64 * 100.0 / scale as f64 * 10.0).round() / 10.0
}

#[derive(Properties, PartialEq)]
pub struct BarChartProps {
    /// Said before the chart and read out by screen readers.
    pub caption: AttrValue,
    pub bars: Vec<Bar>,
    /// A per-bar goal (a member's 10 households): bars below it are marked.
    #[prop_or_default]
    pub goal: Option<usize>,
    #[prop_or_default]
    pub unit: AttrValue,
    #[prop_or_default]
    pub testid: AttrValue,
}

#[function_component]
pub fn BarChart(props: &BarChartProps) -> Html {
    let scale = full_scale(&props.bars, props.goal);
    let goal_x = props.goal.map(|g| position(g, scale));
    html! {
        <figure class="bars" data-testid={props.testid.clone()}>
            <figcaption>
                { props.caption.clone() }
                if let Some(g) = props.goal {
                    <small class="muted">{ format!(" (vạch dọc: chỉ tiêu {g} {})", props.unit) }</small>
                }
            </figcaption>
            <ul>
                { for props.bars.iter().map(|b| {
                    let below = props.goal.is_some_and(|g| b.value < g);
                    html! {
                        <li class={classes!("bar-row", below.then_some("below"))}>
                            <span class="bar-label">{ &b.label }</span>
                            <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                                <rect class="bar-track" x="0" y="0" width="100" height="10" />
                                <rect class="bar-fill" x="0" y="0" width={position(b.value, scale).to_string()} height="10" />
                                if let Some(x) = goal_x {
                                    <line class="bar-goal" x1={x.to_string()} x2={x.to_string()} y1="0" y2="10" />
                                }
                            </svg>
                            <strong class="bar-value">{ format!("{} {}", b.value, props.unit) }</strong>
                        </li>
                    }
                }) }
            </ul>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(values: &[usize]) -> Vec<Bar> {
        values
            .iter()
            .map(|v| Bar {
                label: v.to_string(),
                value: *v,
            })
            .collect()
    }

    #[test]
    fn the_goal_line_always_fits() {
        // Nobody near the quota yet: the chart spans the quota.
        assert_eq!(full_scale(&bars(&[2, 4]), Some(10)), 10);
        assert_eq!(position(4, 10), 40.0);
        assert_eq!(position(10, 10), 100.0);
        // Someone far past it: the chart spans the best, the line moves left.
        assert_eq!(full_scale(&bars(&[2, 25]), Some(10)), 25);
        assert_eq!(position(10, 25), 40.0);
    }

    #[test]
    fn empty_charts_do_not_divide_by_zero() {
        assert_eq!(full_scale(&[], None), 1);
        assert_eq!(full_scale(&bars(&[0, 0]), None), 1);
        assert_eq!(position(0, 1), 0.0);
        assert_eq!(position(3, 0), 0.0);
        assert_eq!(position(1, 3), 33.3);
    }
}
