//! The commune office's pages over plain HTTP (reqwest, the server's
//! certificate pinned): GET and POST with a session cookie, forms encoded
//! as a browser does, and signing in through the real form.

use crate::officer::{LOGIN, PASSWORD};
use crate::server::RunningServer;
use gocua_sync::tls::{Pin, pinned_client_config};
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

/// The session cookie's name.
pub const SESSION: &str = "__Host-gocua_session";

/// An HTTP client that trusts only this server's certificate and shows
/// redirects instead of following them.
pub fn http(server: &RunningServer) -> Client {
    let (config, _) = pinned_client_config(Pin::Fingerprint(server.fingerprint.clone())).unwrap();
    Client::builder()
        .tls_backend_preconfigured(config)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// GET `url`, with the session cookie if any.
pub fn get(http: &Client, url: &str, session: Option<&str>) -> Response {
    let mut r = http.get(url);
    if let Some(s) = session {
        r = r.header(COOKIE, format!("{SESSION}={s}"));
    }
    r.send().unwrap()
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    char::from(b).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// POST a form to `url`, with the session cookie if any.
pub fn post(http: &Client, url: &str, session: Option<&str>, form: &[(&str, &str)]) -> Response {
    let mut r = http
        .post(url)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_body(form));
    if let Some(s) = session {
        r = r.header(COOKIE, format!("{SESSION}={s}"));
    }
    r.send().unwrap()
}

/// The sign-in form's cookie and (masked) token.
pub fn sign_in_form(http: &Client, base: &str) -> (String, String) {
    let r = get(http, &format!("{base}/sign-in"), None);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-gocua_signin="), "{cookie}");
    for part in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let cookie = cookie.split(';').next().unwrap().to_string();
    let body = r.text().unwrap();
    let token = body
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    (cookie, token)
}

/// Sign in through the form as `LOGIN` with `password`: the answer.
pub fn try_password(http: &Client, base: &str, password: &str) -> Response {
    let (cookie, token) = sign_in_form(http, base);
    http.post(format!("{base}/sign-in"))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("csrf", token.as_str()),
            ("login", LOGIN),
            ("password", password),
        ]))
        .send()
        .unwrap()
}

/// Sign in as the commune's officer through the form: the session cookie.
pub fn sign_in(http: &Client, base: &str) -> String {
    let r = try_password(http, base, PASSWORD);
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed in");
    assert_eq!(r.headers()[LOCATION], "/");
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{SESSION}=")))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string()
}

/// The (masked) CSRF token a page's form carries.
pub fn csrf_of(page: &str) -> String {
    page.split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a CSRF field")
        .to_string()
}

/// The element of a page with this id, up to the first `end` (its end tag)
/// after it.
pub fn element<'a>(page: &'a str, id: &str, end: &str) -> &'a str {
    let start = page
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &page[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}
