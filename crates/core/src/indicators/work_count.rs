//! Counting a period's work in one pass over its visits: each visit adds
//! to every member it credits, their teams (once each), its household's
//! village and the commune. The same counts as `records::work_facts` (built
//! on `rules::team_month` one member, team or village at a time), which the
//! tests hold it to; this is what the server runs over the visits it loads.

use super::period::Period;
use super::work::{Who, WorkFacts};
use crate::ids::{HouseholdId, MemberId, TeamId, VillageId};
use crate::model::OrgSnapshot;
use crate::month::Month;
use crate::rules::VisitWork;
// Fx hashing: ids are already random, and a quarter's count makes
// hundreds of thousands of inserts (SipHash was a tenth of a dashboard).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeSet;

/// `village_of` says which village a visit's household is in now (None:
/// none of the commune's). Only members of `org` give credit.
pub fn count_work(
    org: &OrgSnapshot,
    visits: &[VisitWork],
    village_of: impl Fn(&VisitWork) -> Option<VillageId>,
    period: Period,
) -> WorkFacts {
    let teams: HashMap<MemberId, Option<TeamId>> =
        org.members.iter().map(|m| (m.id, m.team_id)).collect();
    let mut facts = WorkFacts::default();
    let mut helped_month: HashMap<(Who, Month), HashSet<HouseholdId>> = HashMap::default();
    let mut helped_period: HashMap<Who, HashSet<HouseholdId>> = HashMap::default();
    for v in visits
        .iter()
        .filter(|v| !v.voided && period.contains(v.day))
    {
        let credited: BTreeSet<MemberId> = v
            .members
            .iter()
            .copied()
            .filter(|m| teams.contains_key(m))
            .collect();
        if credited.is_empty() {
            continue;
        }
        let mut whos: BTreeSet<Who> = credited.iter().map(|m| Who::Member(*m)).collect();
        whos.extend(credited.iter().filter_map(|m| teams[m]).map(Who::Team));
        if let Some(village) = village_of(v) {
            whos.insert(Who::Village(village));
        }
        whos.insert(Who::Commune);
        let month = Month::of(v.day);
        let helped = v.helped_household();
        for who in whos {
            let t = facts.monthly.entry((who, month)).or_default();
            // Looked up before inserting: most keys are there already, and
            // a key is an allocation.
            for a in v.actions.iter().filter(|a| !a.voided) {
                let status = a.outcome.status_code();
                match t.actions_by_outcome.get_mut(status) {
                    Some(n) => *n += 1,
                    None => {
                        t.actions_by_outcome.insert(status.to_string(), 1);
                    }
                }
            }
            for a in v.assists() {
                match t.assists_by_action.get_mut(&a.action) {
                    Some(n) => *n += 1,
                    None => {
                        t.assists_by_action.insert(a.action.clone(), 1);
                    }
                }
            }
            if helped {
                helped_month
                    .entry((who, month))
                    .or_default()
                    .insert(v.household_id);
                helped_period.entry(who).or_default().insert(v.household_id);
            }
        }
    }
    for ((who, month), set) in helped_month {
        facts
            .monthly
            .entry((who, month))
            .or_default()
            .households_helped = set.len() as u64;
    }
    for (who, set) in helped_period {
        facts.households_over_period.insert(who, set.len() as u64);
    }
    facts
}
