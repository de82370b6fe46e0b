//! Limits that hold under concurrency: 100 wrong passwords, and 100 wrong
//! enrollment codes, sent at once to the real server from one address. A
//! try takes its slot before the slow check, so at most the limit of them
//! are checked (answered "wrong"); the rest are refused before any check
//! ("too many tries"), and then even the right password or code waits.

use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::http_client::{http, try_password};
use gocua_testkit::officer::{PASSWORD, set_password};
use gocua_testkit::on_each_backend;
use gocua_testkit::server::{RunningServer, admin_with, server_bin};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Tries sent at once, and the limits they meet (per address: 10 wrong
/// passwords per 15 minutes, 10 wrong codes per 10 minutes).
const PARALLEL: usize = 100;
const LIMIT: usize = 10;

/// The statuses of `PARALLEL` calls of `f`, all started together.
fn at_once(f: impl Fn(usize) -> StatusCode + Sync) -> Vec<StatusCode> {
    let start = std::sync::Barrier::new(PARALLEL);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..PARALLEL)
            .map(|i| {
                let (f, start) = (&f, &start);
                s.spawn(move || {
                    start.wait();
                    f(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn log_lines(path: &std::path::Path, kind: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(kind))
        .count()
}

fn count(statuses: &[StatusCode], wanted: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == wanted).count()
}

fn parallel_wrong_passwords_check_at_most_the_limit(backend: Backend) {
    let p = Place::new(backend);
    let bin = server_bin();
    let demo: Value = admin_with(&bin, &p.server_args(), &["demo", "--villages", "1"]);
    let officer = demo["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "commune_officer")
        .expect("the demo has an officer")["id"]
        .as_str()
        .unwrap()
        .to_string();
    set_password(&bin, &p.server_args(), &officer);
    let log = p.path().join("server.log");
    let server = RunningServer::start_limited(&bin, &p.server_args(), None, Some(&log));
    let client = http(&server);

    let statuses =
        at_once(|i| try_password(&client, &server.url, &format!("đoán sai số {i}")).status());
    let checked = count(&statuses, StatusCode::UNAUTHORIZED);
    let refused = count(&statuses, StatusCode::TOO_MANY_REQUESTS);
    eprintln!("{PARALLEL} parallel wrong passwords: {checked} checked, {refused} refused");
    assert_eq!(checked + refused, PARALLEL, "{statuses:?}");
    assert!(
        (1..=LIMIT).contains(&checked),
        "{checked} wrong passwords were checked, the limit is {LIMIT}"
    );
    // The right password now waits too: a guesser cannot tell it apart.
    let r = try_password(&client, &server.url, PASSWORD);
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().unwrap().contains("Đã nhập sai quá nhiều lần"));
    // 91 refusals, a line or two in the log (an attacker cannot flood it).
    let lines = log_lines(&log, "sign_in_limited");
    assert!((1..=2).contains(&lines), "{lines} lines for the refusals");
}

fn parallel_wrong_codes_check_at_most_the_limit(backend: Backend) {
    let p = Place::new(backend);
    let bin = server_bin();
    let demo: Value = admin_with(&bin, &p.server_args(), &["demo", "--villages", "1"]);
    let code = demo["enrollment"]["code"].as_str().unwrap().to_string();
    let log = p.path().join("server.log");
    let server = RunningServer::start_limited(&bin, &p.server_args(), None, Some(&log));
    let client = http(&server);
    let enroll = |code: &str| {
        client
            .post(format!("{}{}", server.url, gocua_wire::ENROLL))
            .json(&json!({"code": code, "device_name": "Điện thoại thử"}))
            .send()
            .unwrap()
    };
    // Well-formed codes of the code alphabet, none of them issued.
    let wrong = |i: usize| {
        let letters: Vec<char> = "ABCDEFGHJKLMNPQRSTUVWXYZ".chars().collect();
        let pick = |n: usize| letters[n % letters.len()];
        format!("WQ{}{}-ZZZZ", pick(i / letters.len()), pick(i))
    };
    // Each thread's connection made first, so the tries arrive together
    // rather than one TLS handshake apart.
    at_once(|_| {
        client
            .get(format!("{}{}", server.url, gocua_wire::HEALTH))
            .send()
            .unwrap()
            .status()
    });
    let statuses = at_once(|i| enroll(&wrong(i)).status());
    let checked = count(&statuses, StatusCode::FORBIDDEN);
    let refused = count(&statuses, StatusCode::TOO_MANY_REQUESTS);
    eprintln!("{PARALLEL} parallel wrong codes: {checked} checked, {refused} refused");
    assert_eq!(checked + refused, PARALLEL, "{statuses:?}");
    assert!(
        (1..=LIMIT).contains(&checked),
        "{checked} wrong codes were checked, the limit is {LIMIT}"
    );
    let r = enroll(&code);
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = r.json().unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    let lines = log_lines(&log, "enroll_limited");
    assert!((1..=2).contains(&lines), "{lines} lines for the refusals");
}

on_each_backend!(
    parallel_wrong_passwords_check_at_most_the_limit,
    parallel_wrong_codes_check_at_most_the_limit,
);
