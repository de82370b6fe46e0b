//! Bar charts drawn on the server as inline SVG: no script, no image
//! requests, readable when printed. Colours come from the stylesheet by
//! class (the CSP allows no inline style); sizes are SVG attributes. Each
//! chart has a text equivalent for screen readers (`aria-label`), and the
//! numbers are always printed beside it.

use maud::{Markup, html};

/// A number for an SVG attribute (dot decimal, two places at most).
fn n(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The class of a bar against its target.
fn mark(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "short",
        None => "plain",
    }
}

/// A horizontal bar of `percent` (0–100) with the target marked, stretched
/// to the width of its cell.
pub fn progress(
    percent: Option<f64>,
    target: Option<f64>,
    met: Option<bool>,
    label: &str,
) -> Markup {
    let width = percent.unwrap_or(0.0).clamp(0.0, 100.0);
    html! {
        svg.bar viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=(label) {
            rect.track x="0" y="0" width="100" height="10" {}
            rect class=(mark(met)) x="0" y="0" width=(n(width)) height="10" {}
            @if let Some(t) = target {
                line.target x1=(n(t.clamp(0.0, 100.0))) x2=(n(t.clamp(0.0, 100.0))) y1="0" y2="10"
                    vector-effect="non-scaling-stroke" {}
            }
        }
    }
}

/// A horizontal bar of `value` out of the chart's largest, for counts
/// without a target (assists by action).
pub fn count_bar(value: u64, largest: u64, label: &str) -> Markup {
    let percent = if largest == 0 {
        0.0
    } else {
        value as f64 * 100.0 / largest as f64
    };
    progress(Some(percent), None, None, label)
}

/// One column of a column chart.
pub struct Column {
    pub label: String,
    pub value: u64,
    pub met: Option<bool>,
}

/// Columns against a quota line (a team's assists per month against 50).
pub fn columns(cols: &[Column], quota: u64, caption: &str) -> Markup {
    const H: f64 = 120.0; // plot height
    const TOP: f64 = 18.0; // room for the values
    const BOTTOM: f64 = 22.0; // room for the labels
    const W: f64 = 64.0; // per column
    const LEFT: f64 = 8.0;
    let largest = cols
        .iter()
        .map(|c| c.value)
        .max()
        .unwrap_or(0)
        .max(quota)
        .max(1);
    // A little headroom above the taller of the quota and the highest bar.
    let scale = H / (largest as f64 * 1.1);
    let width = LEFT * 2.0 + W * cols.len() as f64;
    let base = TOP + H;
    let quota_y = base - quota as f64 * scale;
    let described: Vec<String> = cols
        .iter()
        .map(|c| format!("{}: {}", c.label, c.value))
        .collect();
    let aria = format!("{caption}. {}. Định mức {quota}.", described.join("; "));
    html! {
        svg.columns viewBox={ "0 0 " (n(width)) " " (n(base + BOTTOM)) } role="img"
            aria-label=(aria) {
            line.axis x1=(n(LEFT)) x2=(n(width - LEFT)) y1=(n(base)) y2=(n(base)) {}
            @for (i, c) in cols.iter().enumerate() {
                @let x = LEFT + W * i as f64 + W * 0.2;
                @let h = c.value as f64 * scale;
                rect class=(mark(c.met)) x=(n(x)) y=(n(base - h)) width=(n(W * 0.6))
                    height=(n(h)) {}
                text.value x=(n(x + W * 0.3)) y=(n(base - h - 4.0)) text-anchor="middle" {
                    (c.value)
                }
                text.label x=(n(x + W * 0.3)) y=(n(base + 15.0)) text-anchor="middle" {
                    (c.label)
                }
            }
            line.quota x1=(n(LEFT)) x2=(n(width - LEFT)) y1=(n(quota_y)) y2=(n(quota_y)) {}
            text.quota x=(n(width - LEFT)) y=(n(quota_y - 3.0)) text-anchor="end" {
                "định mức " (quota)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_sized_by_attributes_never_inline_style() {
        let b = progress(Some(62.5), Some(80.0), Some(false), "VNeID").into_string();
        assert!(b.contains(r#"width="62.5""#), "{b}");
        assert!(b.contains(r#"class="short""#), "{b}");
        assert!(b.contains(r#"x1="80""#), "{b}");
        assert!(!b.contains("style"), "{b}");
        let over = progress(Some(130.0), None, None, "x").into_string();
        assert!(over.contains(r#"width="100""#), "{over}");
        let none = count_bar(0, 0, "x").into_string();
        assert!(none.contains(r#"width="0""#), "{none}");
        let cols = columns(
            &[
                Column {
                    label: "T10".into(),
                    value: 60,
                    met: Some(true),
                },
                Column {
                    label: "T11".into(),
                    value: 0,
                    met: Some(false),
                },
            ],
            50,
            "Lượt hỗ trợ",
        )
        .into_string();
        assert!(cols.contains(">60<") && cols.contains(">T11<"), "{cols}");
        assert!(cols.contains("Định mức 50"), "{cols}");
        assert!(!cols.contains("style"), "{cols}");
    }
}
