//! Reports from the central database, on SQLite and PostgreSQL: the
//! hand-made commune pushed like devices push it gives the hand-worked
//! figures; the SQL over the report tables equals `gocua_core`'s counting
//! from the records (hand-made and random communes, with moves, voids and
//! repeats), before and after a rebuild; every figure opens to exactly the
//! records it counts.

use gocua_testkit::{backend, on_each_backend, reports_fixture, reports_push};

use backend::{Backend, Place as DbPlace};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use gocua_central::CentralDb;
use gocua_core::demo::demo_org;
use gocua_core::indicators::*;
use gocua_core::month::local_date;
use gocua_core::*;
use reports_fixture::{Fixture, Q4, d, fixture, member, village};
use reports_push::{Pusher, load_fixture, push_work};
use std::collections::BTreeSet;

/// What `gocua_core` makes of the records for the commune's dashboard.
fn reference(
    db: &CentralDb,
    commune: CommuneId,
    records: &Records<'_>,
    period: Period,
    today: NaiveDate,
) -> CommuneDashboard {
    let org = db.org_snapshot(commune).unwrap();
    let cat = db.catalogue(commune).unwrap();
    let targets = db.report_targets(commune).unwrap();
    let as_of = period.as_of(today);
    let counts = indicator_counts(&cat, records, as_of);
    let work = work_facts(&org, records, period, as_of);
    commune_dashboard(&org, &targets, period, as_of, &counts, &work)
}

fn values(p: &PlaceIndicators, i: Indicator) -> (u64, u64) {
    let v = p.values.iter().find(|v| v.indicator == i).unwrap();
    (v.achieved, v.denominator)
}

fn hand_made_commune_gives_the_hand_worked_figures(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let f = fixture();
    load_fixture(&db, &f);
    let commune = f.org.commune.id;
    let today = d(2026, 12, 10);
    let nov: Period = "2026-11".parse().unwrap();
    let dash = db.commune_dashboard(commune, nov, today).unwrap();
    assert_eq!(dash, reference(&db, commune, &f.records(), nov, today));
    // A few of the sums from gocua-core's tests/domain/reports_core.rs,
    // read off the server.
    let a = dash
        .indicators
        .villages
        .iter()
        .find(|p| p.place == Place::Village(village(1)))
        .unwrap();
    assert_eq!(values(a, Indicator::VneidL2), (2, 5));
    assert_eq!(values(a, Indicator::DigitalCitizens), (1, 6));
    assert_eq!(values(a, Indicator::HouseholdsReached), (3, 3));
    let ta = dash.teams.iter().find(|t| t.name == "Tổ A").unwrap();
    assert_eq!((ta.assists, ta.households_helped), (11, 2));
    let a2 = ta
        .members
        .iter()
        .find(|m| m.member_id == member(2))
        .unwrap();
    assert_eq!((a2.follow_ups.open, a2.follow_ups.overdue), (1, 1));
    assert_eq!((dash.work.assists, dash.work.households_helped), (14, 3));

    let q4 = Period::Quarter(Q4);
    let dash = db.commune_dashboard(commune, q4, today).unwrap();
    assert_eq!(dash, reference(&db, commune, &f.records(), q4, today));
    let b = dash
        .indicators
        .villages
        .iter()
        .find(|p| p.place == Place::Village(village(2)))
        .unwrap();
    assert_eq!(values(b, Indicator::DigitalFamilies), (1, 2));
    let report = db.quarter_report(commune, Q4, today).unwrap();
    assert_eq!(report.dashboard, dash);
    assert_eq!(report.recognition.teams[0].name, "Tổ A");

    // The other views are cut from the same figures.
    let team = db.team_view(ta.team_id, nov, today).unwrap();
    assert_eq!(&team.team, ta);
    assert_eq!(values(&team.indicators, Indicator::VneidL2), (2, 5));
    let m = db.member_period(member(2), nov, today).unwrap();
    assert_eq!((m.assists, m.households_helped), (8, 2));
    let v = db.village_view(village(2), nov, today).unwrap();
    assert_eq!((v.work.assists, v.work.households_helped), (3, 1));
}

fn moves_and_rebuilds_keep_the_figures_true(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let mut f = fixture();
    let mut p = load_fixture(&db, &f);
    let commune = f.org.commune.id;
    let today = d(2026, 12, 10);
    let q4 = Period::Quarter(Q4);
    // h2 moves to village B, with its people, standing and visits.
    p.edit(
        EntityKind::Household,
        reports_fixture::hh(2).0,
        serde_json::json!({ "village_id": village(2) }),
    );
    p.send(&db);
    f.households[1].village_id = village(2);
    let moved = db.commune_dashboard(commune, q4, today).unwrap();
    assert_eq!(moved, reference(&db, commune, &f.records(), q4, today));
    let b = moved
        .indicators
        .villages
        .iter()
        .find(|p| p.place == Place::Village(village(2)))
        .unwrap();
    // 15+ in B now: r7, r8, r9 and h2's r4, r5, r6; done: r9 and r4.
    assert_eq!(values(b, Indicator::BankAccount), (2, 6));
    // Rebuilding the report tables from the records changes nothing.
    db.rebuild_reports(commune).unwrap();
    assert_eq!(db.commune_dashboard(commune, q4, today).unwrap(), moved);
}

/// A small deterministic generator (xorshift64*), so a failing case can be
/// rerun from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Random {
    f: Fixture,
}

/// A random commune pushed like devices push it: 3 villages, residents
/// moving between households and households between villages, visits on
/// random days (some just after midnight in Vietnam), repeated and voided
/// actions, follow-ups later done or not.
fn random_commune(db: &CentralDb, seed: u64) -> Random {
    let mut rng = Rng(seed.max(1));
    let org = demo_org(3);
    db.import_org(&org).unwrap();
    let officer = org
        .members
        .iter()
        .find(|m| m.role == Role::CommuneOfficer)
        .unwrap()
        .id;
    // Who may be credited at a household: the team serving its village
    // (`gocua_core::credit`; the officer's device enters their work).
    let crew_of = |v: VillageId| -> Vec<MemberId> {
        let teams: Vec<TeamId> = org
            .teams
            .iter()
            .filter(|t| t.village_ids.contains(&v))
            .map(|t| t.id)
            .collect();
        org.members
            .iter()
            .filter(|m| m.team_id.is_some_and(|t| teams.contains(&t)))
            .map(|m| m.id)
            .collect()
    };
    let mut p = Pusher::enroll(db, officer);
    let mut households: Vec<Household> = (0..24)
        .map(|i| Household {
            id: HouseholdId::new(),
            village_id: org.villages[i % 3].id,
            address: format!("Số {i}"),
            head_name: format!("Chủ hộ {i}"),
            phone: None,
            voided: None,
            flags: HouseholdFlags::default(),
        })
        .collect();
    households.iter().for_each(|h| p.household(h));
    let mut residents: Vec<Resident> = (0..70)
        .map(|i| Resident {
            id: ResidentId::new(),
            household_id: households[rng.below(households.len())].id,
            full_name: format!("Người {i}"),
            // Around every bracket boundary of 2026 and 2027.
            birth_year: [
                1950, 1990, 2007, 2008, 2009, 2010, 2011, 2012, 2019, 2020, 2021, 2026,
            ][rng.below(12)],
            sex: Sex::Male,
            has_smartphone: true,
            consent_on: None,
            citizen_id_hash: None,
            voided: None,
            merged_into: None,
            phone: None,
        })
        .collect();
    residents.iter().for_each(|r| p.resident(r));
    p.send(db);
    let codes: Vec<ActionCode> = db
        .catalogue(org.commune.id)
        .unwrap()
        .into_iter()
        .map(|e| e.code)
        .collect();
    let mut visits = Vec::new();
    let mut actions = Vec::new();
    for round in 0..6 {
        let mut vs = Vec::new();
        let mut acts = Vec::new();
        for _ in 0..25 {
            let h = &households[rng.below(households.len())];
            // August to November: all past, as the server takes only
            // visits at most a day ahead of its clock.
            let day = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap()
                + Duration::days(rng.below(122) as i64);
            // 17:30 UTC is 00:30 the next day in Vietnam.
            let hour = if rng.chance(20) { 17 } else { 3 };
            let at = Utc.from_utc_datetime(&day.and_hms_opt(hour, 30, 0).unwrap());
            let outcome = match rng.below(10) {
                0 => VisitOutcome::NotAtHome,
                1 => VisitOutcome::Refused,
                _ => VisitOutcome::Met,
            };
            let crew = crew_of(h.village_id);
            let mut members = vec![crew[rng.below(crew.len())]];
            if rng.chance(25) {
                members.push(crew[rng.below(crew.len())]);
                members.dedup();
            }
            let v = Visit {
                id: VisitId::new(),
                household_id: h.id,
                members: members.clone(),
                at,
                form: VisitForm::DoorToDoor,
                outcome,
                note: None,
                voided: rng.chance(6).then(|| Void {
                    reason: "Nhầm".into(),
                    by: officer,
                    at,
                }),
            };
            let people: Vec<&Resident> = residents
                .iter()
                .filter(|r| r.household_id == h.id)
                .collect();
            if outcome == VisitOutcome::Met && !people.is_empty() {
                for _ in 0..rng.below(4) {
                    let r = people[rng.below(people.len())];
                    let local = local_date(at);
                    let outcome = match rng.below(10) {
                        0..=4 => ActionOutcome::Done,
                        5..=7 => ActionOutcome::FollowUp {
                            due: local + Duration::days(rng.below(30) as i64),
                        },
                        _ => ActionOutcome::NotPossible {
                            reason: CannotReason::Refused,
                            note: None,
                        },
                    };
                    acts.push(AssistedAction {
                        id: ActionId::new(),
                        visit_id: v.id,
                        resident_id: r.id,
                        action: codes[rng.below(codes.len())].clone(),
                        outcome,
                        voided: rng.chance(6).then(|| Void {
                            reason: "Nhầm".into(),
                            by: officer,
                            at,
                        }),
                    });
                }
            }
            vs.push(v);
        }
        let refs: Vec<&Visit> = vs.iter().collect();
        push_work(&mut p, &refs, &acts);
        p.send(db);
        visits.extend(vs);
        actions.extend(acts);
        // Between rounds, people move house and a household moves village.
        if round < 5 {
            for _ in 0..3 {
                let i = rng.below(residents.len());
                let to = households[rng.below(households.len())].id;
                residents[i].household_id = to;
                p.edit(
                    EntityKind::Resident,
                    residents[i].id.0,
                    serde_json::json!({ "household_id": to }),
                );
            }
            let i = rng.below(households.len());
            let to = org.villages[rng.below(3)].id;
            households[i].village_id = to;
            p.edit(
                EntityKind::Household,
                households[i].id.0,
                serde_json::json!({ "village_id": to }),
            );
            p.send(db);
        }
    }
    Random {
        f: Fixture {
            org,
            households,
            residents,
            visits,
            actions,
        },
    }
}

fn random_communes_equal_the_reference(backend: Backend) {
    let cases: u64 = std::env::var("GOCUA_REPORT_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    for seed in 1..=cases {
        let place = DbPlace::new(backend);
        let db = place.central();
        let r = random_commune(&db, seed * 7919);
        let commune = r.f.org.commune.id;
        let records = r.f.records();
        let checks: Vec<(Period, NaiveDate)> = vec![
            ("2026-09".parse().unwrap(), d(2026, 12, 31)),
            ("2026-10".parse().unwrap(), d(2026, 10, 17)),
            ("2026-11".parse().unwrap(), d(2027, 1, 2)),
            ("2026-12".parse().unwrap(), d(2026, 12, 31)),
            ("2026-Q3".parse().unwrap(), d(2026, 12, 31)),
            ("2026-Q4".parse().unwrap(), d(2026, 12, 10)),
            ("2027-Q1".parse().unwrap(), d(2027, 1, 20)),
        ];
        for (period, today) in &checks {
            let got = db.commune_dashboard(commune, *period, *today).unwrap();
            let want = reference(&db, commune, &records, *period, *today);
            assert_eq!(got, want, "seed {seed}, {period} at {today}");
        }
        db.rebuild_reports(commune).unwrap();
        let (period, today) = checks[5];
        assert_eq!(
            db.commune_dashboard(commune, period, today).unwrap(),
            reference(&db, commune, &records, period, today),
            "seed {seed} after a rebuild"
        );
        drill_downs_list_what_is_counted(&db, commune, period, today);
    }
}

/// Every row of a drill-down, a few at a time.
fn all_rows(db: &CentralDb, q: &DrillQuery, today: NaiveDate) -> Vec<DrillRow> {
    let mut rows: Vec<DrillRow> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = db.drill_down(q, today, after.as_deref(), 7).unwrap();
        assert!(page.rows.len() <= 7);
        rows.extend(page.rows);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let keys: BTreeSet<String> = rows.iter().map(DrillRow::key).collect();
    assert_eq!(keys.len(), rows.len(), "no row twice");
    rows
}

fn drill_downs_list_what_is_counted(
    db: &CentralDb,
    commune: CommuneId,
    period: Period,
    today: NaiveDate,
) {
    let dash = db.commune_dashboard(commune, period, today).unwrap();
    let org = db.org_snapshot(commune).unwrap();
    let mut subjects = vec![(Subject::Commune(commune), &dash.indicators.total)];
    for (v, p) in org.villages.iter().zip(&dash.indicators.villages) {
        subjects.push((Subject::Village(v.id), p));
    }
    for (t, p) in org.teams.iter().zip(&dash.indicators.teams) {
        subjects.push((Subject::Team(t.id), p));
    }
    for (subject, place) in subjects {
        for v in &place.values {
            let n = |part| {
                let q = DrillQuery {
                    subject,
                    period,
                    figure: Figure::Indicator {
                        indicator: v.indicator,
                        part,
                    },
                };
                all_rows(db, &q, today).len() as u64
            };
            assert_eq!(n(Part::Achieved), v.achieved, "{subject:?} {}", v.indicator);
            assert_eq!(n(Part::All), v.denominator, "{subject:?} {}", v.indicator);
            assert_eq!(
                n(Part::Missing),
                v.denominator - v.achieved,
                "{subject:?} {}",
                v.indicator
            );
        }
    }
    let work = |subject, figure| {
        all_rows(
            db,
            &DrillQuery {
                subject,
                period,
                figure,
            },
            today,
        )
    };
    let assists = Figure::Assists { action: None };
    assert_eq!(
        work(Subject::Commune(commune), assists.clone()).len() as u64,
        dash.work.assists
    );
    assert_eq!(
        work(Subject::Commune(commune), Figure::HouseholdsHelped).len() as u64,
        dash.work.households_helped
    );
    for (v, w) in org.villages.iter().zip(&dash.villages) {
        assert_eq!(
            work(Subject::Village(v.id), assists.clone()).len() as u64,
            w.work.assists
        );
    }
    for t in &dash.teams {
        assert_eq!(
            work(Subject::Team(t.team_id), assists.clone()).len() as u64,
            t.assists
        );
        assert_eq!(
            work(Subject::Team(t.team_id), Figure::HouseholdsHelped).len() as u64,
            t.households_helped
        );
        for m in &t.members {
            let s = Subject::Member(m.member_id);
            assert_eq!(work(s, assists.clone()).len() as u64, m.assists);
            assert_eq!(
                work(s, Figure::HouseholdsHelped).len() as u64,
                m.households_helped
            );
            let open = work(
                s,
                Figure::FollowUpsOpen {
                    overdue_only: false,
                },
            );
            assert_eq!(open.len() as u64, m.follow_ups.open);
            let overdue = work(s, Figure::FollowUpsOpen { overdue_only: true });
            assert_eq!(overdue.len() as u64, m.follow_ups.overdue);
        }
        for (outcome, n) in &t.actions_by_outcome {
            let rows = work(
                Subject::Team(t.team_id),
                Figure::Actions {
                    outcome: outcome.clone(),
                },
            );
            assert_eq!(rows.len() as u64, *n);
        }
    }
}

fn drill_downs_of_the_hand_made_commune(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let f = fixture();
    load_fixture(&db, &f);
    let commune = f.org.commune.id;
    let today = d(2026, 11, 30);
    let nov: Period = "2026-11".parse().unwrap();
    drill_downs_list_what_is_counted(&db, commune, nov, today);
    // VNeID achieved in village A: r1 and r2, with names and birth years
    // only — no phone, no citizen-ID hash.
    let q = DrillQuery {
        subject: Subject::Village(village(1)),
        period: nov,
        figure: Figure::Indicator {
            indicator: Indicator::VneidL2,
            part: Part::Achieved,
        },
    };
    let page = db.drill_down(&q, today, None, 100).unwrap();
    let names: Vec<(String, i32)> = page
        .rows
        .iter()
        .map(|r| match r {
            DrillRow::Resident(r) => (r.full_name.clone(), r.birth_year),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [("Người 1".to_string(), 1960), ("Người 2".to_string(), 2020)]
    );
    let json = serde_json::to_string(&page).unwrap();
    assert!(
        !json.contains("phone") && !json.contains("citizen_id"),
        "{json}"
    );
    // a2's open follow-up: A9, r5's app, due 25/11.
    let q = DrillQuery {
        subject: Subject::Member(member(2)),
        period: nov,
        figure: Figure::FollowUpsOpen { overdue_only: true },
    };
    let rows = db.drill_down(&q, today, None, 100).unwrap().rows;
    match rows.as_slice() {
        [DrillRow::Action(a)] => {
            assert_eq!(a.resident_name, "Người 5");
            assert_eq!(a.action.as_str(), "provincial_app");
            assert_eq!(a.due, Some(d(2026, 11, 25)));
            assert_eq!(a.members, vec![member(2)]);
        }
        other => panic!("{other:?}"),
    }
    // An unknown team is refused in words.
    let q = DrillQuery {
        subject: Subject::Team(TeamId::new()),
        period: nov,
        figure: Figure::HouseholdsHelped,
    };
    assert!(db.drill_down(&q, today, None, 10).is_err());
}

fn the_quarter_knows_who_has_synced(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let f = fixture();
    load_fixture(&db, &f); // the officer's device pushed just now
    let commune = f.org.commune.id;
    // a1's phone syncs now; nobody in team B has a phone.
    let a1 = Pusher::enroll(&db, member(1));
    db.push(&a1.auth, &[]).unwrap();
    let today = local_date(Utc::now());
    let last = Quarter::of(today);
    // The quarter before this one: its reporting window is long open.
    let before = Quarter::of(last.first_day() - Duration::days(1));
    let r = db.quarter_report(commune, before, today).unwrap();
    let ta = r.sync.iter().find(|s| s.name == "Tổ A").unwrap();
    assert_eq!(ta.members_with_devices, 1);
    assert!(ta.synced, "a2 has no device, a1 synced");
    assert!(
        ta.last_sync
            .is_some_and(|t| Utc::now() - t < Duration::minutes(10))
    );
    let tb = r.sync.iter().find(|s| s.name == "Tổ B").unwrap();
    assert!(!tb.synced && tb.members_with_devices == 0);
    assert_eq!(r.teams_not_synced, vec![tb.team_id]);
    // Revoked devices do not count.
    db.revoke_device(a1.auth.device_id).unwrap();
    let r = db.quarter_report(commune, before, today).unwrap();
    assert_eq!(
        r.sync
            .iter()
            .find(|s| s.name == "Tổ A")
            .unwrap()
            .members_with_devices,
        0
    );
}

fn targets_are_the_communes_own(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let f = fixture();
    load_fixture(&db, &f);
    let commune = f.org.commune.id;
    assert_eq!(db.report_targets(commune).unwrap(), Targets::defaults());
    db.set_target(commune, "vneid_l2", 40.0).unwrap();
    let dash = db
        .commune_dashboard(commune, "2026-11".parse().unwrap(), d(2026, 11, 30))
        .unwrap();
    let a = &dash.indicators.villages[0];
    let v = a
        .values
        .iter()
        .find(|v| v.indicator == Indicator::VneidL2)
        .unwrap();
    assert_eq!(
        (v.target, v.meets_target),
        (Some(40.0), Some(true)),
        "2 of 5"
    );
}

on_each_backend!(
    hand_made_commune_gives_the_hand_worked_figures,
    moves_and_rebuilds_keep_the_figures_true,
    random_communes_equal_the_reference,
    drill_downs_of_the_hand_made_commune,
    the_quarter_knows_who_has_synced,
    targets_are_the_communes_own,
);
