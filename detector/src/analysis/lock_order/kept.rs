//! The patterns one trace reports: the best grade per site tuple, and
//! sequential evidence only for lock cycles without concurrent evidence.
//!
//! A lock cycle whose edges some threads took unordered (concurrent
//! evidence) is reported by those patterns, each graded by what the run
//! shows (confirmed, feasible, unconfirmed): they say more than a thread
//! that took both orders itself, or threads that fork/join orders. Only a
//! lock cycle without such a pattern is reported by its sequential
//! patterns, which is what makes a one-thread inversion, or one on threads
//! joined one after the other, a finding.

use std::collections::BTreeSet;

use hashbrown::HashMap;

use super::grade::Graded;
use crate::analysis::witness::Moved;
use crate::finding::build::SeenEdge;
use crate::finding::Grade;

/// One pattern's key: per edge (from lock, from site, to site), in cycle
/// order.
pub type Key = Vec<(u32, u32, u32)>;

/// A kept pattern.
#[derive(Debug)]
pub struct Kept {
    pub grade: Grade,
    pub concurrent: bool,
    pub views: Vec<SeenEdge>,
    /// The unseen thread that capped the grade, if one did.
    pub unseen: Option<crate::trace::ThreadId>,
    /// The critical sections its witness moves.
    pub moved: Vec<Moved>,
}

/// The patterns of one trace, by key (a hash map: the search looks a key
/// up for every pattern it finds; [`Patterns::keys`] and
/// [`Patterns::reported`] sort).
#[derive(Debug, Default)]
pub struct Patterns {
    by_key: HashMap<Key, Kept>,
}

impl Patterns {
    /// Offers a pattern; `views` is called only if it is kept. Returns
    /// whether the key is new.
    pub fn offer(
        &mut self,
        key: &[(u32, u32, u32)],
        g: &Graded,
        views: impl FnOnce() -> Vec<SeenEdge>,
    ) -> bool {
        let rank = |k: &Kept| (k.concurrent, k.grade);
        let new = (g.concurrent, g.grade);
        let known = self.by_key.get(key).map(rank);
        if known.is_none_or(|k| new > k) {
            let kept = Kept {
                grade: g.grade,
                concurrent: g.concurrent,
                views: views(),
                unseen: g.unseen,
                moved: g.moved.clone(),
            };
            self.by_key.insert(key.to_vec(), kept);
        }
        known.is_none()
    }

    /// Whether only a confirmed pattern could replace the one kept for
    /// `key`: it is concurrent, and feasible, or unconfirmed when grading
    /// can no longer give a feasible grade (`can_be_feasible` false).
    pub fn settled(&self, key: &[(u32, u32, u32)], can_be_feasible: bool) -> bool {
        let enough = if can_be_feasible {
            Grade::Feasible
        } else {
            Grade::Unconfirmed
        };
        self.by_key
            .get(key)
            .is_some_and(|k| k.concurrent && k.grade >= enough)
    }

    /// Every key offered, sorted.
    pub fn keys(&self) -> Vec<&Key> {
        let mut keys: Vec<&Key> = self.by_key.keys().collect();
        keys.sort_unstable();
        keys
    }

    /// The patterns reported, by key: sequential ones only where their lock
    /// cycle has no concurrent one.
    pub fn reported(self) -> Vec<(Key, Kept)> {
        let set = |k: &Key| {
            let mut locks: Vec<u32> = k.iter().map(|e| e.0).collect();
            locks.sort_unstable();
            locks
        };
        let concurrent: BTreeSet<Vec<u32>> = self
            .by_key
            .iter()
            .filter(|(_, p)| p.concurrent)
            .map(|(k, _)| set(k))
            .collect();
        let mut reported: Vec<(Key, Kept)> = self
            .by_key
            .into_iter()
            .filter(|(k, p)| p.concurrent || !concurrent.contains(&set(k)))
            .collect();
        reported.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        reported
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graded(grade: Grade, concurrent: bool) -> Graded {
        Graded {
            grade,
            at: Vec::new(),
            concurrent,
            unseen: None,
            moved: Vec::new(),
        }
    }

    #[test]
    fn a_key_is_settled_once_nothing_but_confirmed_can_outrank_it() {
        let mut p = Patterns::default();
        let ab = vec![(1, 10, 11), (2, 12, 13)];
        assert!(!p.settled(&ab, true));
        assert!(!p.settled(&ab, false));
        p.offer(&ab, &graded(Grade::Feasible, false), Vec::new);
        assert!(!p.settled(&ab, true), "sequential evidence");
        assert!(!p.settled(&ab, false), "sequential evidence");
        p.offer(&ab, &graded(Grade::Unconfirmed, true), Vec::new);
        assert!(!p.settled(&ab, true));
        assert!(p.settled(&ab, false), "no feasible grade to be had");
        p.offer(&ab, &graded(Grade::Feasible, true), Vec::new);
        assert!(p.settled(&ab, true));
    }

    #[test]
    fn concurrent_evidence_outranks_sequential_and_hides_it_per_cycle() {
        let mut p = Patterns::default();
        let ab = vec![(1, 10, 11), (2, 12, 13)];
        let ab_other_sites = vec![(1, 20, 21), (2, 22, 23)];
        let cd = vec![(3, 30, 31), (4, 32, 33)];
        assert!(p.offer(&ab, &graded(Grade::Sequential, false), Vec::new));
        assert!(!p.offer(&ab, &graded(Grade::Unconfirmed, true), Vec::new));
        p.offer(&ab_other_sites, &graded(Grade::Sequential, false), Vec::new);
        p.offer(&cd, &graded(Grade::Sequential, false), Vec::new);
        let kept: Vec<(Key, Grade)> = p
            .reported()
            .into_iter()
            .map(|(k, p)| (k, p.grade))
            .collect();
        assert_eq!(kept, [(ab, Grade::Unconfirmed), (cd, Grade::Sequential)]);
    }
}
