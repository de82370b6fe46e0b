//! Random pushes from a hostile member's device (issue 15): batches of
//! random kinds, fields, stamps and targets — records of its own village
//! and of the other one, credits of anyone, dates of any year, names with
//! control characters — pushed into a real database. The push never fails
//! (a failure is the server's 5xx), and nothing outside the device's scope
//! moves: what the other village's devices pull, and the other team's,
//! its village's and the officer's figures, are as before every batch.

use super::*;
use gocua_core::indicators::Period;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// One change to make, by indexes into what exists when it is made.
#[derive(Debug, Clone)]
enum Recipe {
    Household {
        village: u8,
        head: u8,
        edit: Option<u8>,
    },
    Resident {
        household: u8,
        name: u8,
        consent: u8,
    },
    Visit {
        household: u8,
        members: Vec<u8>,
        at: u8,
    },
    Action {
        visit: u8,
        resident: u8,
        code: u8,
        due: Option<u8>,
    },
    Void {
        fact: u8,
        by: u8,
        at: u8,
    },
    Mark {
        target: u8,
        author: u8,
    },
    /// Any field set to any value on any record.
    Junk {
        target: u8,
        field: u8,
        value: u8,
    },
}

/// How a change is stamped: by the device or another, and when.
#[derive(Debug, Clone)]
struct Stamp {
    foreign: bool,
    wall: u8,
}

fn recipe() -> impl Strategy<Value = Recipe> {
    let i = || any::<u8>();
    prop_oneof![
        (i(), i(), proptest::option::of(i())).prop_map(|(village, head, edit)| Recipe::Household {
            village,
            head,
            edit
        }),
        (i(), i(), i()).prop_map(|(household, name, consent)| Recipe::Resident {
            household,
            name,
            consent
        }),
        (i(), proptest::collection::vec(i(), 0..4), i()).prop_map(|(household, members, at)| {
            Recipe::Visit {
                household,
                members,
                at,
            }
        }),
        (i(), i(), i(), proptest::option::of(i())).prop_map(|(visit, resident, code, due)| {
            Recipe::Action {
                visit,
                resident,
                code,
                due,
            }
        }),
        (i(), i(), i()).prop_map(|(fact, by, at)| Recipe::Void { fact, by, at }),
        (i(), i()).prop_map(|(target, author)| Recipe::Mark { target, author }),
        (i(), i(), i()).prop_map(|(target, field, value)| Recipe::Junk {
            target,
            field,
            value
        }),
    ]
}

fn batch() -> impl Strategy<Value = Vec<(Recipe, Stamp)>> {
    let stamp = (prop::bool::weighted(0.05), any::<u8>())
        .prop_map(|(foreign, wall)| Stamp { foreign, wall });
    proptest::collection::vec((recipe(), stamp), 1..12)
}

/// Each list's first entry is a good one (the device's own village,
/// member, household…): picked two times in five, so that good changes
/// build on each other; the rest spread over the list.
fn pick<T: Copy>(list: &[T], i: u8) -> T {
    list[index(list.len(), i)]
}

fn index(len: usize, i: u8) -> usize {
    if i < 100 { 0 } else { usize::from(i) % len }
}

const NAMES: [&str; 6] = [
    "Nguyễn Thị Lan",
    "Lê\u{0}Văn",
    "Nguye\u{302}\u{303}n Văn A",
    "   ",
    "Bà\u{1b}[2J",
    "Hà Văn Tư",
];

/// Times from sane to absurd.
fn time(i: u8) -> Value {
    let now = Utc::now();
    let times = [
        json!(now - Duration::hours(2)),
        json!(Utc.with_ymd_and_hms(2026, 11, 3, 3, 0, 0).unwrap()),
        json!(now + Duration::days(3)),
        json!("0000-01-01T00:00:00Z"),
        json!("9999-12-31T00:00:00Z"),
        json!("not a time"),
    ];
    times[index(times.len(), i)].clone()
}

fn day(i: u8) -> Value {
    let days = [
        json!("2026-11-20"),
        json!("0000-01-01"),
        json!("9999-12-31"),
        json!("2019-12-31"),
        Value::Null,
        json!(12),
    ];
    days[index(days.len(), i)].clone()
}

/// What the world holds: ids the recipes point at (the other village's
/// records among them).
struct Pools {
    villages: Vec<gocua_core::VillageId>,
    members: Vec<MemberId>,
    households: Vec<Uuid>,
    residents: Vec<Uuid>,
    visits: Vec<Uuid>,
    facts: Vec<(EntityKind, Uuid)>,
    any: Vec<(EntityKind, Uuid)>,
}

fn make(d: &mut Device, p: &Pools, recipe: &Recipe) -> Change {
    let (entity, id, fields) = match recipe {
        Recipe::Household {
            village,
            head,
            edit,
        } => {
            let id = match edit {
                Some(e) => pick(&p.households, *e),
                None => Uuid::now_v7(),
            };
            let mut f = Map::new();
            f.insert("village_id".into(), json!(pick(&p.villages, *village)));
            f.insert("head_name".into(), json!(pick(&NAMES, *head)));
            if edit.is_none() {
                f.insert("address".into(), json!("Số 1"));
                f.insert("phone".into(), Value::Null);
                for flag in ["poor", "near_poor", "ethnic_minority", "elderly_only"] {
                    f.insert(flag.into(), json!(false));
                }
                f.insert("no_smartphone".into(), json!(false));
            }
            (EntityKind::Household, id, f)
        }
        Recipe::Resident {
            household,
            name,
            consent,
        } => {
            let mut f = Map::new();
            f.insert(
                "household_id".into(),
                json!(pick(&p.households, *household)),
            );
            f.insert("full_name".into(), json!(pick(&NAMES, *name)));
            f.insert("birth_year".into(), json!(1970));
            f.insert("sex".into(), json!("female"));
            f.insert("has_smartphone".into(), json!(true));
            f.insert("consent_on".into(), day(*consent));
            f.insert("citizen_id_hash".into(), Value::Null);
            (EntityKind::Resident, Uuid::now_v7(), f)
        }
        Recipe::Visit {
            household,
            members,
            at,
        } => {
            let credited: Vec<MemberId> = members.iter().map(|m| pick(&p.members, *m)).collect();
            let mut f = Map::new();
            f.insert(
                "household_id".into(),
                json!(pick(&p.households, *household)),
            );
            f.insert("members".into(), json!(credited));
            f.insert("at".into(), time(*at));
            f.insert("form".into(), json!("door_to_door"));
            f.insert("outcome".into(), json!("met"));
            f.insert("note".into(), Value::Null);
            f.insert("voided".into(), Value::Null);
            (EntityKind::Visit, Uuid::now_v7(), f)
        }
        Recipe::Action {
            visit,
            resident,
            code,
            due,
        } => {
            let outcome = match due {
                None => json!({"status": "done"}),
                Some(d) => json!({"status": "follow_up", "due": day(*d)}),
            };
            let mut f = Map::new();
            f.insert("visit_id".into(), json!(pick(&p.visits, *visit)));
            f.insert("resident_id".into(), json!(pick(&p.residents, *resident)));
            f.insert(
                "action".into(),
                json!(pick(&["vneid_l2", "bank_account", "moon"], *code)),
            );
            f.insert("outcome".into(), outcome);
            f.insert("voided".into(), Value::Null);
            (EntityKind::AssistedAction, Uuid::now_v7(), f)
        }
        Recipe::Void { fact, by, at } => {
            let (entity, id) = pick(&p.facts, *fact);
            let mut f = Map::new();
            f.insert(
                "voided".into(),
                json!({"reason": "Ghi nhầm", "by": pick(&p.members, *by), "at": time(*at)}),
            );
            (entity, id, f)
        }
        Recipe::Mark { target, author } => {
            let (kind, target) = pick(&p.any, *target);
            let household = match kind {
                EntityKind::Household => target,
                _ => pick(&p.households, 0),
            };
            let mut f = Map::new();
            f.insert("target_kind".into(), json!(kind));
            f.insert("target_id".into(), json!(target));
            f.insert("household_id".into(), json!(household));
            f.insert("comment".into(), json!("Sai tên"));
            f.insert("author".into(), json!(pick(&p.members, *author)));
            f.insert("created_at".into(), json!(Utc::now()));
            f.insert("assignee".into(), Value::Null);
            f.insert("state".into(), json!("open"));
            f.insert("reply".into(), Value::Null);
            f.insert("resolved_by".into(), Value::Null);
            f.insert("resolved_at".into(), Value::Null);
            (EntityKind::ReviewMark, Uuid::now_v7(), f)
        }
        Recipe::Junk {
            target,
            field,
            value,
        } => {
            let (entity, id) = pick(&p.any, *target);
            let names = [
                "village_id",
                "household_id",
                "merged_into",
                "members",
                "head_name",
                "voided",
                "state",
                "resolved_by",
            ];
            let values = [
                json!(pick(&p.villages, *value)),
                json!(pick(&p.households, *value)),
                json!(pick(&p.residents, *value)),
                json!([pick(&p.members, *value)]),
                json!(pick(&NAMES, *value)),
                Value::Null,
                json!("resolved"),
                json!(pick(&p.members, *value)),
            ];
            let mut f = Map::new();
            f.insert(pick(&names, *field).into(), pick_value(&values, *value));
            (entity, id, f)
        }
    };
    d.change(entity, id, fields)
}

impl Pools {
    /// A record the server took becomes a target for the next changes.
    fn taken(&mut self, entity: EntityKind, id: Uuid) {
        if self.any.contains(&(entity, id)) {
            return;
        }
        match entity {
            EntityKind::Household => self.households.push(id),
            EntityKind::Resident => self.residents.push(id),
            EntityKind::Visit => self.visits.push(id),
            _ => {}
        }
        if entity.is_immutable_fact() {
            self.facts.push((entity, id));
        }
        self.any.push((entity, id));
    }
}

fn pick_value(values: &[Value], i: u8) -> Value {
    values[index(values.len(), i)].clone()
}

/// Everything outside the pushing device's scope that a push could move.
fn outside(s: &Server, other: &Device, team: gocua_core::TeamId, watched: &[MemberId]) -> Value {
    let nov: Period = "2026-11".parse().unwrap();
    let dec: Period = "2026-12".parse().unwrap();
    let today = gocua_core::month::local_date(Utc::now());
    let mut out = Vec::new();
    for period in [nov, dec] {
        out.push(json!(s.db.team_view(team, period, today).unwrap()));
        out.push(json!(
            s.db.village_view(s.village(1), period, today).unwrap()
        ));
        for m in watched {
            out.push(json!(s.db.member_period(*m, period, today).unwrap()));
        }
    }
    let pulled: Vec<(i64, Change)> = s.pull_all(other, 500);
    json!({ "figures": out, "pulled": pulled })
}

fn random_pushes_stay_in_scope(backend: Backend) {
    let s = server(backend);
    let mut me = s.enroll(s.member(0, 1));
    let mut other = s.enroll(s.member(1, 1));
    // Each village has a household, a resident, a visit and an action.
    let seed = |d: &mut Device, v: usize, credit: MemberId| {
        let (h, ch) = d.household(s.village(v), "Hộ có sẵn");
        let (r, cr) = d.resident(h, "Người có sẵn");
        let (visit, mut cv) = d.visit(h, credit);
        cv.fields
            .insert("at".into(), json!(Utc::now() - Duration::hours(3)));
        let (a, ca) = d.action(visit, r, "vneid_l2");
        assert_eq!(s.push(d, &[ch, cr, cv, ca]), vec![ApplyResult::Applied; 4]);
        (h, r, visit, a)
    };
    let mine = seed(&mut me, 0, s.member(0, 1));
    let theirs = seed(&mut other, 1, s.member(1, 1));
    let pools = Pools {
        villages: vec![
            s.village(0),
            s.village(0),
            s.village(1),
            gocua_core::VillageId::new(),
        ],
        members: vec![
            s.member(0, 1),
            s.member(0, 0),
            s.member(0, 2),
            s.member(1, 1),
            s.member(1, 0),
            s.officer(),
            MemberId::new(),
        ],
        households: vec![mine.0.0, theirs.0.0],
        residents: vec![mine.1.0, theirs.1.0],
        visits: vec![mine.2.0, theirs.2.0],
        facts: vec![
            (EntityKind::Visit, mine.2.0),
            (EntityKind::AssistedAction, mine.3.0),
            (EntityKind::Visit, theirs.2.0),
            (EntityKind::AssistedAction, theirs.3.0),
        ],
        any: vec![
            (EntityKind::Household, mine.0.0),
            (EntityKind::Household, theirs.0.0),
            (EntityKind::Resident, theirs.1.0),
            (EntityKind::Visit, theirs.2.0),
            (EntityKind::AssistedAction, theirs.3.0),
        ],
    };
    let team = s.org.teams[1].id;
    // The officer is left out: a member may credit them beside themselves
    // (an officer serves every village, `gocua_core::credit`).
    let watched = [s.member(1, 0), s.member(1, 1), s.member(1, 2)];
    let cases = std::env::var("GOCUA_PUSH_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    // The runner takes a `Fn`: what the cases share is borrowed in turn.
    let me = std::cell::RefCell::new(me);
    let pools = std::cell::RefCell::new(pools);
    let applied = std::cell::Cell::new(0);
    let codes = std::cell::RefCell::new(std::collections::BTreeMap::<String, usize>::new());
    let result = runner.run(&batch(), |recipes| {
        let before = outside(&s, &other, team, &watched);
        let mut me = me.borrow_mut();
        let changes: Vec<Change> = recipes
            .iter()
            .map(|(r, stamp)| {
                let mut c = make(&mut me, &pools.borrow(), r);
                if stamp.foreign {
                    c.hlc.device = other.auth.device_id;
                }
                if stamp.wall % 16 == 0 {
                    c.hlc.wall_ms += 3 * 24 * 3600 * 1000;
                }
                c
            })
            .collect();
        let results =
            s.db.push(&me.auth, &changes)
                .map_err(|e| TestCaseError::fail(format!("the push failed: {e}")))?;
        prop_assert_eq!(results.len(), changes.len());
        for ((_, r), c) in results.iter().zip(&changes) {
            match r {
                ApplyResult::Applied => {
                    applied.set(applied.get() + 1);
                    pools.borrow_mut().taken(c.entity, c.entity_id);
                }
                ApplyResult::Rejected { code, message } => {
                    prop_assert!(!message.is_empty() && message.chars().count() < 400);
                    *codes.borrow_mut().entry(code.clone()).or_default() += 1;
                }
                ApplyResult::AlreadyHad => {}
            }
        }
        let after = outside(&s, &other, team, &watched);
        prop_assert!(before == after, "outside the scope moved: {:?}", recipes);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The refusals seen, for whoever reads the test's output.
    eprintln!("applied {}, refused {:?}", applied.get(), codes.borrow());
    assert!(applied.get() > 0, "some random changes are good ones");
}

on_each_backend!(random_pushes_stay_in_scope);
