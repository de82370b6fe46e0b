//! The app's side of the team leader's relay (issue 18), under the
//! commands, on real parts: the real `gocua-server` on 127.0.0.1 with a
//! commune made through `admin`, phones enrolled with it, the leader's
//! relay started by the app (its own thread, its own connection to the
//! leader's file), the member's device joining it with the pairing text.
//!
//! A member whose server is out of reach syncs through the leader without
//! asking and is told so; a refusal is never taken for "out of reach"; the
//! leader's figures follow; the leader's next sync takes the work on and
//! the member's next direct sync finds it already had; a forgotten relay
//! is not used.

use gocua_app_lib::commands::relay::{
    host_view, join, link_view, new_pairing, set_running, sync_through_relay,
};
use gocua_app_lib::commands::sync::through_relay_instead;
use gocua_app_lib::relay_host::RelayState;
use gocua_app_lib::state::{AppState, Paths};
use gocua_core::VillageId;
use gocua_device::{DbKey, Store};
use gocua_sync::client::{self, SyncError};
use gocua_testkit::commune::Commune;
use gocua_testkit::device::{household, options};
use gocua_testkit::server::{RunningServer, data_args, server_bin};
use std::path::Path;
use std::time::Duration;

/// The key `gocua_testkit`'s phones are opened with.
const PHONE_KEY: DbKey = DbKey::Raw([9; 32]);

/// The app's state over an enrolled phone's file, unlocked.
fn app_over(store: Store, db: &Path) -> AppState {
    let dir = db.parent().expect("a folder");
    let paths = Paths {
        dir: dir.to_path_buf(),
        db: db.to_path_buf(),
        secret: dir.join("unused.secret"),
        attempts: dir.join("unused.attempts"),
    };
    let state = AppState::new(paths, Duration::from_secs(600));
    state.0.remember_key(PHONE_KEY);
    state.0.open(store);
    state
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn a_member_out_of_reach_syncs_through_the_leaders_app() {
    let commune = Commune::create();
    let data = commune.data();
    let server = RunningServer::start(&server_bin(), &data);
    let an_db = commune.dir.path().join("an.db");
    let mut binh = commune.phone(&server, &commune.binh, "binh");
    let mut an = commune.phone(&server, &commune.an, "an");
    // An's device learns its team's devices and keys from the server.
    client::sync(&mut an, &options(), &mut |_| {}).expect("An syncs");
    let cuong = commune.phone(&server, &commune.cuong, "cuong");

    // The leader's app: may serve; a member's and another leader's
    // device are told apart.
    let lead = app_over(an, &an_db);
    let relay = RelayState::default();
    let view = lead.0.with_store(true, |s| host_view(s, &relay)).unwrap();
    assert!(view.can_serve && !view.running, "{view:?}");
    assert!(!host_view(&binh, &relay).unwrap().can_serve);
    assert!(host_view(&cuong, &relay).unwrap().can_serve);

    let port = free_port();
    let view = set_running(&lead.0, &relay, true, port).expect("the relay starts");
    assert!(view.running, "{view:?}");
    assert_eq!(view.paired_devices, 0);
    let pairing = new_pairing(&lead.0, &relay, Some(&format!("https://127.0.0.1:{port}")))
        .expect("a pairing code");
    assert!(pairing.text.starts_with("gocua-relay:v1?"), "{pairing:?}");
    assert!(pairing.text.contains(&pairing.code));
    assert!(pairing.qr_rows.len() >= 21);

    // Bình pastes it.
    let joined = join(&mut binh, &pairing.text).expect("Bình joins");
    assert_eq!(joined.leader_name.as_deref(), Some("Lê Văn An"));
    let link = link_view(&binh).unwrap().expect("joined");
    assert_eq!(link.url, format!("https://127.0.0.1:{port}"));
    assert_eq!(link.leader_name.as_deref(), Some("Lê Văn An"));
    assert!(
        join(&mut binh, &pairing.text).is_err(),
        "a pairing code is spent once"
    );
    let view = lead.0.with_store(true, |s| host_view(s, &relay)).unwrap();
    assert_eq!(view.paired_devices, 1);

    // Far from the office: the server is out of reach.
    let village: VillageId = commune.villages[0].parse().unwrap();
    household(&mut binh, village, "Hộ Ở Bản Xa");
    let addr = server.addr;
    drop(server);
    let failure = client::sync(&mut binh, &options(), &mut |_| {}).unwrap_err();
    assert!(
        matches!(failure, SyncError::Unreachable { .. }),
        "{failure:?}"
    );
    let lines = std::cell::RefCell::new(Vec::new());
    let out = through_relay_instead(&mut binh, &relay, failure, &options(), &|l| {
        lines.borrow_mut().push(l)
    })
    .expect("synced through the relay");
    let said = out.via_relay.clone().expect("through the relay");
    assert!(
        said.starts_with("Đã đồng bộ qua trạm của tổ trưởng: gửi 1 thay đổi"),
        "{said}"
    );
    assert_eq!(out.unsent, 1, "held by the relay, still unsent: {out:?}");
    assert!(lines.borrow()[0].contains("trạm của tổ trưởng"));
    assert_eq!(relay.notice(), Some(said));
    let view = lead.0.with_store(true, |s| host_view(s, &relay)).unwrap();
    assert_eq!((view.held_waiting, view.forwarded), (1, 0), "{view:?}");

    // A refusal is the server's word, not "out of reach": no relay.
    let refused = SyncError::Refused {
        status: 403,
        code: "device_revoked".into(),
        message: "Thiết bị đã bị thu hồi.".into(),
    };
    let e = through_relay_instead(&mut binh, &relay, refused, &options(), &|_| {}).unwrap_err();
    assert_eq!(e.code, "device_revoked");

    // Back at the office: An's sync takes Bình's work on, once.
    let server = RunningServer::start_at(&server_bin(), &data_args(&data), addr);
    lead.0
        .with_store(true, |s| {
            client::sync(s, &options(), &mut |_| {})?;
            Ok(())
        })
        .expect("An syncs");
    let view = lead.0.with_store(true, |s| host_view(s, &relay)).unwrap();
    assert_eq!((view.held_waiting, view.forwarded), (0, 1), "{view:?}");
    let direct = client::sync(&mut binh, &options(), &mut |_| {}).expect("Bình syncs");
    assert_eq!(
        (direct.already_had, direct.pushed_applied),
        (1, 0),
        "{direct:?}"
    );

    // Through the relay again: nothing new to send, nothing twice.
    let again = sync_through_relay(&mut binh, &relay, &options()).unwrap();
    assert_eq!((again.sent, again.received), (0, 0), "{again:?}");
    // The switch turned off: the relay stops and its port is free; Bình's
    // sync through it is now out of reach; turned on again, it serves.
    let view = set_running(&lead.0, &relay, false, port).expect("the relay stops");
    assert!(!view.running, "{view:?}");
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the relay's port is free");
    let e = sync_through_relay(&mut binh, &relay, &options()).unwrap_err();
    assert!(!e.message.is_empty(), "{e:?}");
    let view = set_running(&lead.0, &relay, true, port).expect("the relay starts again");
    assert!(view.running, "{view:?}");
    let again = sync_through_relay(&mut binh, &relay, &options()).unwrap();
    assert_eq!(again.sent, 0, "{again:?}");

    // Forgotten: no relay is tried.
    assert!(binh.forget_relay_link().unwrap());
    assert_eq!(link_view(&binh).unwrap(), None);
    drop(server);
    let failure = client::sync(&mut binh, &options(), &mut |_| {}).unwrap_err();
    let e = through_relay_instead(&mut binh, &relay, failure, &options(), &|_| {}).unwrap_err();
    assert_eq!(e.code, "unreachable");
}
