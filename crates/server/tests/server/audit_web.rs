//! Nhật ký (`/audit`) a page at a time, over HTTP against the real
//! `gocua-server` in the dashboard test's commune (issue 17): each list
//! counted, cut into pages with next and previous, and narrowed by kind,
//! by member and by a span of days, in the address (`kind`, `member`,
//! `from`, `to`, `page`). The SQL behind it runs on both backends in
//! gocua-central's `audit_pages` test.

use gocua_testkit::{commune, http_client, server};

use chrono::{Duration, Utc};
use commune::Commune;
use gocua_core::month::local_date;
use http_client::{element, get, http, sign_in};
use reqwest::StatusCode;
use server::{RunningServer, admin, server_bin};

/// The rows of the table with this id (its body's `<tr>`s).
fn rows<'a>(page: &'a str, id: &str) -> Vec<&'a str> {
    let table = element(page, id, "</table>");
    let body = &table[table.find("<tbody>").expect("a table body")..];
    body.split("<tr").skip(1).collect()
}

/// The count a list says it has (`<… id="ID-total">N …`).
fn total(page: &str, id: &str) -> String {
    let t = element(page, &format!("{id}-total"), "</");
    t[t.find('>').unwrap() + 1..].to_string()
}

#[test]
fn the_audit_is_counted_paged_and_filtered() {
    let c = Commune::create();
    let server = RunningServer::start(&server_bin(), &c.data());
    c.record_work(&server);
    let http = http(&server);
    let url = |p: &str| format!("{}{p}", server.url);
    let session = sign_in(&http, &server.url);
    let page = |p: &str| {
        let r = get(&http, &url(p), Some(&session));
        assert_eq!(r.status(), StatusCode::OK, "{p}");
        r.text().unwrap()
    };

    // 55 downloads on the web by Lan, and one `admin report`.
    let month = c.quarter.months()[0].to_string();
    for _ in 0..55 {
        let r = get(
            &http,
            &url(&format!("/report.csv?period={month}")),
            Some(&session),
        );
        assert_eq!(r.status(), StatusCode::OK);
    }
    let csv = c.dir.path().join("q.csv");
    let q = c.quarter.to_string();
    admin(
        &server_bin(),
        &c.data(),
        &["report", "--quarter", &q, "--csv", csv.to_str().unwrap()],
    );

    // Every list at a glance: its first rows, its count, the way on.
    let all = page("/audit");
    assert!(all.contains(r#"id="audit-filter""#), "the filter form");
    assert!(all.contains("Nhập danh sách hộ, nhân khẩu"));
    assert_eq!(total(&all, "exports"), "56 mục");
    assert_eq!(rows(&all, "audit").len(), 10);
    assert!(all.contains(r#"href="/audit?kind=exports""#), "{all}");

    // One list, 50 a page.
    let first = page("/audit?kind=exports");
    assert_eq!(rows(&first, "audit").len(), 50);
    assert!(first.contains("Trang 1/2"), "{first}");
    assert!(
        first.contains(r#"href="/audit?kind=exports&amp;page=2""#),
        "{first}"
    );
    assert!(
        !first.contains(r#"id="merge-audit""#),
        "only the list asked for"
    );
    let second = page("/audit?kind=exports&page=2");
    let last = rows(&second, "audit");
    assert_eq!(last.len(), 6);
    assert!(last[5].contains("Báo cáo quý") || last[5].contains("Số liệu (.csv)"));
    assert!(second.contains(r#"href="/audit?kind=exports&amp;page=1""#));
    assert!(second.contains("Trang 2/2"));

    // By kind: the one `admin report`.
    let admin_only = page("/audit?kind=exports.admin");
    assert_eq!(total(&admin_only, "exports"), "1 mục");
    assert!(rows(&admin_only, "audit")[0].contains("Lệnh quản trị"));

    // By member: Lan's 55; An took none.
    let lan = page(&format!("/audit?kind=exports&member={}", c.officer));
    assert_eq!(total(&lan, "exports"), "55 mục");
    let an = page(&format!("/audit?kind=exports&member={}", c.an));
    assert!(an.contains(r#"id="no-exports""#));
    // …and An's changes are An's alone, of the kind asked for.
    let an_households = page(&format!("/audit?kind=changes.household&member={}", c.an));
    let changed = rows(&an_households, "changes");
    assert!(!changed.is_empty());
    for r in &changed {
        assert!(r.contains("Lê Văn An") && r.contains("Hộ gia đình"), "{r}");
    }
    assert_eq!(
        total(&an_households, "changes"),
        format!("{} mục", changed.len())
    );

    // By days (Vietnam's): today holds them all, tomorrow and yesterday none.
    let today = local_date(Utc::now());
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let span = |from: chrono::NaiveDate, to: chrono::NaiveDate| {
        page(&format!(
            "/audit?kind=exports&from={}&to={}",
            day(from),
            day(to)
        ))
    };
    assert_eq!(total(&span(today, today), "exports"), "56 mục");
    assert!(span(today + Duration::days(1), today + Duration::days(2)).contains("no-exports"));
    let before = today - Duration::days(1);
    assert!(span(before - Duration::days(3), before).contains("no-exports"));
    // The filters ride along on the way to the next page.
    let filtered = page(&format!(
        "/audit?kind=exports&member={}&from={}",
        c.officer,
        day(today)
    ));
    assert!(
        filtered.contains(&format!(
            "href=\"/audit?kind=exports&amp;member={}&amp;from={}&amp;page=2\"",
            c.officer,
            day(today)
        )),
        "{filtered}"
    );

    // What cannot be read is said, in the menu.
    for bad in [
        "/audit?page=0",
        "/audit?from=h%C3%B4m-nay",
        "/audit?kind=cccd",
        "/audit?member=x",
    ] {
        let r = get(&http, &url(bad), Some(&session));
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.text().unwrap().contains(r#"<nav aria-label="Trang">"#));
    }
}
