//! Retries: cut connections and 5xx retried (bounded), no retry on 4xx,
//! 401 keeping unsent data, an unreachable server.

use super::*;

#[test]
fn cut_connections_and_server_errors_are_retried_and_the_push_lands_once() {
    let c = commune();
    let c2 = commune_clone(&c);
    let mut pushes = 0;
    let taken = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let taken2 = taken.clone();
    let server = FakeServer::start(move |s| match s.path.as_str() {
        wire::ORG => Reply::Json(200, org_json(&c2)),
        wire::PUSH => {
            pushes += 1;
            let answer = push_reply(&s.body, |ch| {
                if taken2.lock().unwrap().insert(ch.id) {
                    PushOutcome::Applied
                } else {
                    PushOutcome::AlreadyHad
                }
            });
            match pushes {
                // Cut mid-request (before any answer).
                1 => Reply::Close,
                // Taken, but the answer is cut halfway.
                2 => Reply::Truncate(200, answer, 20),
                3 => Reply::Json(503, error_json("busy", "Máy chủ bận.")),
                _ => Reply::Json(200, answer),
            }
        }
        _ => Reply::Json(200, empty_pull(0)),
    });
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    add_household(&mut store, &c, "Hộ Một");
    add_household(&mut store, &c, "Hộ Hai");
    let report = client::sync(&mut store, &options(), &mut quiet()).unwrap();
    assert!(report.retries >= 2, "{report:?}");
    assert_eq!(report.unsent, 0);
    assert_eq!(
        report.pushed_applied + report.already_had,
        2,
        "each change settled once: {report:?}"
    );
    assert_eq!(
        report.already_had, 2,
        "the second try was taken, its answer lost"
    );
    assert_eq!(taken.lock().unwrap().len(), 2);
}

#[test]
fn server_errors_give_up_after_the_bounded_attempts_and_keep_the_outbox() {
    let server = FakeServer::start(|_| Reply::Json(500, error_json("boom", "Lỗi.")));
    let c = commune();
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    add_household(&mut store, &c, "Hộ Một");
    let mut retries = 0;
    let err = client::sync(&mut store, &options(), &mut |p| {
        if matches!(p, Progress::Retrying { .. }) {
            retries += 1;
        }
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::ServerFailed {
                status: 500,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 4);
    assert_eq!(retries, 3);
    assert_eq!(store.unsent_count().unwrap(), 1);
    let state = store.sync_state().unwrap();
    assert_eq!(state.last_error, Some(err.message_vi()));
    assert!(state.last_success_at.is_none());
}

#[test]
fn a_4xx_is_not_retried() {
    let server =
        FakeServer::start(|_| Reply::Json(403, error_json("forbidden", "Không được phép.")));
    let c = commune();
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    let err = client::sync(&mut store, &options(), &mut quiet()).unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert_eq!(err.message_vi(), "Không được phép.");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_revoked_device_is_told_so_and_keeps_its_unsent_work() {
    let server = FakeServer::start(|_| {
        Reply::Json(401, error_json("unauthorized", "Thiết bị đã bị thu hồi."))
    });
    let c = commune();
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    add_household(&mut store, &c, "Hộ Một");
    add_household(&mut store, &c, "Hộ Hai");
    let err = client::sync(&mut store, &options(), &mut quiet()).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized), "{err:?}");
    assert_eq!(server.requests().len(), 1, "not retried");
    assert_eq!(store.unsent_count().unwrap(), 2);
    assert_eq!(store.quarantine_count().unwrap(), 0);
    assert!(
        store
            .sync_state()
            .unwrap()
            .last_error
            .unwrap()
            .contains("thu hồi")
    );
}

#[test]
fn an_unreachable_server_is_retried_then_reported_in_vietnamese() {
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = commune();
    let dir = TempDir::new().unwrap();
    let fake = FakeServer {
        url: format!("https://127.0.0.1:{port}"),
        fingerprint: "ab".repeat(32),
        log: Arc::default(),
    };
    let mut store = enrolled(&dir, "a.db", &c, &fake);
    add_household(&mut store, &c, "Hộ Một");
    let err = client::sync(&mut store, &options(), &mut quiet()).unwrap_err();
    assert!(
        matches!(err, SyncError::Unreachable { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(err.message_vi().contains("Không kết nối được"));
    assert_eq!(store.unsent_count().unwrap(), 1);
}
