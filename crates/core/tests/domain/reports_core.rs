//! The indicators, month and quarter figures of the hand-made commune
//! (`gocua_testkit::reports_fixture`), each worked out by hand in the comments.

use gocua_testkit::reports_fixture;

use chrono::{TimeZone, Utc};
use gocua_core::catalogue::seed_catalogue;
use gocua_core::indicators::*;
use gocua_core::rules::ChecklistStatus;
use gocua_core::{MemberId, TeamId};
use reports_fixture::*;
use std::collections::BTreeMap;

#[test]
fn indicators_at_the_end_of_november_by_hand() {
    let f = fixture();
    let cat = seed_catalogue();
    let c = indicator_counts(&cat, &f.records(), d(2026, 11, 30));
    let a = &c[&village(VA)];
    // VNeID among 6+: r1, r2 (just 6), r4, r5, r6 — done r1 (twice), r2;
    // r3 (5) is done but not counted.
    assert_eq!(tally(a, Indicator::VneidL2), (2, 5));
    // Adults r1, r5; r6 (17) signed but is not an adult.
    assert_eq!(tally(a, Indicator::DigitalSignature), (0, 2));
    assert_eq!(
        tally(a, Indicator::ProvincialApp),
        (0, 2),
        "r5 only a follow-up"
    );
    // 15+: r1, r4 (just 15), r5, r6 — r4 done; r5 could not.
    assert_eq!(tally(a, Indicator::BankAccount), (1, 4));
    // Everyone: r1 (follow-up then done), r3.
    assert_eq!(tally(a, Indicator::EhealthBook), (2, 6));
    // h1 and h2 use a platform; h3 is empty now.
    assert_eq!(tally(a, Indicator::EssentialPlatformHouseholds), (2, 3));
    // h1, h2 met; h3 met in October (not-at-home in November does not count).
    assert_eq!(tally(a, Indicator::HouseholdsReached), (3, 3));
    // r3 (5): e-health and safety are all a 5-year-old needs.
    assert_eq!(tally(a, Indicator::DigitalCitizens), (1, 6));
    assert_eq!(tally(a, Indicator::DigitalFamilies), (0, 3));

    let b = &c[&village(VB)];
    assert_eq!(tally(b, Indicator::VneidL2), (1, 3));
    // r7 moved from h3: counted in B, with what was done for them in A.
    assert_eq!(tally(b, Indicator::ProvincialApp), (1, 3));
    assert_eq!(tally(b, Indicator::EhealthBook), (1, 3));
    assert_eq!(tally(b, Indicator::CashlessPayment), (0, 3), "voided");
    assert_eq!(tally(b, Indicator::BankAccount), (0, 3), "a follow-up only");
    assert_eq!(tally(b, Indicator::EssentialPlatformHouseholds), (1, 2));
    assert_eq!(
        tally(b, Indicator::HouseholdsReached),
        (2, 2),
        "a refusal is contact"
    );
    assert_eq!(tally(b, Indicator::DigitalCitizens), (0, 3));
}

#[test]
fn indicators_in_december_see_later_work_and_a_new_digital_family() {
    let f = fixture();
    let c = indicator_counts(&seed_catalogue(), &f.records(), d(2026, 12, 10));
    let b = &c[&village(VB)];
    assert_eq!(tally(b, Indicator::VneidL2), (2, 3));
    assert_eq!(tally(b, Indicator::BankAccount), (1, 3));
    assert_eq!(tally(b, Indicator::DigitalCitizens), (1, 3), "r9");
    assert_eq!(tally(b, Indicator::DigitalFamilies), (1, 2), "h5");
    assert_eq!(tally(b, Indicator::EssentialPlatformHouseholds), (2, 2));
    // The next year: reached counts again from January.
    let next = indicator_counts(&seed_catalogue(), &f.records(), d(2027, 1, 2));
    assert_eq!(
        tally(&next[&village(VA)], Indicator::HouseholdsReached),
        (0, 3)
    );
    // …and r3 turns 6: their VNeID, done at 5, now counts.
    assert_eq!(tally(&next[&village(VA)], Indicator::VneidL2), (3, 6));
}

#[test]
fn november_work_by_hand() {
    let f = fixture();
    let p = Period::Month(NOV);
    let facts = work_facts(&f.org, &f.records(), p, d(2026, 11, 30));
    let m = |n: usize| member_period(&f.org.members[n - 1], p, &facts);
    // a1: V1 (3 assists) and V2 (5), both at h1; V5 nobody home.
    let a1 = m(1);
    assert_eq!((a1.households_helped, a1.assists), (1, 8));
    assert_eq!(a1.assists_by_action[&code("vneid_l2")], 4, "A1, A3, A5, A6");
    assert_eq!(
        a1.assists_by_action[&code("ehealth_book")],
        3,
        "the follow-up A2 too"
    );
    assert_eq!(a1.follow_ups, FollowUps::default(), "A2 later done");
    assert!(!a1.meets_quota);
    // a2: V2 (shared) and V3 at h2; the voided V4 does not count.
    let a2 = m(2);
    assert_eq!((a2.households_helped, a2.assists), (2, 8));
    assert_eq!(
        a2.assists_by_action.get(&code("bank_account")),
        Some(&1),
        "A10 is not an assist"
    );
    assert_eq!(
        a2.follow_ups,
        FollowUps {
            open: 1,
            overdue: 1
        },
        "A9 due 25/11"
    );
    // b1: V6 — A12 and the follow-up A17; A13 voided; V7 refused.
    let b1 = m(3);
    assert_eq!((b1.households_helped, b1.assists), (1, 3));
    assert_eq!(
        b1.follow_ups,
        FollowUps {
            open: 1,
            overdue: 1
        },
        "A17 due 20/11"
    );

    let ta = team_period(
        &f.org.teams[0],
        &members_of(&f.org, &f.org.teams[0]),
        p,
        &facts,
    );
    // V1 3 + V2 5 (once, though it credits both) + V3 3.
    assert_eq!((ta.assists, ta.households_helped), (11, 2));
    assert_eq!(ta.actions_by_outcome["done"], 9);
    assert_eq!(ta.actions_by_outcome["follow_up"], 2);
    assert_eq!(ta.actions_by_outcome["not_possible"], 1);
    assert_eq!(ta.members_below_quota, vec![member(1), member(2)]);
    assert!(!ta.meets_quota);
    assert_eq!(ta.months.len(), 1);

    let total = work_figures(Who::Commune, p, &facts);
    assert_eq!((total.assists, total.households_helped), (14, 3));
    let vb = work_figures(Who::Village(village(VB)), p, &facts);
    assert_eq!((vb.assists, vb.households_helped), (3, 1));
}

#[test]
fn v6_has_four_actions_of_which_three_are_assists() {
    // A14 (r7 app done) is in V6 too: b1's November is A12, A14, A17.
    let f = fixture();
    let facts = work_facts(&f.org, &f.records(), Period::Month(NOV), d(2026, 11, 30));
    let b1 = member_period(&f.org.members[2], Period::Month(NOV), &facts);
    assert_eq!(b1.assists_by_action.len(), 3);
}

#[test]
fn the_quarter_with_deadlines_sync_and_recognition() {
    let f = fixture();
    let today = d(2026, 12, 10);
    let p = Period::Quarter(Q4);
    let as_of = p.as_of(today);
    let records = f.records();
    let counts = indicator_counts(&seed_catalogue(), &records, as_of);
    let facts = work_facts(&f.org, &records, p, as_of);
    // Only VNeID ≥ 60% and everyone reached: B (2/3, 2/2) meets both, A
    // (2/5) does not.
    let targets = Targets(BTreeMap::from([
        (Indicator::VneidL2, 60.0),
        (Indicator::HouseholdsReached, 100.0),
    ]));
    let dash = commune_dashboard(&f.org, &targets, p, as_of, &counts, &facts);
    let ta = &dash.teams[0];
    // October V8 (1), November 11, December nothing; h3, h1, h2.
    assert_eq!((ta.assists, ta.households_helped), (12, 3));
    assert_eq!(
        ta.months.iter().map(|m| m.assists).collect::<Vec<_>>(),
        [1, 11, 0]
    );
    let tb = &dash.teams[1];
    // November 3, December V9 (A16) + V10 (5) = 6; h4, h5.
    assert_eq!((tb.assists, tb.households_helped), (9, 2));
    let a1 = &ta.members[0];
    assert_eq!((a1.assists, a1.households_helped), (9, 2));
    let b1 = &tb.members[0];
    // A17 is closed by the later not-possible A18; A16 is open, not yet due.
    assert_eq!(
        b1.follow_ups,
        FollowUps {
            open: 1,
            overdue: 0
        }
    );
    assert_eq!(
        dash.indicators.total.values[0].achieved, 4,
        "VNeID: r1, r2, r8, r9"
    );

    // a1 synced at 00:30 on 1/12 in Vietnam (still 30/11 in UTC): in time.
    // a2 at 23:59 on 30/11: before the window. b1 on 9/12.
    let last_syncs = BTreeMap::from([
        (
            member(1),
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 17, 30, 0).unwrap()),
        ),
        (
            member(2),
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 16, 59, 0).unwrap()),
        ),
        (member(3), Some(noon(12, 9))),
    ]);
    let q = quarter_report(&f.org, dash, Q4, today, &last_syncs);
    assert_eq!(q.deadlines.team_days_left, 4);
    assert_eq!(q.sync[0].members_not_synced, vec![member(2)]);
    assert!(!q.sync[0].synced);
    assert!(q.sync[1].synced);
    assert_eq!(q.teams_not_synced, vec![TeamId(id(11))]);

    let r = &q.recognition;
    assert_eq!(
        r.teams
            .iter()
            .map(|t| (t.name.as_str(), t.rank))
            .collect::<Vec<_>>(),
        [("Tổ A", 1), ("Tổ B", 2)]
    );
    // Nobody met a quota: by households (2 each), then assists: a1 9, b1 9,
    // a2 8 — a1 and b1 share the first place.
    let ranks: Vec<(MemberId, u32)> = r.members.iter().map(|m| (m.member_id, m.rank)).collect();
    assert_eq!(ranks, [(member(1), 1), (member(3), 1), (member(2), 3)]);
    assert_eq!(r.digital_families[1].digital_families, 1);
    assert_eq!(
        r.villages_reaching_every_target
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>(),
        ["Thôn B"]
    );
}

#[test]
fn a_team_without_devices_has_not_synced() {
    let f = fixture();
    let s = team_sync(
        Q4,
        &f.org.teams[0],
        &[member(1), member(2)],
        &BTreeMap::new(),
    );
    assert!(!s.synced);
    assert_eq!(s.members_with_devices, 0);
    let never = BTreeMap::from([(member(1), None)]);
    let s = team_sync(Q4, &f.org.teams[0], &[member(1), member(2)], &never);
    assert_eq!(s.members_not_synced, vec![member(1)]);
}

#[test]
fn checklist_done_is_what_the_indicators_count() {
    // The same definition: r1's checklist at the end of November.
    let f = fixture();
    let lists = f.records().checklists(&seed_catalogue(), d(2026, 11, 30));
    let r1 = &lists[&res(1)];
    let status = |c: &str| {
        r1.iter()
            .find(|i| i.action.as_str() == c)
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(status("vneid_l2"), ChecklistStatus::Done);
    assert_eq!(status("ehealth_book"), ChecklistStatus::Done);
    assert_eq!(status("provincial_app"), ChecklistStatus::Pending);
}

#[test]
fn one_pass_counting_equals_the_rules_one_member_at_a_time() {
    // The server counts with `count_work`; the reference is `work_facts`,
    // built on `rules::team_month`. Both must give the same dashboard.
    let f = fixture();
    let records = f.records();
    let village_of: BTreeMap<gocua_core::HouseholdId, gocua_core::VillageId> =
        f.households.iter().map(|h| (h.id, h.village_id)).collect();
    let visits = records.visit_work();
    let targets = Targets::defaults();
    for (period, today) in [
        (Period::Month(NOV), d(2026, 11, 30)),
        (Period::Quarter(Q4), d(2026, 12, 10)),
        ("2026-10".parse().unwrap(), d(2026, 12, 10)),
    ] {
        let as_of = period.as_of(today);
        let counts = indicator_counts(&seed_catalogue(), &records, as_of);
        let reference = work_facts(&f.org, &records, period, as_of);
        let mut fast = count_work(
            &f.org,
            &visits,
            |v| village_of.get(&v.household_id).copied(),
            period,
        );
        fast.follow_ups = reference.follow_ups.clone();
        assert_eq!(
            commune_dashboard(&f.org, &targets, period, as_of, &counts, &fast),
            commune_dashboard(&f.org, &targets, period, as_of, &counts, &reference),
            "{period}"
        );
    }
}
