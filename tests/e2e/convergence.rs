//! Convergence under faults, as a property: 2–5 members' devices (of two
//! villages' teams: the fourth and fifth are the second's) and two
//! devices of the commune officer do random offline work (create and edit
//! households and residents, log and void visits; leaders and the officer
//! mark households and visits "needs fix", members resolve the marks,
//! leaders reopen them; the officer's devices also merge duplicate
//! residents and undo merges, issue 6 — concurrently, so chains and cycles
//! happen), sync in random order through a proxy that cuts connections
//! mid-request and mid-response, while the server is SIGKILLed and
//! restarted. The officer merges residents of either village into one of
//! either. At the end every device equals, for its villages, what a
//! commune officer's fresh device pulls from the server, nothing is duplicated, nothing is
//! quarantined, every record a device created is there, and the indicators
//! every device counts are the server's report.
//!
//! CI runs a fixed fast subset; `GOCUA_CONVERGENCE_CASES=2000 cargo test -p
//! gocua-tests --test e2e --release convergence` runs the long mode.

use gocua_testkit::device;
use gocua_testkit::proxy;
use gocua_testkit::server;

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
    RestartServer,
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
        4 => (d, fault()).prop_map(|(dev, fault)| Op::Sync { dev, fault }),
        1 => Just(Op::RestartServer),
    ]
}

struct Device {
    store: Store,
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
}

impl World {
    fn new(devices: usize) -> World {
        let dir = TempDir::new().expect("temp dir");
        let data = dir.path().join("server");
        let bin = server_bin();
        let org: OrgSnapshot =
            serde_json::from_value(admin(&bin, &data, &["demo", "--villages", "2"]))
                .expect("demo org");
        let server = RunningServer::start(&bin, &data);
        let proxy = FaultyProxy::start(server.addr);
        let url = format!("https://{}", proxy.addr());
        let villages: Vec<VillageId> = org.villages.iter().map(|v| v.id).collect();
        let team_members: Vec<(MemberId, bool, Vec<VillageId>)> = org
            .members
            .iter()
            .filter_map(|m| {
                let team = org.teams.iter().find(|t| Some(t.id) == m.team_id)?;
                Some((m.id, m.role == Role::TeamLeader, team.village_ids.clone()))
            })
            .collect();
        let officer = org
            .members
            .iter()
            .find(|m| m.role == Role::CommuneOfficer)
            .expect("officer")
            .id;
        let mut list = Vec::new();
        for i in 0..devices {
            let (member, leader, villages) = team_members[i % team_members.len()].clone();
            let code = enroll_code(&bin, &data, &member.to_string());
            let mut store = Store::open(
                &dir.path().join(format!("device{i}.db")),
                &DbKey::Raw([i as u8 + 1; 32]),
            )
            .expect("open store");
            let payload = format!(
                "gocua-enroll:v1?url={url}&code={code}&fp={}",
                server.fingerprint
            );
            enroll(&mut store, &payload, None, &format!("Máy {i}"), &options()).expect("enroll");
            list.push(Device {
                store,
                member,
                leader,
                villages,
            });
        }
        // The officer's two devices: the last two (syncs and other work
        // reach them too, by index).
        for i in 0..2 {
            let code = enroll_code(&bin, &data, &officer.to_string());
            let mut store = Store::open(
                &dir.path().join(format!("officer{i}.db")),
                &DbKey::Raw([200 + i as u8; 32]),
            )
            .expect("open store");
            let payload = format!(
                "gocua-enroll:v1?url={url}&code={code}&fp={}",
                server.fingerprint
            );
            enroll(
                &mut store,
                &payload,
                None,
                &format!("Máy cán bộ {i}"),
                &options(),
            )
            .expect("enroll officer");
            // The officer may mark records too (`leader`: may open marks).
            list.push(Device {
                store,
                member: officer,
                leader: true,
                villages: villages.clone(),
            });
        }
        World {
            villages,
            officer,
            devices: list,
            created: Created::default(),
            data,
            proxy,
            server: Some(server),
            _dir: dir,
        }
    }

    fn run(&mut self, op: &Op) {
        let n = self.devices.len();
        match *op {
            Op::AddHousehold { dev, name, poor } => {
                let d = &mut self.devices[dev % n];
                let village = d.villages[name % d.villages.len()];
                let h = d
                    .store
                    .write(|b| {
                        b.add_household(HouseholdInput {
                            village_id: Some(village),
                            address: format!("Số {name}"),
                            head_name: NAMES[name].into(),
                            phone: None,
                            flags: HouseholdFlags {
                                poor,
                                ..HouseholdFlags::default()
                            },
                        })
                    })
                    .expect("add household");
                self.created.households.insert(h.id);
            }
            Op::EditHousehold {
                dev,
                pick: p,
                field,
                value,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let mut input = HouseholdInput {
                    village_id: Some(h.village_id),
                    address: h.address,
                    head_name: h.head_name,
                    phone: h.phone,
                    flags: h.flags,
                };
                match field {
                    0 => input.head_name = NAMES[value].into(),
                    1 => input.address = format!("Ngõ {value}"),
                    2 => input.phone = Some(format!("09{value:08}")),
                    _ => input.flags.no_smartphone = !input.flags.no_smartphone,
                }
                d.store
                    .write(|b| b.update_household(h.id, input))
                    .expect("edit household");
            }
            Op::AddResident {
                dev,
                pick: p,
                name,
                age,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let r = d
                    .store
                    .write(|b| {
                        b.add_resident(ResidentInput {
                            household_id: h.id,
                            full_name: NAMES[name].into(),
                            birth_year: 2026 - age,
                            sex: Sex::Female,
                            has_smartphone: age > 12,
                            consent_on: None,
                            citizen_id_hash: None,
                        })
                    })
                    .expect("add resident");
                self.created.residents.insert(r.id);
            }
            Op::EditResident {
                dev,
                pick: p,
                value,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let page = d.store.household(h.id).expect("household");
                let Some(r) = pick(&page.residents, value) else {
                    return;
                };
                let r = r.resident;
                d.store
                    .write(|b| {
                        b.update_resident(
                            r.id,
                            ResidentInput {
                                household_id: r.household_id,
                                full_name: NAMES[value].into(),
                                birth_year: r.birth_year,
                                sex: r.sex,
                                has_smartphone: !r.has_smartphone,
                                consent_on: r.consent_on,
                                citizen_id_hash: r.citizen_id_hash,
                            },
                        )
                    })
                    .expect("edit resident");
            }
            Op::LogVisit {
                dev,
                pick: p,
                actions,
                met,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let residents = d.store.household(h.id).expect("household").residents;
                let actions: Vec<ActionInput> = if met {
                    residents
                        .iter()
                        .take(actions)
                        .enumerate()
                        .map(|(i, r)| ActionInput {
                            resident_id: r.resident.id,
                            action: ACTIONS[(p + i) % ACTIONS.len()].parse().expect("code"),
                            outcome: ActionOutcome::Done,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let member = d.member;
                let (visit, _) = d
                    .store
                    .write(|b| {
                        b.log_visit(VisitInput {
                            household_id: h.id,
                            members: vec![member],
                            at: Utc::now(),
                            form: VisitForm::DoorToDoor,
                            outcome: if met {
                                VisitOutcome::Met
                            } else {
                                VisitOutcome::NotAtHome
                            },
                            note: None,
                            actions,
                        })
                    })
                    .expect("log visit");
                self.created.visits.insert(visit.id);
            }
            Op::VoidVisit { dev, pick: p } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let visits: Vec<VisitId> = d
                    .store
                    .household(h.id)
                    .expect("household")
                    .visits
                    .into_iter()
                    .filter(|v| v.voided_reason.is_none())
                    .map(|v| v.id)
                    .collect();
                let Some(v) = pick(&visits, p) else { return };
                let member = d.member;
                d.store
                    .write(|b| b.void_visit(v, "Ghi nhầm", member))
                    .expect("void visit");
            }
            Op::MergeResidents {
                officer,
                pick: p,
                into,
                across,
            } => {
                let d = &mut self.devices[n - 2 + officer % 2];
                let listed = |villages: &[VillageId]| -> Vec<ResidentId> {
                    d.store
                        .list_households(villages)
                        .expect("list")
                        .iter()
                        .flat_map(|h| d.store.household(h.id).expect("household").residents)
                        .map(|r| r.resident.id)
                        .collect()
                };
                let (from, to) = if across {
                    let v = &self.villages;
                    let (a, b) = (v[p % v.len()], v[(p + 1) % v.len()]);
                    (listed(&[a]), listed(&[b]))
                } else {
                    (listed(&[]), listed(&[]))
                };
                let (Some(dup), Some(keep)) = (pick(&from, p), pick(&to, into)) else {
                    return;
                };
                if dup == keep {
                    return;
                }
                d.store
                    .write(|b| b.merge_resident(dup, keep))
                    .expect("merge residents");
            }
            Op::Unmerge { officer, pick: p } => {
                let d = &mut self.devices[n - 2 + officer % 2];
                let merged: Vec<ResidentId> = d
                    .store
                    .resident_roots()
                    .expect("roots")
                    .merged()
                    .map(|(id, _)| id)
                    .collect();
                let Some(id) = pick(&merged, p) else { return };
                d.store.write(|b| b.unmerge_resident(id)).expect("unmerge");
            }
            Op::Mark {
                dev,
                pick: p,
                visit,
            } => {
                let d = &mut self.devices[dev % n];
                let Some(h) = pick(&d.store.list_households(&d.villages).expect("list"), p) else {
                    return;
                };
                let (kind, target) = if visit {
                    let visits = d.store.household(h.id).expect("household").visits;
                    let Some(v) = pick(&visits, p) else { return };
                    (EntityKind::Visit, v.id.0)
                } else {
                    (EntityKind::Household, h.id.0)
                };
                let author = d.member;
                let marked = d.store.write(|b| {
                    b.open_review(
                        author,
                        ReviewInput {
                            target_kind: kind,
                            target_id: target,
                            comment: format!("Xem lại {p}"),
                            assignee: None,
                        },
                    )
                });
                match marked {
                    Ok(m) => {
                        assert!(d.leader, "only a leader's device marks");
                        self.created.marks.insert(m.id);
                    }
                    Err(e) => assert!(!d.leader && e.code() == "not_allowed", "{e}"),
                }
            }
            Op::ResolveMark {
                dev,
                pick: p,
                reply,
            } => {
                let d = &mut self.devices[dev % n];
                let open: Vec<ReviewMarkId> = d
                    .store
                    .review_marks(ReviewQuery {
                        limit: 1000,
                        ..ReviewQuery::default()
                    })
                    .expect("marks")
                    .into_iter()
                    .filter(|i| i.mark.state == ReviewState::Open)
                    .map(|i| i.mark.id)
                    .collect();
                let Some(id) = pick(&open, p) else { return };
                let by = d.member;
                let words = reply.then(|| format!("Đã sửa {p}"));
                d.store
                    .write(|b| b.resolve_review(id, by, words.as_deref()))
                    .expect("resolve");
            }
            Op::ReopenMark { dev, pick: p } => {
                let d = &mut self.devices[dev % n];
                if !d.leader {
                    return;
                }
                let resolved: Vec<ReviewMarkId> = d
                    .store
                    .review_marks(ReviewQuery {
                        limit: 1000,
                        ..ReviewQuery::default()
                    })
                    .expect("marks")
                    .into_iter()
                    .filter(|i| i.mark.state == ReviewState::Resolved)
                    .map(|i| i.mark.id)
                    .collect();
                let Some(id) = pick(&resolved, p) else { return };
                let by = d.member;
                d.store
                    .write(|b| b.reopen_review(id, by, None))
                    .expect("reopen");
            }
            Op::Sync { dev, fault } => {
                if let Fault::Cut(direction, bytes) = fault {
                    self.proxy.cut_next(direction, bytes);
                }
                let d = &mut self.devices[dev % n];
                sync(&mut d.store, &options(), &mut |_| {}).expect("sync round (cuts are retried)");
            }
            Op::RestartServer => {
                if let Some(s) = self.server.take() {
                    s.kill();
                }
                let s = RunningServer::start(&server_bin(), &self.data);
                self.proxy.set_target(s.addr);
                self.server = Some(s);
            }
        }
    }

    /// Sync everyone until nothing moves, then compare with a fresh
    /// officer's device that pulls the whole commune.
    fn check(&mut self) {
        for _ in 0..2 {
            for d in &mut self.devices {
                sync(&mut d.store, &options(), &mut |_| {}).expect("final sync");
            }
        }
        let bin = server_bin();
        let code = enroll_code(&bin, &self.data, &self.officer.to_string());
        let dir = TempDir::new().expect("temp");
        let mut observer =
            Store::open(&dir.path().join("observer.db"), &DbKey::Raw([99; 32])).expect("observer");
        let fp = self.server.as_ref().expect("server").fingerprint.clone();
        let payload = format!(
            "gocua-enroll:v1?url=https://{}&code={code}&fp={fp}",
            self.proxy.addr()
        );
        enroll(&mut observer, &payload, None, "Máy cán bộ", &options()).expect("observer enroll");
        sync(&mut observer, &options(), &mut |_| {}).expect("observer sync");
        let truth = dump(&observer, &self.villages);

        let households: BTreeSet<String> = self
            .created
            .households
            .iter()
            .map(|h| h.to_string())
            .collect();
        assert_eq!(
            truth.keys().cloned().collect::<BTreeSet<_>>(),
            households,
            "every household arrived, none twice"
        );
        let text = serde_json::to_string(&truth).expect("json");
        for r in &self.created.residents {
            assert!(
                text.contains(&r.to_string()),
                "resident {r} missing on the server"
            );
        }
        let visits: usize = truth
            .values()
            .map(|h| h["visits"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(visits, self.created.visits.len(), "every visit once");
        let marks: usize = truth
            .values()
            .map(|h| h["marks"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(marks, self.created.marks.len(), "every mark once");
        for (i, d) in self.devices.iter().enumerate() {
            assert_eq!(
                d.store.unsent_count().expect("unsent"),
                0,
                "device {i} has unsent changes"
            );
            assert_eq!(
                d.store.quarantine_count().expect("quarantine"),
                0,
                "device {i} quarantined something"
            );
            // Its villages as the server has them: a merged person of
            // another village counted in one of them as the server counts.
            assert_eq!(
                dump(&d.store, &d.villages),
                dump(&observer, &d.villages),
                "device {i} differs from the server"
            );
        }
        // Figures: every device counts what the server reports (a merged
        // person once).
        let today = gocua_core::month::local_date(Utc::now());
        for village in &self.villages {
            let server = server_figures(&self.data, *village);
            let observed = figures(&observer, *village, today);
            assert_eq!(
                observed, server,
                "the officer's device counts as the server"
            );
            for (i, d) in self.devices.iter().enumerate() {
                if d.villages.contains(village) {
                    assert_eq!(
                        figures(&d.store, *village, today),
                        server,
                        "device {i} counts otherwise"
                    );
                }
            }
        }
    }
}

type Figures = BTreeMap<String, (u64, u64)>;

/// (achieved, denominator) of every indicator in the village, as a device
/// counts them.
fn figures(store: &Store, village: VillageId, today: chrono::NaiveDate) -> Figures {
    let counts = store.indicator_counts(today).expect("figures");
    let c = counts.get(&village).cloned().unwrap_or_default();
    gocua_core::indicators::Indicator::ALL
        .iter()
        .map(|i| {
            let t = c.get(*i);
            (i.code().to_string(), (t.achieved, t.denominator))
        })
        .collect()
}

/// The same from the server's report of this month (`admin report`).
fn server_figures(data: &std::path::Path, village: VillageId) -> Figures {
    let month = gocua_core::Month::of(gocua_core::month::local_date(Utc::now())).to_string();
    let d = admin(&server_bin(), data, &["report", "--month", &month]);
    let place = d["indicators"]["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .find(|p| p["place"]["id"] == json!(village.to_string()))
        .cloned()
        .expect("the village's indicators");
    place["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| {
            (
                v["indicator"].as_str().expect("code").to_string(),
                (
                    v["achieved"].as_u64().expect("achieved"),
                    v["denominator"].as_u64().expect("denominator"),
                ),
            )
        })
        .collect()
}

/// Everything a device knows about the households of `villages`, in a
/// canonical form.
fn dump(store: &Store, villages: &[VillageId]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for h in store.list_households(villages).expect("list") {
        let page = store.household(h.id).expect("household");
        let mut residents: Vec<Value> = page
            .residents
            .iter()
            .map(|r| {
                let from: Vec<String> = r
                    .merged_from
                    .iter()
                    .map(|m| m.resident_id.to_string())
                    .collect();
                json!({ "resident": r.resident, "merged_from": from, "checklist": r.checklist })
            })
            .collect();
        residents.sort_by_key(|r| r["resident"]["id"].to_string());
        let mut visits: Vec<Value> = page.visits.iter().map(|v| {
            let mut actions: Vec<Value> = v.actions.iter().map(|a| json!([a.resident_name, a.action_code, a.outcome, a.voided])).collect();
            actions.sort_by_key(|a| a.to_string());
            json!({ "id": v.id, "voided": v.voided_reason.is_some(), "outcome": v.outcome, "actions": actions })
        }).collect();
        visits.sort_by_key(|v| v["id"].to_string());
        let mut marks: Vec<Value> = store
            .review_marks(ReviewQuery {
                household: Some(h.id),
                limit: 1000,
                ..ReviewQuery::default()
            })
            .expect("marks")
            .into_iter()
            .map(|i| json!(i.mark))
            .collect();
        marks.sort_by_key(|m| m["id"].to_string());
        out.insert(
            h.id.to_string(),
            json!({ "household": page.household, "residents": residents, "visits": visits, "marks": marks }),
        );
    }
    out
}

fn cases() -> u32 {
    std::env::var("GOCUA_CONVERGENCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 20, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn devices_converge_with_the_server_under_faults(devices in 2usize..=5, ops in proptest::collection::vec(op(), 5..40)) {
        let mut world = World::new(devices);
        for op in &ops {
            world.run(op);
        }
        world.check();
    }
}

#[test]
fn a_fixed_scenario_with_every_kind_of_fault() {
    use Op::*;
    let mut world = World::new(3);
    let ops = [
        AddHousehold {
            dev: 0,
            name: 0,
            poor: true,
        },
        AddHousehold {
            dev: 1,
            name: 1,
            poor: false,
        },
        Sync {
            dev: 0,
            fault: Fault::Cut(Direction::Downstream, 300),
        },
        Sync {
            dev: 1,
            fault: Fault::Cut(Direction::Upstream, 200),
        },
        Sync {
            dev: 2,
            fault: Fault::None,
        },
        AddResident {
            dev: 2,
            pick: 0,
            name: 5,
            age: 70,
        },
        EditHousehold {
            dev: 0,
            pick: 0,
            field: 0,
            value: 3,
        },
        EditHousehold {
            dev: 2,
            pick: 0,
            field: 0,
            value: 4,
        },
        EditHousehold {
            dev: 1,
            pick: 0,
            field: 2,
            value: 7,
        },
        LogVisit {
            dev: 2,
            pick: 0,
            actions: 1,
            met: true,
        },
        Sync {
            dev: 2,
            fault: Fault::Cut(Direction::Downstream, 2500),
        },
        RestartServer,
        Sync {
            dev: 0,
            fault: Fault::None,
        },
        Sync {
            dev: 1,
            fault: Fault::Cut(Direction::Downstream, 4000),
        },
        VoidVisit { dev: 1, pick: 0 },
        Sync {
            dev: 0,
            fault: Fault::None,
        },
        Mark {
            dev: 0,
            pick: 0,
            visit: true,
        },
        Mark {
            dev: 1,
            pick: 0,
            visit: false,
        },
        Mark {
            dev: 0,
            pick: 0,
            visit: false,
        },
        Sync {
            dev: 0,
            fault: Fault::Cut(Direction::Upstream, 500),
        },
        Sync {
            dev: 1,
            fault: Fault::None,
        },
        ResolveMark {
            dev: 1,
            pick: 0,
            reply: true,
        },
        Sync {
            dev: 1,
            fault: Fault::Cut(Direction::Downstream, 700),
        },
        Sync {
            dev: 0,
            fault: Fault::None,
        },
        Sync {
            dev: 2,
            fault: Fault::None,
        },
        // The leader reopens while another member resolves, unseen.
        ReopenMark { dev: 0, pick: 0 },
        ResolveMark {
            dev: 2,
            pick: 0,
            reply: false,
        },
        RestartServer,
    ];
    for op in &ops {
        world.run(op);
    }
    assert_eq!(
        world.created.marks.len(),
        2,
        "the member's mark was refused"
    );
    world.check();
}

/// Issue 6: the officer's two devices, each offline, merge the same two
/// residents into each other (a cycle), a member logs work for both, and
/// one officer device then merges a third record into the pair: every
/// device resolves the same person and counts them once, as the server.
#[test]
fn concurrent_merges_into_each_other_resolve_alike_everywhere() {
    use Op::*;
    let mut world = World::new(2);
    let none = Fault::None;
    let ops = [
        AddHousehold {
            dev: 0,
            name: 3,
            poor: false,
        },
        AddResident {
            dev: 0,
            pick: 0,
            name: 3,
            age: 66,
        },
        AddResident {
            dev: 0,
            pick: 0,
            name: 3,
            age: 66,
        },
        AddResident {
            dev: 0,
            pick: 0,
            name: 3,
            age: 66,
        },
        LogVisit {
            dev: 0,
            pick: 0,
            actions: 3,
            met: true,
        },
        Sync {
            dev: 0,
            fault: none,
        },
        Sync {
            dev: 2,
            fault: none,
        },
        Sync {
            dev: 3,
            fault: none,
        },
        // Officer 0 merges resident 0 into 1, officer 1 resident 1 into 0.
        MergeResidents {
            officer: 0,
            pick: 0,
            into: 1,
            across: false,
        },
        MergeResidents {
            officer: 1,
            pick: 1,
            into: 0,
            across: false,
        },
        Sync {
            dev: 2,
            fault: Fault::Cut(Direction::Downstream, 900),
        },
        Sync {
            dev: 3,
            fault: none,
        },
        Sync {
            dev: 2,
            fault: none,
        },
        LogVisit {
            dev: 1,
            pick: 0,
            actions: 2,
            met: true,
        },
        MergeResidents {
            officer: 0,
            pick: 1,
            into: 0,
            across: false,
        },
        RestartServer,
    ];
    for op in &ops {
        world.run(op);
    }
    world.check();
    let roots = world.devices[0].store.resident_roots().expect("roots");
    assert!(
        roots.merged().count() >= 2,
        "the three records are one person: {roots:?}"
    );
}

/// Issue 6 across villages: the officer merges a resident of the second
/// village (worked by device 3) into one of the first (devices 0–2), then
/// device 3, not yet synced, logs more work for her and voids a visit:
/// the first village's devices count her as the server does, and hold
/// none of her housemates.
#[test]
fn a_merge_across_villages_reaches_the_kept_village() {
    use Op::*;
    let mut world = World::new(4);
    let none = Fault::None;
    let sync = |dev| Sync { dev, fault: none };
    let add = |dev, name, age| AddResident {
        dev,
        pick: 0,
        name,
        age,
    };
    let visit = |dev| LogVisit {
        dev,
        pick: 0,
        actions: 2,
        met: true,
    };
    let household = |dev| AddHousehold {
        dev,
        name: 3,
        poor: false,
    };
    let ops = [
        household(0),
        add(0, 3, 66),
        household(3),
        add(3, 3, 66),
        add(3, 1, 40),
        visit(3),
        sync(0),
        sync(3),
        sync(4),
        MergeResidents {
            officer: 0,
            pick: 1,
            into: 0,
            across: true,
        },
        sync(4),
        sync(0),
        visit(3),
        VoidVisit { dev: 3, pick: 0 },
        sync(3),
        sync(1),
    ];
    for op in &ops {
        world.run(op);
    }
    world.check();
    let first = &world.devices[0].store;
    let roots = first.resident_roots().expect("roots");
    assert_eq!(roots.merged().count(), 1, "{roots:?}");
    let b = world.villages[1];
    let mut held = 0;
    for h in first.list_households(&[b]).expect("list") {
        held += first.household(h.id).expect("household").residents.len();
    }
    assert_eq!(held, 0, "her housemates stay in their village");
}
