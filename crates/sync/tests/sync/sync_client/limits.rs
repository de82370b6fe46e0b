//! Answers over their limits: a pull page too large, an endless answer.

use super::*;

/// A change from another phone of the commune, for pages to carry.
fn a_change_from_elsewhere(dir: &TempDir, c: &Commune1, head: &str) -> gocua_core::Change {
    let mut other = open(dir, &format!("{head}.db"));
    other.init_device("Máy khác").unwrap();
    other.import_org(&c.org).unwrap();
    add_household(&mut other, c, head);
    other.outbox_pending(1).unwrap().remove(0).change
}

fn page(changes: Vec<(i64, gocua_core::Change)>, more: bool) -> String {
    let cursor = changes.last().map_or(0, |(seq, _)| *seq);
    serde_json::to_string(&PullResponse {
        changes: changes
            .into_iter()
            .map(|(seq, change)| PulledChange {
                seq,
                change,
                moved_from: None,
                village: None,
            })
            .collect(),
        cursor,
        more,
        server_time_ms: None,
    })
    .unwrap()
}

#[test]
fn a_pull_page_larger_than_its_limit_allows_is_refused_unread() {
    let c = commune();
    let dir = TempDir::new().unwrap();
    let fine = a_change_from_elsewhere(&dir, &c, "Hộ Bình Thường");
    let mut huge = a_change_from_elsewhere(&dir, &c, "Hộ Khổng Lồ");
    huge.fields.insert(
        "address".into(),
        serde_json::json!("x".repeat(wire::max_pull_response_bytes(1))),
    );
    let c2 = commune_clone(&c);
    let (fine2, huge2) = (fine.clone(), huge.clone());
    let server = FakeServer::start(move |seen| match seen.path.as_str() {
        "/api/v1/org" => Reply::Json(200, org_json(&c2)),
        p if p.starts_with("/api/v1/pull?after=0") => {
            Reply::Json(200, page(vec![(1, fine2.clone())], true))
        }
        p if p.starts_with("/api/v1/pull") => {
            Reply::Json(200, page(vec![(2, huge2.clone())], false))
        }
        _ => Reply::Json(404, error_json("not_found", "?")),
    });
    let mut store = enrolled(&dir, "a.db", &c, &server);
    let options = ClientOptions {
        pull_limit: 1,
        ..options()
    };
    let err = client::sync(&mut store, &options, &mut quiet()).unwrap_err();
    assert!(
        matches!(&err, SyncError::ResponseTooLarge { path, limit }
            if path.starts_with("/api/v1/pull?after=1") && *limit == wire::max_pull_response_bytes(1)),
        "{err:?}"
    );
    assert_eq!(err.code(), "response_too_large");
    assert!(
        err.message_vi().contains("lớn bất thường"),
        "{}",
        err.message_vi()
    );
    assert_eq!(server.count("/api/v1/pull"), 2, "never asked again");
    // The page within bounds was taken; the oversized one left no trace.
    assert_eq!(store.sync_state().unwrap().pull_cursor, 1);
    let heads: Vec<String> = store
        .list_households(&[])
        .unwrap()
        .into_iter()
        .map(|h| h.head_name)
        .collect();
    assert_eq!(heads, ["Hộ Bình Thường"]);
    assert_eq!(
        store.sync_state().unwrap().last_error,
        Some(err.message_vi())
    );
}

#[test]
fn an_endless_answer_is_cut_at_the_cap_without_being_held() {
    let c = commune();
    let c2 = commune_clone(&c);
    let written = Arc::new(AtomicUsize::new(0));
    let w = written.clone();
    const FLOOD: usize = 256 * 1024 * 1024;
    let server = FakeServer::start(move |seen| match seen.path.as_str() {
        "/api/v1/org" => Reply::Json(200, org_json(&c2)),
        _ => Reply::Flood(FLOOD, w.clone()),
    });
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    let options = ClientOptions {
        pull_limit: 1,
        ..options()
    };
    let err = client::sync(&mut store, &options, &mut quiet()).unwrap_err();
    assert!(matches!(err, SyncError::ResponseTooLarge { .. }), "{err:?}");
    assert_eq!(server.count("/api/v1/pull"), 1);
    // The device hung up soon after the cap: the server could not push
    // more than that and what the sockets buffer.
    std::thread::sleep(Duration::from_millis(200));
    let sent = written.load(Ordering::SeqCst);
    assert!(sent < 32 * 1024 * 1024, "the server sent {sent} bytes");
    assert_eq!(store.sync_state().unwrap().pull_cursor, 0);
}
