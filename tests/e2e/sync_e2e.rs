//! Devices and the real `gocua-server` end to end: real encrypted device
//! stores driven through `gocua_sync::client`, the server binary on
//! 127.0.0.1 with a fresh data folder, TLS pinned; every scenario on SQLite
//! (`sqlite::…`) and, when GOCUA_TEST_PG_URL names a database, on
//! PostgreSQL (`postgres::…`, a schema of its own each). Two members of a team
//! work offline and converge; a revoked device is refused and keeps its
//! work; a change the server rejects is quarantined without holding back
//! the rest, and can be sent again or given up; connections cut at many
//! points and a server killed with SIGKILL cost nothing; a household moving
//! to another village, and a team gaining a village, bring their history;
//! a member out of the server's reach syncs through its leader's relay.

use backend::{Backend, Place};
use chrono::Utc;
use device::options;
use gocua_core::{
    ActionInput, ActionOutcome, HouseholdFlags, HouseholdId, HouseholdInput, MemberId, OrgSnapshot,
    ResidentInput, Role, Sex, VillageId, VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::{DbKey, QuarantineDirection, RetryOutcome, Store};
use gocua_sync::client::{self, EnrollOutcome, SyncError, SyncReport};
use gocua_testkit::{backend, device, on_each_backend, proxy, server};
use gocua_wire::EnrollmentPayload;
use proxy::{Direction, FaultyProxy};
use serde_json::Value;
use server::{RunningServer, admin_with, server_bin};
use std::ffi::OsString;
use tempfile::TempDir;

mod clock;
mod faults;
mod history;
mod offline;
mod refused;
mod relay;
mod resets;

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

fn household_json(store: &Store, id: HouseholdId) -> Value {
    serde_json::to_value(store.household(id).expect("household")).expect("json")
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
// Scope changes.

/// The household headed `head` on this device.
fn find(store: &Store, head: &str) -> HouseholdId {
    let all = store.list_households(&[]).expect("list");
    all.into_iter()
        .find(|h| h.head_name == head)
        .unwrap_or_else(|| panic!("{head} is not on this device"))
        .id
}

/// The heads' names of the households of `villages` (all when empty),
/// sorted.
fn heads(store: &Store, villages: &[VillageId]) -> Vec<String> {
    let list = store.list_households(villages).expect("list");
    let mut heads: Vec<String> = list.into_iter().map(|h| h.head_name).collect();
    heads.sort();
    heads
}
