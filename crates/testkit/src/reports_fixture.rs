//! The hand-made commune of the report tests (core, central database,
//! spreadsheet). Every figure the tests expect is worked out by hand from
//! this page; see gocua-core's tests/domain/reports_core.rs for the sums.
//!
//! Village A (team TA: a1 leader, a2), village B (team TB: b1); officer o.
//! Households: h1, h2, h3 in A; h4, h5 in B. Ages in 2026 by birth year:
//! h1: r1 1960 (66), r2 2020 (6: VNeID from this year), r3 2021 (5)
//! h2: r4 2011 (15: bank account), r5 2008 (18: adult), r6 2009 (17)
//! h4: r7 1980 (moved here from h3, now empty), r8 1990;  h5: r9 1950.
//!
//! Visits (local day; members; outcome) and actions:
//! V8  h3 10-20 a1    met:  A15 r7 ehealth done (r7 still lived in h3)
//! V1  h1 11-01 a1    met:  A1 r1 vneid done, A2 r1 ehealth follow-up→11-15,
//!                          A3 r2 vneid done   (18:00 UTC on 31/10 is 1/11 in Vietnam)
//! V5  h3 11-05 a1    not at home
//! V6  h4 11-10 b1    met:  A12 r8 vneid done, A13 r8 cashless done VOIDED,
//!                          A17 r8 bank follow-up→11-20, A14 r7 app done
//! V7  h5 11-12 b1    refused
//! V2  h1 11-15 a1+a2 met:  A4 r1 ehealth done (the follow-up succeeds),
//!                          A5 r3 vneid done (aged 5: not counted), A6 r1 vneid
//!                          done again, A19 r3 ehealth done, A20 r3 safety done
//! V3  h2 11-20 a2    met:  A7 r4 bank done, A8 r6 signature done (17: not
//!                          counted), A9 r5 app follow-up→11-25, A10 r5 bank
//!                          not possible
//! V4  h2 11-21 a2    met, VOIDED: A11 r5 vneid done
//! V9  h4 12-05 b1    met:  A16 r8 ehealth follow-up→12-20, A18 r8 bank not
//!                          possible (after the follow-up A17)
//! V10 h5 12-08 b1    met:  A21..A25 r9 vneid, app, ehealth, bank, safety done

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gocua_core::indicators::{Counts, Indicator, Quarter, Records};
use gocua_core::month::Month;
use gocua_core::*;
use uuid::Uuid;

/// A day.
pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
/// An action code from its name (`vneid_l2`, …).
pub fn code(s: &str) -> ActionCode {
    s.parse().unwrap()
}
/// The fixture's id number `n`.
pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}
/// Noon in Vietnam on that day.
pub fn noon(m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, day, 5, 0, 0).unwrap()
}
/// November 2026, the busy month.
pub const NOV: Month = Month {
    year: 2026,
    month: 11,
};
/// The fixture's quarter.
pub const Q4: Quarter = Quarter {
    year: 2026,
    quarter: 4,
};

/// The hand-made commune: its organisation and every record.
pub struct Fixture {
    /// The commune, two villages, their teams, members and officer.
    pub org: OrgSnapshot,
    /// h1..h5.
    pub households: Vec<Household>,
    /// r1..r9, r7 where it ends (h4).
    pub residents: Vec<Resident>,
    /// V1..V10.
    pub visits: Vec<Visit>,
    /// A1..A25.
    pub actions: Vec<AssistedAction>,
}

// Ids: villages 1-2, teams 11-12, members 21-24, households 31-35,
// residents 41-49, visits 101-110, actions 1001-1025.
/// Village `n` (`VA`, `VB`).
pub fn village(n: u128) -> VillageId {
    VillageId(id(n))
}
/// Member `n`: 1 a1, 2 a2, 3 b1, 4 the officer.
pub fn member(n: u128) -> MemberId {
    MemberId(id(20 + n))
}
/// Household h`n`.
pub fn hh(n: u128) -> HouseholdId {
    HouseholdId(id(30 + n))
}
/// Resident r`n`.
pub fn res(n: u128) -> ResidentId {
    ResidentId(id(40 + n))
}
/// Visit V`n`.
pub fn visit_id(n: u128) -> VisitId {
    VisitId(id(100 + n))
}
/// Village A.
pub const VA: u128 = 1;
/// Village B.
pub const VB: u128 = 2;

/// The commune as the page above draws it.
pub fn fixture() -> Fixture {
    let commune = Commune {
        id: CommuneId(id(900)),
        name: "Xã Thử".into(),
        province: "Thanh Hóa".into(),
    };
    let team = |n: u128, name: &str, v: u128| Team {
        id: TeamId(id(10 + n)),
        commune_id: commune.id,
        name: name.into(),
        village_ids: vec![village(v)],
    };
    let person = |n: u128, team: Option<u128>, name: &str, role| Member {
        id: member(n),
        commune_id: commune.id,
        team_id: team.map(|t| TeamId(id(10 + t))),
        full_name: name.into(),
        role,
    };
    let org = OrgSnapshot {
        commune: commune.clone(),
        villages: vec![
            Village {
                id: village(VA),
                commune_id: commune.id,
                name: "Thôn A".into(),
            },
            Village {
                id: village(VB),
                commune_id: commune.id,
                name: "Thôn B".into(),
            },
        ],
        teams: vec![team(1, "Tổ A", VA), team(2, "Tổ B", VB)],
        members: vec![
            person(1, Some(1), "Lê Văn An", Role::TeamLeader),
            person(2, Some(1), "Trần Thị Bình", Role::Member),
            person(3, Some(2), "Phạm Văn Cường", Role::TeamLeader),
            person(4, None, "Cán bộ xã", Role::CommuneOfficer),
        ],
    };
    let house = |n: u128, v: u128| Household {
        id: hh(n),
        village_id: village(v),
        address: format!("Số {n}"),
        head_name: format!("Chủ hộ {n}"),
        phone: None,
        voided: None,
        flags: HouseholdFlags::default(),
    };
    let households = vec![
        house(1, VA),
        house(2, VA),
        house(3, VA),
        house(4, VB),
        house(5, VB),
    ];
    let person_r = |n: u128, h: u128, born: i32| Resident {
        id: res(n),
        household_id: hh(h),
        full_name: format!("Người {n}"),
        birth_year: born,
        sex: Sex::Female,
        has_smartphone: true,
        consent_on: None,
        citizen_id_hash: None,
        voided: None,
        merged_into: None,
        phone: None,
    };
    let residents = vec![
        person_r(1, 1, 1960),
        person_r(2, 1, 2020),
        person_r(3, 1, 2021),
        person_r(4, 2, 2011),
        person_r(5, 2, 2008),
        person_r(6, 2, 2009),
        person_r(7, 4, 1980), // moved from h3
        person_r(8, 4, 1990),
        person_r(9, 5, 1950),
    ];
    // Signed by the officer, whose device pushes the commune's records
    // (`reports_push::load_fixture`): a void is its maker's (issue 15).
    let by = member(4);
    let void = || Void {
        reason: "Ghi nhầm".into(),
        by,
        at: noon(12, 1),
    };
    let v = |n: u128, h: u128, members: &[u128], at: DateTime<Utc>, outcome| Visit {
        id: visit_id(n),
        household_id: hh(h),
        members: members.iter().map(|m| member(*m)).collect(),
        at,
        form: VisitForm::DoorToDoor,
        outcome,
        note: None,
        voided: None,
    };
    let met = VisitOutcome::Met;
    let mut v4 = v(4, 2, &[2], noon(11, 21), met);
    v4.voided = Some(void());
    let visits = vec![
        v(8, 3, &[1], noon(10, 20), met),
        v(
            1,
            1,
            &[1],
            Utc.with_ymd_and_hms(2026, 10, 31, 18, 0, 0).unwrap(),
            met,
        ),
        v(5, 3, &[1], noon(11, 5), VisitOutcome::NotAtHome),
        v(6, 4, &[3], noon(11, 10), met),
        v(7, 5, &[3], noon(11, 12), VisitOutcome::Refused),
        v(2, 1, &[1, 2], noon(11, 15), met),
        v(3, 2, &[2], noon(11, 20), met),
        v4,
        v(9, 4, &[3], noon(12, 5), met),
        v(10, 5, &[3], noon(12, 8), met),
    ];
    let done = ActionOutcome::Done;
    let follow = |m, day| ActionOutcome::FollowUp {
        due: d(2026, m, day),
    };
    let cannot = |reason| ActionOutcome::NotPossible { reason, note: None };
    let a = |n: u128, visit: u128, r: u128, c: &str, outcome: ActionOutcome| AssistedAction {
        id: ActionId(id(1000 + n)),
        visit_id: visit_id(visit),
        resident_id: res(r),
        action: code(c),
        outcome,
        voided: None,
    };
    let mut a13 = a(13, 6, 8, "cashless_payment", done.clone());
    a13.voided = Some(void());
    let actions = vec![
        a(15, 8, 7, "ehealth_book", done.clone()),
        a(1, 1, 1, "vneid_l2", done.clone()),
        a(2, 1, 1, "ehealth_book", follow(11, 15)),
        a(3, 1, 2, "vneid_l2", done.clone()),
        a(12, 6, 8, "vneid_l2", done.clone()),
        a13,
        a(17, 6, 8, "bank_account", follow(11, 20)),
        a(14, 6, 7, "provincial_app", done.clone()),
        a(4, 2, 1, "ehealth_book", done.clone()),
        a(5, 2, 3, "vneid_l2", done.clone()),
        a(6, 2, 1, "vneid_l2", done.clone()),
        a(19, 2, 3, "ehealth_book", done.clone()),
        a(20, 2, 3, "online_safety", done.clone()),
        a(7, 3, 4, "bank_account", done.clone()),
        a(8, 3, 6, "digital_signature", done.clone()),
        a(9, 3, 5, "provincial_app", follow(11, 25)),
        a(10, 3, 5, "bank_account", cannot(CannotReason::NoSmartphone)),
        a(11, 4, 5, "vneid_l2", done.clone()),
        a(16, 9, 8, "ehealth_book", follow(12, 20)),
        a(18, 9, 8, "bank_account", cannot(CannotReason::Refused)),
        a(21, 10, 9, "vneid_l2", done.clone()),
        a(22, 10, 9, "provincial_app", done.clone()),
        a(23, 10, 9, "ehealth_book", done.clone()),
        a(24, 10, 9, "bank_account", done.clone()),
        a(25, 10, 9, "online_safety", done),
    ];
    Fixture {
        org,
        households,
        residents,
        visits,
        actions,
    }
}

impl Fixture {
    /// Its records, as the indicators count them.
    pub fn records(&self) -> Records<'_> {
        Records {
            households: &self.households,
            residents: &self.residents,
            visits: &self.visits,
            actions: &self.actions,
        }
    }
}

/// (achieved, denominator) of one indicator.
pub fn tally(counts: &Counts, i: Indicator) -> (u64, u64) {
    let t = counts.get(i);
    (t.achieved, t.denominator)
}

/// r7 as first registered: in h3, before moving to h4 (after V8, before V6).
pub fn r7_before_move(f: &Fixture) -> Resident {
    let mut r = f
        .residents
        .iter()
        .find(|r| r.id == res(7))
        .cloned()
        .expect("r7");
    r.household_id = hh(3);
    r
}
