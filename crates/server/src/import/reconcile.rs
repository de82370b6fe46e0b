//! A file against what the server already holds: each household and person
//! of the file matched to the record an earlier import made of them, so a
//! corrected list updates instead of duplicating.
//!
//! Matching, most certain first:
//! - the same id: the household's stable key (its code, or head, birth
//!   year and address) and the person's (household, folded name, birth
//!   year) did not change;
//! - a household of the same village, imported before, whose head's name
//!   is within two letters and whose address is the same (or that shares
//!   a person), or that shares most of its people;
//! - in a matched household, a person imported before, of the same sex,
//!   whose folded name is within two letters and birth year the same, or
//!   the same name with the year within two (a corrected spelling or year:
//!   reported as "sửa").
//!
//! Only records an import wrote are matched loosely (a stamp of the import
//! device on some field): people the teams added by hand are never taken
//! for someone in the file. Each field the file gives is compared: one the
//! import wrote last is corrected; one a member changed on a phone since
//! keeps the phone's value, and the report lists it.

use super::columns::{Field, Layout};
use super::corrections::Note;
use super::report::Problem;
use gocua_central::{
    RegistryHousehold, RegistryRecord, RegistryRefusal, RegistryState, RegistryUpdate,
};
use gocua_core::converge::{FieldClocks, to_fields};
use gocua_core::text::search_key;
use gocua_core::{DeviceId, EntityKind, HouseholdId};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Which fields the file speaks for: a column it lacks says nothing, and
/// must not clear what the server holds.
#[derive(Debug, Clone, Default)]
pub struct Provided {
    household: Vec<&'static str>,
    resident: Vec<&'static str>,
}

impl Provided {
    pub fn from_layout(layout: &Layout) -> Self {
        let has = |f: Field| layout.has(f);
        let mut household = vec!["head_name", "village_id"];
        let mut resident = vec!["full_name", "birth_year", "sex"];
        if has(Field::Address) {
            household.push("address");
        }
        if has(Field::Phone) {
            household.push("phone");
            resident.push("phone");
        }
        if has(Field::Poor) || has(Field::PovertyClass) {
            household.push("poor");
        }
        if has(Field::NearPoor) || has(Field::PovertyClass) {
            household.push("near_poor");
        }
        if has(Field::EthnicMinority) || has(Field::Ethnicity) {
            household.push("ethnic_minority");
        }
        if has(Field::ElderlyOnly) {
            household.push("elderly_only");
        }
        if has(Field::NoSmartphone) {
            household.push("no_smartphone");
        }
        if has(Field::HasSmartphone) {
            resident.push("has_smartphone");
        }
        if has(Field::Consent) {
            resident.push("consent_on");
            if has(Field::CitizenId) {
                resident.push("citizen_id_hash");
            }
        }
        Provided {
            household,
            resident,
        }
    }
}

/// What the file does to the server, counted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub households_new: usize,
    pub households_updated: usize,
    pub households_unchanged: usize,
    pub residents_new: usize,
    pub residents_updated: usize,
    pub residents_unchanged: usize,
    /// Fields corrected, by name, and how many times.
    pub fields_updated: BTreeMap<String, usize>,
    /// Fields the file would change but a member changed on a phone since.
    pub conflicts: usize,
}

pub struct Reconciled {
    /// The file's households and people under the ids they have on the
    /// server when matched (the server creates only those it lacks).
    pub households: Vec<RegistryHousehold>,
    pub updates: Vec<RegistryUpdate>,
    /// Conflicts reported for the first time: file values kept out of a
    /// field a member changed on a phone, for the import to remember.
    pub refusals: Vec<RegistryRefusal>,
    pub problems: Vec<Problem>,
    pub outcome: Outcome,
}

/// A record's folded name, birth year and sex, for loose matching.
struct Person {
    name: String,
    year: i64,
    sex: String,
}

fn person_of(fields: &Map<String, Value>) -> Person {
    Person {
        name: search_key(
            fields
                .get("full_name")
                .and_then(Value::as_str)
                .unwrap_or(""),
        ),
        year: fields
            .get("birth_year")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        sex: fields
            .get("sex")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    }
}

/// Edit distance between two short strings, by characters.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// How far two people are as corrections go (None: not the same person).
fn person_distance(a: &Person, b: &Person) -> Option<usize> {
    if a.sex != b.sex {
        return None;
    }
    let dy = usize::try_from((a.year - b.year).abs()).unwrap_or(usize::MAX);
    let dn = if a.name.len().abs_diff(b.name.len()) > 2 {
        3
    } else {
        distance(&a.name, &b.name)
    };
    let same = (dn == 0 && dy <= 2) || (dn <= 2 && dy == 0) || (dn <= 1 && dy <= 1);
    same.then_some(dn + dy)
}

pub fn reconcile(
    planned: Vec<RegistryHousehold>,
    state: &RegistryState,
    provided: &Provided,
    import_device: DeviceId,
) -> Reconciled {
    let imported =
        |r: &RegistryRecord| r.clocks.values().any(|stamp| stamp.device == import_device);
    let households: HashMap<Uuid, &RegistryRecord> =
        state.households.iter().map(|r| (r.id, r)).collect();
    let residents: HashMap<Uuid, &RegistryRecord> =
        state.residents.iter().map(|r| (r.id, r)).collect();
    let mut members: HashMap<Uuid, Vec<&RegistryRecord>> = HashMap::new();
    for r in &state.residents {
        let merged = r.fields.get("merged_into").is_some_and(|v| !v.is_null());
        if let (Some(p), false) = (r.parent, merged) {
            members.entry(p).or_default().push(r);
        }
    }
    let mut by_village: HashMap<String, Vec<&RegistryRecord>> = HashMap::new();
    for h in state.households.iter().filter(|h| imported(h)) {
        if let Some(v) = h.fields.get("village_id").and_then(Value::as_str) {
            by_village.entry(v.to_string()).or_default().push(h);
        }
    }
    // Folded once: a corrected household is compared with every other of
    // its village.
    let people: HashMap<Uuid, HashSet<(String, i64)>> = members
        .iter()
        .map(|(h, rs)| {
            let set = rs
                .iter()
                .map(|r| {
                    let p = person_of(&r.fields);
                    (p.name, p.year)
                })
                .collect();
            (*h, set)
        })
        .collect();
    let folded = |h: &RegistryRecord, k: &str| {
        search_key(h.fields.get(k).and_then(Value::as_str).unwrap_or(""))
    };
    let heads: HashMap<Uuid, (String, String)> = by_village
        .values()
        .flatten()
        .map(|h| (h.id, (folded(h, "head_name"), folded(h, "address"))))
        .collect();
    let no_one = HashSet::new();

    // Households: the same id first, then loosely among the rest.
    let mut claimed: HashSet<Uuid> = planned
        .iter()
        .map(|h| h.household.id.0)
        .filter(|id| households.contains_key(id))
        .collect();
    let mut target: Vec<Uuid> = Vec::with_capacity(planned.len());
    for h in &planned {
        let id = h.household.id.0;
        if households.contains_key(&id) {
            target.push(id);
            continue;
        }
        let village = h.household.village_id.to_string();
        let head = search_key(&h.household.head_name);
        let address = search_key(&h.household.address);
        let mine: HashSet<(String, i64)> = h
            .residents
            .iter()
            .map(|(_, r)| (search_key(&r.full_name), i64::from(r.birth_year)))
            .collect();
        // The head as a person: a household is another's corrected copy
        // only if its head could be the same person (not a neighbour at
        // the same hamlet address with a similar name).
        let my_head = h
            .residents
            .iter()
            .find(|(_, r)| search_key(&r.full_name) == head)
            .map(|(_, r)| Person {
                name: head.clone(),
                year: i64::from(r.birth_year),
                sex: r.sex.as_str().to_string(),
            });
        let mut best: Vec<(usize, usize, Uuid)> = Vec::new();
        for cand in by_village.get(&village).into_iter().flatten() {
            if claimed.contains(&cand.id) {
                continue;
            }
            let Some((cand_head, cand_address)) = heads.get(&cand.id) else {
                continue;
            };
            let head_d = if cand_head.len().abs_diff(head.len()) > 2 {
                3
            } else {
                distance(cand_head, &head)
            };
            let overlap = mine
                .intersection(people.get(&cand.id).unwrap_or(&no_one))
                .count();
            let their_head = members.get(&cand.id).and_then(|rs| {
                rs.iter()
                    .map(|r| person_of(&r.fields))
                    .find(|p| p.name == *cand_head)
            });
            let same_head = match (&my_head, &their_head) {
                (Some(a), Some(b)) => person_distance(a, b).is_some(),
                // A list of households only: the head's name and address.
                (None, None) => true,
                _ => false,
            };
            let close = head_d <= 2 && (overlap >= 1 || (*cand_address == address && same_head));
            let most = overlap >= 2 && overlap * 2 >= mine.len();
            if close || most {
                best.push((usize::MAX - overlap, head_d, cand.id));
            }
        }
        best.sort();
        let chosen = match best.as_slice() {
            [one] => Some(one.2),
            [a, b, ..] if (a.0, a.1) != (b.0, b.1) => Some(a.2),
            _ => None,
        };
        match chosen {
            Some(c) => {
                claimed.insert(c);
                target.push(c);
            }
            None => target.push(id),
        }
    }

    let mut out = Reconciled {
        households: Vec::new(),
        updates: Vec::new(),
        refusals: Vec::new(),
        problems: Vec::new(),
        outcome: Outcome::default(),
    };
    for (mut h, home) in planned.into_iter().zip(target) {
        let existing_home = households.get(&home).copied();
        if let Some(e) = existing_home {
            h.household.id = HouseholdId(home);
            let mut record = h.household.clone();
            record.id = HouseholdId(home);
            let (update, notes) = diff(
                EntityKind::Household,
                h.tag,
                &record,
                e,
                &provided.household,
                import_device,
                state,
            );
            out.note(h.tag, home, &h.household.head_name, notes);
            match update {
                Some(u) => {
                    out.outcome.households_updated += 1;
                    out.updates.push(u);
                }
                None => out.outcome.households_unchanged += 1,
            }
        } else {
            out.outcome.households_new += 1;
        }
        // People: the same id (anywhere), then loosely in the household.
        let mut taken: HashSet<Uuid> = h
            .residents
            .iter()
            .map(|(_, r)| r.id.0)
            .filter(|id| residents.contains_key(id))
            .collect();
        let pool: Vec<&RegistryRecord> = members
            .get(&home)
            .map(|rs| rs.iter().copied().filter(|r| imported(r)).collect())
            .unwrap_or_default();
        let mut creates = Vec::new();
        for (row, mut r) in std::mem::take(&mut h.residents) {
            r.household_id = HouseholdId(home);
            let found = residents.get(&r.id.0).copied().or_else(|| {
                let me = Person {
                    name: search_key(&r.full_name),
                    year: i64::from(r.birth_year),
                    sex: r.sex.as_str().to_string(),
                };
                let mut best: Vec<(usize, Uuid)> = pool
                    .iter()
                    .filter(|c| !taken.contains(&c.id))
                    .filter_map(|c| person_distance(&me, &person_of(&c.fields)).map(|d| (d, c.id)))
                    .collect();
                best.sort();
                let pick = match best.as_slice() {
                    [one] => Some(one.1),
                    [a, b, ..] if a.0 != b.0 => Some(a.1),
                    _ => None,
                }?;
                taken.insert(pick);
                residents.get(&pick).copied()
            });
            match found {
                Some(e) => {
                    let mut record = r.clone();
                    record.id = gocua_core::ResidentId(e.id);
                    // A person stays in the household they are in now.
                    if let Some(p) = e.parent {
                        record.household_id = HouseholdId(p);
                    }
                    let (update, notes) = diff(
                        EntityKind::Resident,
                        row,
                        &record,
                        e,
                        &provided.resident,
                        import_device,
                        state,
                    );
                    out.note(row, e.id, &r.full_name, notes);
                    match update {
                        Some(u) => {
                            out.outcome.residents_updated += 1;
                            out.updates.push(u);
                        }
                        None => out.outcome.residents_unchanged += 1,
                    }
                    // Under its own id: the server finds it there and counts it.
                    creates.push((row, record));
                }
                None => {
                    out.outcome.residents_new += 1;
                    creates.push((row, r));
                }
            }
        }
        h.residents = creates;
        out.households.push(h);
    }
    for u in &out.updates {
        for k in u.fields.keys() {
            *out.outcome.fields_updated.entry(k.clone()).or_default() += 1;
        }
    }
    out
}

/// The fields of `record` the file gives that differ from `existing`. A
/// field a member changed on a phone is kept, and noted unless an earlier
/// import already reported this same file value for it. A record an
/// undone import withdrew (`voided` by the import device) comes back: the
/// file lists it again.
#[allow(clippy::too_many_arguments)]
fn diff<R: Serialize>(
    entity: EntityKind,
    tag: usize,
    record: &R,
    existing: &RegistryRecord,
    keys: &[&'static str],
    import_device: DeviceId,
    state: &RegistryState,
) -> (Option<RegistryUpdate>, Vec<Note>) {
    let Ok(planned) = to_fields(record) else {
        return (None, Vec::new());
    };
    let mut fields = Map::new();
    let mut base = FieldClocks::new();
    let mut notes = Vec::new();
    for &k in keys {
        let new = planned.get(k).cloned().unwrap_or(Value::Null);
        let old = existing.fields.get(k).cloned().unwrap_or(Value::Null);
        if new == old {
            continue;
        }
        match existing.clocks.get(k) {
            Some(stamp) if stamp.device != import_device => {
                if !state.refused_before(existing.id, k, &new) {
                    notes.push(Note::Kept {
                        field: k.into(),
                        kept: old,
                        file: new,
                    });
                }
            }
            stamp => {
                if let Some(s) = stamp {
                    base.insert(k.to_string(), *s);
                }
                notes.push(Note::Corrected {
                    field: k.into(),
                    old,
                    new: new.clone(),
                });
                fields.insert(k.to_string(), new);
            }
        }
    }
    if existing.fields.get("voided").is_some_and(|v| !v.is_null())
        && let Some(stamp) = existing.clocks.get("voided")
        && stamp.device == import_device
    {
        base.insert("voided".into(), *stamp);
        fields.insert("voided".into(), Value::Null);
    }
    let update = (!fields.is_empty()).then_some(RegistryUpdate {
        tag,
        entity,
        id: existing.id,
        fields,
        base,
    });
    (update, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_are_near_and_relatives_are_not() {
        let p = |n: &str, y: i64, s: &str| Person {
            name: search_key(n),
            year: y,
            sex: s.into(),
        };
        let lan = p("Hà Thanh Lan", 1936, "female");
        assert!(person_distance(&lan, &p("Hà Thanh Lam", 1936, "female")).is_some());
        assert!(person_distance(&lan, &p("Hà Thanh Lan", 1937, "female")).is_some());
        assert!(person_distance(&lan, &p("Hà Thanh Lam", 1937, "female")).is_some());
        assert!(person_distance(&lan, &p("Hà Thanh Lan", 1936, "male")).is_none());
        assert!(person_distance(&lan, &p("Lê Văn Hải", 1990, "female")).is_none());
        assert!(person_distance(&lan, &p("Hà Thanh Lâm", 1960, "female")).is_none());
        assert_eq!(distance("lan", "lam"), 1);
        assert_eq!(distance("", "abc"), 3);
    }
}
