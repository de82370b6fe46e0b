//! Devices and the real `gocua-server` end to end: real encrypted device
//! stores driven through `gocua_sync::client`, the server binary on
//! 127.0.0.1 with a fresh data folder, TLS pinned; every scenario on SQLite
//! (`sqlite::…`) and, when GOCUA_TEST_PG_URL names a database, on
//! PostgreSQL (`postgres::…`, a schema of its own each). Two members of a team
//! work offline and converge; a revoked device is refused and keeps its
//! work; a change the server rejects is quarantined without holding back
//! the rest, and can be sent again or given up; connections cut at many
//! points and a server killed with SIGKILL cost nothing; a household moving
//! to another village, and a team gaining a village, bring their history.

use gocua_testkit::backend;
use gocua_testkit::on_each_backend;
use gocua_testkit::device;
use gocua_testkit::proxy;
use gocua_testkit::server;

use backend::{Backend, Place};
use chrono::Utc;
use device::options;
use gocua_core::{
    ActionInput, ActionOutcome, HouseholdFlags, HouseholdId, HouseholdInput, MemberId, OrgSnapshot,
    ResidentInput, Role, Sex, VillageId, VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::{DbKey, QuarantineDirection, RetryOutcome, Store};
use gocua_sync::client::{self, EnrollOutcome, SyncError, SyncReport};
use gocua_wire::EnrollmentPayload;
use proxy::{Direction, FaultyProxy};
use serde_json::Value;
use server::{RunningServer, admin_with, server_bin};
use std::ffi::OsString;
use tempfile::TempDir;

// ---------------------------------------------------------------------------
// The server.

fn start(place: &Place) -> RunningServer {
    RunningServer::start_with(&server_bin(), &place.server_args())
}

/// A server on a fresh database with a demo commune, and a folder for the
/// devices' files. Dropped in this order: the server, then its database.
struct World {
    server: RunningServer,
    commune: Commune,
    dir: TempDir,
    _place: Place,
}

fn world(backend: Backend) -> World {
    let place = Place::new(backend);
    let server = start(&place);
    let commune = Commune::create(&place, &server);
    World {
        server,
        commune,
        dir: TempDir::new().unwrap(),
        _place: place,
    }
}

impl World {
    /// Lan, the first team's leader, enrolled from the QR code `demo` made
    /// (the fingerprint pinned from the start).
    fn lan(&self) -> (Store, EnrollOutcome) {
        let mut lan = open(&self.dir, "lan.db");
        let payload = &self.commune.first_payload;
        let out = client::enroll(&mut lan, payload, None, "Máy của Lan", &options());
        (lan, out.expect("enroll Lan"))
    }

    /// A new device of `member`, enrolled with a code by address.
    fn device(&self, name: &str, member: MemberId) -> Store {
        self.commune
            .device(&self.dir, name, member, &self.server.url)
    }
}

/// A demo commune on the server, and a way to hand out codes.
struct Commune {
    /// How `admin` reaches the server's database.
    db_args: Vec<OsString>,
    org: OrgSnapshot,
    /// The enrollment payload `demo` issued for the first member.
    first_payload: String,
}

impl Commune {
    fn create(place: &Place, server: &RunningServer) -> Commune {
        let db_args = place.server_args();
        let demo = admin_with(
            &server_bin(),
            &db_args,
            &["demo", "--villages", "2", "--url", &server.url],
        );
        let org: OrgSnapshot = serde_json::from_value(demo.clone()).expect("demo org");
        let first_payload = demo["enrollment"]["payload"]
            .as_str()
            .expect("payload")
            .to_string();
        Commune {
            db_args,
            org,
            first_payload,
        }
    }

    /// The members of the first team (its leader first).
    fn team_members(&self) -> Vec<MemberId> {
        self.members_of(0)
    }

    /// The first team's village, and one outside its scope.
    fn villages(&self) -> (VillageId, VillageId) {
        let ours = self.org.teams[0].village_ids[0];
        let other = self.org.teams[1].village_ids[0];
        (ours, other)
    }

    /// The members of team `i` (its leader first).
    fn members_of(&self, i: usize) -> Vec<MemberId> {
        let team = self.org.teams[i].id;
        self.org
            .members
            .iter()
            .filter(|m| m.team_id == Some(team))
            .map(|m| m.id)
            .collect()
    }

    fn officer(&self) -> MemberId {
        let officer = self
            .org
            .members
            .iter()
            .find(|m| m.role == Role::CommuneOfficer);
        officer.expect("the demo has an officer").id
    }

    /// Team `i` covers exactly `villages` from now on.
    fn set_team_villages(&self, i: usize, villages: &[VillageId]) {
        let team = self.org.teams[i].id.to_string();
        let mut args = vec![
            "team".to_string(),
            "set-villages".into(),
            "--team".into(),
            team,
        ];
        for v in villages {
            args.extend(["--village".to_string(), v.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.admin(&args);
        assert_eq!(
            out["village_ids"].as_array().map(Vec::len),
            Some(villages.len())
        );
    }

    /// A new device of `member`, enrolled with a code by address.
    fn device(&self, dir: &TempDir, name: &str, member: MemberId, url: &str) -> Store {
        let mut store = open(dir, &format!("{name}.db"));
        let code = self.code_for(member, url);
        client::enroll_with(&mut store, &code, name, &options()).expect("enroll");
        store
    }

    fn admin(&self, args: &[&str]) -> Value {
        admin_with(&server_bin(), &self.db_args, args)
    }

    fn code_for(&self, member: MemberId, url: &str) -> EnrollmentPayload {
        let out = self.admin(&["enroll-code", "--member", &member.to_string(), "--url", url]);
        EnrollmentPayload::parse(out["payload"].as_str().expect("payload")).expect("payload text")
    }
}

// ---------------------------------------------------------------------------
// Devices.

fn open(dir: &TempDir, name: &str) -> Store {
    Store::open(&dir.path().join(name), &DbKey::Raw([9; 32])).expect("open device store")
}

fn sync(store: &mut Store) -> SyncReport {
    client::sync(store, &options(), &mut |_| {}).expect("sync")
}

fn add_household(store: &mut Store, village: VillageId, head: &str) -> HouseholdId {
    store
        .write(|b| {
            b.add_household(HouseholdInput {
                village_id: Some(village),
                address: "Xóm Mới".into(),
                head_name: head.into(),
                phone: None,
                flags: HouseholdFlags::default(),
            })
        })
        .expect("add household")
        .id
}

/// A household with a resident, visited, with two assisted actions.
fn a_morning_of_work(store: &mut Store, village: VillageId, member: MemberId, head: &str) {
    let h = add_household(store, village, head);
    let r = store
        .write(|b| {
            b.add_resident(ResidentInput {
                household_id: h,
                full_name: head.into(),
                birth_year: 1958,
                sex: Sex::Female,
                has_smartphone: true,
                consent_on: None,
                citizen_id_hash: None,
            })
        })
        .expect("add resident");
    let actions = vec![
        ActionInput {
            resident_id: r.id,
            action: "vneid_l2".parse().expect("code"),
            outcome: ActionOutcome::Done,
        },
        ActionInput {
            resident_id: r.id,
            action: "ehealth_book".parse().expect("code"),
            outcome: ActionOutcome::FollowUp {
                due: Utc::now().date_naive() + chrono::Days::new(7),
            },
        },
    ];
    log_visit(store, h, member, "Bà cần con cháu hỗ trợ thêm", actions);
}

/// A door-to-door visit today where the household was met.
fn log_visit(
    store: &mut Store,
    h: HouseholdId,
    member: MemberId,
    note: &str,
    actions: Vec<ActionInput>,
) {
    store
        .write(|b| {
            b.log_visit(VisitInput {
                household_id: h,
                members: vec![member],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: Some(note.into()),
                actions,
            })
        })
        .expect("log visit");
}

/// Everything a device shows about its households, for comparing devices.
fn snapshot(store: &Store) -> Vec<Value> {
    snapshot_of(store, &[])
}

/// The same for the households of `villages` (all when empty).
fn snapshot_of(store: &Store, villages: &[VillageId]) -> Vec<Value> {
    let mut ids: Vec<HouseholdId> = store
        .list_households(villages)
        .expect("list")
        .iter()
        .map(|h| h.id)
        .collect();
    ids.sort();
    ids.into_iter()
        .map(|id| household_json(store, id))
        .collect()
}

// ---------------------------------------------------------------------------

fn two_members_work_offline_sync_and_end_up_agreeing(backend: Backend) {
    let w = world(backend);
    let (server, commune) = (&w.server, &w.commune);
    let team = commune.team_members();
    let (village, _) = commune.villages();
    let dir = &w.dir;

    // Lan scans the QR code (fingerprint pinned from the start); Minh types
    // the address and the code (trust on first use).
    let (mut lan, out) = w.lan();
    assert!(out.pinned_from_payload);
    assert_eq!(out.member.id, team[0]);
    assert_eq!(out.server_fingerprint, server.fingerprint);
    assert_eq!(lan.device().unwrap().unwrap().device_id, out.device_id);
    let code = commune.code_for(team[1], &server.url);
    let mut minh = open(dir, "minh.db");
    minh.init_device("Điện thoại cũ").unwrap();
    let out = client::enroll(
        &mut minh,
        &server.url,
        Some(&code.code),
        "Máy của Minh",
        &options(),
    )
    .expect("enroll Minh");
    assert!(!out.pinned_from_payload);
    assert_eq!(out.server_fingerprint, server.fingerprint);
    assert_eq!(minh.org().unwrap().unwrap().commune, commune.org.commune);

    // A day offline each.
    for i in 0..3 {
        a_morning_of_work(
            &mut lan,
            village,
            team[0],
            &format!("Nguyễn Thị Lan Nhà {i}"),
        );
    }
    for i in 0..2 {
        a_morning_of_work(
            &mut minh,
            village,
            team[1],
            &format!("Trần Văn Minh Nhà {i}"),
        );
    }
    let lan_changes = lan.unsent_count().unwrap();
    let minh_changes = minh.unsent_count().unwrap();
    assert_eq!(
        lan_changes,
        3 * 5,
        "household, resident, visit, two actions"
    );

    let r = sync(&mut lan);
    assert_eq!(r.pushed_applied as i64, lan_changes);
    assert_eq!((r.rejected, r.unsent, r.quarantined), (0, 0, 0));
    let r = sync(&mut minh);
    assert_eq!(r.pushed_applied as i64, minh_changes);
    assert_eq!(
        r.pulled_applied as i64, lan_changes,
        "Lan's work reaches Minh"
    );
    let r = sync(&mut lan);
    assert_eq!(r.pushed_applied, 0);
    assert_eq!(
        r.pulled_applied as i64, minh_changes,
        "and Minh's reaches Lan"
    );
    assert_eq!(snapshot(&lan).len(), 5);
    assert_eq!(snapshot(&lan), snapshot(&minh), "the devices agree");

    // Both correct the same household offline: one winner everywhere.
    let target = lan.list_households(&[]).unwrap()[0].clone();
    let edit = |head: &str, phone: Option<&str>| HouseholdInput {
        village_id: Some(village),
        address: target.address.clone(),
        head_name: head.into(),
        phone: phone.map(Into::into),
        flags: HouseholdFlags::default(),
    };
    lan.write(|b| b.update_household(target.id, edit("Tên do Lan sửa", None)))
        .unwrap();
    minh.write(|b| b.update_household(target.id, edit("Tên do Minh sửa", Some("0912345678"))))
        .unwrap();
    sync(&mut lan);
    sync(&mut minh);
    sync(&mut lan);
    assert_eq!(
        snapshot(&lan),
        snapshot(&minh),
        "converged after the conflict"
    );
    let head = lan.household(target.id).unwrap().household.head_name;
    assert!(
        head == "Tên do Lan sửa" || head == "Tên do Minh sửa",
        "{head}"
    );
    let conflicts = lan.conflicts(10).unwrap().len() + minh.conflicts(10).unwrap().len();
    assert!(conflicts >= 1, "the losing value is logged");

    // A third device enrolling later gets the same picture from scratch.
    let code = commune.code_for(team[2], &server.url);
    let mut third = open(dir, "third.db");
    client::enroll_with(&mut third, &code, "Máy thứ ba", &options()).unwrap();
    let r = sync(&mut third);
    assert_eq!(r.pushed_applied, 0);
    assert_eq!(snapshot(&third), snapshot(&lan));
    assert!(third.sync_state().unwrap().last_success_at.is_some());
}

fn a_revoked_device_is_refused_and_keeps_its_unsent_work(backend: Backend) {
    let w = world(backend);
    let (server, commune) = (&w.server, &w.commune);
    let (village, _) = commune.villages();
    let dir = &w.dir;
    let (mut lan, out) = w.lan();
    add_household(&mut lan, village, "Hộ Đã Gửi");
    sync(&mut lan);

    add_household(&mut lan, village, "Hộ Chưa Gửi 1");
    add_household(&mut lan, village, "Hộ Chưa Gửi 2");
    commune.admin(&["revoke", &out.device_id.to_string()]);
    let err = client::sync(&mut lan, &options(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized), "{err:?}");
    assert!(err.message_vi().contains("thu hồi"));
    assert_eq!(lan.unsent_count().unwrap(), 2, "unsent work is kept");
    assert_eq!(lan.quarantine_count().unwrap(), 0);
    assert_eq!(lan.list_households(&[]).unwrap().len(), 3);
    let state = lan.sync_state().unwrap();
    assert_eq!(state.last_error, Some(err.message_vi()));

    // Re-enrolling would orphan those changes: refused before a code is spent.
    let code = commune.code_for(commune.team_members()[0], &server.url);
    let err = client::enroll_with(&mut lan, &code, "Máy của Lan", &options()).unwrap_err();
    assert_eq!(err.code(), "unsent_from_other_device", "{err:?}");
    let mut fresh = open(dir, "fresh.db");
    client::enroll_with(&mut fresh, &code, "Máy mới", &options()).expect("the code is unspent");
}

fn a_change_the_server_rejects_is_quarantined_and_the_rest_go_through(backend: Backend) {
    let w = world(backend);
    let team = w.commune.team_members();
    let (ours, theirs) = w.commune.villages();
    let (mut lan, _) = w.lan();

    add_household(&mut lan, ours, "Hộ Trước");
    let outside = add_household(&mut lan, theirs, "Hộ Thôn Khác");
    add_household(&mut lan, ours, "Hộ Sau");
    let r = sync(&mut lan);
    assert_eq!(r.pushed_applied, 2);
    assert_eq!(r.rejected, 1);
    assert_eq!((r.unsent, r.quarantined), (0, 1));
    let q = lan.quarantine(10).unwrap();
    assert_eq!(q[0].direction, QuarantineDirection::Pushed);
    assert_eq!(q[0].code, "out_of_scope");
    assert_eq!(q[0].change.entity_id, outside.0);
    assert!(!q[0].message.is_empty());

    // The next round does not try it again, and it stays listed.
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.rejected, r.quarantined), (0, 0, 1));

    // A teammate sees the two that went through, not the rejected one.
    let mut minh = w.device("Máy của Minh", team[1]);
    sync(&mut minh);
    assert_eq!(heads(&minh, &[]), ["Hộ Sau", "Hộ Trước"]);
}

fn a_refused_change_is_retried_once_the_server_allows_it_or_discarded_on_purpose(backend: Backend) {
    let w = world(backend);
    let team = w.commune.team_members();
    let (ours, theirs) = w.commune.villages();
    let (mut lan, _) = w.lan();
    let wanted = add_household(&mut lan, theirs, "Hộ Cần Gửi Lại");
    add_household(&mut lan, theirs, "Hộ Nhập Nhầm");
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.rejected, r.quarantined), (0, 2, 2));
    let held = |s: &Store, head: &str| {
        s.quarantine(10)
            .unwrap()
            .into_iter()
            .find(|q| q.change.fields["head_name"] == head)
            .expect("quarantined")
    };

    // Too early: the server still refuses it, and it is held again.
    let q = held(&lan, "Hộ Cần Gửi Lại");
    assert_eq!(lan.retry_quarantined(q.id).unwrap(), RetryOutcome::Requeued);
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.rejected, r.quarantined), (0, 1, 2));

    // The commune gives Lan's team that village too: now it goes through.
    w.commune.set_team_villages(0, &[ours, theirs]);
    let q = held(&lan, "Hộ Cần Gửi Lại");
    assert_eq!(q.change.entity_id, wanted.0);
    lan.retry_quarantined(q.id).unwrap();
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.rejected, r.quarantined), (1, 0, 1));

    // The other one was a mistake: given up on, recorded, never sent.
    let q = held(&lan, "Hộ Nhập Nhầm");
    let d = lan
        .discard_quarantined(q.id, Some("Nhập nhầm thôn"))
        .unwrap();
    let r = sync(&mut lan);
    assert_eq!(
        (r.pushed_applied, r.rejected, r.quarantined, r.unsent),
        (0, 0, 0, 0)
    );
    assert_eq!(lan.discarded_changes(10).unwrap(), vec![d]);

    // A teammate gets the one that went through, and only that one.
    let mut minh = w.device("Máy của Minh", team[1]);
    sync(&mut minh);
    assert_eq!(heads(&minh, &[]), ["Hộ Cần Gửi Lại"]);
}

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

// ---------------------------------------------------------------------------
// Scope changes.

/// The household headed `head` on this device.
fn find(store: &Store, head: &str) -> HouseholdId {
    let all = store.list_households(&[]).expect("list");
    all.into_iter()
        .find(|h| h.head_name == head)
        .unwrap_or_else(|| panic!("{head} is not on this device"))
        .id
}

/// Move a household to `village`, keeping everything else.
fn move_household(store: &mut Store, id: HouseholdId, village: VillageId) {
    let h = store.household(id).expect("household").household;
    let input = HouseholdInput {
        village_id: Some(village),
        address: h.address,
        head_name: h.head_name,
        phone: h.phone,
        flags: h.flags,
    };
    store
        .write(|b| b.update_household(id, input))
        .expect("move household");
}

/// The heads' names of the households of `villages` (all when empty),
/// sorted.
fn heads(store: &Store, villages: &[VillageId]) -> Vec<String> {
    let list = store.list_households(villages).expect("list");
    let mut heads: Vec<String> = list.into_iter().map(|h| h.head_name).collect();
    heads.sort();
    heads
}

fn household_json(store: &Store, id: HouseholdId) -> Value {
    serde_json::to_value(store.household(id).expect("household")).expect("json")
}

/// A household moves from Lan's village to Bình's and back: each time the
/// village it left learns of the move, and the village it reaches gets its
/// whole history (residents, visits, actions) — nothing else, and without
/// anything held in the quarantine at the end.
fn a_household_moving_to_another_village_takes_its_history_along(backend: Backend) {
    let w = world(backend);
    let (west, east) = w.commune.villages();
    let lan_id = w.commune.members_of(0)[0];
    let (mut lan, _) = w.lan();
    let binh_id = w.commune.members_of(1)[1];
    let mut binh = w.device("Máy của Bình", binh_id);
    let mut officer = w.device("Máy của cán bộ xã", w.commune.officer());

    a_morning_of_work(&mut lan, west, lan_id, "Hộ Sắp Chuyển");
    add_household(&mut lan, west, "Hộ Ở Lại");
    sync(&mut lan);
    assert_eq!(sync(&mut binh).pulled_applied, 0);
    sync(&mut officer);
    let h = find(&officer, "Hộ Sắp Chuyển");
    move_household(&mut officer, h, east);
    sync(&mut officer);

    // Lan's village hears of the move: the household leaves her lists.
    let r = sync(&mut lan);
    assert_eq!((r.pulled_applied, r.history_applied), (1, 0));
    assert_eq!(heads(&lan, &[west]), ["Hộ Ở Lại"]);
    assert_eq!(household_json(&lan, h), household_json(&officer, h));
    // Bình's village gets it with all its history, and only that.
    let r = sync(&mut binh);
    assert_eq!(
        r.history_applied, 6,
        "household, resident, visit, 2 actions, the move"
    );
    assert_eq!((r.quarantined, r.unsent), (0, 0));
    assert_eq!(heads(&binh, &[]), ["Hộ Sắp Chuyển"]);
    assert_eq!(household_json(&binh, h), household_json(&officer, h));
    assert_eq!(binh.household(h).unwrap().visits.len(), 1);

    // Bình works on it; Lan's village no longer hears of it.
    a_visit_without_actions(&mut binh, h, binh_id);
    sync(&mut binh);
    assert_eq!(sync(&mut lan).pulled_applied, 0);
    sync(&mut officer);
    assert_eq!(household_json(&officer, h), household_json(&binh, h));

    // Back to Lan's village: she gets what happened while it was away.
    move_household(&mut officer, h, west);
    sync(&mut officer);
    let r = sync(&mut lan);
    assert!(r.history_applied >= 1, "{r:?}");
    assert_eq!(heads(&lan, &[west]), ["Hộ Sắp Chuyển", "Hộ Ở Lại"]);
    assert_eq!(lan.household(h).unwrap().visits.len(), 2);
    sync(&mut binh);
    assert!(heads(&binh, &[east]).is_empty());
    for d in [&lan, &binh, &officer] {
        assert_eq!(household_json(d, h), household_json(&officer, h));
        assert_eq!(
            (d.quarantine_count().unwrap(), d.unsent_count().unwrap()),
            (0, 0)
        );
    }
}

/// Lan's team is given Bình's village: Lan's next sync fetches that
/// village's history (exactly its changes), and its later work comes with
/// the cursor; taken away and given back, the village is fetched again.
fn a_team_gaining_a_village_fetches_that_villages_history(backend: Backend) {
    let w = world(backend);
    let commune = &w.commune;
    let (west, east) = commune.villages();
    let lan_id = commune.members_of(0)[0];
    let (mut lan, _) = w.lan();
    let binh_id = commune.members_of(1)[1];
    let mut binh = w.device("Máy của Bình", binh_id);

    for i in 0..2 {
        a_morning_of_work(&mut binh, east, binh_id, &format!("Hộ Thôn Đông {i}"));
    }
    sync(&mut binh);
    a_morning_of_work(&mut lan, west, lan_id, "Hộ Thôn Tây");
    let r = sync(&mut lan);
    assert_eq!(r.pulled_applied, 0);

    commune.set_team_villages(0, &[west, east]);
    let r = sync(&mut lan);
    assert_eq!(
        r.history_applied, 10,
        "two households of five changes each: {r:?}"
    );
    assert_eq!(r.pulled_applied, 10);
    assert_eq!(snapshot_of(&lan, &[east]), snapshot_of(&binh, &[east]));
    // From now on the cursor brings the village.
    add_household(&mut binh, east, "Hộ Thôn Đông Mới");
    sync(&mut binh);
    let r = sync(&mut lan);
    assert_eq!((r.pulled_applied, r.history_applied), (1, 0));
    // A teammate enrolled now gets everything from the cursor alone.
    let mut minh = w.device("Máy của Minh", commune.members_of(0)[1]);
    let r = sync(&mut minh);
    assert_eq!((r.pulled_applied, r.history_applied), (16, 0));
    assert_eq!(snapshot(&minh), snapshot(&lan));

    // Taken away: nothing more of it. Given back: what was missed comes.
    commune.set_team_villages(0, &[west]);
    sync(&mut lan);
    add_household(&mut binh, east, "Hộ Thôn Đông Sau Cùng");
    sync(&mut binh);
    // Lan's own work moves her cursor past Bình's new household.
    add_household(&mut lan, west, "Hộ Thôn Tây Mới");
    let r = sync(&mut lan);
    assert_eq!((r.pushed_applied, r.pulled_applied), (1, 0));
    assert_eq!(
        heads(&lan, &[east]).len(),
        3,
        "the copies stay on the device"
    );
    commune.set_team_villages(0, &[west, east]);
    let r = sync(&mut lan);
    assert_eq!((r.pulled_applied, r.history_applied), (1, 1));
    assert_eq!(snapshot_of(&lan, &[east]), snapshot_of(&binh, &[east]));
    assert_eq!(
        (lan.quarantine_count().unwrap(), lan.unsent_count().unwrap()),
        (0, 0)
    );
}

/// A short visit: met, nothing done.
fn a_visit_without_actions(store: &mut Store, h: HouseholdId, member: MemberId) {
    log_visit(store, h, member, "Đã chuyển về thôn mới", vec![]);
}

on_each_backend!(
    two_members_work_offline_sync_and_end_up_agreeing,
    a_revoked_device_is_refused_and_keeps_its_unsent_work,
    a_change_the_server_rejects_is_quarantined_and_the_rest_go_through,
    a_refused_change_is_retried_once_the_server_allows_it_or_discarded_on_purpose,
    cut_connections_and_a_killed_server_lose_nothing_and_duplicate_nothing,
    a_household_moving_to_another_village_takes_its_history_along,
    a_team_gaining_a_village_fetches_that_villages_history,
);
