//! The commune on SQLite: a generated commune pushed through the server's
//! own push (the report tables then projected by the real projection), then
//! each report timed (`measure` serves the PostgreSQL province too).

use super::{Knobs, Rng, Timing, time};
use anyhow::Result;
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use gocua_central::{ApplyResult, CentralDb, DeviceAuth};
use gocua_core::converge::FieldClocks;
use gocua_core::demo::demo_org;
use gocua_core::indicators::{DrillQuery, Figure, Indicator, Part, Period, Quarter, Subject};
use gocua_core::*;
use serde::Serialize;
use serde_json::{Map, Value};
use std::time::Instant;

fn fields<T: Serialize>(r: &T) -> Map<String, Value> {
    match serde_json::to_value(r) {
        Ok(Value::Object(mut m)) => {
            m.remove("id");
            m
        }
        _ => Map::new(),
    }
}

struct Sender<'a> {
    db: &'a CentralDb,
    auth: DeviceAuth,
    clock: HlcClock,
    batch: Vec<Change>,
    sent: usize,
}

impl Sender<'_> {
    fn add<T: Serialize>(&mut self, entity: EntityKind, id: uuid::Uuid, r: &T) -> Result<()> {
        let now = Utc::now().timestamp_millis() as u64;
        self.batch.push(Change {
            id: ChangeId::new(),
            entity,
            entity_id: id,
            hlc: self.clock.tick(now),
            fields: fields(r),
            base: FieldClocks::new(),
        });
        if self.batch.len() >= 500 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let batch = std::mem::take(&mut self.batch);
        for (id, r) in self.db.push(&self.auth, &batch)? {
            if r != ApplyResult::Applied {
                anyhow::bail!("change {id} not taken: {r:?}");
            }
        }
        self.sent += batch.len();
        Ok(())
    }
}

/// A commune of `households` households (~3.85 residents each) in 20
/// villages, with visits through the year up to `today` carrying about
/// `actions` assisted actions. Returns the commune and how long pushing took.
pub fn generate(db: &CentralDb, k: &Knobs, today: NaiveDate) -> Result<(CommuneId, f64, usize)> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let org = demo_org(20);
    db.import_org(&org)?;
    let officer = org
        .members
        .iter()
        .find(|m| m.role == Role::CommuneOfficer)
        .map(|m| m.id)
        .ok_or_else(|| anyhow::anyhow!("the demo has an officer"))?;
    let code = db.issue_code(officer, Duration::hours(1))?;
    let e = db.redeem_code(&code.code, "Máy đo")?;
    let mut s = Sender {
        db,
        clock: HlcClock::new(e.auth.device_id),
        auth: e.auth,
        batch: Vec::new(),
        sent: 0,
    };
    let started = Instant::now();
    let households: Vec<Household> = (0..k.households)
        .map(|i| Household {
            id: HouseholdId::new(),
            village_id: org.villages[i % org.villages.len()].id,
            address: format!("Số {}", i + 1),
            head_name: format!("Chủ hộ {}", i + 1),
            phone: None,
            voided: None,
            flags: HouseholdFlags::default(),
        })
        .collect();
    for h in &households {
        s.add(EntityKind::Household, h.id.0, h)?;
    }
    let mut people: Vec<Vec<ResidentId>> = vec![Vec::new(); households.len()];
    for i in 0..k.residents {
        let h = i % households.len();
        let r = Resident {
            id: ResidentId::new(),
            household_id: households[h].id,
            full_name: format!("Người {}", i + 1),
            birth_year: 1930 + rng.below(97) as i32,
            sex: if i % 2 == 0 { Sex::Male } else { Sex::Female },
            has_smartphone: true,
            consent_on: None,
            citizen_id_hash: None,
            voided: None,
            merged_into: None,
            phone: None,
        };
        people[h].push(r.id);
        s.add(EntityKind::Resident, r.id.0, &r)?;
    }
    let codes: Vec<ActionCode> = gocua_core::catalogue::seed_catalogue()
        .into_iter()
        .map(|e| e.code)
        .collect();
    let team_of = |v: VillageId| -> Vec<MemberId> {
        let t = org.teams.iter().find(|t| t.village_ids.contains(&v));
        org.members
            .iter()
            .filter(|m| t.is_some_and(|t| m.team_id == Some(t.id)))
            .map(|m| m.id)
            .collect()
    };
    let first = today.with_ordinal(1).unwrap_or(today);
    let span = (today - first).num_days().max(1) as usize + 1;
    let mut actions = 0;
    while actions < k.actions {
        let h = rng.below(households.len());
        let day = first + Duration::days(rng.below(span) as i64);
        let at = Utc.from_utc_datetime(
            &day.and_hms_opt(3, rng.below(60) as u32, 0)
                .unwrap_or_default(),
        );
        let team = team_of(households[h].village_id);
        let mut members = vec![team[rng.below(team.len())]];
        if rng.chance(10) {
            let other = team[rng.below(team.len())];
            if other != members[0] {
                members.push(other);
            }
        }
        let outcome = match rng.below(25) {
            0 => VisitOutcome::NotAtHome,
            1 => VisitOutcome::Refused,
            _ => VisitOutcome::Met,
        };
        let v = Visit {
            id: VisitId::new(),
            household_id: households[h].id,
            members: members.clone(),
            at,
            form: VisitForm::DoorToDoor,
            outcome,
            note: None,
            voided: None,
        };
        s.add(EntityKind::Visit, v.id.0, &v)?;
        if outcome != VisitOutcome::Met || people[h].is_empty() {
            continue;
        }
        let n = 1 + rng.below(5) + usize::from(rng.chance(25));
        for _ in 0..n {
            let outcome = match rng.below(20) {
                0..=11 => ActionOutcome::Done,
                12..=16 => ActionOutcome::FollowUp {
                    due: day + Duration::days(rng.below(30) as i64),
                },
                _ => ActionOutcome::NotPossible {
                    reason: CannotReason::NoSmartphone,
                    note: None,
                },
            };
            let a = AssistedAction {
                id: ActionId::new(),
                visit_id: v.id,
                resident_id: people[h][rng.below(people[h].len())],
                action: codes[rng.below(codes.len())].clone(),
                outcome,
                voided: None,
            };
            s.add(EntityKind::AssistedAction, a.id.0, &a)?;
            actions += 1;
            if rng.chance(1) {
                let void = Void {
                    reason: "Ghi nhầm".into(),
                    // Signed by the pushing device's member, as the push
                    // judge requires of a void.
                    by: s.auth.member.id,
                    at,
                };
                let mut f = Map::new();
                f.insert("voided".into(), serde_json::to_value(void)?);
                let now = Utc::now().timestamp_millis() as u64;
                s.batch.push(Change {
                    id: ChangeId::new(),
                    entity: EntityKind::AssistedAction,
                    entity_id: a.id.0,
                    hlc: s.clock.tick(now),
                    fields: f,
                    base: FieldClocks::new(),
                });
            }
        }
    }
    s.flush()?;
    Ok((org.commune.id, started.elapsed().as_secs_f64(), s.sent))
}

/// Time every report of one commune.
pub fn measure(
    db: &CentralDb,
    commune: CommuneId,
    today: NaiveDate,
    k: &Knobs,
    goal_ms: f64,
) -> Result<Vec<Timing>> {
    let month = Period::Month(gocua_core::month::Month::of(today));
    let quarter = Quarter::of(today);
    let org = db.org_snapshot(commune)?;
    let team = org.teams[0].id;
    let member = org
        .members
        .iter()
        .find(|m| m.team_id == Some(team))
        .map(|m| m.id)
        .ok_or_else(|| anyhow::anyhow!("a member"))?;
    // The first call builds nothing (the projection is current) but warms
    // the cache, as a dashboard opened twice would be.
    db.commune_dashboard(commune, month, today)?;
    let runs = k.runs;
    let drill = DrillQuery {
        subject: Subject::Commune(commune),
        period: month,
        figure: Figure::Indicator {
            indicator: Indicator::VneidL2,
            part: Part::Missing,
        },
    };
    Ok(vec![
        time("commune dashboard, month", Some(goal_ms), runs, || {
            db.commune_dashboard(commune, month, today).map(drop)
        })?,
        time("commune dashboard, quarter", None, runs, || {
            db.commune_dashboard(commune, Period::Quarter(quarter), today)
                .map(drop)
        })?,
        time("quarterly report (with sync, ranks)", None, runs, || {
            db.quarter_report(commune, quarter, today).map(drop)
        })?,
        time("team view, month", None, runs, || {
            db.team_view(team, month, today).map(drop)
        })?,
        time("member month", None, runs, || {
            db.member_period(member, month, today).map(drop)
        })?,
        time("drill-down: VNeID missing, first 100", None, runs, || {
            db.drill_down(&drill, today, None, 100).map(drop)
        })?,
    ])
}
