//! The commune's indicators at a day, from one row per resident (their
//! masks of codes done and attempted, kept by `report_project`) and one per
//! household-year reached. The rules are applied here in Rust with
//! `gocua_core`'s age brackets and checklist masks (proven equal to
//! `rules::resident_checklist`), so SQL only hands rows over; residents
//! whose records changed after the day are recounted from `rpt_status`.

use super::CentralError;
use super::report_sql::{Query, count};
use super::sql::Tx;
use chrono::{Datelike, NaiveDate};
use gocua_core::indicators::{
    AgeBrackets, BRACKETS, ChecklistMasks, Counts, Indicator, Population,
};
use gocua_core::{CatalogueEntry, CommuneId, VillageId};
use std::collections::{BTreeMap, HashMap};

/// How one resident counts, from their masks.
struct Rules {
    brackets: AgeBrackets,
    /// Action indicators: which brackets are eligible, and the code's bit.
    actions: Vec<(Indicator, [bool; BRACKETS], i64)>,
    checklist: ChecklistMasks,
    /// For each checklist entry (its bit in `checklist`), its bit in the
    /// commune's masks (0: never recorded, so nobody has it).
    checklist_bits: Vec<i64>,
    essential: i64,
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
                actions.push((ind, eligible, bit(action)));
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

/// Counts per village, fed one resident at a time.
struct Tally<'a> {
    rules: &'a Rules,
    villages: BTreeMap<String, Counts>,
    homes: HashMap<String, Home>,
}

impl Tally<'_> {
    fn resident(&mut self, village: &str, household: &str, birth_year: i64, done: i64, att: i64) {
        let r = self.rules;
        let year = i32::try_from(birth_year).unwrap_or(i32::MAX);
        let b = r.brackets.of(year);
        // Looked up before inserting: a key is an allocation, and nearly
        // every resident's village and household are there already.
        if !self.villages.contains_key(village) {
            self.villages.insert(village.to_string(), Counts::default());
        }
        let Some(counts) = self.villages.get_mut(village) else {
            return;
        };
        for (ind, eligible, bit) in &r.actions {
            if eligible[b] {
                let t = counts.entry(*ind);
                t.denominator += 1;
                t.achieved += u64::from(done & bit != 0);
            }
        }
        let (d, a) = r.checklist_masks(done, att);
        let citizen = r.checklist.is_citizen(b, d, a);
        let t = counts.entry(Indicator::DigitalCitizens);
        t.denominator += 1;
        t.achieved += u64::from(citizen);
        if !self.homes.contains_key(household) {
            let home = Home {
                village: village.to_string(),
                ..Home::default()
            };
            self.homes.insert(household.to_string(), home);
        }
        let Some(home) = self.homes.get_mut(household) else {
            return;
        };
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
    let mut tally = Tally {
        rules: &rules,
        villages: BTreeMap::new(),
        homes: HashMap::new(),
    };
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
    for r in q.run(tx)? {
        tally.resident(r.text(0)?, r.text(1)?, r.int(2)?, r.int(3)?, r.int(4)?);
    }
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
    for (v, counts) in tally.villages {
        out.insert(village_id(&v)?, counts);
    }
    let mut platform: HashMap<String, u64> = HashMap::new();
    let mut families: HashMap<String, u64> = HashMap::new();
    for h in tally.homes.into_values() {
        *platform.entry(h.village.clone()).or_default() += u64::from(h.platform);
        *families.entry(h.village).or_default() +=
            u64::from(h.with_duties > 0 && h.with_duties == h.citizens);
    }
    let mut q = Query::new();
    q.text("SELECT village_id, count(*) FROM rpt_households WHERE commune_id = ")
        .bind(c.as_str())
        .text(" GROUP BY village_id");
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
