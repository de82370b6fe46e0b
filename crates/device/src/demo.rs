//! A generated demo commune, for trying the app and for benchmarks. Names,
//! sizes and shares follow the commune plans (DOMAIN.md): ~3.8 residents per
//! household, one team per village, priority groups in realistic shares.
//! Everything goes through the normal write path, outbox included.

use crate::{Batch, OrgSnapshot, Store, StoreError};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use gocua_core::catalogue::seed_catalogue;
use gocua_core::demo::{FAMILY, demo_org, person_name, pick};
use gocua_core::month::vietnam;
use gocua_core::rules;
use gocua_core::{
    ActionInput, ActionOutcome, CannotReason, HouseholdFlags, HouseholdInput, MemberId,
    ResidentInput, Sex, VisitForm, VisitInput, VisitOutcome,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

/// How big a demo commune to make.
#[derive(Debug, Clone, Copy)]
pub struct DemoSpec {
    pub households: usize,
    /// Assisted actions to record across the year so far, roughly.
    pub actions: usize,
    pub seed: u64,
    /// Visits are spread from 1 January of this date's year up to it.
    pub today: NaiveDate,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    pub villages: usize,
    pub teams: usize,
    pub members: usize,
    pub households: usize,
    pub residents: usize,
    pub visits: usize,
    pub actions: usize,
}

/// Fill the store with a demo commune. The device must be initialised.
pub fn load_demo(store: &mut Store, spec: DemoSpec) -> Result<DemoSummary, StoreError> {
    let org = demo_org(spec.households.div_ceil(175));
    store.import_org(&org)?;
    store.import_catalogue(&seed_catalogue())?;
    let mut summary = DemoSummary {
        villages: org.villages.len(),
        teams: org.teams.len(),
        members: org.members.len(),
        ..DemoSummary::default()
    };
    let mut rng = StdRng::seed_from_u64(spec.seed);
    store.write(|b| fill(b, &org, spec, &mut rng, &mut summary))?;
    Ok(summary)
}

fn fill(
    b: &mut Batch<'_>,
    org: &OrgSnapshot,
    spec: DemoSpec,
    rng: &mut StdRng,
    summary: &mut DemoSummary,
) -> Result<(), StoreError> {
    let catalogue = seed_catalogue();
    let year = spec.today.year();
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(spec.today);
    let days = (spec.today - start).num_days().max(1);
    // Met visits (90%) record 1–4 actions: ~2.25 per visit overall.
    let visits_per_household = spec.actions as f64 / 2.25 / spec.households.max(1) as f64;
    for h in 0..spec.households {
        let team_index = h % org.teams.len();
        let team = &org.teams[team_index];
        let team_members: Vec<MemberId> = org
            .members
            .iter()
            .filter(|m| m.team_id == Some(team.id))
            .map(|m| m.id)
            .collect();
        let family = pick(rng, FAMILY);
        let ethnic = matches!(family, "Lò" | "Cầm" | "Hà" | "Quách");
        let elderly_only = rng.random_bool(0.08);
        let flags = HouseholdFlags {
            poor: rng.random_bool(0.05),
            near_poor: rng.random_bool(0.07),
            ethnic_minority: ethnic,
            elderly_only,
            no_smartphone: rng.random_bool(if elderly_only { 0.5 } else { 0.06 }),
        };
        let head_sex = if rng.random_bool(0.7) {
            Sex::Male
        } else {
            Sex::Female
        };
        let head_name = person_name(rng, family, head_sex);
        let phone = rng
            .random_bool(0.6)
            .then(|| format!("09{:08}", rng.random_range(0..100_000_000u32)));
        let household = b.add_household(HouseholdInput {
            village_id: Some(team.village_ids[0]),
            address: format!(
                "Số {}, ngõ {}",
                rng.random_range(1..200),
                rng.random_range(1..30)
            ),
            head_name: head_name.clone(),
            phone,
            flags,
        })?;
        summary.households += 1;

        let size = if elderly_only {
            rng.random_range(1..=2)
        } else {
            rng.random_range(2..=6)
        };
        let mut residents = Vec::with_capacity(size);
        for i in 0..size {
            let (name, sex, birth_year) = if i == 0 {
                let age = if elderly_only {
                    rng.random_range(65..90)
                } else {
                    rng.random_range(28..70)
                };
                (head_name.clone(), head_sex, year - age)
            } else {
                let sex = if rng.random_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let age = if elderly_only {
                    rng.random_range(62..90)
                } else {
                    rng.random_range(0..75)
                };
                (person_name(rng, family, sex), sex, year - age)
            };
            let r = b.add_resident(ResidentInput {
                household_id: household.id,
                full_name: name,
                birth_year,
                sex,
                has_smartphone: !flags.no_smartphone && rng.random_bool(0.8),
                consent_on: Some(start),
                citizen_id_hash: None,
            })?;
            residents.push((r.id, birth_year));
            summary.residents += 1;
        }

        let mut visits = visits_per_household.floor() as usize;
        if rng.random_bool(visits_per_household.fract()) {
            visits += 1;
        }
        for _ in 0..visits {
            let day = start + chrono::Duration::days(rng.random_range(0..days));
            let local = day
                .and_hms_opt(rng.random_range(7..19), rng.random_range(0..60), 0)
                .and_then(|t| vietnam().from_local_datetime(&t).single())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(Utc::now);
            let outcome = if rng.random_bool(0.1) {
                VisitOutcome::NotAtHome
            } else {
                VisitOutcome::Met
            };
            let mut actions = Vec::new();
            if outcome == VisitOutcome::Met {
                for _ in 0..rng.random_range(1..=4) {
                    let (resident, birth_year) = residents[rng.random_range(0..residents.len())];
                    let eligible: Vec<_> = catalogue
                        .iter()
                        .filter(|e| rules::is_eligible(e.eligibility, birth_year, day))
                        .collect();
                    let entry = eligible[rng.random_range(0..eligible.len())];
                    let roll = rng.random_range(0..100);
                    // Old follow-ups would have been closed by now; only
                    // recent visits leave some open.
                    let recent = (spec.today - day).num_days() < 45;
                    let outcome = if roll < 75 || (!recent && roll < 90) {
                        ActionOutcome::Done
                    } else if roll < 90 {
                        ActionOutcome::FollowUp {
                            due: day + chrono::Duration::days(rng.random_range(3..30)),
                        }
                    } else {
                        ActionOutcome::NotPossible {
                            reason: CannotReason::NoSmartphone,
                            note: None,
                        }
                    };
                    actions.push(ActionInput {
                        resident_id: resident,
                        action: entry.code.clone(),
                        outcome,
                    });
                }
            }
            summary.actions += actions.len();
            let member = team_members[rng.random_range(0..team_members.len())];
            b.log_visit(VisitInput {
                household_id: household.id,
                members: vec![member],
                at: local,
                form: if rng.random_bool(0.85) {
                    VisitForm::DoorToDoor
                } else {
                    VisitForm::SkillsCorner
                },
                outcome,
                note: None,
                actions,
            })?;
            summary.visits += 1;
        }
    }
    Ok(())
}
