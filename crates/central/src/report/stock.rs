//! The commune's indicators at a day, from one row per resident (their
//! masks of codes done and attempted, kept by `report_project`) and one per
//! household-year reached. The rules are applied here in Rust with
//! `gocua_core`'s age brackets and checklist masks (proven equal to
//! `rules::resident_checklist`), so SQL only hands rows over; residents
//! whose records changed after the day are recounted from `rpt_status`.

use crate::CentralError;
use crate::backend::sql::Tx;
use crate::report::work::{Query, count};
use chrono::{Datelike, NaiveDate};
use gocua_core::indicators::{
    AgeBrackets, BRACKETS, ChecklistMasks, Counts, Indicator, Population,
};
use gocua_core::{CatalogueEntry, CommuneId, VillageId};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};

/// Where `ind` sits in `Indicator::ALL` (a village's tallies are an array
/// in that order while counting: a map lookup per resident and indicator
/// was a tenth of the dashboard).
fn slot(ind: Indicator) -> usize {
    Indicator::ALL
        .iter()
        .position(|i| *i == ind)
        .unwrap_or_default()
}

/// (denominator, achieved) per indicator, in `Indicator::ALL` order.
type Tallies = [(u64, u64); Indicator::ALL.len()];

/// How one resident counts, from their masks.
struct Rules {
    brackets: AgeBrackets,
    /// Action indicators: their place in `Indicator::ALL`, which brackets
    /// are eligible, and the code's bit.
    actions: Vec<(usize, [bool; BRACKETS], i64)>,
    checklist: ChecklistMasks,
    /// For each checklist entry (its bit in `checklist`), its bit in the
    /// commune's masks (0: never recorded, so nobody has it).
    checklist_bits: Vec<i64>,
    essential: i64,
    /// `slot(Indicator::DigitalCitizens)`.
    citizens: usize,
}

impl Rules {
    fn new(
        catalogue: &[CatalogueEntry],
        bits: &HashMap<String, i64>,
        as_of: NaiveDate,
    ) -> Result<Rules, CentralError> {
        let bit = |code: &str| bits.get(code).copied().unwrap_or(0);
        let mut actions = Vec::new();
        for ind in Indicator::ALL {
            if let (Population::ActionDone { action, .. }, Some(elig)) =
                (ind.population(), ind.eligibility(catalogue))
            {
                let eligible = std::array::from_fn(|b| AgeBrackets::eligible(b, elig));
                actions.push((slot(ind), eligible, bit(action)));
            }
        }
        let checklist =
            ChecklistMasks::new(catalogue).map_err(|e| CentralError::Backend(e.to_string()))?;
        let checklist_bits = checklist.codes.iter().map(|c| bit(c.as_str())).collect();
        let essential = catalogue
            .iter()
            .filter(|e| e.essential_platform)
            .fold(0, |m, e| m | bit(e.code.as_str()));
        Ok(Rules {
            brackets: AgeBrackets::at(as_of),
            actions,
            checklist,
            checklist_bits,
            essential,
            citizens: slot(Indicator::DigitalCitizens),
        })
    }

    /// The resident's masks over the checklist's own bits.
    fn checklist_masks(&self, done: i64, att: i64) -> (u32, u32) {
        let (mut d, mut a) = (0u32, 0u32);
        for (j, m) in self.checklist_bits.iter().enumerate() {
            if done & m != 0 {
                d |= 1 << j;
            }
            if att & m != 0 {
                a |= 1 << j;
            }
        }
        (d, a)
    }
}

#[derive(Default)]
struct Home {
    village: String,
    with_duties: u32,
    citizens: u32,
    platform: bool,
}

/// Counts per village, fed one resident at a time. Rows arrive grouped by
/// village and household (the index they are read from), so the last
/// village's and household's slots are checked before any lookup: ids are
/// UUIDv7 text sharing long prefixes, slow to hash and compare.
struct Tally<'a> {
    rules: &'a Rules,
    villages: Vec<(String, Tallies)>,
    homes: Vec<Home>,
    home_of: FxHashMap<String, usize>,
    last_village: usize,
    last_home: Option<(String, usize)>,
}

impl<'a> Tally<'a> {
    fn new(rules: &'a Rules) -> Tally<'a> {
        Tally {
            rules,
            villages: Vec::new(),
            homes: Vec::new(),
            home_of: FxHashMap::default(),
            last_village: 0,
            last_home: None,
        }
    }

    fn village_slot(&mut self, village: &str) -> usize {
        if self
            .villages
            .get(self.last_village)
            .is_some_and(|(v, _)| v == village)
        {
            return self.last_village;
        }
        let slot = match self.villages.iter().position(|(v, _)| v == village) {
            Some(i) => i,
            None => {
                self.villages
                    .push((village.to_string(), [(0, 0); Indicator::ALL.len()]));
                self.villages.len() - 1
            }
        };
        self.last_village = slot;
        slot
    }

    fn home_slot(&mut self, village: &str, household: &str) -> usize {
        if let Some((h, i)) = &self.last_home
            && h == household
        {
            return *i;
        }
        let slot = match self.home_of.get(household) {
            Some(i) => *i,
            None => {
                self.homes.push(Home {
                    village: village.to_string(),
                    ..Home::default()
                });
                self.home_of
                    .insert(household.to_string(), self.homes.len() - 1);
                self.homes.len() - 1
            }
        };
        match &mut self.last_home {
            Some((h, i)) => {
                h.clear();
                h.push_str(household);
                *i = slot;
            }
            None => self.last_home = Some((household.to_string(), slot)),
        }
        slot
    }

    fn resident(&mut self, village: &str, household: &str, birth_year: i64, done: i64, att: i64) {
        let r = self.rules;
        let year = i32::try_from(birth_year).unwrap_or(i32::MAX);
        let b = r.brackets.of(year);
        let v = self.village_slot(village);
        let tallies = &mut self.villages[v].1;
        for (i, eligible, bit) in &r.actions {
            if eligible[b] {
                tallies[*i].0 += 1;
                tallies[*i].1 += u64::from(done & bit != 0);
            }
        }
        let (d, a) = r.checklist_masks(done, att);
        let citizen = r.checklist.is_citizen(b, d, a);
        let t = &mut tallies[r.citizens];
        t.0 += 1;
        t.1 += u64::from(citizen);
        let h = self.home_slot(village, household);
        let home = &mut self.homes[h];
        home.with_duties += u32::from(r.checklist.has_duties(b, d, a));
        home.citizens += u32::from(citizen);
        home.platform |= done & r.essential != 0;
    }
}

fn village_id(s: &str) -> Result<VillageId, CentralError> {
    s.parse()
        .map_err(|e| CentralError::Corrupt(format!("bad village id {s}: {e}")))
}

/// The commune's indicators per village at `as_of`.
pub(crate) fn indicator_counts(
    tx: &mut dyn Tx,
    commune: CommuneId,
    catalogue: &[CatalogueEntry],
    as_of: NaiveDate,
) -> Result<BTreeMap<VillageId, Counts>, CentralError> {
    let c = commune.to_string();
    let day = as_of.to_string();
    let mut bits = HashMap::new();
    let mut q = Query::new();
    q.text("SELECT code, bit FROM rpt_codes WHERE commune_id = ")
        .bind(c.as_str());
    for r in q.run(tx)? {
        bits.insert(r.string(0)?, 1i64 << r.int(1)?.clamp(0, 62));
    }
    let rules = Rules::new(catalogue, &bits, as_of)?;
    let mut tally = Tally::new(&rules);
    // Residents whose masks hold on the day: everyone but those with
    // records after it.
    let mut q = Query::new();
    q.text(
        "SELECT village_id, household_id, birth_year, done_mask, att_mask FROM rpt_residents
         WHERE commune_id = ",
    )
    .bind(c.as_str())
    .text(" AND (changed_on IS NULL OR changed_on <= ")
    .bind(day.as_str())
    .text(")");
    tx.each(&q.sql, &q.params, &mut |r| {
        tally.resident(r.text(0)?, r.text(1)?, r.int(2)?, r.int(3)?, r.int(4)?);
        Ok(())
    })?;
    // The others, recounted from their standing rows up to the day.
    let mut q = Query::new();
    q.text(
        "SELECT r.resident_id, r.village_id, r.household_id, r.birth_year, s.code, s.first_on,
                s.done_on
         FROM rpt_residents r JOIN rpt_status s ON s.resident_id = r.resident_id
         WHERE r.commune_id = ",
    )
    .bind(c.as_str())
    .text(" AND r.changed_on > ")
    .bind(day.as_str())
    .text(" ORDER BY r.resident_id");
    let rows = q.run(tx)?;
    let mut i = 0;
    while i < rows.len() {
        let id = rows[i].text(0)?;
        let (mut done, mut att) = (0i64, 0i64);
        let mut j = i;
        while j < rows.len() && rows[j].text(0)? == id {
            let bit = bits.get(rows[j].text(4)?).copied().unwrap_or(0);
            if rows[j].text(5)? <= day.as_str() {
                att |= bit;
            }
            if rows[j].opt_text(6)?.is_some_and(|d| d <= day.as_str()) {
                done |= bit;
            }
            j += 1;
        }
        let r = &rows[i];
        tally.resident(r.text(1)?, r.text(2)?, r.int(3)?, done, att);
        i = j;
    }

    let mut out: BTreeMap<VillageId, Counts> = BTreeMap::new();
    for (v, tallies) in tally.villages {
        let mut counts = Counts::default();
        // Only what some resident counted in: as `Counts::entry` would.
        for (ind, (denominator, achieved)) in Indicator::ALL.into_iter().zip(tallies) {
            if denominator > 0 {
                let t = counts.entry(ind);
                t.denominator = denominator;
                t.achieved = achieved;
            }
        }
        out.insert(village_id(&v)?, counts);
    }
    let mut platform: HashMap<String, u64> = HashMap::new();
    let mut families: HashMap<String, u64> = HashMap::new();
    for h in tally.homes {
        *platform.entry(h.village.clone()).or_default() += u64::from(h.platform);
        *families.entry(h.village).or_default() +=
            u64::from(h.with_duties > 0 && h.with_duties == h.citizens);
    }
    let mut q = Query::new();
    q.text("SELECT village_id, count(*) FROM rpt_households WHERE commune_id = ")
        .bind(c.as_str())
        .text(" AND voided = 0 GROUP BY village_id");
    let households = q.run(tx)?;
    let mut q = Query::new();
    q.text("SELECT village_id, count(*) FROM rpt_reached WHERE commune_id = ")
        .bind(c.as_str())
        .text(" AND year = ")
        .bind(i64::from(as_of.year()))
        .text(" AND first_on <= ")
        .bind(day.as_str())
        .text(" GROUP BY village_id");
    let reached: HashMap<String, u64> = q
        .run(tx)?
        .iter()
        .map(|r| Ok((r.string(0)?, count(r, 1)?)))
        .collect::<Result<_, CentralError>>()?;
    for r in households {
        let v = r.text(0)?;
        let n = count(&r, 1)?;
        let counts = out.entry(village_id(v)?).or_default();
        for (ind, achieved) in [
            (Indicator::EssentialPlatformHouseholds, &platform),
            (Indicator::HouseholdsReached, &reached),
            (Indicator::DigitalFamilies, &families),
        ] {
            let t = counts.entry(ind);
            t.denominator = n;
            t.achieved = achieved.get(v).copied().unwrap_or(0);
        }
    }
    Ok(out)
}
