//! Enrolling a device file again (a new code, the same file) retires the
//! device it was before, in the same step: a copy of the file taken before
//! is refused (401, "enroll again"), the file itself syncs on, and `admin
//! devices` lists the old device as replaced.

use gocua_core::OrgSnapshot;
use gocua_device::{DbKey, Store};
use gocua_sync::client::{self, SyncError};
use gocua_sync::tls::{Pin, pinned_http_client};
use gocua_testkit::backend::{Backend, Place};
use gocua_testkit::device::{household, options};
use gocua_testkit::members::{enrolled_phone, member};
use gocua_testkit::on_each_backend;
use gocua_testkit::server::{RunningServer, admin_command, admin_with, server_bin};
use gocua_wire::{self as wire, EnrollmentPayload, ErrorBody};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// The device file and what SQLite keeps beside it, copied as someone
/// with the phone in hand for a minute would.
fn copy_store(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    for suffix in ["-wal", "-shm"] {
        let side = |p: &Path| {
            p.with_file_name(format!(
                "{}{suffix}",
                p.file_name().unwrap().to_string_lossy()
            ))
        };
        if side(from).exists() {
            std::fs::copy(side(from), side(to)).unwrap();
        }
    }
}

fn a_copy_of_the_file_from_before_re_enrollment_is_refused(backend: Backend) {
    let p = Place::new(backend);
    let args = p.server_args();
    let bin = server_bin();
    let org: OrgSnapshot =
        serde_json::from_value(admin_with(&bin, &args, &["demo", "--villages", "1"])).unwrap();
    let server = RunningServer::start_with(&bin, &args);
    let hoa = member(&org, 0, 1);
    let path = p.path().join("phone.db");
    let mut phone = enrolled_phone(&server, &args, hoa, &path, "Điện thoại của Hoa");
    household(&mut phone, org.villages[0].id, "Trần Văn Bình");
    client::sync(&mut phone, &options(), &mut |_| {}).expect("the first sync");
    let old = phone.enrollment().unwrap().unwrap();
    let old_id = phone.device().unwrap().unwrap().device_id;
    drop(phone);
    let copy_path = p.path().join("copy.db");
    copy_store(&path, &copy_path);

    // The same file enrolled again with a new code.
    let mut phone = Store::open(&path, &DbKey::Raw([9; 32])).unwrap();
    let code = admin_with(
        &bin,
        &args,
        &[
            "enroll-code",
            "--member",
            &hoa.to_string(),
            "--url",
            &server.url,
        ],
    );
    let code = EnrollmentPayload::parse(code["payload"].as_str().unwrap()).unwrap();
    let again = client::enroll_with(&mut phone, &code, "Điện thoại của Hoa", &options())
        .expect("enrolled again");
    assert_ne!(again.device_id, old_id);

    // The copy from before is refused, with the sentence that says why.
    let mut copy = Store::open(&copy_path, &DbKey::Raw([9; 32])).unwrap();
    let err = client::sync(&mut copy, &options(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized), "{err}");
    let (http, _) = pinned_http_client(
        Pin::Fingerprint(server.fingerprint.clone()),
        Duration::from_secs(30),
    )
    .unwrap();
    let r = http
        .get(format!("{}{}", server.url, wire::ORG))
        .bearer_auth(old.token.expose())
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: ErrorBody = r.json().unwrap();
    assert_eq!(body.code, "unauthorized");
    assert!(body.message.contains("đăng ký"), "{}", body.message);

    // The file itself syncs on.
    household(&mut phone, org.villages[0].id, "Lê Thị Cúc");
    client::sync(&mut phone, &options(), &mut |_| {}).expect("the re-enrolled file syncs");
    assert_eq!(phone.unsent_count().unwrap(), 0);

    // `admin devices` names the old device as replaced by the new one.
    let commune = org.commune.id.to_string();
    let listed = admin_with(&bin, &args, &["devices", "--commune", &commune]);
    let row = |id: String| -> Value {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["device_id"] == id.as_str())
            .cloned()
            .unwrap()
    };
    let retired = row(old_id.to_string());
    assert!(retired["revoked_at"].is_string(), "{retired}");
    assert_eq!(retired["replaced_by"], again.device_id.to_string());
    assert!(row(again.device_id.to_string())["revoked_at"].is_null());
    let out = admin_command(&bin, &args)
        .args(["devices", "--commune", &commune])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with(&old_id.to_string()))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("đã thay thế"), "{line}");
    assert!(line.contains(&again.device_id.to_string()), "{line}");
}

on_each_backend!(a_copy_of_the_file_from_before_re_enrollment_is_refused);
