//! Finding the commune server on the LAN, across two hosts: two Linux
//! network namespaces joined by a veth pair, the real `gocua-server` in
//! one ("the office machine"), the real `gocua` CLI in the other ("the
//! phone"), mDNS between them as on a Wi-Fi. Found from the other host;
//! `--no-announce` not found; the server's address changed under it (the
//! process kept, as with a new DHCP lease) and an enrolled device syncs
//! again without new input, its stored address updated.
//!
//! Needs root and iproute2 (`ip netns`). Without them the tests say so
//! loudly and pass, unless GOCUA_REQUIRE_NETNS=1 (CI), where they fail.

mod lan;
mod netns;

use gocua_testkit::server::{OrgAdmin, data_args, enroll_code, server_bin};
use lan::{NsServer, cli, discover_until};
use netns::Lan;
use serde_json::Value;
use std::time::Duration;
use tempfile::TempDir;

/// A commune on SQLite in a fresh folder: its data arguments and a member
/// ready to enroll.
struct Office {
    _dir: TempDir,
    data: std::path::PathBuf,
    member: String,
    village: String,
}

fn office() -> Office {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let args = data_args(&data);
    let admin = OrgAdmin::new(&args);
    let commune = admin.commune("Thượng Ninh");
    let village = admin.village(&commune, "Thôn Đông");
    let team = admin.team(&commune, "Tổ 1", &village);
    let member = admin.member(&commune, "Lê Thị Lan", "member", Some(&team));
    Office {
        _dir: dir,
        data,
        member,
        village,
    }
}

/// The servers listed by `gocua discover --json` in the phone's namespace.
fn found(lan: &Lan, wait: u64) -> Vec<Value> {
    let out = cli(
        lan,
        None,
        &["discover", "--json", "--wait", &wait.to_string()],
    );
    out.as_array().cloned().unwrap_or_default()
}

#[test]
fn a_server_on_one_host_is_found_from_the_other() {
    let Some(lan) = Lan::new() else { return };
    let office = office();
    let server = NsServer::start(&lan, &office.data, &[]);
    let want = format!("10.{}.{}.1", lan.net.0, lan.net.1);
    let list = discover_until(&lan, Duration::from_secs(20), |list| {
        list.iter().any(|s| s["fingerprint"] == server.fingerprint)
    });
    let s = list
        .iter()
        .find(|s| s["fingerprint"] == server.fingerprint)
        .unwrap_or_else(|| panic!("not found from the other host: {list:?}"));
    assert_eq!(s["commune"], "Thượng Ninh", "{s}");
    assert_eq!(s["port"], server.port, "{s}");
    assert_eq!(s["version"], "1", "{s}");
    assert_eq!(s["addresses"], serde_json::json!([want]), "{s}");
    // And as people read it.
    let text = lan::cli_text(&lan, None, &["discover", "--wait", "3"]);
    assert!(
        text.contains(&format!("Máy chủ xã Thượng Ninh — {want}:{}", server.port)),
        "{text}"
    );
    assert!(
        text.contains(&format!("(vân tay {}…)", &server.fingerprint[..8])),
        "{text}"
    );
}

#[test]
fn a_server_started_with_no_announce_is_not_found() {
    let Some(lan) = Lan::new() else { return };
    let office = office();
    let server = NsServer::start(&lan, &office.data, &["--no-announce"]);
    // It serves: reachable from the other host by its address…
    let code = enroll_code(&server_bin(), &office.data, &office.member);
    let payload = server.payload(&lan, &code);
    let enrolled = cli(
        &lan,
        Some("phone.db"),
        &["enroll", &payload, "--device-name", "Máy Lan"],
    );
    assert_eq!(
        enrolled["server_fingerprint"], server.fingerprint,
        "{enrolled}"
    );
    // …but announces nothing.
    let list = found(&lan, 4);
    assert!(list.is_empty(), "announced despite --no-announce: {list:?}");
}

#[test]
fn an_enrolled_device_finds_its_server_again_at_a_new_address() {
    let Some(lan) = Lan::new() else { return };
    let office = office();
    let server = NsServer::start(&lan, &office.data, &[]);
    let code = enroll_code(&server_bin(), &office.data, &office.member);
    let payload = server.payload(&lan, &code);
    let db = Some("phone.db");
    cli(&lan, db, &["enroll", &payload, "--device-name", "Máy Lan"]);
    let first = cli(&lan, db, &["sync"]);
    assert_eq!(first["server_moved_to"], Value::Null, "{first}");

    // The office machine gets a new DHCP lease: same process, new address.
    lan.move_server_address(11);
    let new_ip = format!("10.{}.{}.11", lan.net.0, lan.net.1);
    let new_url = format!("https://{new_ip}:{}", server.port);
    // mdns-sd notices within its address check (5 s) and announces again.
    let list = discover_until(&lan, Duration::from_secs(30), |list| {
        list.iter().any(|s| {
            s["addresses"]
                .as_array()
                .is_some_and(|a| a.contains(&Value::from(new_ip.clone())))
        })
    });
    assert!(!list.is_empty(), "the new address was never announced");

    // Work done meanwhile, then a sync with no new input at all.
    cli(
        &lan,
        db,
        &[
            "household",
            "add",
            "--village",
            &office.village,
            "--head",
            "Nguyễn Văn Tư",
        ],
    );
    let text = lan::cli_text(&lan, db, &["sync"]);
    assert!(
        text.contains(&format!("Đã tìm thấy máy chủ xã ở địa chỉ mới {new_url}")),
        "{text}"
    );
    assert!(text.contains("Chưa gửi: 0 thay đổi"), "{text}");
    let status = cli(&lan, db, &["status"]);
    assert_eq!(status["enrollment"]["server_url"], new_url, "{status}");
    assert_eq!(
        status["enrollment"]["server_fingerprint"], server.fingerprint,
        "the pin never changes: {status}"
    );
    // The next round goes straight to the new address.
    let again = cli(&lan, db, &["sync"]);
    assert_eq!(again["server_moved_to"], Value::Null, "{again}");
    assert_eq!(again["unsent"], 0, "{again}");
    drop(server);
}
