//! Connections reset while `gocua sync` is sending (issue 14): a failed
//! attempt like any other — retried with backoff, then a clear error kept
//! for `gocua status` — never a process killed by SIGPIPE (exit 141, no
//! word said, no error kept). And `gocua sync` with its stdout closed still
//! syncs, quietly.

use super::*;
use gocua_testkit::bins;
use std::path::Path;
use std::process::{Command, Stdio};

/// The `gocua` binary's database key (a passphrase).
pub(super) const KEY: &str = "khóa thử kết nối";

/// `gocua --db DB ARGS…` with the phone's clock `shift_secs` off.
pub(super) fn gocua(db: &Path, shift_secs: i64, args: &[&str]) -> Command {
    let mut c = Command::new(bins::binary("gocua-cli", "gocua"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env("GOCUA_DB_KEY", KEY)
        .env(gocua_device::TEST_CLOCK_OFFSET_ENV, shift_secs.to_string())
        .stdin(Stdio::null());
    c
}

/// Run `gocua`, which must succeed; its stdout.
pub(super) fn gocua_ok(db: &Path, shift_secs: i64, args: &[&str]) -> String {
    let out = gocua(db, shift_secs, args).output().expect("run gocua");
    assert!(
        out.status.success(),
        "gocua {args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Bytes from the client before a reset: past the TLS handshake and the
/// organisation's request, inside the push's body (hundreds of kilobytes).
const RESET_AFTER: u64 = 4000;

/// A day with a long note on each visit: one push of about 700 KB, so that
/// a reset finds the client still sending.
fn a_long_day(store: &mut Store, village: VillageId, member: MemberId, tag: &str) {
    store
        .write(|b| {
            for i in 0..200 {
                let h = b
                    .add_household(HouseholdInput {
                        village_id: Some(village),
                        address: format!("Xóm Suối {tag}"),
                        head_name: format!("Hộ {tag} số {i}"),
                        phone: None,
                        flags: HouseholdFlags::default(),
                    })?
                    .id;
                b.log_visit(VisitInput {
                    household_id: h,
                    members: vec![member],
                    at: Utc::now(),
                    form: VisitForm::DoorToDoor,
                    outcome: VisitOutcome::Met,
                    note: Some("Gia đình đã được hướng dẫn cài ứng dụng. ".repeat(40)),
                    actions: vec![],
                })?;
            }
            Ok(())
        })
        .expect("a long day");
}

fn status_json(db: &std::path::Path) -> Value {
    serde_json::from_str(&gocua_ok(db, 0, &["--json", "status"])).expect("status JSON")
}

fn reset_connections_are_retried_and_never_kill_gocua(backend: Backend) {
    let w = world(backend);
    let team = w.commune.team_members();
    let (village, _) = w.commune.villages();
    let proxy = FaultyProxy::start(w.server.addr);
    let via_proxy = format!("https://{}", proxy.addr());
    let db = w.dir.path().join("lan.db");
    let open_lan = || Store::open(&db, &DbKey::Passphrase(KEY.into())).expect("open");
    {
        let mut lan = open_lan();
        let code = w.commune.code_for(team[0], &via_proxy);
        client::enroll_with(&mut lan, &code, "Máy của Lan", &options()).expect("enroll");
        a_long_day(&mut lan, village, team[0], "A");
    }

    // The first two connections are reset while the push is sent: tried
    // again, and the third goes through.
    proxy.reset_next(2, RESET_AFTER);
    let out = gocua(&db, 0, &["sync"]).output().expect("run gocua");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Kết nối gặp lỗi, thử lại lần 2/5"),
        "{stdout}"
    );
    assert!(stdout.contains("Chưa gửi: 0 thay đổi"), "{stdout}");
    let status = status_json(&db);
    assert_eq!(status["unsent"], 0, "{status}");
    assert_eq!(status["sync"]["last_error"], Value::Null, "{status}");

    // Every connection reset: five attempts, then a clear error, kept.
    {
        let mut lan = open_lan();
        a_long_day(&mut lan, village, team[0], "B");
    }
    proxy.reset_next(usize::MAX, RESET_AFTER);
    let out = gocua(&db, 0, &["sync"]).output().expect("run gocua");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failing exit, not a signal: {:?}\n{stderr}",
        out.status
    );
    assert!(
        stderr.contains("Lỗi: Không kết nối được máy chủ (đã thử 5 lần)")
            && stderr.contains("[unreachable]"),
        "{stderr}"
    );
    let text = gocua_ok(&db, 0, &["status"]);
    assert!(
        text.contains("Lỗi lần đồng bộ gần nhất")
            && text.contains("Không kết nối được máy chủ (đã thử 5 lần)")
            && text.contains("Chưa gửi: 400 thay đổi"),
        "{text}"
    );

    // Connections whole again, and stdout closed before a word is written
    // (`gocua sync | head -0`): it syncs all the same, quietly.
    proxy.stop_resets();
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let child = gocua(&db, 0, &["sync"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gocua");
    let out = child.wait_with_output().expect("wait for gocua");
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = status_json(&db);
    assert_eq!(status["unsent"], 0, "{status}");
    assert_eq!(status["sync"]["last_error"], Value::Null, "{status}");

    // The server holds each of the 400 visits once.
    let mut officer = w.device("officer", w.commune.officer());
    sync(&mut officer);
    let mut visits = 0;
    for h in officer.list_households(&[village]).unwrap() {
        visits += officer.household(h.id).unwrap().visits.len();
    }
    assert_eq!(visits, 400);
}

on_each_backend!(reset_connections_are_retried_and_never_kill_gocua);
