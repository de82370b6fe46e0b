//! Counting from the records themselves: what a device does with the data
//! it holds, and the reference the server's SQL is tested against. Every
//! concept is `rules.rs`'s: the checklist decides "done" (done wins, voided
//! records do not count), `member_month`/`team_month` count the work.

use super::defs::{Counts, Indicator, Population};
use super::period::Period;
use super::work::{FollowUps, Who, WorkFacts, WorkTally};
use crate::catalogue::{ActionCode, CatalogueEntry};
use crate::ids::{ActionId, HouseholdId, MemberId, ResidentId, VillageId, VisitId};
use crate::model::{
    ActionOutcome, AssistedAction, Household, OrgSnapshot, Resident, Visit, VisitOutcome,
};
use crate::month::local_date;
use crate::rules::{
    ActionRecord, ActionWork, ChecklistItem, ChecklistStatus, TeamMonth, VisitWork,
    is_digital_citizen, is_digital_family, is_eligible, resident_checklist, team_month,
};
use crate::same_person::Roots;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A visit reached its household when someone came to the door: met, or
/// refused (still a contact); nobody at home does not count.
pub fn reaches_household(outcome: VisitOutcome) -> bool {
    matches!(outcome, VisitOutcome::Met | VisitOutcome::Refused)
}

/// A commune's records as some holder has them.
#[derive(Debug, Clone, Copy)]
pub struct Records<'a> {
    pub households: &'a [Household],
    pub residents: &'a [Resident],
    pub visits: &'a [Visit],
    pub actions: &'a [AssistedAction],
}

/// An action with what the figures need of its visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub action_id: ActionId,
    pub visit_id: VisitId,
    pub resident_id: ResidentId,
    pub action: ActionCode,
    pub outcome: ActionOutcome,
    /// The visit's day in Vietnam.
    pub day: NaiveDate,
    pub members: Vec<MemberId>,
    /// Neither the action nor its visit is voided.
    pub live: bool,
}

impl Records<'_> {
    /// Who each merged resident counts as (`same_person.rs`).
    pub fn roots(&self) -> Roots {
        Roots::resolve(
            self.residents
                .iter()
                .filter_map(|r| r.merged_into.map(|into| (r.id, into))),
        )
    }

    /// Every action joined to its visit, in (day, id) order: the order in
    /// which a later record wins a tie in the checklist. An action recorded
    /// for a merged resident is the person's they were merged into.
    pub fn attempts(&self) -> Vec<Attempt> {
        let roots = self.roots();
        let visits: HashMap<VisitId, &Visit> = self.visits.iter().map(|v| (v.id, v)).collect();
        let mut out: Vec<Attempt> = self
            .actions
            .iter()
            .filter_map(|a| {
                let v = visits.get(&a.visit_id)?;
                Some(Attempt {
                    action_id: a.id,
                    visit_id: a.visit_id,
                    resident_id: roots.of(a.resident_id),
                    action: a.action.clone(),
                    outcome: a.outcome.clone(),
                    day: local_date(v.at),
                    members: v.members.clone(),
                    live: a.voided.is_none() && v.voided.is_none(),
                })
            })
            .collect();
        out.sort_by_key(|a| (a.day, a.action_id));
        out
    }

    /// The visits as `rules` counts them.
    pub fn visit_work(&self) -> Vec<VisitWork> {
        let mut by_visit: HashMap<VisitId, Vec<ActionWork>> = HashMap::new();
        for a in self.actions {
            by_visit.entry(a.visit_id).or_default().push(ActionWork {
                action: a.action.clone(),
                outcome: a.outcome.clone(),
                voided: a.voided.is_some(),
            });
        }
        self.visits
            .iter()
            .map(|v| VisitWork {
                visit_id: v.id,
                household_id: v.household_id,
                members: v.members.clone(),
                day: local_date(v.at),
                outcome: v.outcome,
                voided: v.voided.is_some(),
                actions: by_visit.remove(&v.id).unwrap_or_default(),
            })
            .collect()
    }

    /// Each resident's checklist at `as_of`, from the records up to that
    /// day (their merged duplicates' included); none for a merged resident,
    /// who is counted as the one they were merged into.
    pub fn checklists(
        &self,
        catalogue: &[CatalogueEntry],
        as_of: NaiveDate,
    ) -> HashMap<ResidentId, Vec<ChecklistItem>> {
        let mut records: HashMap<ResidentId, Vec<ActionRecord>> = HashMap::new();
        for a in self.attempts().into_iter().filter(|a| a.day <= as_of) {
            records
                .entry(a.resident_id)
                .or_default()
                .push(ActionRecord {
                    resident_id: a.resident_id,
                    action: a.action,
                    outcome: a.outcome,
                    day: a.day,
                    voided: !a.live,
                });
        }
        let roots = self.roots();
        self.residents
            .iter()
            .filter(|r| !roots.is_merged(r.id))
            .map(|r| {
                let mine = records.remove(&r.id).unwrap_or_default();
                (
                    r.id,
                    resident_checklist(r.birth_year, catalogue, &mine, as_of),
                )
            })
            .collect()
    }
}

fn done(items: &[ChecklistItem], code: &str) -> bool {
    items
        .iter()
        .any(|i| i.action.as_str() == code && i.status == ChecklistStatus::Done)
}

/// The indicators of every village at `as_of`.
pub fn indicator_counts(
    catalogue: &[CatalogueEntry],
    records: &Records<'_>,
    as_of: NaiveDate,
) -> BTreeMap<VillageId, Counts> {
    let checklists = records.checklists(catalogue, as_of);
    let essential: BTreeSet<&str> = catalogue
        .iter()
        .filter(|e| e.essential_platform)
        .map(|e| e.code.as_str())
        .collect();
    let year_start = as_of.with_ordinal(1).unwrap_or(as_of);
    let reached: BTreeSet<HouseholdId> = records
        .visits
        .iter()
        .filter(|v| v.voided.is_none())
        .filter(|v| reaches_household(v.outcome))
        .filter(|v| (year_start..=as_of).contains(&local_date(v.at)))
        .map(|v| v.household_id)
        .collect();
    let mut people: HashMap<HouseholdId, Vec<&Vec<ChecklistItem>>> = HashMap::new();
    // A household or resident the office withdrew (issue 16) counts
    // nowhere, nor do the people of a withdrawn household.
    let homes: HashMap<HouseholdId, VillageId> = records
        .households
        .iter()
        .filter(|h| h.voided.is_none())
        .map(|h| (h.id, h.village_id))
        .collect();
    let mut out: BTreeMap<VillageId, Counts> = BTreeMap::new();
    for r in records.residents.iter().filter(|r| r.voided.is_none()) {
        let Some(village) = homes.get(&r.household_id) else {
            continue;
        };
        let Some(items) = checklists.get(&r.id) else {
            continue;
        };
        people.entry(r.household_id).or_default().push(items);
        let counts = out.entry(*village).or_default();
        for ind in Indicator::ALL {
            let tally = counts.entry(ind);
            match ind.population() {
                Population::ActionDone { action, .. } => {
                    let Some(elig) = ind.eligibility(catalogue) else {
                        continue;
                    };
                    if is_eligible(elig, r.birth_year, as_of) {
                        tally.denominator += 1;
                        tally.achieved += u64::from(done(items, action));
                    }
                }
                Population::DigitalCitizens => {
                    tally.denominator += 1;
                    tally.achieved += u64::from(is_digital_citizen(items));
                }
                _ => {}
            }
        }
    }
    for h in records.households.iter().filter(|h| h.voided.is_none()) {
        let counts = out.entry(h.village_id).or_default();
        let members: Vec<Vec<ChecklistItem>> = people
            .get(&h.id)
            .map(|v| v.iter().map(|items| (*items).clone()).collect())
            .unwrap_or_default();
        let platform = members
            .iter()
            .any(|items| essential.iter().any(|code| done(items, code)));
        for (ind, yes) in [
            (Indicator::EssentialPlatformHouseholds, platform),
            (Indicator::HouseholdsReached, reached.contains(&h.id)),
            (Indicator::DigitalFamilies, is_digital_family(&members)),
        ] {
            let t = counts.entry(ind);
            t.denominator += 1;
            t.achieved += u64::from(yes);
        }
    }
    out
}

fn tally_of(t: &TeamMonth) -> WorkTally {
    WorkTally {
        households_helped: t.households_helped as u64,
        assists_by_action: t
            .by_action
            .iter()
            .map(|(k, v)| (k.clone(), *v as u64))
            .collect(),
        actions_by_outcome: t
            .by_outcome
            .iter()
            .map(|(k, v)| (k.to_string(), *v as u64))
            .collect(),
    }
}

/// The work of every member, team, village and the commune in `period`,
/// and members' open follow-ups at `as_of`.
pub fn work_facts(
    org: &OrgSnapshot,
    records: &Records<'_>,
    period: Period,
    as_of: NaiveDate,
) -> WorkFacts {
    let work = records.visit_work();
    let everyone: Vec<MemberId> = org.members.iter().map(|m| m.id).collect();
    let homes: HashMap<HouseholdId, VillageId> = records
        .households
        .iter()
        .map(|h| (h.id, h.village_id))
        .collect();
    let village_work: Vec<(VillageId, Vec<VisitWork>)> = org
        .villages
        .iter()
        .map(|v| {
            let theirs = work
                .iter()
                .filter(|w| homes.get(&w.household_id) == Some(&v.id))
                .cloned()
                .collect();
            (v.id, theirs)
        })
        .collect();
    // (who, the visits that may be theirs, the members whose credit counts)
    let mut groups: Vec<(Who, &[VisitWork], Vec<MemberId>)> = Vec::new();
    for m in &org.members {
        groups.push((Who::Member(m.id), &work, vec![m.id]));
    }
    for t in &org.teams {
        let members = org
            .members
            .iter()
            .filter(|m| m.team_id == Some(t.id))
            .map(|m| m.id)
            .collect();
        groups.push((Who::Team(t.id), &work, members));
    }
    for (v, theirs) in &village_work {
        groups.push((Who::Village(*v), theirs, everyone.clone()));
    }
    groups.push((Who::Commune, &work, everyone.clone()));

    let mut facts = WorkFacts::default();
    for (who, visits, members) in groups {
        for month in period.months() {
            let t = team_month(&members, month, visits);
            facts.monthly.insert((who, month), tally_of(&t));
        }
        let helped: BTreeSet<HouseholdId> = visits
            .iter()
            .filter(|v| !v.voided && period.contains(v.day))
            .filter(|v| v.members.iter().any(|m| members.contains(m)))
            .filter(|v| v.helped_household())
            .map(|v| v.household_id)
            .collect();
        facts
            .households_over_period
            .insert(who, helped.len() as u64);
    }
    facts.follow_ups = follow_ups(&records.attempts(), as_of);
    facts
}

/// Open follow-ups at `as_of`, per member credited with the visit of the
/// latest attempt: for each resident and action, done wins; otherwise the
/// latest attempt (by day, then record id) says what is pending.
pub fn follow_ups(attempts: &[Attempt], as_of: NaiveDate) -> BTreeMap<MemberId, FollowUps> {
    let mut latest: BTreeMap<(ResidentId, &ActionCode), Option<&Attempt>> = BTreeMap::new();
    // `attempts` is in (day, id) order: each later one replaces the last.
    for a in attempts.iter().filter(|a| a.live && a.day <= as_of) {
        let slot = latest.entry((a.resident_id, &a.action)).or_insert(Some(a));
        match slot {
            None => {} // done already
            Some(_) if a.outcome == ActionOutcome::Done => *slot = None,
            Some(_) => *slot = Some(a),
        }
    }
    let mut out: BTreeMap<MemberId, FollowUps> = BTreeMap::new();
    for a in latest.values().flatten() {
        if let ActionOutcome::FollowUp { due } = a.outcome {
            let credited: BTreeSet<&MemberId> = a.members.iter().collect();
            for m in credited {
                let f = out.entry(*m).or_default();
                f.open += 1;
                f.overdue += u64::from(due < as_of);
            }
        }
    }
    out
}
