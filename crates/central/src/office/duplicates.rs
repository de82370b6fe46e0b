//! Likely duplicate residents for the commune officer to review (rules in
//! `gocua_core::duplicates`: strong = same ID hash, likely = same folded
//! name and birth year in the same village, possible = in another village),
//! and the resident's card the review links to. Read only: merging is
//! `merges.rs`'s (a synced change that converges on devices); a record
//! already merged leaves the list.
//!
//! Residents are read village by village (`records_village` index), their
//! current merged fields; the ID hash is compared here and never leaves:
//! pages learn only whether a resident has one.

use crate::backend::sql::{Tx, vals};
use crate::scopes::commune_villages;
use crate::{CentralDb, CentralError};
use gocua_core::duplicates::{DuplicatePair, ResidentKey, likely_duplicates};
use gocua_core::same_person::Roots;
use gocua_core::{CommuneId, HouseholdId, ResidentId, VillageId};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What the review shows of a resident: enough to tell two apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidentBrief {
    pub resident_id: ResidentId,
    pub household_id: HouseholdId,
    pub village_id: VillageId,
    pub full_name: String,
    pub birth_year: i32,
    /// The household head's name ("" when the household is not known).
    pub head_name: String,
    /// Whether a citizen-ID hash is on file (never the hash).
    pub has_citizen_id: bool,
    /// The resident this record was merged into (`gocua_core::same_person`).
    pub merged_into: Option<ResidentId>,
}

/// A pair with both residents described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateCandidate {
    pub pair: DuplicatePair,
    pub a: ResidentBrief,
    pub b: ResidentBrief,
}

/// A resident's card: them, their household and its other residents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidentCard {
    pub resident: ResidentBrief,
    pub address: String,
    pub sex: String,
    /// The household's residents, this one included.
    pub household: Vec<ResidentBrief>,
}

fn text(f: &Map<String, Value>, name: &str) -> String {
    f.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A resident record as (key, brief-without-head); None when a field the
/// comparison needs is missing (a record still being filled in).
fn resident_of(
    id: &str,
    village: &str,
    parent: Option<&str>,
    f: &Map<String, Value>,
) -> Option<(ResidentKey, ResidentBrief)> {
    let resident_id: ResidentId = id.parse().ok()?;
    let household_id: HouseholdId = parent?.parse().ok()?;
    let village_id: VillageId = village.parse().ok()?;
    let birth_year = i32::try_from(f.get("birth_year")?.as_i64()?).ok()?;
    let full_name = text(f, "full_name");
    let hash = f
        .get("citizen_id_hash")
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
        .map(str::to_string);
    let brief = ResidentBrief {
        resident_id,
        household_id,
        village_id,
        full_name: full_name.clone(),
        birth_year,
        head_name: String::new(),
        has_citizen_id: hash.is_some(),
        merged_into: f
            .get("merged_into")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok()),
    };
    let key = ResidentKey {
        resident_id,
        household_id,
        village_id,
        full_name,
        birth_year,
        citizen_id_hash: hash,
    };
    Some((key, brief))
}

/// Every resident and household of one village.
struct Village {
    residents: Vec<(ResidentKey, ResidentBrief)>,
    heads: HashMap<HouseholdId, (String, String)>,
}

fn village(tx: &mut dyn Tx, village: &str) -> Result<Village, CentralError> {
    let mut out = Village {
        residents: Vec::new(),
        heads: HashMap::new(),
    };
    let mut withdrawn: std::collections::HashSet<HouseholdId> = Default::default();
    for r in tx.query(
        "SELECT entity_id, entity, parent_id, fields FROM records
         WHERE village_id = $1 AND entity IN ('resident', 'household')",
        vals![village],
    )? {
        let fields: Map<String, Value> = r.json(3)?;
        // Withdrawn by the office (issue 16): no pair to review.
        if fields.get("voided").is_some_and(|v| !v.is_null()) {
            if r.text(1)? == "household"
                && let Ok(id) = r.text(0)?.parse()
            {
                withdrawn.insert(id);
            }
            continue;
        }
        match r.text(1)? {
            "household" => {
                if let Ok(id) = r.text(0)?.parse() {
                    out.heads
                        .insert(id, (text(&fields, "head_name"), text(&fields, "address")));
                }
            }
            _ => {
                if let Some(found) = resident_of(r.text(0)?, village, r.opt_text(2)?, &fields) {
                    out.residents.push(found);
                }
            }
        }
    }
    out.residents
        .retain(|(_, b)| !withdrawn.contains(&b.household_id));
    for (_, brief) in &mut out.residents {
        if let Some((head, _)) = out.heads.get(&brief.household_id) {
            brief.head_name = head.clone();
        }
    }
    Ok(out)
}

impl CentralDb {
    /// The commune's likely duplicate residents, strongest first.
    pub fn duplicate_candidates(
        &self,
        commune: CommuneId,
    ) -> Result<Vec<DuplicateCandidate>, CentralError> {
        let (mut keys, briefs) = self.read(|tx| {
            let mut keys = Vec::new();
            let mut briefs = HashMap::new();
            for v in commune_villages(tx, commune)? {
                for (key, brief) in village(tx, &v.to_string())?.residents {
                    briefs.insert(key.resident_id, brief);
                    keys.push(key);
                }
            }
            Ok((keys, briefs))
        })?;
        // A record already merged is one person with its root: no longer a
        // pair to review (a cycle's root stays, as every holder counts it).
        let roots = Roots::resolve(
            briefs
                .values()
                .filter_map(|b| b.merged_into.map(|m| (b.resident_id, m))),
        );
        keys.retain(|k| !roots.is_merged(k.resident_id));
        Ok(likely_duplicates(&keys)
            .into_iter()
            .filter_map(|pair| {
                Some(DuplicateCandidate {
                    a: briefs.get(&pair.a)?.clone(),
                    b: briefs.get(&pair.b)?.clone(),
                    pair,
                })
            })
            .collect())
    }

    /// A resident of `commune` with their household; NotFound for a
    /// resident of another commune (not told apart from none).
    pub fn resident_card(
        &self,
        commune: CommuneId,
        resident: ResidentId,
    ) -> Result<ResidentCard, CentralError> {
        self.read(|tx| {
            let row = tx
                .query_opt(
                    "SELECT village_id, fields FROM records
                     WHERE entity_id = $1 AND entity = 'resident' AND commune_id = $2",
                    vals![resident.to_string(), commune.to_string()],
                )?
                .ok_or_else(|| CentralError::not_found("resident", resident))?;
            let fields: Map<String, Value> = row.json(1)?;
            let v = village(tx, row.text(0)?)?;
            let mine = v
                .residents
                .iter()
                .find(|(k, _)| k.resident_id == resident)
                .map(|(_, b)| b.clone())
                .ok_or_else(|| CentralError::not_found("resident", resident))?;
            let mut household: Vec<ResidentBrief> = v
                .residents
                .iter()
                .filter(|(k, _)| k.household_id == mine.household_id)
                .map(|(_, b)| b.clone())
                .collect();
            household.sort_by_key(|b| (b.birth_year, b.resident_id));
            Ok(ResidentCard {
                address: v
                    .heads
                    .get(&mine.household_id)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_default(),
                sex: text(&fields, "sex"),
                resident: mine,
                household,
            })
        })
    }
}
