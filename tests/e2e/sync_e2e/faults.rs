//! Connections cut at many points and a server killed with SIGKILL cost
//! nothing.

use super::*;

fn cut_connections_and_a_killed_server_lose_nothing_and_duplicate_nothing(backend: Backend) {
    let place = Place::new(backend);
    let mut server = start(&place);
    let commune = Commune::create(&place, &server);
    let team = commune.team_members();
    let (village, _) = commune.villages();
    let proxy = FaultyProxy::start(server.addr);
    let via_proxy = format!("https://{}", proxy.addr());
    let dir = TempDir::new().unwrap();

    let mut lan = open(&dir, "lan.db");
    let code = commune.code_for(team[0], &via_proxy);
    assert_eq!(code.url, via_proxy);
    client::enroll_with(&mut lan, &code, "Máy của Lan", &options()).expect("enroll");
    let mut minh = open(&dir, "minh.db");
    let code = commune.code_for(team[1], &via_proxy);
    client::enroll_with(&mut minh, &code, "Máy của Minh", &options()).expect("enroll");

    // Cut the first connection of a round at many points, both ways: in
    // the handshake, the org refresh, the push, the pull.
    let mut retries = 0;
    let mut n = 0;
    for bytes in [
        100u64, 700, 1500, 3000, 4500, 6000, 8000, 10_000, 12_000, 25_000,
    ] {
        for direction in [Direction::Upstream, Direction::Downstream] {
            for _ in 0..3 {
                n += 1;
                a_morning_of_work(&mut lan, village, team[0], &format!("Hộ {n}"));
            }
            proxy.cut_next(direction, bytes);
            let r = sync(&mut lan);
            assert_eq!(r.unsent, 0, "cut {direction:?} at {bytes}: {r:?}");
            retries += r.retries;
        }
    }
    assert!(retries > 0, "some cuts hit a request");

    // The server dies mid-day (SIGKILL); the device keeps its work, then
    // delivers it to the restarted server.
    a_morning_of_work(&mut lan, village, team[0], "Hộ Trước Sự Cố");
    let unsent = lan.unsent_count().unwrap();
    server.kill();
    let err = client::sync(&mut lan, &options(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, SyncError::Unreachable { .. }), "{err:?}");
    assert_eq!(lan.unsent_count().unwrap(), unsent);
    server = start(&place);
    proxy.set_target(server.addr);
    let r = sync(&mut lan);
    assert_eq!(r.unsent, 0);
    assert_eq!(r.pushed_applied + r.already_had, unsent as usize);

    // Everything Lan was told the server took is there, exactly once.
    sync(&mut minh);
    assert_eq!(snapshot(&minh).len(), n + 1);
    assert_eq!(snapshot(&minh), snapshot(&lan));
    drop(server);
}

on_each_backend!(cut_connections_and_a_killed_server_lose_nothing_and_duplicate_nothing);
