//! Merging duplicate residents: the commune officer finds that two records
//! are one person (`duplicates.rs` suggests the pairs) and merges one into
//! the other. The merge is the duplicate's field `merged_into`, a plain
//! last-writer-wins field, so it travels and converges like any edit, and
//! clearing it undoes the merge ("tách"). Visits and actions are never
//! rewritten: an action recorded for the duplicate stays recorded for it
//! and is counted for the person it was merged into.
//!
//! Merges can chain (C into B, later B into A) and, made at the same time
//! on two machines, can form a cycle (A into B and B into A). Every holder
//! resolves them with the same rule over the same converged fields, so all
//! count alike:
//! - a resident with no `merged_into` is their own root;
//! - otherwise follow `merged_into` to a resident who has none: that is the
//!   root of everyone on the way;
//! - a cycle has no such end: its smallest id is the root (its own
//!   `merged_into` is ignored), and the rest of the cycle and everything
//!   leading into it count as that one.
//!
//! A `merged_into` naming a resident the holder does not have (a device
//! that holds one village; the server refuses unknown ones) still makes the
//! resident merged: it leaves the holder's lists and figures, and the root
//! is that unknown id.

use crate::ids::ResidentId;
use std::collections::{BTreeMap, BTreeSet};

/// Who each merged resident counts as. Residents not in it count as
/// themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots(BTreeMap<ResidentId, ResidentId>);

impl Roots {
    /// Resolve every `(resident, merged_into)` edge (one per resident).
    pub fn resolve(edges: impl IntoIterator<Item = (ResidentId, ResidentId)>) -> Roots {
        let next: BTreeMap<ResidentId, ResidentId> = edges.into_iter().collect();
        let mut root: BTreeMap<ResidentId, ResidentId> = BTreeMap::new();
        for start in next.keys() {
            if root.contains_key(start) {
                continue;
            }
            // Walk until a known root, an end, or a node seen on this walk.
            let mut path: Vec<ResidentId> = Vec::new();
            let mut on_path: BTreeSet<ResidentId> = BTreeSet::new();
            let mut at = *start;
            let end = loop {
                if let Some(r) = root.get(&at) {
                    break *r;
                }
                if on_path.contains(&at) {
                    // A cycle: from `at` round to itself.
                    let from = path.iter().position(|p| *p == at).unwrap_or(0);
                    let smallest = path[from..].iter().min().copied().unwrap_or(at);
                    break smallest;
                }
                match next.get(&at) {
                    None => break at,
                    Some(n) => {
                        path.push(at);
                        on_path.insert(at);
                        at = *n;
                    }
                }
            };
            for p in path {
                root.insert(p, end);
            }
        }
        Roots(root)
    }

    /// The resident `id` is counted as.
    pub fn of(&self, id: ResidentId) -> ResidentId {
        self.0.get(&id).copied().unwrap_or(id)
    }

    /// Converged into someone else: out of lists and denominators.
    pub fn is_merged(&self, id: ResidentId) -> bool {
        self.of(id) != id
    }

    /// Every merged resident with their root.
    pub fn merged(&self) -> impl Iterator<Item = (ResidentId, ResidentId)> + '_ {
        self.0
            .iter()
            .filter(|(id, root)| id != root)
            .map(|(id, root)| (*id, *root))
    }

    /// The residents counted as `root` (itself included).
    pub fn counted_as(&self, root: ResidentId) -> Vec<ResidentId> {
        let mut out = vec![root];
        out.extend(self.merged().filter(|(_, r)| *r == root).map(|(id, _)| id));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn r(n: u128) -> ResidentId {
        ResidentId(Uuid::from_u128(n))
    }

    #[test]
    fn chains_resolve_to_their_end() {
        let roots = Roots::resolve([(r(3), r(2)), (r(2), r(1))]);
        assert_eq!(roots.of(r(3)), r(1));
        assert_eq!(roots.of(r(2)), r(1));
        assert_eq!(roots.of(r(1)), r(1));
        assert!(!roots.is_merged(r(1)));
        assert_eq!(roots.counted_as(r(1)), vec![r(1), r(2), r(3)]);
    }

    #[test]
    fn a_cycle_keeps_its_smallest_id() {
        // Two officers merged A into B and B into A at the same time.
        let roots = Roots::resolve([(r(1), r(2)), (r(2), r(1))]);
        assert_eq!(roots.of(r(1)), r(1));
        assert_eq!(roots.of(r(2)), r(1));
        let tail = Roots::resolve([(r(9), r(5)), (r(5), r(7)), (r(7), r(6)), (r(6), r(5))]);
        for n in [9, 5, 7, 6] {
            assert_eq!(tail.of(r(n)), r(5), "{n}");
        }
        assert!(!Roots::resolve([(r(4), r(4))]).is_merged(r(4)));
    }

    proptest! {
        #[test]
        fn any_order_resolves_alike_and_every_root_is_unmerged(
            edges in proptest::collection::btree_map(0u128..12, 0u128..12, 0..12),
            seed in any::<u64>(),
        ) {
            let list: Vec<(ResidentId, ResidentId)> = edges.iter().map(|(a, b)| (r(*a), r(*b))).collect();
            let mut shuffled = list.clone();
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let a = Roots::resolve(list);
            prop_assert_eq!(&a, &Roots::resolve(shuffled));
            for (_, root) in a.merged() {
                prop_assert!(!a.is_merged(root));
            }
        }
    }
}
