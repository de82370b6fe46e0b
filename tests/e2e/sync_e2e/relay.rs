//! The team leader's device as a relay (issue 18), end to end: the real
//! server, the leader's `gocua relay serve` process over its device file,
//! members' devices through `gocua_sync::client`. A member out of the
//! server's reach syncs through the leader, and the server holds the work
//! once; work altered on the relay is refused by the server and the member
//! learns why; another team's member and an unpaired device get nothing.

use super::*;
use gocua_device::DeviceToken;
use gocua_sync::client::ForwardReport;
use gocua_testkit::relay::{RunningRelay, relay_db_key};
use std::path::PathBuf;

/// The leader's device file (opened by passphrase, as the relay process
/// opens it), enrolled and synced: it knows its team's devices and keys.
fn leader(w: &World, leader: MemberId) -> (Store, PathBuf) {
    let path = w.dir.path().join("leader-relay.db");
    let mut store = Store::open(&path, &relay_db_key()).expect("the leader's file");
    let code = w.commune.code_for(leader, &w.server.url);
    client::enroll_with(&mut store, &code, "Máy của tổ trưởng", &options()).expect("enroll");
    sync(&mut store);
    (store, path)
}

/// An address nothing listens on.
fn nowhere() -> std::net::SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// The ids of `store`'s outbox, oldest first.
fn outbox_ids(store: &Store) -> Vec<String> {
    store
        .outbox_pending(1000)
        .unwrap()
        .into_iter()
        .map(|e| e.change.id.to_string())
        .collect()
}

fn a_member_out_of_reach_syncs_through_the_leader_once(backend: Backend) {
    let w = world(backend);
    let commune = &w.commune;
    let team = commune.team_members();
    let (village, _) = commune.villages();
    // Minh reaches the server only through a proxy the test can cut.
    let proxy = FaultyProxy::start(w.server.addr);
    let mut minh = commune.device(
        &w.dir,
        "minh",
        team[1],
        &format!("https://{}", proxy.addr()),
    );
    sync(&mut minh);
    let (mut lan, lan_db) = leader(&w, team[0]);
    let relay = RunningRelay::start(&lan_db);
    let joined = client::join_relay(&mut minh, &relay.pair(), &options()).expect("join");
    assert_eq!(joined.leader, team[0]);
    assert_eq!(joined.fingerprint, relay.fingerprint);

    // Lan's own work reaches the server (and her relay keeps a copy).
    a_morning_of_work(&mut lan, village, team[0], "Hộ Của Tổ Trưởng");
    sync(&mut lan);

    // Far from the office: the server is out of Minh's reach.
    proxy.set_target(nowhere());
    a_morning_of_work(&mut minh, village, team[1], "Hộ Ở Bản Xa");
    let err = client::sync(&mut minh, &options(), &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), "unreachable", "{err:?}");
    let server_cursor = minh.sync_state().unwrap().pull_cursor;
    let r = client::sync_via_relay(&mut minh, &options()).expect("sync through the relay");
    assert_eq!((r.pushed, r.held, r.unsent), (5, 5, 5), "{r:?}");
    assert!(r.refused.is_empty(), "{r:?}");
    assert_eq!(r.pulled_applied, 5, "Lan's work, from the relay: {r:?}");
    assert_eq!(minh.sync_state().unwrap().pull_cursor, server_cursor);
    let names: Vec<String> = minh
        .list_households(&[])
        .unwrap()
        .into_iter()
        .map(|h| h.head_name)
        .collect();
    assert!(names.contains(&"Hộ Của Tổ Trưởng".to_string()), "{names:?}");
    // Pushed again before the leader synced: still held, nothing twice.
    let again = client::sync_via_relay(&mut minh, &options()).unwrap();
    assert_eq!((again.held, again.pulled_applied), (5, 0), "{again:?}");

    // Lan syncs with the server later: Minh's work goes on, once.
    let report = sync(&mut lan);
    assert_eq!(
        report.relayed,
        ForwardReport {
            forwarded: 5,
            applied: 5,
            already_had: 0,
            rejected: 0
        }
    );
    assert_eq!(sync(&mut lan).relayed.forwarded, 0, "nothing goes twice");

    // Back at the office: Minh's own sync says "already had" and settles.
    proxy.set_target(w.server.addr);
    let direct = sync(&mut minh);
    assert_eq!(
        (direct.already_had, direct.pushed_applied),
        (5, 0),
        "{direct:?}"
    );
    assert_eq!(minh.unsent_count().unwrap(), 0);
    assert_eq!(minh.quarantine_count().unwrap(), 0);

    // The server holds each change once: the officer pulls the commune's
    // log, Lan's five and Minh's five, none twice.
    let mut officer = w.device("officer", commune.officer());
    let all = sync(&mut officer);
    assert_eq!(
        (all.pulled_applied, all.pulled_already_had),
        (10, 0),
        "{all:?}"
    );
    let names: Vec<String> = officer
        .list_households(&[])
        .unwrap()
        .into_iter()
        .map(|h| h.head_name)
        .collect();
    assert_eq!(names.iter().filter(|n| *n == "Hộ Ở Bản Xa").count(), 1);
}

/// Alter one held change in the leader's file, as someone holding the
/// phone (and its key) could.
fn alter_held(db: &std::path::Path, change_id: &str, set: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_update(None, "key", gocua_testkit::relay::RELAY_KEY)
        .unwrap();
    conn.execute_batch("DROP TRIGGER IF EXISTS relay_held_never_edited")
        .unwrap();
    let n = conn
        .execute(
            &format!("UPDATE relay_held SET change = {set} WHERE change_id = ?1"),
            [change_id],
        )
        .unwrap();
    assert_eq!(n, 1, "{change_id} is held");
}

fn work_altered_on_the_relay_is_refused_and_the_member_learns_why(backend: Backend) {
    let w = world(backend);
    let commune = &w.commune;
    let team = commune.team_members();
    let (village, _) = commune.villages();
    let mut minh = w.device("minh", team[1]);
    sync(&mut minh);
    let (mut lan, lan_db) = leader(&w, team[0]);
    let lan_device = lan.device().unwrap().unwrap().device_id;
    let relay = RunningRelay::start(&lan_db);
    client::join_relay(&mut minh, &relay.pair(), &options()).expect("join");
    for i in 0..3 {
        a_morning_of_work(&mut minh, village, team[1], &format!("Hộ Số {i}"));
    }
    let ids = outbox_ids(&minh);
    assert_eq!(ids.len(), 15);
    let r = client::sync_via_relay(&mut minh, &options()).unwrap();
    assert_eq!(r.held, 15, "{r:?}");

    // A field (the first visit's note), the member credited (the second
    // visit, credited to Lan), the author device (the last action, said to
    // be Lan's).
    let (note, credited, device) = (&ids[2], &ids[7], &ids[14]);
    alter_held(
        &lan_db,
        note,
        "json_set(change, '$.fields.note', 'Đã sửa trên máy tổ trưởng')",
    );
    alter_held(
        &lan_db,
        credited,
        &format!(
            "json_set(change, '$.fields.members', json('[\"{}\"]'))",
            team[0]
        ),
    );
    alter_held(
        &lan_db,
        device,
        &format!(
            "json_set(change, '$.hlc', substr(json_extract(change, '$.hlc'), 1, \
             length(json_extract(change, '$.hlc')) - 32) || '{}')",
            lan_device.0.simple()
        ),
    );
    let report = sync(&mut lan);
    assert_eq!(report.relayed.forwarded, 15, "{:?}", report.relayed);
    assert!(report.relayed.rejected >= 3, "{:?}", report.relayed);

    // Minh's next relay push brings the server's word back.
    let r = client::sync_via_relay(&mut minh, &options()).unwrap();
    assert!(r.rejected >= 3 && r.applied >= 8, "{r:?}");
    assert_eq!(r.held, 0, "{r:?}");
    let held = minh.quarantine(100).unwrap();
    for id in [note, credited, device] {
        let q = held
            .iter()
            .find(|q| q.change.id.to_string() == *id)
            .unwrap_or_else(|| panic!("{id} is quarantined: {held:?}"));
        assert_eq!(q.direction, QuarantineDirection::Pushed);
        assert!(
            ["bad_signature", "unknown_device", "not_your_team"].contains(&q.code.as_str()),
            "{q:?}"
        );
        assert!(!q.message.is_empty(), "{q:?}");
        // The member's own change, as it wrote it, not the altered one.
        assert_eq!(
            q.change.hlc.device,
            minh.device().unwrap().unwrap().device_id
        );
    }
    // Nothing altered reached the server.
    let mut officer = w.device("officer", commune.officer());
    sync(&mut officer);
    let notes: Vec<_> = officer
        .list_households(&[])
        .unwrap()
        .into_iter()
        .map(|h| h.head_name)
        .collect();
    assert_eq!(notes.len(), 3, "{notes:?}");
}

fn another_team_and_unpaired_devices_get_nothing(backend: Backend) {
    let w = world(backend);
    let commune = &w.commune;
    let team = commune.team_members();
    let other = commune.members_of(1);
    let mut cuong = w.device("cuong", other[1]);
    sync(&mut cuong);
    let mut minh = w.device("minh", team[1]);
    sync(&mut minh);
    let (mut lan, lan_db) = leader(&w, team[0]);
    let relay = RunningRelay::start(&lan_db);
    let code = relay.pair();

    // Another team's member: refused, and the code stays unspent.
    let err = client::join_relay(&mut cuong, &code, &options()).unwrap_err();
    assert_eq!(err.code(), "not_your_team", "{err:?}");
    assert!(err.message_vi().contains("tổ khác"), "{}", err.message_vi());
    assert!(cuong.relay_link().unwrap().is_none());

    // A device the leader's file does not list yet (enrolled after her
    // last sync): refused until she syncs.
    let mut binh = w.device("binh", team[2]);
    sync(&mut binh);
    let err = client::join_relay(&mut binh, &code, &options()).unwrap_err();
    assert_eq!(err.code(), "unknown_device", "{err:?}");
    sync(&mut lan);

    // The same code still pairs a member of the team; then it is spent.
    client::join_relay(&mut minh, &code, &options()).expect("join");
    let err = client::join_relay(&mut binh, &code, &options()).unwrap_err();
    assert_eq!(err.code(), "pairing_code_invalid", "{err:?}");

    // No token, or a wrong one: refused, nothing pulled.
    for (store, token) in [(&mut cuong, "khong-phai-ma"), (&mut binh, "")] {
        store
            .set_relay_link(&relay.url, &relay.fingerprint, &DeviceToken::new(token))
            .unwrap();
        let err = client::sync_via_relay(store, &options()).unwrap_err();
        assert_eq!(err.code(), "relay_unauthorized", "{err:?}");
        assert!(
            err.message_vi().contains("ghép nối"),
            "{}",
            err.message_vi()
        );
    }
    // A paired member's pull holds only its team's villages.
    a_morning_of_work(&mut lan, commune.villages().0, team[0], "Hộ Trong Tổ");
    sync(&mut lan);
    let r = client::sync_via_relay(&mut minh, &options()).unwrap();
    assert_eq!(r.pulled_applied, 5, "{r:?}");
}

on_each_backend!(
    a_member_out_of_reach_syncs_through_the_leader_once,
    work_altered_on_the_relay_is_refused_and_the_member_learns_why,
    another_team_and_unpaired_devices_get_nothing,
);
