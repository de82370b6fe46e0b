//! The office's pages as an officer walks between them (issue 17), over
//! HTTP against the real `gocua-server` in the dashboard test's hand-made
//! commune: a household or resident opened from the records behind a
//! figure leads back to those records (with their filters), one opened
//! from the duplicates back to the duplicates; bare `/records` is the
//! records page, not an error; and every error page keeps the menu.

use gocua_testkit::{commune, http_client, server};

use commune::{COMMUNE, Commune};
use http_client::{csrf_of, element, get, http, post, sign_in};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use server::{RunningServer, server_bin};

/// An attribute's value as the page writes it, read back (maud writes
/// `&` as `&amp;`).
fn unescape(s: &str) -> String {
    s.replace("&amp;", "&").replace("&quot;", "\"")
}

/// The first link in `html` whose address starts with `prefix`.
fn first_href(html: &str, prefix: &str) -> String {
    let start = html
        .find(&format!(r#"href="{prefix}"#))
        .unwrap_or_else(|| panic!("no link to {prefix} in {html}"));
    let rest = &html[start + 6..];
    unescape(&rest[..rest.find('"').unwrap()])
}

/// The page's way back: (its address, its words).
fn back_link(page: &str) -> (String, String) {
    let a = element(page, "back", "</a>");
    let href = a.split(r#"href=""#).nth(1).expect("an address");
    let href = unescape(&href[..href.find('"').unwrap()]);
    let words = a[a.find('>').unwrap() + 1..].to_string();
    (href, words)
}

#[test]
fn a_household_or_resident_opened_from_the_records_leads_back_to_them() {
    let c = Commune::create();
    let server = RunningServer::start(&server_bin(), &c.data());
    c.record_work(&server);
    let http = http(&server);
    let url = |p: &str| format!("{}{p}", server.url);
    let session = sign_in(&http, &server.url);
    let q = c.quarter.to_string();

    // Tổ 1's households helped, a figure's records with its filters.
    let records = format!(
        "/records?who=team&id={}&period={q}&figure=households",
        c.teams[0]
    );
    let page = get(&http, &url(&records), Some(&session)).text().unwrap();
    let table = element(&page, "records", "</table>");
    let household = first_href(table, "/household?id=");
    let house = get(&http, &url(&household), Some(&session)).text().unwrap();
    assert!(
        !house.contains("Về danh sách nhân khẩu có thể trùng"),
        "the records are not the duplicates: {house}"
    );
    let (href, words) = back_link(&house);
    assert_eq!(href, records, "back to the same records, filters and all");
    assert_eq!(words, "Về danh sách bản ghi");
    // A "needs fix" mark on the household keeps the way back.
    let id = household
        .strip_prefix("/household?id=")
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let r = post(
        &http,
        &url("/review"),
        Some(&session),
        &[
            ("csrf", &csrf_of(&house)),
            ("target_kind", "household"),
            ("target_id", &id),
            ("comment", "Sai số nhà"),
            ("from", &records),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    let marked = get(&http, &url(&to), Some(&session)).text().unwrap();
    assert!(marked.contains(r#"id="review-sent""#), "{to}");
    assert_eq!(back_link(&marked), (records.clone(), words.clone()));
    assert!(
        house.contains(&format!(
            r#"name="from" value="{}""#,
            records.replace('&', "&amp;")
        )),
        "the page's forms carry it"
    );

    // A resident of the records behind an indicator: the same.
    let vneid = format!(
        "/records?who=commune&id={}&period={q}&figure=indicator&indicator=vneid_l2&part=achieved",
        c.commune
    );
    let page = get(&http, &url(&vneid), Some(&session)).text().unwrap();
    let resident = first_href(element(&page, "records", "</table>"), "/resident?id=");
    let card = get(&http, &url(&resident), Some(&session)).text().unwrap();
    assert!(
        !card.contains("Về danh sách nhân khẩu có thể trùng"),
        "{card}"
    );
    assert_eq!(
        back_link(&card),
        (vneid.clone(), "Về danh sách bản ghi".to_string())
    );

    // From the duplicates: the duplicates' words. The household's id
    // without where it was opened from: back to the dashboard.
    let from_duplicates = get(
        &http,
        &url(&format!("/household?id={id}&from=%2Fduplicates")),
        Some(&session),
    )
    .text()
    .unwrap();
    assert_eq!(
        back_link(&from_duplicates),
        (
            "/duplicates".to_string(),
            "Về danh sách nhân khẩu có thể trùng".to_string()
        )
    );
    // An address that is not one of these pages is not a way back.
    for from in [
        "https%3A%2F%2Fexample.com%2F",
        "%2F%2Fexample.com",
        "%2Frecords%22%3E",
    ] {
        let page = get(
            &http,
            &url(&format!("/household?id={id}&from={from}")),
            Some(&session),
        )
        .text()
        .unwrap();
        assert_eq!(
            back_link(&page),
            ("/".to_string(), "Về trang tổng quan".to_string()),
            "{from}"
        );
    }
}

/// The menu every signed-in page carries, with the officer's name.
fn has_menu(page: &str) -> bool {
    page.contains(r#"<nav aria-label="Trang">"#)
        && page.contains(r#"href="/audit""#)
        && page.contains("Nguyễn Thị Lan (Cán bộ xã)")
}

#[test]
fn bare_records_is_the_records_page_and_errors_keep_the_menu() {
    let c = Commune::create();
    let server = RunningServer::start(&server_bin(), &c.data());
    let http = http(&server);
    let url = |p: &str| format!("{}{p}", server.url);
    let session = sign_in(&http, &server.url);

    let r = get(&http, &url("/records"), Some(&session));
    assert_eq!(r.status(), StatusCode::OK, "bare /records");
    let page = r.text().unwrap();
    assert!(has_menu(&page), "{page}");
    let h1 = element(&page, "records-title", "</h1>");
    assert!(
        h1.contains(&format!("Lượt hỗ trợ — toàn {COMMUNE} — Quý")),
        "this quarter's assists in the whole commune: {h1}"
    );
    // A form to choose another figure or period, on the same page.
    assert!(page.contains(r#"id="records-choose""#), "{page}");

    let other = uuid::Uuid::now_v7();
    for (path, status) in [
        ("/records?who=province".to_string(), StatusCode::BAD_REQUEST),
        ("/household?id=nope".to_string(), StatusCode::BAD_REQUEST),
        (format!("/resident?id={other}"), StatusCode::NOT_FOUND),
        (
            format!("/records?who=commune&id={other}&period=2026-Q4&figure=households"),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let r = get(&http, &url(&path), Some(&session));
        assert_eq!(r.status(), status, "{path}");
        let page = r.text().unwrap();
        assert!(has_menu(&page), "{path}: {page}");
        assert!(page.contains(r#"role="alert""#), "{path}: {page}");
    }
    // A form posted without this session's token: refused, menu kept.
    let r = post(
        &http,
        &url("/review"),
        Some(&session),
        &[("target_kind", "resident")],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(has_menu(&r.text().unwrap()));
    // Signed out, an error page still has the menu (its links lead to the
    // sign-in form), and no one's name.
    let r = post(&http, &url("/sign-in"), None, &[("login", "lan")]);
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = r.text().unwrap();
    assert!(page.contains(r#"<nav aria-label="Trang">"#), "{page}");
    assert!(!page.contains("Nguyễn Thị Lan"), "{page}");
}
