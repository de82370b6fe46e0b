//! Convergence under faults, as a property: 2–5 members' devices (of two
//! villages' teams: the fourth and fifth are the second's) and two
//! devices of the commune officer do random offline work (create and edit
//! households and residents, log and void visits; leaders and the officer
//! mark households and visits "needs fix", members resolve the marks,
//! leaders reopen them; the officer's devices also merge duplicate
//! residents and undo merges, issue 6 — concurrently, so chains and cycles
//! happen), sync in random order through a proxy that cuts connections
//! mid-request and mid-response, while the server is SIGKILLed and
//! restarted; the first team's members also sync, for a random subset of
//! their syncs, through their leader's relay (issue 18), which hands their
//! work on when the leader syncs. The officer merges residents of either village into one of
//! either. At the end every device equals, for its villages, what a
//! commune officer's fresh device pulls from the server, nothing is duplicated, nothing is
//! quarantined, every record a device created is there, and the indicators
//! every device counts are the server's report.
//!
//! CI runs a fixed fast subset; `GOCUA_CONVERGENCE_CASES=2000 cargo test -p
//! gocua-tests --test e2e --release convergence` runs the long mode.

use gocua_testkit::{device, proxy, server};

use chrono::Utc;
use device::options;
use gocua_core::review::{ReviewInput, ReviewState};
use gocua_core::{
    ActionInput, ActionOutcome, EntityKind, HouseholdFlags, HouseholdId, HouseholdInput, MemberId,
    OrgSnapshot, ResidentId, ResidentInput, ReviewMarkId, Role, Sex, VillageId, VisitForm, VisitId,
    VisitInput, VisitOutcome,
};
use gocua_device::{DbKey, ReviewQuery, Store};
use gocua_sync::client::{enroll, sync};
use proptest::prelude::*;
use proxy::{Direction, FaultyProxy};
use serde_json::{Value, json};
use server::{RunningServer, admin, enroll_code, server_bin};
use std::collections::{BTreeMap, BTreeSet};
use tempfile::TempDir;

mod check;
mod property;
mod scenarios;
mod world;

const NAMES: &[&str] = &[
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Đức Cường",
    "Phạm Thị Đào",
    "Hoàng Văn Em",
    "Lò Thị Ún",
    "Đỗ Văn Giang",
    "Bùi Thị Hằng",
];
const ACTIONS: &[&str] = &["vneid_l2", "ehealth_book", "online_safety", "bank_account"];

#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    Cut(Direction, u64),
}

#[derive(Debug, Clone)]
enum Op {
    AddHousehold {
        dev: usize,
        name: usize,
        poor: bool,
    },
    EditHousehold {
        dev: usize,
        pick: usize,
        field: u8,
        value: usize,
    },
    AddResident {
        dev: usize,
        pick: usize,
        name: usize,
        age: i32,
    },
    EditResident {
        dev: usize,
        pick: usize,
        value: usize,
    },
    LogVisit {
        dev: usize,
        pick: usize,
        actions: usize,
        met: bool,
    },
    VoidVisit {
        dev: usize,
        pick: usize,
    },
    /// On officer device `officer` (0 or 1): merge one resident it lists
    /// into another (`across`: of the other village).
    MergeResidents {
        officer: usize,
        pick: usize,
        into: usize,
        across: bool,
    },
    /// On officer device `officer`: undo one merge it holds.
    Unmerge {
        officer: usize,
        pick: usize,
    },
    /// A leader's device marks a household (`visit` false) or one of its
    /// visits; a member's device is refused.
    Mark {
        dev: usize,
        pick: usize,
        visit: bool,
    },
    ResolveMark {
        dev: usize,
        pick: usize,
        reply: bool,
    },
    ReopenMark {
        dev: usize,
        pick: usize,
    },
    Sync {
        dev: usize,
        fault: Fault,
    },
    /// The device syncs through its team leader's relay (issue 18) when
    /// it joined one (the first team's members), else does nothing.
    RelaySync {
        dev: usize,
    },
    RestartServer,
    /// `admin backup` while the server serves.
    Backup,
    /// The server restored from one of its earlier backups (the first is
    /// taken once every device is enrolled): the devices heal it.
    RestoreServer {
        pick: usize,
    },
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => Just(Fault::None),
        1 => (1u64..6000).prop_map(|n| Fault::Cut(Direction::Upstream, n)),
        1 => (1u64..6000).prop_map(|n| Fault::Cut(Direction::Downstream, n)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let d = 0usize..5;
    prop_oneof![
        4 => (d.clone(), 0..NAMES.len(), any::<bool>()).prop_map(|(dev, name, poor)| Op::AddHousehold { dev, name, poor }),
        3 => (d.clone(), any::<usize>(), 0u8..4, 0..NAMES.len()).prop_map(|(dev, pick, field, value)| Op::EditHousehold { dev, pick, field, value }),
        3 => (d.clone(), any::<usize>(), 0..NAMES.len(), 0i32..90).prop_map(|(dev, pick, name, age)| Op::AddResident { dev, pick, name, age }),
        2 => (d.clone(), any::<usize>(), 0..NAMES.len()).prop_map(|(dev, pick, value)| Op::EditResident { dev, pick, value }),
        3 => (d.clone(), any::<usize>(), 0usize..3, prop::bool::weighted(0.8)).prop_map(|(dev, pick, actions, met)| Op::LogVisit { dev, pick, actions, met }),
        1 => (d.clone(), any::<usize>()).prop_map(|(dev, pick)| Op::VoidVisit { dev, pick }),
        3 => (0usize..2, any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(officer, pick, into, across)| Op::MergeResidents { officer, pick, into, across }),
        1 => (0usize..2, any::<usize>()).prop_map(|(officer, pick)| Op::Unmerge { officer, pick }),
        2 => (d.clone(), any::<usize>(), any::<bool>()).prop_map(|(dev, pick, visit)| Op::Mark { dev, pick, visit }),
        2 => (d.clone(), any::<usize>(), any::<bool>()).prop_map(|(dev, pick, reply)| Op::ResolveMark { dev, pick, reply }),
        1 => (d.clone(), any::<usize>()).prop_map(|(dev, pick)| Op::ReopenMark { dev, pick }),
        4 => (d.clone(), fault()).prop_map(|(dev, fault)| Op::Sync { dev, fault }),
        3 => d.prop_map(|dev| Op::RelaySync { dev }),
        1 => Just(Op::RestartServer),
        1 => Just(Op::Backup),
        1 => any::<usize>().prop_map(|pick| Op::RestoreServer { pick }),
    ]
}

struct Device {
    store: Store,
    /// Joined the first team leader's relay.
    relayed: bool,
    member: MemberId,
    leader: bool,
    /// The villages it works in: its team's, or the commune's (officers).
    villages: Vec<VillageId>,
}

/// Records each device created, to check they all arrive.
#[derive(Default)]
struct Created {
    households: BTreeSet<HouseholdId>,
    residents: BTreeSet<ResidentId>,
    visits: BTreeSet<VisitId>,
    marks: BTreeSet<ReviewMarkId>,
}

fn pick<T: Clone>(items: &[T], n: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[n % items.len()].clone())
}

struct World {
    _dir: TempDir,
    data: std::path::PathBuf,
    server: Option<RunningServer>,
    proxy: FaultyProxy,
    /// Two villages, a team each: the officer's merges cross them.
    villages: Vec<VillageId>,
    officer: MemberId,
    devices: Vec<Device>,
    created: Created,
    /// Backups taken so far (`Op::Backup`), oldest first.
    backups: Vec<std::path::PathBuf>,
    /// The first team leader's relay, its team's other devices joined.
    relay: Option<gocua_testkit::relay::RunningRelay>,
}
