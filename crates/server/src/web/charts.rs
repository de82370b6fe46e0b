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

/// The columns' text size (`svg.columns text` in the stylesheet), in the
/// chart's units.
const FONT: f64 = 11.0;

/// A width that text of `chars` characters at `FONT` never exceeds: 0.62
/// em a character is wider than any Vietnamese word's average in the
/// stylesheet's sans-serif faces (the widest, "m" and "đ", are ~0.6 em).
fn text_width(chars: usize) -> f64 {
    chars as f64 * FONT * 0.62
}

/// Columns against a quota line (a team's assists per month against 50).
/// The quota's label sits to the right of the plot, beside the end of its
/// line, in room kept for it: it can never cover a bar or a bar's value,
/// however tall the last month's bar is.
pub fn columns(cols: &[Column], quota: u64, caption: &str) -> Markup {
    const H: f64 = 120.0; // plot height
    const TOP: f64 = 18.0; // room for the values
    const BOTTOM: f64 = 22.0; // room for the labels
    const W: f64 = 64.0; // per column
    const LEFT: f64 = 8.0;
    const GAP: f64 = 6.0; // between the plot and the quota's label
    let largest = cols
        .iter()
        .map(|c| c.value)
        .max()
        .unwrap_or(0)
        .max(quota)
        .max(1);
    // A little headroom above the taller of the quota and the highest bar.
    let scale = H / (largest as f64 * 1.1);
    let plot_right = LEFT + W * cols.len() as f64;
    let quota_label = format!("định mức {quota}");
    let label_x = plot_right + GAP;
    let width = label_x + text_width(quota_label.chars().count()) + LEFT;
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
            line.axis x1=(n(LEFT)) x2=(n(plot_right)) y1=(n(base)) y2=(n(base)) {}
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
            line.quota x1=(n(LEFT)) x2=(n(plot_right)) y1=(n(quota_y)) y2=(n(quota_y)) {}
            // Centred on the line's height: the baseline a third of the
            // text's size below it.
            text.quota x=(n(label_x)) y=(n(quota_y + FONT * 0.35)) text-anchor="start" {
                (quota_label)
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

    /// The attributes and text of every `<tag …>` in the SVG, in order.
    fn elements(svg: &str, tag: &str) -> Vec<(Vec<(String, String)>, String)> {
        let open = format!("<{tag} ");
        let close = format!("</{tag}>");
        svg.split(&open)
            .skip(1)
            .map(|rest| {
                let end = rest.find('>').expect("a closed tag");
                let mut attrs = Vec::new();
                let mut a = &rest[..end];
                while let Some(eq) = a.find("=\"") {
                    let name = a[..eq].trim().to_string();
                    let after = &a[eq + 2..];
                    let q = after.find('"').expect("a quoted value");
                    attrs.push((name, after[..q].to_string()));
                    a = &after[q + 1..];
                }
                let body = &rest[end + 1..];
                let text = body[..body.find(&close).unwrap_or(0)].to_string();
                (attrs, text)
            })
            .collect()
    }

    fn num(attrs: &[(String, String)], name: &str) -> f64 {
        attrs
            .iter()
            .find(|(k, _)| k == name)
            .unwrap_or_else(|| panic!("no {name} in {attrs:?}"))
            .1
            .parse()
            .unwrap()
    }

    fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> &'a str {
        attrs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// A box (left, top, right, bottom).
    type Box = (f64, f64, f64, f64);

    fn overlap(a: Box, b: Box) -> bool {
        a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
    }

    /// The box a text can fill: 11-unit type (the stylesheet's), at most
    /// 0.62 em a character, from the cap height down to the descenders.
    fn text_box(attrs: &[(String, String)], text: &str) -> Box {
        let (x, y) = (num(attrs, "x"), num(attrs, "y"));
        let w = text.chars().count() as f64 * 11.0 * 0.62;
        let left = match attr(attrs, "text-anchor") {
            "middle" => x - w / 2.0,
            "end" => x - w,
            _ => x,
        };
        (left, y - 11.0, left + w, y + 11.0 * 0.3)
    }

    /// The quota's label, in the worst cases (a full year, or a quarter,
    /// with the last month's bar at, just over and far over the quota, and
    /// every month tall): its box never meets a bar or a bar's value, and
    /// stays inside the picture.
    #[test]
    fn the_quota_label_never_covers_a_bar() {
        let month = |i: usize, value: u64| Column {
            label: format!("T{}", i + 1),
            value,
            met: Some(value >= 50),
        };
        let mut cases: Vec<(Vec<Column>, u64)> = Vec::new();
        for months in [3usize, 12] {
            for last in [0u64, 45, 50, 52, 55, 60, 80, 130, 1000] {
                let cols = (0..months)
                    .map(|i| month(i, if i + 1 == months { last } else { 20 }))
                    .collect();
                cases.push((cols, 50));
            }
            cases.push(((0..months).map(|i| month(i, 51)).collect(), 50));
            cases.push(((0..months).map(|i| month(i, 100)).collect(), 100));
        }
        for (cols, quota) in cases {
            let svg = columns(&cols, quota, "Lượt hỗ trợ").into_string();
            let view: Vec<f64> = elements(&svg, "svg")[0]
                .0
                .iter()
                .find(|(k, _)| k == "viewBox")
                .unwrap()
                .1
                .split(' ')
                .map(|v| v.parse().unwrap())
                .collect();
            let texts = elements(&svg, "text");
            let (attrs, text) = texts
                .iter()
                .find(|(a, _)| attr(a, "class") == "quota")
                .expect("the quota's label");
            assert_eq!(text, &format!("định mức {quota}"));
            let label = text_box(attrs, text);
            for (a, _) in elements(&svg, "rect") {
                let (x, y) = (num(&a, "x"), num(&a, "y"));
                let bar = (x, y, x + num(&a, "width"), y + num(&a, "height"));
                assert!(
                    !overlap(label, bar),
                    "label {label:?} over bar {bar:?}: {svg}"
                );
            }
            for (a, t) in texts.iter().filter(|(a, _)| attr(a, "class") == "value") {
                let value = text_box(a, t);
                assert!(!overlap(label, value), "label {label:?} over {t}: {svg}");
            }
            assert!(
                label.0 >= view[0] && label.1 >= view[1],
                "{label:?} out of {view:?}"
            );
            assert!(
                label.2 <= view[0] + view[2] && label.3 <= view[1] + view[3],
                "{label:?} out of {view:?}"
            );
        }
    }
}
