//! A full round with per-change results, and a change the server cannot
//! even read isolated and quarantined alone.

use super::*;

#[test]
fn a_round_refreshes_pushes_with_per_change_results_and_pulls_every_page() {
    let c = commune();
    let dir = TempDir::new().unwrap();
    // Another device's work, to be pulled.
    let other_server = FakeServer::start(|_| Reply::Close);
    let mut other = enrolled(&dir, "b.db", &c, &other_server);
    for i in 0..3 {
        add_household(&mut other, &c, &format!("Hà Văn {i}"));
    }
    let theirs: Vec<_> = other
        .outbox_pending(10)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();

    let c2 = commune_clone(&c);
    let server = FakeServer::start(move |s| match s.path.as_str() {
        wire::ORG => Reply::Json(200, org_json(&c2)),
        wire::PUSH => Reply::Json(
            200,
            push_reply(&s.body, |ch| {
                let head = ch.fields.get("head_name").and_then(|v| v.as_str());
                match head {
                    Some("Hộ Bị Từ Chối") => PushOutcome::Rejected {
                        code: "out_of_scope".into(),
                        message: "Thôn này không thuộc phạm vi của tổ.".into(),
                    },
                    Some("Hộ Đã Có") => PushOutcome::AlreadyHad,
                    _ => PushOutcome::Applied,
                }
            }),
        ),
        p if p.starts_with(wire::PULL) => {
            let after: i64 = p
                .split("after=")
                .nth(1)
                .and_then(|r| r.split('&').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1);
            // Two pages: changes 1–2, then 3.
            let (range, more) = match after {
                0 => (0..2, true),
                2 => (2..3, false),
                _ => (3..3, false),
            };
            let changes: Vec<PulledChange> = range
                .map(|i| PulledChange {
                    seq: i as i64 + 1,
                    change: theirs[i].clone(),
                    moved_from: None,
                    village: None,
                })
                .collect();
            let cursor = changes.last().map(|c| c.seq).unwrap_or(after);
            Reply::Json(
                200,
                serde_json::to_string(&PullResponse {
                    changes,
                    cursor,
                    more,
                    server_time_ms: None,
                })
                .unwrap(),
            )
        }
        _ => Reply::Json(404, error_json("not_found", "Không có.")),
    });
    let mut store = enrolled(&dir, "a.db", &c, &server);
    add_household(&mut store, &c, "Hộ Một");
    add_household(&mut store, &c, "Hộ Bị Từ Chối");
    add_household(&mut store, &c, "Hộ Đã Có");
    add_household(&mut store, &c, "Hộ Bốn");
    let refused = store.outbox_pending(10).unwrap()[1].change.clone();

    let mut events = Vec::new();
    let report = client::sync(&mut store, &options(), &mut |p| events.push(p.clone())).unwrap();
    assert_eq!(report.pushed_applied, 2);
    assert_eq!(report.already_had, 1);
    assert_eq!(report.rejected, 1);
    assert_eq!(report.pulled_applied, 3);
    assert_eq!(report.pulled_rejected, 0);
    assert_eq!(report.unsent, 0);
    assert_eq!(report.quarantined, 1);
    assert_eq!(report.cursor, 3);
    assert_eq!(report.retries, 0);
    assert_eq!(events[0], Progress::OrgRefreshed);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Progress::Pushed { rejected: 1, .. }))
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Progress::Pulled { .. }))
            .count(),
        2
    );

    let q = store.quarantine(10).unwrap();
    assert_eq!(q[0].direction, QuarantineDirection::Pushed);
    assert_eq!(q[0].change, refused);
    assert_eq!(q[0].message, "Thôn này không thuộc phạm vi của tổ.");
    assert_eq!(store.list_households(&[]).unwrap().len(), 7);
    let state = store.sync_state().unwrap();
    assert_eq!(state.pull_cursor, 3);
    assert!(state.last_success_at.is_some() && state.last_error.is_none());
    for r in server.requests() {
        assert_eq!(r.auth.as_deref(), Some("Bearer token-123"), "{}", r.path);
    }

    // The next round pulls from the saved cursor and pushes nothing.
    let before = server.count(wire::PUSH);
    let report = client::sync(&mut store, &options(), &mut quiet()).unwrap();
    assert_eq!(report.pulled_applied + report.pushed_applied, 0);
    assert_eq!(server.count(wire::PUSH), before);
    assert!(server.requests().last().unwrap().path.contains("after=3"));
}

#[test]
fn a_change_the_server_cannot_even_read_is_isolated_and_quarantined_alone() {
    let c = commune();
    let c2 = commune_clone(&c);
    let server = FakeServer::start(move |s| match s.path.as_str() {
        wire::ORG => Reply::Json(200, org_json(&c2)),
        wire::PUSH if s.body.contains("Hộ Hỏng") => {
            Reply::Json(400, error_json("bad_change", "Thay đổi không hợp lệ."))
        }
        wire::PUSH => Reply::Json(200, push_reply(&s.body, |_| PushOutcome::Applied)),
        _ => Reply::Json(200, empty_pull(0)),
    });
    let dir = TempDir::new().unwrap();
    let mut store = enrolled(&dir, "a.db", &c, &server);
    for i in 0..7 {
        let head = if i == 4 {
            "Hộ Hỏng".to_string()
        } else {
            format!("Hộ Số {i}")
        };
        add_household(&mut store, &c, &head);
    }
    let opts = ClientOptions {
        push_batch: 4,
        ..options()
    };
    let report = client::sync(&mut store, &opts, &mut quiet()).unwrap();
    assert_eq!(report.pushed_applied, 6);
    assert_eq!(report.rejected, 1);
    assert_eq!(report.unsent, 0);
    let q = store.quarantine(10).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].code, "bad_change");
    assert_eq!(
        q[0].change.fields.get("head_name").and_then(|v| v.as_str()),
        Some("Hộ Hỏng")
    );
}
