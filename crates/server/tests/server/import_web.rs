//! The officer imports a list from the browser: `/import` takes the file
//! (multipart, as a browser sends it), shows the dry run with every
//! problem and writes nothing; "Xác nhận nhập" imports that upload,
//! recorded under the officer's name on Nhật ký, once. A form without
//! the session's token, or naming an upload that is not there, is refused.

use super::import::demo;
use super::import_lists::{Shape, current, of_kind, village_people, write_list};
use gocua_core::Role;
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::http_client::{self, SESSION, csrf_of, get, post, sign_in};
use gocua_testkit::officer;
use gocua_testkit::server::{RunningServer, server_bin};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use tempfile::TempDir;

fn multipart(csrf: &str, village: &str, name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let b = "----gocuaBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (k, v) in [("csrf", csrf), ("village", village)] {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\
             \r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

#[test]
fn the_officer_checks_a_file_in_the_browser_then_confirms() {
    let place = Place::new(Backend::Sqlite);
    let dir = TempDir::new().unwrap();
    let db = place.server_args();
    let server = RunningServer::start_with(&server_bin(), &db);
    let (org, _) = demo(&db, Some(&server.url));
    let officer_id = org
        .members
        .iter()
        .find(|m| m.role == Role::CommuneOfficer)
        .unwrap()
        .id;
    officer::set_password(&server_bin(), &db, &officer_id.to_string());
    let http = http_client::http(&server);
    let url = |p: &str| format!("{}{p}", server.url);
    let session = sign_in(&http, &server.url);

    let file = dir.path().join("thon-dong.xlsx");
    let mut people = village_people();
    people[5].year = 1800; // Cúc: her household waits
    write_list(&file, Shape::GroupOverLabels, &people, true);
    let bytes = std::fs::read(&file).unwrap();

    let page = get(&http, &url("/import"), Some(&session)).text().unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    let csrf = csrf_of(&page);
    let village = org.villages[0].id.to_string();
    let send = |csrf: &str, session: &str| {
        let (ct, body) = multipart(csrf, &village, "thon-dong.xlsx", &bytes);
        http.post(url("/import"))
            .header(CONTENT_TYPE, ct)
            .header(COOKIE, format!("{SESSION}={session}"))
            .body(body)
            .send()
            .unwrap()
    };
    // Without the form's token: refused.
    assert_eq!(send("nope", &session).status(), StatusCode::FORBIDDEN);

    let checked = send(&csrf, &session);
    assert_eq!(checked.status(), StatusCode::OK);
    let checked = checked.text().unwrap();
    assert!(checked.contains("Chưa ghi gì vào máy chủ"), "{checked}");
    assert!(checked.contains("Bỏ qua phần ký tên ở dòng"), "{checked}");
    assert!(checked.contains("Năm sinh không hợp lệ"), "{checked}");
    assert!(
        checked.contains("id=\"import-new\">2 hộ, 6 nhân khẩu"),
        "{checked}"
    );
    assert!(!checked.contains("038060001111"), "CCCD masked");
    assert!(
        of_kind(&current(&place, &org), "resident").is_empty(),
        "nothing written"
    );
    let upload = checked
        .split("name=\"upload\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a confirm form")
        .to_string();

    // A made-up upload id is refused.
    let confirm_csrf = csrf_of(&checked);
    let r = post(
        &http,
        &url("/import/confirm"),
        Some(&session),
        &[("csrf", &confirm_csrf), ("upload", "made-up")],
    );
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let done = post(
        &http,
        &url("/import/confirm"),
        Some(&session),
        &[("csrf", &confirm_csrf), ("upload", &upload)],
    );
    assert_eq!(done.status(), StatusCode::OK);
    let done = done.text().unwrap();
    assert!(done.contains("Đã nhập"), "{done}");
    assert!(done.contains("đã ghi vào Nhật ký"), "{done}");
    let records = current(&place, &org);
    assert_eq!(of_kind(&records, "household").len(), 2);
    assert_eq!(of_kind(&records, "resident").len(), 6);
    // Used once.
    let again = post(
        &http,
        &url("/import/confirm"),
        Some(&session),
        &[("csrf", &confirm_csrf), ("upload", &upload)],
    );
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);

    let audit = get(&http, &url("/audit"), Some(&session)).text().unwrap();
    let officer_name = &org
        .members
        .iter()
        .find(|m| m.id == officer_id)
        .unwrap()
        .full_name;
    assert!(audit.contains("thon-dong.xlsx"), "{audit}");
    assert!(audit.contains(officer_name.as_str()), "{audit}");
    drop(server);
}
