//! One resident's history (see docs/sync.md): for a device of the
//! village a resident of another village was merged into, which must count
//! the duplicate's actions as the server does. It gets the resident's own
//! changes and their actions' (by (resident, seq)), the same for everyone
//! merged into the resident before (a chain counts as one person), and what
//! those need on the device — the household each lives in and the visits
//! holding their actions (within each household's (household, seq) range)
//! — but not the housemates or their actions: the least the count needs.

use crate::backend::sql::{ID_CHUNK, Tx, id_chunks, placeholders, vals};
use crate::pull::query::{BY_RESIDENT, COLUMNS, Found, HOUSEHOLD_RECORD, found, query};
use crate::push::load_record;
use crate::{CentralError, Scope};
use gocua_core::same_person::Roots;
use gocua_core::{EntityKind, ResidentId, VillageId};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Longest merge chain followed (as `push/reach.rs`).
const MAX_CHAIN: usize = 16;

/// `resident`'s history in `range`, or nothing when its root (after
/// merges) lives outside `scope`: nothing is said about it then.
pub(crate) fn history(
    tx: &mut dyn Tx,
    scope: &Scope,
    resident: ResidentId,
    range: (i64, i64, i64),
) -> Result<Vec<Found>, CentralError> {
    let Some((home, root_village)) = locate(tx, scope, resident)? else {
        return Ok(Vec::new());
    };
    if !scope.covers(root_village) {
        return Ok(Vec::new());
    }
    let mut all = Vec::new();
    let mut households: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    households.entry(home.to_string()).or_default();
    for (id, home) in merged_into(tx, resident)? {
        if let Some(home) = home {
            households.entry(home).or_default();
        }
        all.extend(query(tx, BY_RESIDENT, &id, range)?);
        for r in tx.query(
            "SELECT DISTINCT a.parent_id, v.parent_id FROM changes c
             JOIN records a ON a.entity_id = c.entity_id
             JOIN records v ON v.entity_id = a.parent_id
             WHERE c.resident_id = $1 AND c.entity = 'assisted_action'",
            vals![id.as_str()],
        )? {
            let (Some(visit), Some(household)) = (r.opt_string(0)?, r.opt_string(1)?) else {
                continue;
            };
            households.entry(household).or_default().insert(visit);
        }
    }
    // As `pull::sql`, the ids before the page size ($N in order).
    let visits_of = format!(
        "{COLUMNS} WHERE household_id = $1 AND seq > $2 AND seq <= $3 AND entity = 'visit'
           AND entity_id IN ({}) ORDER BY seq LIMIT ${}",
        placeholders(4, ID_CHUNK),
        4 + ID_CHUNK
    );
    let (after, until, limit) = range;
    for (household, visits) in households {
        all.extend(query(tx, HOUSEHOLD_RECORD, &household, range)?);
        let visits: Vec<String> = visits.into_iter().collect();
        for chunk in id_chunks(&visits) {
            let mut params = vals![household.as_str(), after, until].to_vec();
            params.extend(chunk);
            params.push(limit.into());
            all.extend(found(&tx.query(&visits_of, &params)?)?);
        }
    }
    Ok(all)
}

/// Most residents one history brings (the resident and those merged into
/// it, a chain deep): far more than one person is entered twice.
const MAX_GROUP: usize = 64;

/// `resident` and everyone merged into it, directly or through others
/// (by `records_merged_into`), each with their household (None for
/// `resident`, whose household the caller has).
fn merged_into(
    tx: &mut dyn Tx,
    resident: ResidentId,
) -> Result<Vec<(String, Option<String>)>, CentralError> {
    let mut group = vec![(resident.to_string(), None)];
    let mut seen = BTreeSet::from([resident.to_string()]);
    let mut at = 0;
    while at < group.len() && group.len() < MAX_GROUP {
        let parent = group[at].0.clone();
        at += 1;
        for r in tx.query(
            "SELECT entity_id, parent_id FROM records
             WHERE merged_into = $1 AND entity = 'resident'",
            vals![parent.as_str()],
        )? {
            let id = r.string(0)?;
            if seen.insert(id.clone()) {
                group.push((id, r.opt_string(1)?));
            }
        }
    }
    Ok(group)
}

/// The resident's household and the village of its root, if the resident
/// is of the scope's commune.
fn locate(
    tx: &mut dyn Tx,
    scope: &Scope,
    resident: ResidentId,
) -> Result<Option<(Uuid, VillageId)>, CentralError> {
    let link = |tx: &mut dyn Tx, id: Uuid| -> Result<_, CentralError> {
        Ok(load_record(tx, id)?
            .filter(|r| r.entity == EntityKind::Resident && r.commune_id == scope.commune_id)
            .map(|r| {
                let into = r
                    .fields
                    .get("merged_into")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok());
                (into, r.village_id, r.parent_id)
            }))
    };
    let Some((mut next, own_village, home)) = link(tx, resident.0)? else {
        return Ok(None);
    };
    let Some(home) = home else { return Ok(None) };
    let mut villages = BTreeMap::from([(resident, own_village)]);
    let mut edges = Vec::new();
    let mut at = resident;
    for _ in 0..MAX_CHAIN {
        let Some(n) = next else { break };
        edges.push((at, ResidentId(n)));
        at = ResidentId(n);
        if villages.contains_key(&at) {
            break;
        }
        let Some((after, village, _)) = link(tx, n)? else {
            break;
        };
        villages.insert(at, village);
        next = after;
    }
    let root = Roots::resolve(edges).of(resident);
    Ok(villages.get(&root).map(|v| (home, *v)))
}
