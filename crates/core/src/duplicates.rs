//! Likely duplicate residents: one person entered twice (two members met
//! them, or a registry import and a door-to-door entry), which would count
//! them twice in every figure. The commune officer reviews the pairs; this
//! only finds them (merging is a synced change, not done here).
//!
//! The plans' wording is "same ID hash, or same folded name + birth year in
//! the same or a neighbouring village". The server knows no village
//! adjacency, so instead of guessing neighbours the pairs are graded:
//! - **strong**: the same citizen-ID hash (HMAC of the CCCD under the
//!   commune's secret), anywhere in the commune — the same ID number;
//! - **likely**: the same folded name (`text::search_key`: no diacritics,
//!   case, spacing or Unicode form) and birth year, in the same village;
//! - **possible**: the same folded name and birth year in another village of
//!   the commune — a neighbour's, or a namesake far away: the officer knows
//!   which.
//!
//! Two residents both with an ID hash, and different ones, are different
//! people whatever their names: no pair. A pair found both ways is listed
//! once, as strong.

use crate::{HouseholdId, ResidentId, VillageId, text::search_key};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What a resident is compared by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentKey {
    pub resident_id: ResidentId,
    pub household_id: HouseholdId,
    pub village_id: VillageId,
    pub full_name: String,
    pub birth_year: i32,
    pub citizen_id_hash: Option<String>,
}

/// How sure a pair is (strongest first when sorted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Strong,
    Likely,
    Possible,
}

impl Strength {
    pub fn label_vi(self) -> &'static str {
        match self {
            Strength::Strong => "Chắc chắn trùng",
            Strength::Likely => "Có thể trùng",
            Strength::Possible => "Cần xem lại",
        }
    }

    /// Why the pair was found.
    pub fn reason_vi(self) -> &'static str {
        match self {
            Strength::Strong => "cùng mã định danh (CCCD) đã mã hóa",
            Strength::Likely => "cùng họ tên và năm sinh, cùng thôn/xóm",
            Strength::Possible => "cùng họ tên và năm sinh, khác thôn/xóm trong xã",
        }
    }
}

/// Two residents who may be one person; `a` is the one with the smaller id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicatePair {
    pub strength: Strength,
    pub a: ResidentId,
    pub b: ResidentId,
}

/// Every pair among `residents` (a commune's), strongest first, then by the
/// folded name, then by ids: the same answer whatever the input order.
pub fn likely_duplicates(residents: &[ResidentKey]) -> Vec<DuplicatePair> {
    let mut found: HashMap<(ResidentId, ResidentId), Strength> = HashMap::new();
    let mut note = |x: &ResidentKey, y: &ResidentKey, s: Strength| {
        let key = if x.resident_id < y.resident_id {
            (x.resident_id, y.resident_id)
        } else {
            (y.resident_id, x.resident_id)
        };
        let e = found.entry(key).or_insert(s);
        *e = (*e).min(s);
    };
    let mut by_hash: BTreeMap<&str, Vec<&ResidentKey>> = BTreeMap::new();
    let mut by_name: BTreeMap<(String, i32), Vec<&ResidentKey>> = BTreeMap::new();
    for r in residents {
        if let Some(h) = r.citizen_id_hash.as_deref().filter(|h| !h.is_empty()) {
            by_hash.entry(h).or_default().push(r);
        }
        let name = search_key(&r.full_name);
        if !name.is_empty() {
            by_name.entry((name, r.birth_year)).or_default().push(r);
        }
    }
    for group in by_hash.values() {
        for (i, x) in group.iter().enumerate() {
            for y in &group[i + 1..] {
                note(x, y, Strength::Strong);
            }
        }
    }
    for group in by_name.values() {
        for (i, x) in group.iter().enumerate() {
            for y in &group[i + 1..] {
                if let (Some(hx), Some(hy)) = (&x.citizen_id_hash, &y.citizen_id_hash)
                    && hx != hy
                {
                    continue;
                }
                let s = if x.village_id == y.village_id {
                    Strength::Likely
                } else {
                    Strength::Possible
                };
                note(x, y, s);
            }
        }
    }
    let name_of: HashMap<ResidentId, String> = residents
        .iter()
        .map(|r| (r.resident_id, search_key(&r.full_name)))
        .collect();
    let mut pairs: Vec<DuplicatePair> = found
        .into_iter()
        .map(|((a, b), strength)| DuplicatePair { strength, a, b })
        .collect();
    pairs.sort_by(|p, q| {
        (p.strength, &name_of[&p.a], p.a, p.b).cmp(&(q.strength, &name_of[&q.a], q.a, q.b))
    });
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, year: i32, village: VillageId, hash: Option<&str>) -> ResidentKey {
        ResidentKey {
            resident_id: ResidentId::new(),
            household_id: HouseholdId::new(),
            village_id: village,
            full_name: name.into(),
            birth_year: year,
            citizen_id_hash: hash.map(str::to_string),
        }
    }

    /// Thôn Đông (D) and Thôn Tây (T):
    ///   1 "Nguyễn Văn Một" 1956 D, hash h1     2 "nguyen van mot" 1956 D
    ///   3 "NGUYỄN  VĂN MỘT" 1956 T              4 "Nguyễn Văn Một" 1957 D
    ///   5 "Trần Thị Hai" 1990 T, hash h2       6 "Trần Thị Hai" 1990 T, hash h3
    ///   7 "Lê Văn Ba" 1980 D, hash h1          8 "Lê Văn Ba" 1980 T, hash h1
    /// Pairs: 1-7 1-8 7-8 strong (h1; 7-8 also by name, once); 1-2 likely;
    /// 1-3 2-3 possible; 4 has another year; 5-6 hold different hashes.
    #[test]
    fn pairs_are_graded_by_what_they_share() {
        let (d, t) = (VillageId::new(), VillageId::new());
        let r = [
            key("Nguyễn Văn Một", 1956, d, Some("h1")),
            key("nguyen van mot", 1956, d, None),
            key("NGUYỄN  VĂN MỘT", 1956, t, None),
            key("Nguyễn Văn Một", 1957, d, None),
            key("Trần Thị Hai", 1990, t, Some("h2")),
            key("Trần Thị Hai", 1990, t, Some("h3")),
            key("Lê Văn Ba", 1980, d, Some("h1")),
            key("Lê Văn Ba", 1980, t, Some("h1")),
        ];
        let id = |i: usize| r[i - 1].resident_id;
        let pair = |s, x: usize, y: usize| (s, id(x).min(id(y)), id(x).max(id(y)));
        let got: Vec<_> = likely_duplicates(&r)
            .iter()
            .map(|p| (p.strength, p.a, p.b))
            .collect();
        let mut want = vec![
            pair(Strength::Strong, 1, 7),
            pair(Strength::Strong, 1, 8),
            pair(Strength::Strong, 7, 8),
            pair(Strength::Likely, 1, 2),
            pair(Strength::Possible, 1, 3),
            pair(Strength::Possible, 2, 3),
        ];
        let mut sorted = got.clone();
        sorted.sort();
        want.sort();
        assert_eq!(sorted, want);
        // Strongest first; the input order does not matter.
        assert!(got.windows(2).all(|w| w[0].0 <= w[1].0));
        let mut reversed = r.to_vec();
        reversed.reverse();
        let again: Vec<_> = likely_duplicates(&reversed)
            .iter()
            .map(|p| (p.strength, p.a, p.b))
            .collect();
        assert_eq!(again, got);
        assert!(likely_duplicates(&r[3..6]).is_empty());
    }
}
