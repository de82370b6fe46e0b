//! Unit tests of periods, age brackets, checklist masks, targets and the
//! latest-attempt rule. The figures of a whole hand-made commune are in
//! crates/core/tests/domain/reports_core.rs.

use super::*;
use crate::catalogue::{ActionCode, seed_catalogue};
use crate::ids::*;
use crate::model::*;
use crate::month::Month;
use crate::rules::{ActionRecord, is_digital_citizen, resident_checklist};
use chrono::NaiveDate;
use uuid::Uuid;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
fn code(s: &str) -> ActionCode {
    s.parse().unwrap()
}
fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}
fn member(n: u128) -> MemberId {
    MemberId(id(20 + n))
}
fn res(n: u128) -> ResidentId {
    ResidentId(id(40 + n))
}
fn visit_id(n: u128) -> VisitId {
    VisitId(id(100 + n))
}
const NOV: Month = Month {
    year: 2026,
    month: 11,
};
const Q4: Quarter = Quarter {
    year: 2026,
    quarter: 4,
};

#[test]
fn periods_parse_and_know_their_deadlines() {
    let q: Quarter = "2026-Q4".parse().unwrap();
    assert_eq!(q, Q4);
    assert_eq!("2026-q4".parse::<Quarter>().unwrap(), Q4);
    for bad in ["2026-Q5", "2026-Q0", "26-Q1", "2026Q1", "2026-4", ""] {
        assert!(bad.parse::<Quarter>().is_err(), "{bad}");
    }
    assert_eq!(q.months().map(|m| m.month), [10, 11, 12]);
    assert_eq!(q.team_report_before(), d(2026, 12, 15));
    assert_eq!(q.commune_report_before(), d(2026, 12, 26));
    assert_eq!(q.reporting_opens(), d(2026, 12, 1));
    assert_eq!(q.label_vi(), "Quý IV/2026");
    assert_eq!(Quarter::of(d(2026, 3, 31)).to_string(), "2026-Q1");
    let p: Period = "2026-11".parse().unwrap();
    assert_eq!(p, Period::Month(NOV));
    assert_eq!("2026-Q4".parse::<Period>().unwrap(), Period::Quarter(Q4));
    assert!("2026-13".parse::<Period>().is_err());
    assert_eq!(p.as_of(d(2026, 11, 20)), d(2026, 11, 20), "running: today");
    assert_eq!(
        p.as_of(d(2027, 1, 5)),
        d(2026, 11, 30),
        "over: its last day"
    );
    assert_eq!(Period::Quarter(Q4).end_exclusive(), d(2027, 1, 1));
    assert_eq!(
        serde_json::to_string(&Period::Quarter(Q4)).unwrap(),
        "\"2026-Q4\""
    );
    let dl = Deadlines::of(Q4, d(2026, 12, 14));
    assert_eq!(
        (dl.team_days_left, dl.commune_days_left),
        (0, 11),
        "the 14th is the last day"
    );
    assert_eq!(Deadlines::of(Q4, d(2026, 12, 15)).team_days_left, -1);
}

#[test]
fn brackets_agree_with_age_by_birth_year() {
    let on = d(2026, 6, 1);
    let b = AgeBrackets::at(on);
    for born in 1900..=2030 {
        for e in ELIGIBILITIES {
            assert_eq!(
                AgeBrackets::eligible(b.of(born), e),
                crate::rules::is_eligible(e, born, on),
                "born {born}, {e:?}"
            );
        }
    }
    assert_eq!(b.of(2027), NOT_BORN);
    assert_eq!(b.max_birth_years(), [2008, 2011, 2020, 2026]);
}

/// Every (bracket, done ⊆ attempted) against `rules`, with a retired
/// checklist entry (it counts only for residents who have records of it).
#[test]
fn checklist_masks_match_the_checklist_rules_exhaustively() {
    let mut cat = seed_catalogue();
    for e in &mut cat {
        if e.code.as_str() == "online_safety" {
            e.active = false;
        }
    }
    let masks = ChecklistMasks::new(&cat).unwrap();
    assert_eq!(masks.codes.len(), 5);
    let on = d(2026, 6, 1);
    let brackets = AgeBrackets::at(on);
    let n = masks.codes.len() as u32;
    for born in [1950, 2010, 2015, 2024, 2027] {
        let bracket = brackets.of(born);
        for attempted in 0..(1u32 << n) {
            for done in 0..(1u32 << n) {
                if done & !attempted != 0 {
                    continue;
                }
                let records: Vec<ActionRecord> = (0..n)
                    .filter(|i| attempted & (1 << i) != 0)
                    .map(|i| ActionRecord {
                        resident_id: res(1),
                        action: masks.codes[i as usize].clone(),
                        outcome: if done & (1 << i) != 0 {
                            ActionOutcome::Done
                        } else {
                            ActionOutcome::FollowUp { due: on }
                        },
                        day: on,
                        voided: false,
                    })
                    .collect();
                let items = resident_checklist(born, &cat, &records, on);
                assert_eq!(
                    masks.is_citizen(bracket, done, attempted),
                    is_digital_citizen(&items),
                    "born {born} done {done:b} attempted {attempted:b}"
                );
                assert_eq!(
                    masks.has_duties(bracket, done, attempted),
                    crate::rules::has_checklist_duties(&items)
                );
            }
        }
    }
}

#[test]
fn targets_percentages_and_empty_places() {
    let nine_of_ten = IndicatorValue::new(
        Indicator::BankAccount,
        Tally {
            achieved: 9,
            denominator: 10,
        },
        Some(90.0),
    );
    assert_eq!(nine_of_ten.meets_target, Some(true));
    assert_eq!(nine_of_ten.percent, Some(90.0));
    let empty = IndicatorValue::new(Indicator::BankAccount, Tally::default(), Some(90.0));
    assert_eq!((empty.percent, empty.meets_target), (None, None));
    let t = Targets::with_overrides([("bank_account", 95.0), ("no_such_thing", 1.0)]);
    assert_eq!(t.get(Indicator::BankAccount), Some(95.0));
    assert_eq!(t.get(Indicator::VneidL2), Some(100.0), "default");
    assert_eq!(t.get(Indicator::DigitalFamilies), None);
    assert_eq!(
        serde_json::to_value(&t).unwrap()["bank_account"],
        serde_json::json!(95.0)
    );
    for i in Indicator::ALL {
        assert_eq!(i.code().parse::<Indicator>().unwrap(), i);
        assert!(i.code().parse::<ActionCode>().is_ok(), "a target key");
    }
}

#[test]
fn the_latest_attempt_on_the_same_day_is_the_one_with_the_later_id() {
    let mk = |n: u128, outcome| Attempt {
        action_id: ActionId(id(n)),
        visit_id: visit_id(1),
        resident_id: res(1),
        action: code("vneid_l2"),
        outcome,
        day: d(2026, 11, 3),
        members: vec![member(1), member(1)],
        live: true,
    };
    let follow = ActionOutcome::FollowUp {
        due: d(2026, 11, 9),
    };
    let cannot = ActionOutcome::NotPossible {
        reason: CannotReason::Other,
        note: None,
    };
    // Sorted as `Records::attempts` sorts: (day, id).
    let open = follow_ups(
        &[mk(1, cannot.clone()), mk(2, follow.clone())],
        d(2026, 11, 10),
    );
    assert_eq!(
        open[&member(1)],
        FollowUps {
            open: 1,
            overdue: 1
        },
        "counted once per member"
    );
    let closed = follow_ups(&[mk(1, follow), mk(2, cannot)], d(2026, 11, 10));
    assert!(closed.is_empty());
    let mut voided_done = mk(3, ActionOutcome::Done);
    voided_done.live = false;
    let still = follow_ups(
        &[
            mk(
                1,
                ActionOutcome::FollowUp {
                    due: d(2026, 11, 9),
                },
            ),
            voided_done,
        ],
        d(2026, 11, 8),
    );
    assert_eq!(
        still[&member(1)],
        FollowUps {
            open: 1,
            overdue: 0
        }
    );
}

/// Issue 6 by hand: one woman entered twice (A in household 1, B in
/// household 2), each record with one action. Before the merge she is two
/// people in every denominator; after B is merged into A she is one, with
/// both actions.
#[test]
fn a_merged_duplicate_counts_once_with_both_records_actions() {
    let village = VillageId(id(1));
    let home = |n: u128| Household {
        id: HouseholdId(id(10 + n)),
        village_id: village,
        address: format!("Số {n}"),
        head_name: "Nguyễn Thị Đào".into(),
        phone: None,
        voided: None,
        flags: HouseholdFlags::default(),
    };
    let person = |n: u128, h: u128, born: i32| Resident {
        id: res(n),
        household_id: HouseholdId(id(10 + h)),
        full_name: "Nguyễn Thị Đào".into(),
        birth_year: born,
        sex: Sex::Female,
        has_smartphone: true,
        consent_on: None,
        citizen_id_hash: None,
        voided: None,
        merged_into: None,
        phone: None,
    };
    let at = |day: u32| {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-11-{day:02}T03:00:00Z"))
            .unwrap()
            .to_utc()
    };
    let visit = |n: u128, h: u128, day: u32| Visit {
        id: visit_id(n),
        household_id: HouseholdId(id(10 + h)),
        members: vec![member(1)],
        at: at(day),
        form: VisitForm::DoorToDoor,
        outcome: VisitOutcome::Met,
        note: None,
        voided: None,
    };
    let act = |n: u128, v: u128, r: u128, c: &str| AssistedAction {
        id: ActionId(id(200 + n)),
        visit_id: visit_id(v),
        resident_id: res(r),
        action: code(c),
        outcome: ActionOutcome::Done,
        voided: None,
    };
    let households = [home(1), home(2)];
    // A (1960) and a child (2022, under 6) in household 1; B (1960) in 2.
    let mut residents = vec![person(1, 1, 1960), person(2, 1, 2022), person(3, 2, 1960)];
    let visits = [visit(1, 1, 5), visit(2, 2, 9)];
    let actions = [act(1, 1, 1, "ehealth_book"), act(2, 2, 3, "vneid_l2")];
    let cat = seed_catalogue();
    let on = d(2026, 11, 30);
    let counts = |residents: &[Resident]| {
        let records = Records {
            households: &households,
            residents,
            visits: &visits,
            actions: &actions,
        };
        indicator_counts(&cat, &records, on)[&village].clone()
    };
    let before = counts(&residents);
    let vneid = before.get(Indicator::VneidL2);
    assert_eq!(
        (vneid.achieved, vneid.denominator),
        (1, 2),
        "A and B are 6+"
    );
    let ehealth = before.get(Indicator::EhealthBook);
    assert_eq!((ehealth.achieved, ehealth.denominator), (1, 3));

    residents[2].merged_into = Some(res(1));
    let after = counts(&residents);
    let vneid = after.get(Indicator::VneidL2);
    assert_eq!(
        (vneid.achieved, vneid.denominator),
        (1, 1),
        "one woman of 6+, her VNeID done on B's record"
    );
    let ehealth = after.get(Indicator::EhealthBook);
    assert_eq!((ehealth.achieved, ehealth.denominator), (1, 2));
    let citizens = after.get(Indicator::DigitalCitizens);
    assert_eq!(citizens.denominator, 2, "A and the child");
    assert_eq!(
        after.get(Indicator::DigitalFamilies).denominator,
        2,
        "households stay: B's old home still exists"
    );
    // The work itself is untouched: two visits, two assists.
    let records = Records {
        households: &households,
        residents: &residents,
        visits: &visits,
        actions: &actions,
    };
    let checklists = records.checklists(&cat, on);
    assert!(
        !checklists.contains_key(&res(3)),
        "B has no checklist of her own"
    );
    let a = &checklists[&res(1)];
    assert!(
        a.iter()
            .filter(|i| ["vneid_l2", "ehealth_book"].contains(&i.action.as_str()))
            .all(|i| i.status == crate::rules::ChecklistStatus::Done),
        "A carries both"
    );
}
