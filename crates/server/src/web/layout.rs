//! The frame of every page (header, menu, sign-out), the stylesheet, and
//! how numbers and days are written for Vietnamese readers (1.234; 93,5%;
//! 26/12/2026).

use super::auth::Officer;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use gocua_core::month::vietnam;
use maud::{DOCTYPE, Markup, html};

pub const STYLESHEET: &str = "/static/style.css";
const CSS: &str = include_str!("style.css");

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        CSS,
    )
}

/// Which menu entry a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Teams,
    Recognition,
    Targets,
    Training,
    Duplicates,
    Import,
    Audit,
    /// A drill-down: no entry of its own.
    Records,
}

const MENU: &[(Nav, &str, &str)] = &[
    (Nav::Dashboard, "/", "Tổng quan"),
    (Nav::Teams, "/teams", "Các tổ trong quý"),
    (Nav::Recognition, "/recognition", "Khen thưởng"),
    (Nav::Targets, "/targets", "Chỉ tiêu"),
    (Nav::Training, "/training", "Tập huấn"),
    (Nav::Duplicates, "/duplicates", "Nhân khẩu trùng"),
    (Nav::Import, "/import", "Nhập danh sách"),
    (Nav::Audit, "/audit", "Nhật ký"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            title { (title) " — Gõ Cửa" }
            link rel="stylesheet" href=(STYLESHEET);
        }
    }
}

/// A page for a signed-in officer.
pub fn page(title: &str, officer: &Officer, nav: Nav, body: Markup) -> Markup {
    frame(title, Some(officer), nav, body)
}

/// An error page for a visitor who is not signed in: the menu (its pages
/// lead to the sign-in form) and a link to sign in.
pub fn page_signed_out(title: &str, body: Markup) -> Markup {
    frame(title, None, Nav::Records, body)
}

fn frame(title: &str, officer: Option<&Officer>, nav: Nav, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            (head(title))
            body {
                header.top {
                    a.brand href="/" { "Gõ Cửa" }
                    nav aria-label="Trang" {
                        @for &(n, href, label) in MENU {
                            @if n == nav {
                                a.current href=(href) aria-current="page" { (label) }
                            } @else {
                                a href=(href) { (label) }
                            }
                        }
                    }
                    @if let Some(officer) = officer {
                        @let m = &officer.session.member;
                        form.signout method="post" action="/sign-out" {
                            span.who { (m.full_name) " (" (m.role.label_vi()) ")" }
                            (officer.csrf_field())
                            button type="submit" { "Đăng xuất" }
                        }
                    } @else {
                        a.signin href="/sign-in" { "Đăng nhập" }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page without the menu: the sign-in form.
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            (head(title))
            body.bare {
                main { (body) }
            }
        }
    }
}

/// 25000 → "25.000".
pub fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// 93.456 → "93,5%"; None (nobody counted) → "—".
pub fn pct(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:.1}%").replace('.', ","),
        None => "—".into(),
    }
}

/// A target: 93 → "93%", 40.5 → "40,5%".
pub fn target(t: Option<f64>) -> String {
    match t {
        Some(t) if t.fract() == 0.0 => format!("{t:.0}%"),
        Some(t) => format!("{t}%").replace('.', ","),
        None => "—".into(),
    }
}

pub fn day(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A moment in Vietnam's time: "23/11/2026 17:05".
pub fn time(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1.000");
        assert_eq!(int(25_000), "25.000");
        assert_eq!(int(4_000_000), "4.000.000");
        assert_eq!(pct(Some(60.0)), "60,0%");
        assert_eq!(pct(Some(100.0 / 3.0)), "33,3%");
        assert_eq!(pct(None), "—");
        assert_eq!(target(Some(93.0)), "93%");
        assert_eq!(target(Some(40.5)), "40,5%");
        assert_eq!(target(None), "—");
    }
}
