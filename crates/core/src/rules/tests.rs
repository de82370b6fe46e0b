use super::*;
use crate::catalogue::seed_catalogue;
use proptest::prelude::*;
use uuid::Uuid;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
fn code(s: &str) -> ActionCode {
    s.parse().unwrap()
}
fn member(n: u128) -> MemberId {
    MemberId(Uuid::from_u128(n))
}
fn household(n: u128) -> HouseholdId {
    HouseholdId(Uuid::from_u128(n))
}
fn resident() -> ResidentId {
    ResidentId(Uuid::from_u128(99))
}
fn record(c: &str, outcome: ActionOutcome, day: NaiveDate) -> ActionRecord {
    ActionRecord {
        resident_id: resident(),
        action: code(c),
        outcome,
        day,
        voided: false,
    }
}
fn done(c: &str) -> ActionWork {
    ActionWork {
        action: code(c),
        outcome: ActionOutcome::Done,
        voided: false,
    }
}
fn visit(h: u128, members: &[u128], day: NaiveDate, actions: Vec<ActionWork>) -> VisitWork {
    VisitWork {
        visit_id: VisitId(Uuid::now_v7()),
        household_id: household(h),
        members: members.iter().map(|m| member(*m)).collect(),
        day,
        outcome: VisitOutcome::Met,
        voided: false,
        actions,
    }
}

#[test]
fn eligibility_counts_by_birth_year_at_the_boundary() {
    let on = d(2026, 1, 1);
    assert!(
        is_eligible(Eligibility::Age6Plus, 2020, on),
        "turns 6 in 2026"
    );
    assert!(!is_eligible(Eligibility::Age6Plus, 2021, on));
    assert!(is_eligible(Eligibility::Age15Plus, 2011, on));
    assert!(!is_eligible(Eligibility::Adults, 2009, on));
    assert!(is_eligible(Eligibility::Adults, 2008, on));
    assert!(is_eligible(Eligibility::All, 2026, on));
}

#[test]
fn done_wins_over_a_later_failure_and_voided_records_do_not_count() {
    let cat = seed_catalogue();
    let on = d(2026, 11, 23);
    let mut voided = record("bank_account", ActionOutcome::Done, d(2026, 3, 1));
    voided.voided = true;
    let actions = vec![
        record("vneid_l2", ActionOutcome::Done, d(2026, 1, 5)),
        record(
            "vneid_l2",
            ActionOutcome::NotPossible {
                reason: CannotReason::Refused,
                note: None,
            },
            d(2026, 2, 5),
        ),
        record(
            "ehealth_book",
            ActionOutcome::FollowUp { due: d(2026, 3, 1) },
            d(2026, 2, 1),
        ),
        record("ehealth_book", ActionOutcome::Done, d(2026, 3, 1)),
        voided,
    ];
    let items = resident_checklist(1980, &cat, &actions, on);
    let status = |c: &str| {
        items
            .iter()
            .find(|i| i.action.as_str() == c)
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(status("vneid_l2"), ChecklistStatus::Done);
    assert_eq!(
        status("ehealth_book"),
        ChecklistStatus::Done,
        "a follow-up that later succeeds"
    );
    assert_eq!(
        status("bank_account"),
        ChecklistStatus::Pending,
        "voided does not count"
    );
    assert!(!is_digital_citizen(&items));
}

#[test]
fn a_child_is_a_digital_citizen_with_only_what_they_are_eligible_for() {
    let cat = seed_catalogue();
    let on = d(2026, 6, 1);
    // Born 2018: aged 8 — VNeID, e-health book and online safety apply; app and bank do not.
    let actions = vec![
        record("vneid_l2", ActionOutcome::Done, on),
        record("ehealth_book", ActionOutcome::Done, on),
        record("online_safety", ActionOutcome::Done, on),
    ];
    let items = resident_checklist(2018, &cat, &actions, on);
    assert!(is_digital_citizen(&items));
    let infant = resident_checklist(2026, &cat, &[], on);
    assert!(
        has_checklist_duties(&infant),
        "e-health book is for everyone"
    );
    assert!(!is_digital_citizen(&infant));
    assert!(!is_digital_family(&[items.clone(), infant]));
    assert!(is_digital_family(&[items]));
    assert!(!is_digital_family(&[]));
}

#[test]
fn retired_entries_without_records_drop_out_of_the_checklist() {
    let mut cat = seed_catalogue();
    cat.iter_mut()
        .for_each(|e| e.active = e.code.as_str() != "vneid_documents");
    let items = resident_checklist(1990, &cat, &[], d(2026, 1, 1));
    assert!(items.iter().all(|i| i.action.as_str() != "vneid_documents"));
}

#[test]
fn member_month_counts_distinct_households_and_assists() {
    let nov = Month {
        year: 2026,
        month: 11,
    };
    let day = d(2026, 11, 10);
    let mut nobody_home = visit(5, &[1], day, vec![]);
    nobody_home.outcome = VisitOutcome::NotAtHome;
    let mut voided = visit(6, &[1], day, vec![done("vneid_l2")]);
    voided.voided = true;
    let failed_only = visit(
        7,
        &[1],
        day,
        vec![ActionWork {
            action: code("bank_account"),
            outcome: ActionOutcome::NotPossible {
                reason: CannotReason::NoSmartphone,
                note: None,
            },
            voided: false,
        }],
    );
    let work = vec![
        visit(1, &[1], day, vec![done("vneid_l2"), done("ehealth_book")]),
        visit(1, &[1], d(2026, 11, 20), vec![done("vneid_l2")]), // same household again
        visit(2, &[1, 2], day, vec![done("vneid_l2")]),          // shared credit
        visit(3, &[1], d(2026, 10, 31), vec![done("vneid_l2")]), // last month
        nobody_home,
        voided,
        failed_only,
    ];
    let m = member_month(member(1), nov, &work);
    assert_eq!(m.households_helped, 2);
    assert_eq!(m.assists, 4);
    assert_eq!(m.by_action.get(&code("vneid_l2")), Some(&3));
    assert!(!m.meets_quota);

    let t = team_month(&[member(1), member(2)], nov, &work);
    assert_eq!(t.assists, 4, "the shared visit counts once for the team");
    assert_eq!(t.households_helped, 2);
    assert_eq!(t.by_outcome.get("not_possible"), Some(&1));
    assert_eq!(t.members_below_quota, vec![member(1), member(2)]);
    assert!(!t.meets_quota);
}

#[test]
fn quota_is_met_at_exactly_ten_households_and_fifty_assists() {
    let nov = Month {
        year: 2026,
        month: 11,
    };
    let day = d(2026, 11, 3);
    let work: Vec<VisitWork> = (0..10)
        .map(|h| visit(h, &[1], day, vec![done("vneid_l2"); 5]))
        .collect();
    let m = member_month(member(1), nov, &work);
    assert_eq!((m.households_helped, m.assists), (10, 50));
    assert!(m.meets_quota);
    assert!(team_month(&[member(1)], nov, &work).meets_quota);
    assert!(!team_month(&[member(1)], nov, &work[..9]).meets_quota);
}

proptest! {
    #[test]
    fn team_assists_never_exceed_the_sum_of_members_and_never_undercount_any(
        visits in proptest::collection::vec((0u128..8, proptest::collection::btree_set(1u128..4, 1..3), 0usize..4, any::<bool>()), 0..40)
    ) {
        let nov = Month { year: 2026, month: 11 };
        let work: Vec<VisitWork> = visits.iter().map(|(h, ms, n, voided)| {
            let mut v = visit(*h, &ms.iter().copied().collect::<Vec<_>>(), d(2026, 11, 1), vec![done("vneid_l2"); *n]);
            v.voided = *voided;
            v
        }).collect();
        let members = [member(1), member(2), member(3)];
        let t = team_month(&members, nov, &work);
        let sum: usize = t.members.iter().map(|m| m.assists).sum();
        prop_assert!(t.assists <= sum);
        for m in &t.members {
            prop_assert!(m.assists <= t.assists);
            prop_assert!(m.households_helped <= t.households_helped);
        }
        let expected: usize = work.iter().filter(|v| !v.voided).map(|v| v.actions.len()).sum();
        prop_assert_eq!(t.assists, expected);
    }
}
