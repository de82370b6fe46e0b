//! The officers' review pages over HTTP against the real `gocua-server` on
//! 127.0.0.1, in the dashboard test's hand-made commune (organisation and
//! password by `admin`): members' training (the form, its refusals, each
//! team against the goal, who is not yet trained); likely duplicate
//! residents with their cards; the audit of exports (web downloads and
//! `admin report`).
//!
//! Commune: Tổ 1 (An leader, Bình), Tổ 2 (Cường), Tổ 3 (Dũng); officer Lan.

use gocua_testkit::{commune, http_client, server};

use chrono::{Datelike, NaiveDate, Utc};
use commune::Commune;
use gocua_core::month::local_date;
use http_client::{csrf_of, element, get, http, post, sign_in};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use server::{RunningServer, admin, server_bin};

/// The goal's sentence for a team not all trained, as of `today`.
fn not_yet(today: NaiveDate) -> String {
    let goal = NaiveDate::from_ymd_opt(today.year(), 6, 30).unwrap();
    if today > goal {
        format!("Chưa đạt: đã quá hạn 30/06/{}", today.year())
    } else {
        let days = (goal - today).num_days() + 1;
        format!("Còn {days} ngày đến hạn 30/06/{}", today.year())
    }
}

#[test]
fn an_officer_records_training_and_sees_each_team_against_the_goal() {
    let c = Commune::create();
    let server = RunningServer::start(&server_bin(), &c.data());
    let http = http(&server);
    let url = |p: &str| format!("{}{p}", server.url);

    let r = get(&http, &url("/training"), None);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/sign-in");
    let session = sign_in(&http, &server.url);

    // Nobody trained yet: every team 0 of its members; the officer is in
    // no team and not in the form.
    let page = get(&http, &url("/training"), Some(&session))
        .text()
        .unwrap();
    let team1 = element(&page, &format!("training-team-{}", c.teams[0]), "</tr>");
    assert!(team1.contains("0 / 2") && team1.contains("0,0%"), "{team1}");
    assert!(page.contains(r#"id="no-sessions""#));
    for who in [&c.an, &c.binh, &c.cuong, &c.dung] {
        assert!(page.contains(&format!(r#"name="member-{who}""#)), "{who}");
    }
    assert!(!page.contains(&format!(r#"name="member-{}""#, c.officer)));

    let today = local_date(Utc::now());
    let day = today.format("%d/%m/%Y").to_string();
    let an = format!("member-{}", c.an);
    let binh = format!("member-{}", c.binh);

    // Without the token: refused. Without a topic, or dated tomorrow:
    // the form again, with what was ticked, and nothing saved.
    let r = post(&http, &url("/training"), Some(&session), &[("topic", "x")]);
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let csrf = csrf_of(&page);
    let r = post(
        &http,
        &url("/training"),
        Some(&session),
        &[("csrf", &csrf), ("topic", " "), ("date", &day), (&an, "on")],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = r.text().unwrap();
    assert!(again.contains("Chưa ghi: Cần ghi nội dung tập huấn."));
    assert!(
        again.contains(&format!(r#"name="{an}" id="m-{}" checked"#, c.an)),
        "An still ticked"
    );
    let tomorrow = (today + chrono::Duration::days(1))
        .format("%d/%m/%Y")
        .to_string();
    let csrf = csrf_of(&again);
    let r = post(
        &http,
        &url("/training"),
        Some(&session),
        &[
            ("csrf", &csrf),
            ("topic", "Chữ ký số"),
            ("date", &tomorrow),
            (&an, "on"),
        ],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .unwrap()
            .contains("Ngày tập huấn không được sau hôm nay.")
    );
    let r = post(
        &http,
        &url("/training"),
        Some(&session),
        &[("csrf", &csrf), ("topic", "Chữ ký số"), ("date", &day)],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "no member");

    // An and Bình trained today: Tổ 1 2/2, met; Tổ 2 and Tổ 3 not yet.
    let r = post(
        &http,
        &url("/training"),
        Some(&session),
        &[
            ("csrf", &csrf),
            ("topic", "Kích hoạt VNeID mức độ 2"),
            ("date", &day),
            (&an, "on"),
            (&binh, "on"),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/training?saved=2");
    let page = get(&http, &url("/training?saved=2"), Some(&session))
        .text()
        .unwrap();
    assert!(page.contains("Đã ghi buổi tập huấn cho 2 thành viên."));
    let team1 = element(&page, &format!("training-team-{}", c.teams[0]), "</tr>");
    assert!(
        team1.contains("2 / 2") && team1.contains("100,0%"),
        "{team1}"
    );
    assert!(
        team1.contains("Đã đạt: mọi tổ viên đã được tập huấn"),
        "{team1}"
    );
    let team2 = element(&page, &format!("training-team-{}", c.teams[1]), "</tr>");
    assert!(team2.contains("0 / 1"), "{team2}");
    assert!(team2.contains(&not_yet(today)), "{team2}");
    let waiting = element(&page, "untrained", "</ul>");
    assert!(
        waiting.contains("Phạm Văn Cường") && waiting.contains("Đỗ Văn Dũng"),
        "{waiting}"
    );
    assert!(
        !waiting.contains("Lê Văn An") && !waiting.contains("Trần Thị Bình"),
        "{waiting}"
    );
    let sessions = element(&page, "training-sessions", "</table>");
    assert!(sessions.contains("Kích hoạt VNeID mức độ 2"), "{sessions}");
    assert!(sessions.contains(&day), "{sessions}");
    assert!(
        sessions.contains("Lê Văn An, Trần Thị Bình"),
        "names in Vietnamese order: {sessions}"
    );
    assert!(sessions.contains("Nguyễn Thị Lan"), "who recorded it");
}

/// The dashboard's quarter of work, then two residents entered again on
/// other phones: "nguyễn văn một" born the year R1 "Nguyễn Văn Một" was, in
/// Thôn Tây (R1 is in Thôn Đông: possible), and "Tran Van Ba" born with R3
/// "Trần Văn Ba", in Thôn Đông with him (likely). No ID numbers: no strong.
#[test]
fn an_officer_reviews_likely_duplicates_and_opens_each_card() {
    let c = Commune::create();
    let server = RunningServer::start(&server_bin(), &c.data());
    c.record_work(&server);
    let y = c.quarter.year;
    let v = |i: usize| -> gocua_core::VillageId { c.villages[i].parse().unwrap() };
    let mut phone = c.phone(&server, &c.cuong, "Máy mới của Cường");
    let h = commune::household(&mut phone, v(1), "Nguyễn Văn Một");
    let again = commune::resident(&mut phone, h, "nguyễn văn một", y - 70);
    commune::sync(&mut phone);
    let mut phone = c.phone(&server, &c.an, "Máy mới của An");
    let h = commune::household(&mut phone, v(0), "Trần Văn Ba");
    commune::resident(&mut phone, h, "Tran Van Ba", y - 40);
    commune::sync(&mut phone);

    let http = http(&server);
    let url = |p: &str| format!("{}{p}", server.url);
    let r = get(&http, &url("/duplicates"), None);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = sign_in(&http, &server.url);
    let r = get(&http, &url("/duplicates"), Some(&session));
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().unwrap();
    assert!(
        element(&page, "duplicate-counts", "</p>")
            .contains("0 chắc chắn trùng, 1 có thể trùng, 1 cần xem lại."),
        "{page}"
    );
    let likely = element(&page, "duplicates", "</table>");
    let likely = &likely[likely.find(r#"class="likely""#).expect("a likely pair")..];
    let likely = &likely[..likely.find("</tr>").unwrap()];
    assert!(
        likely.contains("Trần Văn Ba") && likely.contains("Tran Van Ba"),
        "{likely}"
    );
    assert!(likely.contains("cùng họ tên và năm sinh, cùng thôn/xóm"));
    let possible = &page[page.find(r#"class="possible""#).expect("a possible pair")..];
    let possible = &possible[..possible.find("</tr>").unwrap()];
    assert!(
        possible.contains("Nguyễn Văn Một") && possible.contains("nguyễn văn một"),
        "{possible}"
    );
    assert!(possible.contains("Thôn Đông") && possible.contains("Thôn Tây"));
    let link = format!("/resident?id={again}");
    assert!(possible.contains(&link), "{possible}");

    // The card: the resident, the household's address and residents.
    let card = get(&http, &url(&link), Some(&session)).text().unwrap();
    assert!(card.contains("<h1>nguyễn văn một</h1>"), "{card}");
    let facts = element(&card, "resident", "</dl>");
    assert!(
        facts.contains("Thôn Tây") && facts.contains("Nhà Nguyễn Văn Một"),
        "{facts}"
    );
    assert!(facts.contains("chưa có"), "no ID number on file: {facts}");
    // Another commune's id, or none at all: not found; not an id: a sentence.
    let r = get(
        &http,
        &url(&format!("/resident?id={}", uuid::Uuid::now_v7())),
        Some(&session),
    );
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = get(&http, &url("/resident?id=Nguyen"), Some(&session));
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// Two downloads on the web and one `admin report`: the audit page lists
/// all three, newest first, with who, how, what and which period.
#[test]
fn every_export_is_audited_and_officers_see_the_list() {
    let c = Commune::create();
    let server = RunningServer::start(&server_bin(), &c.data());
    let http = http(&server);
    let url = |p: &str| format!("{}{p}", server.url);
    let session = sign_in(&http, &server.url);
    let page = get(&http, &url("/audit"), Some(&session)).text().unwrap();
    assert!(page.contains(r#"id="no-exports""#));

    let q = c.quarter.to_string();
    let r = get(
        &http,
        &url(&format!("/report.xlsx?period={q}")),
        Some(&session),
    );
    assert_eq!(r.status(), StatusCode::OK);
    let month = c.quarter.months()[0].to_string();
    let r = get(
        &http,
        &url(&format!("/report.csv?period={month}")),
        Some(&session),
    );
    assert_eq!(r.status(), StatusCode::OK);
    let csv = c.dir.path().join("q.csv");
    admin(
        &server_bin(),
        &c.data(),
        &["report", "--quarter", &q, "--csv", csv.to_str().unwrap()],
    );
    // A period that cannot be read exports nothing, and is not listed.
    let r = get(&http, &url("/report.csv?period=hôm-nay"), Some(&session));
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let r = get(&http, &url("/audit"), None);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = get(&http, &url("/audit"), Some(&session)).text().unwrap();
    let table = element(&page, "audit", "</table>");
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert!(
        rows[0].contains("admin:") && rows[0].contains("Lệnh quản trị"),
        "{}",
        rows[0]
    );
    assert!(
        rows[0].contains("Số liệu (.csv), Số liệu (JSON)") && rows[0].contains(&q),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("Nguyễn Thị Lan") && rows[1].contains("Trang web"),
        "{}",
        rows[1]
    );
    assert!(
        rows[1].contains("Số liệu (.csv)") && rows[1].contains(&month),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].contains("Báo cáo quý (.xlsx)") && rows[2].contains(&q),
        "{}",
        rows[2]
    );
}
