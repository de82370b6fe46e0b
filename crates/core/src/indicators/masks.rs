//! The checklist rules of `rules.rs` in a form a database can evaluate
//! without loading every resident: residents fall into age brackets by
//! birth year (every eligibility's minimum age is a bracket boundary), and
//! a resident's checklist standing is two bit masks over the checklist
//! entries — entries done, and entries with any record at all. Whether a
//! resident has checklist duties or is a digital citizen is then a test on
//! (bracket, done, attempted) whose constants come from here; the tests
//! check it against `rules::resident_checklist` for every combination.

use crate::catalogue::{ActionCode, CatalogueEntry, Eligibility};
use crate::rules::age_in_year;
use chrono::{Datelike, NaiveDate};

/// Every eligibility, oldest first. The match below fails to compile when
/// a variant is added, so brackets always cover every boundary.
pub const ELIGIBILITIES: [Eligibility; 4] = [
    Eligibility::Adults,
    Eligibility::Age15Plus,
    Eligibility::Age6Plus,
    Eligibility::All,
];

const fn listed(e: Eligibility) -> usize {
    match e {
        Eligibility::Adults => 0,
        Eligibility::Age15Plus => 1,
        Eligibility::Age6Plus => 2,
        Eligibility::All => 3,
    }
}

/// Brackets: 0..=3 are "at least ELIGIBILITIES[i].min_age() in the year",
/// the oldest that applies; `NOT_BORN` is born after the year.
pub const BRACKETS: usize = ELIGIBILITIES.len() + 1;
pub const NOT_BORN: usize = ELIGIBILITIES.len();

/// Age brackets at a reference day, counted by birth year like
/// `rules::age_in_year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeBrackets {
    on: NaiveDate,
}

impl AgeBrackets {
    pub fn at(on: NaiveDate) -> AgeBrackets {
        AgeBrackets { on }
    }

    /// For each bracket but `NOT_BORN`, the latest birth year in it or an
    /// older one: bracket i holds birth years `<= max_birth_year(i)` not in
    /// an earlier bracket.
    pub fn max_birth_years(&self) -> [i32; ELIGIBILITIES.len()] {
        ELIGIBILITIES.map(|e| self.on.year() - e.min_age())
    }

    pub fn of(&self, birth_year: i32) -> usize {
        let age = age_in_year(birth_year, self.on);
        ELIGIBILITIES
            .iter()
            .position(|e| age >= e.min_age())
            .unwrap_or(NOT_BORN)
    }

    /// Whether everyone in `bracket` is eligible under `e`.
    pub fn eligible(bracket: usize, e: Eligibility) -> bool {
        // Minimum ages fall as the index grows, so a bracket meets every
        // eligibility listed at or after it.
        bracket < NOT_BORN && listed(e) >= bracket
    }
}

/// Bit masks of a commune's checklist entries at a reference day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistMasks {
    /// Bit i stands for `codes[i]`: every checklist entry, active or not.
    pub codes: Vec<ActionCode>,
    /// Per bracket, the active entries its residents must have done.
    pub active_required: [u32; BRACKETS],
    /// Per bracket, the retired entries its residents must have done when
    /// they have any record of them (retired entries without records drop
    /// out of the checklist, as in `resident_checklist`).
    pub retired_required: [u32; BRACKETS],
}

/// More checklist entries than a mask holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the checklist has {0} entries; at most {max} are supported", max = ChecklistMasks::MAX_CODES)]
pub struct TooManyChecklistEntries(pub usize);

impl ChecklistMasks {
    /// Masks stay below 2^31 so that sums fit a 32-bit SQL integer.
    pub const MAX_CODES: usize = 31;

    pub fn new(catalogue: &[CatalogueEntry]) -> Result<ChecklistMasks, TooManyChecklistEntries> {
        let mut entries: Vec<&CatalogueEntry> = Vec::new();
        for e in catalogue.iter().filter(|e| e.in_checklist) {
            if !entries.iter().any(|x| x.code == e.code) {
                entries.push(e);
            }
        }
        if entries.len() > Self::MAX_CODES {
            return Err(TooManyChecklistEntries(entries.len()));
        }
        let mut active_required = [0u32; BRACKETS];
        let mut retired_required = [0u32; BRACKETS];
        for (bit, e) in entries.iter().enumerate() {
            for b in 0..BRACKETS {
                if AgeBrackets::eligible(b, e.eligibility) {
                    let target = if e.active {
                        &mut active_required[b]
                    } else {
                        &mut retired_required[b]
                    };
                    *target |= 1 << bit;
                }
            }
        }
        Ok(ChecklistMasks {
            codes: entries.iter().map(|e| e.code.clone()).collect(),
            active_required,
            retired_required,
        })
    }

    pub fn bit(&self, code: &ActionCode) -> Option<u32> {
        self.codes.iter().position(|c| c == code).map(|i| 1u32 << i)
    }

    /// What a resident of `bracket` must have done, given the entries they
    /// have records of.
    pub fn required(&self, bracket: usize, attempted: u32) -> u32 {
        let b = bracket.min(NOT_BORN);
        self.active_required[b] | (self.retired_required[b] & attempted)
    }

    /// `rules::has_checklist_duties`: an entry done, or one they are
    /// eligible for.
    pub fn has_duties(&self, bracket: usize, done: u32, attempted: u32) -> bool {
        done != 0 || self.required(bracket, attempted) != 0
    }

    /// `rules::is_digital_citizen`: duties, and every required entry done.
    pub fn is_citizen(&self, bracket: usize, done: u32, attempted: u32) -> bool {
        let req = self.required(bracket, attempted);
        self.has_duties(bracket, done, attempted) && done & req == req
    }
}
