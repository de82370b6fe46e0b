//! The commune office's web pages end to end: the real `gocua-server` on
//! 127.0.0.1 with a hand-made commune (organisation and password by
//! `admin`, work on two members' phones synced in), and headless Debian
//! Chromium driven over WebDriver. The officer is refused with a wrong
//! password, signs in, reads the quarter's figures (worked out by hand in
//! `gocua_testkit::commune`), opens the records behind one, reads the
//! teams' quarter and recognition, changes a target with the form, and
//! downloads the quarterly workbook, read back with calamine. Over plain
//! HTTP (reqwest): the security headers, a POST without or with a wrong
//! CSRF token refused, the CSV, another commune's ids, sign-out ending the
//! session, and wrong passwords limited.

mod browser;
use gocua_testkit::{commune, http_client, officer, server};

use browser::{Browser, spki_hash};
use calamine::{Data, Reader, Xlsx, open_workbook};
use commune::{COMMUNE, Commune};
use http_client::{SESSION, get, http, post, try_password};
use officer::{LOGIN, PASSWORD};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use server::{RunningServer, server_bin};
use std::path::Path;

fn cell(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// The row whose column `col` reads `text`.
fn row_named<'a>(rows: &'a [Vec<Data>], col: usize, text: &str) -> &'a [Data] {
    rows.iter()
        .find(|r| r.get(col).map(cell).as_deref() == Some(text))
        .unwrap_or_else(|| panic!("no row {text}"))
}

fn check_workbook(path: &Path, c: &Commune) {
    let mut wb: Xlsx<_> = open_workbook(path).expect("an xlsx workbook");
    // The summary is split for printing, three indicators a sheet.
    let mut summary_part = |k: usize| -> Vec<Vec<Data>> {
        wb.worksheet_range(&format!("Tổng hợp ({k})"))
            .expect("the summary sheet")
            .rows()
            .map(<[Data]>::to_vec)
            .collect()
    };
    let summary = summary_part(1);
    let reached_part = summary_part(4);
    let title: String = summary
        .iter()
        .flatten()
        .map(cell)
        .collect::<Vec<_>>()
        .join("|");
    assert!(
        title.contains(COMMUNE) && title.contains(&c.quarter.label_vi()),
        "{title}"
    );
    // Indicators from column 3, four columns each: target, achieved, of, %.
    let total = row_named(&summary, 1, "Toàn xã");
    let vneid = &total[3..7];
    assert_eq!(number(&vneid[0]), 70.0, "the target changed in the form");
    assert_eq!((number(&vneid[1]), number(&vneid[2])), (5.0, 7.0));
    assert!((number(&vneid[3]) - 500.0 / 7.0).abs() < 1e-6);
    // Households reached: the 10th indicator, the first of the 4th sheet.
    let reached = &row_named(&reached_part, 1, "Toàn xã")[3..7];
    assert_eq!((number(&reached[1]), number(&reached[2])), (4.0, 5.0));
    let team1 = row_named(&summary, 1, "Tổ 1");
    assert_eq!(
        (number(&team1[4]), number(&team1[5])),
        (3.0, 5.0),
        "R1 R2 R3 of 5"
    );

    let teams: Vec<Vec<Data>> = wb
        .worksheet_range("Kết quả tổ")
        .expect("the teams sheet")
        .rows()
        .map(<[Data]>::to_vec)
        .collect();
    let header = teams
        .iter()
        .find(|r| r.iter().any(|d| cell(d) == "Tổng lượt hỗ trợ"))
        .expect("the header row");
    let col = |name: &str| {
        header
            .iter()
            .position(|d| cell(d) == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let t1 = row_named(&teams, 1, "Tổ 1");
    assert_eq!(number(&t1[col("Tổng lượt hỗ trợ")]), 9.0);
    assert_eq!(number(&t1[col("Hộ được hỗ trợ trong quý")]), 2.0);
    assert_eq!(cell(&t1[col("Đồng bộ quý")]), "Đã đồng bộ");
    let t3 = row_named(&teams, 1, "Tổ 3");
    assert_eq!(cell(&t3[col("Đồng bộ quý")]), "Chưa đồng bộ");
    let months: Vec<f64> = (2..5).map(|i| number(&t1[i])).collect();
    assert_eq!(months, [8.0, 1.0, 0.0], "Tổ 1's assists a month");
}

async fn browse(b: &Browser, c: &Commune) -> String {
    let q = c.quarter.to_string();

    // Signed out: every page leads to the form.
    b.goto("/").await;
    assert_eq!(b.at().await, "/sign-in");
    assert!(b.client.title().await.unwrap().starts_with("Đăng nhập"));

    // A wrong password.
    b.fill("#login", LOGIN).await;
    b.fill("#password", "không phải mật khẩu").await;
    b.click(".signin button[type=submit]").await;
    b.shot("sign-in-refused").await;
    assert_eq!(b.at().await, "/sign-in");
    assert_eq!(
        b.text("p.error").await,
        "Tên đăng nhập hoặc mật khẩu không đúng."
    );
    assert_eq!(b.attr("#login", "value").await.as_deref(), Some(LOGIN));
    assert_eq!(b.attr("#password", "value").await, None, "never sent back");

    // The right one: the dashboard of this quarter.
    b.fill("#password", PASSWORD).await;
    b.click(".signin button[type=submit]").await;
    assert_eq!(b.at().await, "/");
    assert_eq!(b.text("main h1").await, COMMUNE);
    assert_eq!(b.text("span.who").await, "Nguyễn Thị Lan (Cán bộ xã)");

    // The quarter with the work, chosen in the picker.
    b.client
        .find(fantoccini::Locator::Css("select#period"))
        .await
        .unwrap()
        .select_by_value(&q)
        .await
        .unwrap();
    b.click("form.picker button").await;
    b.shot("dashboard").await;
    assert_eq!(b.at().await, format!("/?period={q}"));
    let row = |code: &str, cell: &str| format!("#ind-{code} td.{cell}");
    for (code, achieved, percent) in [
        ("vneid_l2", "5 / 7", "71,4%"),
        ("digital_signature", "1 / 5", "20,0%"),
        ("provincial_app", "1 / 5", "20,0%"),
        ("bank_account", "3 / 6", "50,0%"),
        ("ehealth_book", "3 / 8", "37,5%"),
        ("essential_platform_households", "4 / 5", "80,0%"),
        ("households_reached", "4 / 5", "80,0%"),
        ("digital_citizens", "2 / 8", "25,0%"),
        ("digital_families", "1 / 5", "20,0%"),
        ("online_public_service", "0 / 5", "0,0%"),
    ] {
        assert_eq!(b.text(&row(code, "achieved")).await, achieved, "{code}");
        assert_eq!(b.text(&row(code, "percent")).await, percent, "{code}");
    }
    assert_eq!(b.text("#ind-vneid_l2 td.target").await, "100%");
    assert_eq!(b.text("#ind-vneid_l2 .badge").await, "Chưa đạt");
    assert_eq!(
        b.text("#ind-essential_platform_households .badge").await,
        "Đạt"
    );
    assert_eq!(
        b.attr("#ind-vneid_l2 svg.bar rect.short", "width")
            .await
            .as_deref(),
        Some("71.43"),
        "the bar is drawn to the percentage"
    );
    assert_eq!(b.text("#card-households_reached .big").await, "4 / 5");
    assert_eq!(b.text("#card-digital_citizens .big").await, "2 / 8");
    assert_eq!(b.text("#card-digital_families .big").await, "1 / 5");
    assert_eq!(b.text("#card-assists .big").await, "16");
    assert_eq!(b.text("#card-households-helped .big").await, "4");

    // The records behind VNeID: five people, the least that names them.
    b.click("#ind-vneid_l2 td.achieved a").await;
    b.shot("records").await;
    assert!(b.at().await.starts_with("/records?who=commune&id="));
    assert!(b.at().await.is_ascii(), "no names in the address");
    assert!(
        b.text("main h1")
            .await
            .starts_with("VNeID mức độ 2 — đã đạt")
    );
    assert_eq!(
        b.texts("#records thead th").await,
        ["Họ tên", "Năm sinh", "Thôn, xóm"]
    );
    let mut names = b.texts("#records tbody th").await;
    names.sort();
    assert_eq!(
        names,
        [
            "Hoàng Thị Tám",
            "Nguyễn Thị Hai",
            "Nguyễn Văn Một",
            "Phạm Thị Sáu",
            "Trần Văn Ba"
        ]
    );

    // The teams' quarter.
    b.goto(&format!("/teams?period={q}")).await;
    b.shot("teams").await;
    let team = |i: usize, what: &str| format!("#team-{} {what}", c.teams[i]);
    for (i, assists, households, below) in
        [(0, "9", "2", "2"), (1, "7", "2", "1"), (2, "0", "0", "1")]
    {
        assert_eq!(b.text(&team(i, "dd.assists")).await, assists, "team {i}");
        assert_eq!(
            b.text(&team(i, "dd.households")).await,
            households,
            "team {i}"
        );
        assert_eq!(b.text(&team(i, "dd.below")).await, below, "team {i}");
    }
    assert_eq!(b.text(&team(0, "dd.months-met")).await, "0/3");
    assert_eq!(
        b.texts(&format!("#member-{} td", c.an)).await[..5],
        ["2", "0", "0", "2", "8"],
        "An: households each month, in the quarter, assists"
    );
    assert_eq!(
        b.texts(&format!("#member-{} td", c.binh)).await[..5],
        ["1", "1", "0", "1", "4"]
    );
    assert_eq!(
        b.texts(&format!("#member-{} td", c.dung)).await,
        ["0", "0", "0", "0", "0", "0 (0)", "Chưa đạt định mức"]
    );
    assert!(
        b.text(&team(0, ".sync .badge"))
            .await
            .contains("Đã đồng bộ quý")
    );
    assert!(
        b.text(&team(2, ".sync .badge"))
            .await
            .contains("Chưa đồng bộ quý")
    );
    let summary = b.text("#sync-summary").await;
    assert!(summary.ends_with(": Tổ 3"), "{summary}");
    let deadlines = b.text("#deadlines").await;
    let last = c.quarter.last_month();
    assert!(
        deadlines.contains(&format!("15/{:02}/{}", last.month, last.year)),
        "{deadlines}"
    );
    assert!(
        deadlines.contains(&format!("26/{:02}/{}", last.month, last.year)),
        "{deadlines}"
    );
    assert!(deadlines.contains("đã qua hạn"), "{deadlines}");

    // Recognition.
    b.goto(&format!("/recognition?period={q}")).await;
    b.shot("recognition").await;
    assert_eq!(
        b.texts("#team-ranking tbody th").await,
        ["Tổ 1", "Tổ 2", "Tổ 3"]
    );
    assert_eq!(
        b.texts("#member-ranking tbody th").await,
        [
            "Lê Văn An",
            "Phạm Văn Cường",
            "Trần Thị Bình",
            "Đỗ Văn Dũng"
        ]
    );
    // Villages in Vietnamese order (B, Đ, T); two cells each.
    assert_eq!(
        b.texts("#digital-families tbody th").await,
        ["Thôn Bắc", "Thôn Đông", "Thôn Tây"]
    );
    assert_eq!(
        b.texts("#digital-families tbody td").await,
        ["0", "0", "0", "3", "1", "2"],
        "Thôn Tây: H5 of 2"
    );

    // Targets: a value that cannot be read saves nothing; then VNeID to 70%.
    b.goto("/targets").await;
    assert_eq!(b.attr("#t-vneid_l2", "value").await.as_deref(), Some("100"));
    b.fill("#t-vneid_l2", "70").await;
    b.fill("#t-digital_skills", "tám mươi").await;
    b.click("#targets-form button[type=submit]").await;
    b.shot("targets-refused").await;
    assert_eq!(b.at().await, "/targets");
    assert!(
        b.text("#targets-form .error")
            .await
            .starts_with("Chỉ tiêu phải là số")
    );
    b.goto("/targets").await;
    assert_eq!(
        b.attr("#t-vneid_l2", "value").await.as_deref(),
        Some("100"),
        "nothing saved"
    );
    b.fill("#t-vneid_l2", "70").await;
    b.click("#targets-form button[type=submit]").await;
    assert_eq!(b.at().await, "/targets?saved=1");
    assert_eq!(b.text("#saved").await, "Đã lưu 1 chỉ tiêu.");
    b.goto(&format!("/?period={q}")).await;
    assert_eq!(b.text("#ind-vneid_l2 td.target").await, "70%");
    assert_eq!(b.text("#ind-vneid_l2 .badge").await, "Đạt");

    // The quarterly workbook, downloaded by the browser.
    b.click("div.downloads a.button").await;
    let xlsx = b.downloaded(&format!("bao-cao-{q}.xlsx")).await;
    check_workbook(&xlsx, c);

    // The session cookie, as the browser keeps it.
    let cookie = b
        .client
        .get_named_cookie(SESSION)
        .await
        .expect("a session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(format!("{:?}", cookie.same_site()), "Some(Strict)");
    assert_eq!(cookie.path(), Some("/"));
    cookie.value().to_string()
}

/// Over HTTP, with the browser's session.
fn check_http(server: &RunningServer, c: &Commune, session: &str) {
    let http = http(server);
    let url = |p: &str| format!("{}{p}", server.url);
    let q = c.quarter.to_string();

    let r = get(&http, &url("/teams"), None);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/sign-in");

    let r = get(&http, &url("/"), Some(session));
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    let body = r.text().unwrap();
    assert!(
        !body.contains("<script") && !body.contains("style="),
        "no script, no inline style"
    );

    // A POST without the CSRF token, or with a wrong one, changes nothing.
    let r = post(
        &http,
        &url("/targets"),
        Some(session),
        &[("vneid_l2", "10")],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().unwrap().contains("Biểu mẫu đã cũ"));
    let forged = "ab".repeat(64);
    let r = post(
        &http,
        &url("/targets"),
        Some(session),
        &[("csrf", &forged), ("vneid_l2", "10")],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(&http, &url("/sign-out"), Some(session), &[]);
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = get(&http, &url("/targets"), Some(session)).text().unwrap();
    assert!(
        page.contains(
            r#"id="t-vneid_l2" name="vneid_l2" type="text" inputmode="decimal" value="70""#
        )
    );
    // Signed out, a POST goes to the form and not further.
    let r = post(&http, &url("/targets"), None, &[("vneid_l2", "10")]);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The period's figures as CSV.
    let r = get(
        &http,
        &url(&format!("/report.csv?period={q}")),
        Some(session),
    );
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().unwrap();
    let mut rows = csv::Reader::from_reader(&bytes[3..]);
    let vneid = rows
        .records()
        .map(Result::unwrap)
        .find(|r| &r[1] == "Xã" && &r[3] == "vneid_l2")
        .expect("the commune's VNeID line");
    assert_eq!(
        (&vneid[6], &vneid[7], &vneid[8], &vneid[9]),
        ("5", "7", "71.4", "70")
    );

    // Records: another commune's id is not found; a figure that does not
    // exist is a sentence, not a crash.
    let other = uuid::Uuid::now_v7();
    let r = get(
        &http,
        &url(&format!(
            "/records?who=commune&id={other}&period={q}&figure=households"
        )),
        Some(session),
    );
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = get(
        &http,
        &url(&format!(
            "/records?who=team&id={}&period={q}&figure=cccd",
            c.teams[0]
        )),
        Some(session),
    );
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().unwrap().contains("không rõ số liệu nào"));
    // The follow-up R4 was given was done later: none open at the end.
    let r = get(
        &http,
        &url(&format!(
            "/records?who=commune&id={}&period={q}&figure=follow_ups",
            c.commune
        )),
        Some(session),
    );
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().unwrap().contains(r#"id="no-records""#));
    let r = get(
        &http,
        &url(&format!(
            "/records?who=team&id={}&period={q}&figure=households",
            c.teams[0]
        )),
        Some(session),
    );
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().unwrap();
    assert!(
        page.contains("Nguyễn Văn Một") && page.contains("Trần Văn Ba"),
        "H1 and H2"
    );
}

#[test]
fn an_officer_signs_in_reads_the_quarter_changes_a_target_and_downloads_the_report() {
    let c = Commune::create();
    let server = RunningServer::start(&server_bin(), &c.data());
    c.record_work(&server);
    let spki = spki_hash(&c.data());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let b = rt.block_on(Browser::start(&server.url, &spki));
    let session = rt.block_on(browse(&b, &c));

    check_http(&server, &c, &session);

    // Sign-out ends the session on the server, not only in the browser.
    rt.block_on(async {
        b.click("form.signout button").await;
        assert_eq!(b.at().await, "/sign-in?out=1");
        assert_eq!(b.text("p.notice").await, "Bạn đã đăng xuất.");
        b.goto("/teams").await;
        assert_eq!(b.at().await, "/sign-in");
    });
    rt.block_on(b.close());
    let http = http(&server);
    let r = get(&http, &format!("{}/", server.url), Some(&session));
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the old cookie signs nobody in"
    );

    // A sign-in form posted without its token is refused before any
    // password is checked.
    let r = post(
        &http,
        &format!("{}/sign-in", server.url),
        None,
        &[("login", LOGIN), ("password", PASSWORD)],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Wrong passwords: the browser's one and nine more, then even the
    // right password waits.
    for _ in 0..9 {
        assert_eq!(
            try_password(&http, &server.url, "đoán thử mật khẩu").status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = try_password(&http, &server.url, PASSWORD);
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().unwrap().contains("Đã nhập sai quá nhiều lần"));
}
