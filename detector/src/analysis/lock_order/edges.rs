//! The lock-order graph's edges, deduplicated with bounded representatives.
//!
//! An edge `A -> B` says a thread acquired (or blocked requesting) `B`
//! while holding `A`. Occurrences are folded into [`Rep`]resentatives keyed
//! by thread, both sites, both modes and the whole held set (interned in
//! the store's [`HeldSets`]); a representative keeps its first few
//! occurrences and its latest one ([`Instance`]s: event indices and
//! fork/join clock, for proof steps, happens-before and feasibility) and a
//! count. Each lock pair keeps at most [`MAX_REPS_PER_PAIR`]
//! representatives and the store at most [`MAX_REPS`]; further distinct
//! ones are counted in [`EdgeStore::dropped`] and reported as a limit.
//!
//! Lock ids are plain `u32`s: a trace's [`ObjId`](crate::trace::ObjId)s
//! within one trace, global lock identities when traces are merged.
//!
//! # Performance
//! Adding an occurrence is a hash lookup of the pair plus a scan of its
//! (at most [`MAX_REPS_PER_PAIR`]) representatives; memory is at most
//! [`MAX_REPS`] representatives of about 150 bytes, plus the distinct held
//! sets, never growing with events.

use hashbrown::HashMap;

pub use super::held::{HeldId, HeldSets};
use crate::trace::LockMode;

/// Most representatives kept per ordered lock pair.
pub const MAX_REPS_PER_PAIR: usize = 64;

/// Most representatives kept in one store (about 150 MB).
pub const MAX_REPS: usize = 1 << 20;

/// Occurrences kept per representative: the first ones and the latest.
const MAX_INSTANCES: usize = 4;

/// No site.
pub const NO_SITE: u32 = u32::MAX;

/// One occurrence of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Instance {
    /// Trace index of the outermost acquisition of `from`.
    pub idx_from: u64,
    /// Trace index of the request (or acquisition) of `to`.
    pub idx_to: u64,
    /// Position of that request in its thread.
    pub pos_to: u32,
    /// Fork/join clock snapshot of the thread at the request.
    pub clock: u32,
}

/// A deduplicated edge `from -> to` of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rep {
    pub from: u32,
    pub to: u32,
    /// Which input the edge comes from.
    pub trace: u32,
    pub thread: u32,
    /// Every lock held at the request of `to` (including `from`), sorted,
    /// in the store's [`HeldSets`].
    pub held: HeldId,
    pub mode_from: LockMode,
    pub mode_to: LockMode,
    pub site_from: u32,
    pub site_to: u32,
    pub instances: Instances,
    /// How many occurrences were folded into this representative.
    pub count: u64,
}

/// The occurrences a representative keeps, inline (no allocation per
/// edge): the first [`MAX_INSTANCES`] - 1 and the latest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Instances {
    items: [Instance; MAX_INSTANCES],
    len: u8,
}

impl Instances {
    /// Keeps `i`: appended while there is room, else as the latest.
    fn record(&mut self, i: Instance) {
        let n = usize::from(self.len);
        if n < MAX_INSTANCES {
            self.items[n] = i;
            self.len += 1;
        } else {
            self.items[MAX_INSTANCES - 1] = i;
        }
    }

    /// Appends `more` while there is room.
    fn extend(&mut self, more: &Instances) {
        for &i in more.iter() {
            if usize::from(self.len) < MAX_INSTANCES {
                self.record(i);
            }
        }
    }

    fn clear(&mut self) {
        self.len = 0;
    }
}

impl std::ops::Deref for Instances {
    type Target = [Instance];

    fn deref(&self) -> &[Instance] {
        &self.items[..usize::from(self.len)]
    }
}

impl Rep {
    /// Whether `other` is the same edge (all but the occurrences).
    fn same_key(&self, other: &Rep) -> bool {
        self.thread == other.thread
            && self.trace == other.trace
            && self.site_from == other.site_from
            && self.site_to == other.site_to
            && self.mode_from == other.mode_from
            && self.mode_to == other.mode_to
            && self.held == other.held
    }

    fn record(&mut self, instance: Instance) {
        self.count += 1;
        self.instances.record(instance);
    }
}

/// Appends `rep`, growing a short list one at a time: most lock pairs
/// have one representative, and a vector's first growth would make room
/// for four.
fn push(reps: &mut Vec<Rep>, rep: Rep) {
    if reps.len() == reps.capacity() && reps.len() < 4 {
        reps.reserve_exact(1);
    }
    reps.push(rep);
}

/// Every edge of one lock-order graph.
#[derive(Clone, Debug, Default)]
pub struct EdgeStore {
    pairs: HashMap<(u32, u32), Vec<Rep>>,
    /// The held sets its representatives refer to.
    pub held: HeldSets,
    reps: usize,
    /// Distinct representatives not kept because their pair or the store
    /// was full.
    pub dropped: u64,
}

impl EdgeStore {
    /// Folds an occurrence of `edge` (its `instances` and `count` are
    /// ignored) into the store.
    pub fn add(&mut self, edge: Rep, instance: Instance) {
        let full = self.reps >= MAX_REPS;
        let reps = match self.pairs.get_mut(&(edge.from, edge.to)) {
            Some(reps) => reps,
            None if full => {
                self.dropped += 1;
                return;
            }
            None => self.pairs.entry((edge.from, edge.to)).or_default(),
        };
        if let Some(rep) = reps.iter_mut().find(|r| r.same_key(&edge)) {
            rep.record(instance);
        } else if reps.len() < MAX_REPS_PER_PAIR && !full {
            let mut rep = edge;
            rep.instances.clear();
            rep.count = 0;
            rep.record(instance);
            push(reps, rep);
            self.reps += 1;
        } else {
            self.dropped += 1;
        }
    }

    /// Folds a whole representative (with its occurrences and count) into
    /// the store, as when merging traces.
    pub fn add_rep(&mut self, rep: Rep) {
        let full = self.reps >= MAX_REPS;
        let reps = self.pairs.entry((rep.from, rep.to)).or_default();
        if let Some(same) = reps.iter_mut().find(|r| r.same_key(&rep)) {
            same.count += rep.count;
            same.instances.extend(&rep.instances);
        } else if reps.len() < MAX_REPS_PER_PAIR && !full {
            push(reps, rep);
            self.reps += 1;
        } else {
            self.dropped += 1;
        }
    }

    /// The representatives of `from -> to`.
    pub fn reps(&self, from: u32, to: u32) -> &[Rep] {
        self.pairs.get(&(from, to)).map_or(&[], Vec::as_slice)
    }

    /// Every representative.
    pub fn all(&self) -> impl Iterator<Item = &Rep> {
        self.pairs.values().flatten()
    }

    /// The held sets and every representative, by value: each lock pair's
    /// representatives are freed once the iterator has passed them, so a
    /// store can be folded into another without both being whole.
    pub fn into_parts(self) -> (HeldSets, impl Iterator<Item = Rep>) {
        (self.held, self.pairs.into_values().flatten())
    }

    /// The graph on dense indices: `(nodes, succ)` where `nodes[i]` is the
    /// lock of index `i` (ascending) and `succ[i]` its successors.
    pub fn graph(&self) -> (Vec<u32>, Vec<Vec<usize>>) {
        let mut nodes: Vec<u32> = self.pairs.keys().flat_map(|&(a, b)| [a, b]).collect();
        nodes.sort_unstable();
        nodes.dedup();
        let index = |l: u32| nodes.binary_search(&l).unwrap_or(0);
        let mut succ = vec![Vec::new(); nodes.len()];
        for &(a, b) in self.pairs.keys() {
            succ[index(a)].push(index(b));
        }
        for s in &mut succ {
            s.sort_unstable();
        }
        (nodes, succ)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(from: u32, to: u32, thread: u32, site_to: u32) -> Rep {
        Rep {
            from,
            to,
            trace: 0,
            thread,
            held: HeldId(from),
            mode_from: LockMode::Exclusive,
            mode_to: LockMode::Exclusive,
            site_from: 0,
            site_to,
            instances: Instances::default(),
            count: 0,
        }
    }

    fn at(idx: u64) -> Instance {
        Instance {
            idx_from: 0,
            idx_to: idx,
            pos_to: 0,
            clock: 0,
        }
    }

    #[test]
    fn occurrences_fold_into_one_rep_keeping_first_and_latest() {
        let mut store = EdgeStore::default();
        for i in 0..10 {
            store.add(rep(1, 2, 0, 5), at(i));
        }
        let reps = store.reps(1, 2);
        assert_eq!(reps.len(), 1);
        assert_eq!(reps[0].count, 10);
        let idx: Vec<u64> = reps[0].instances.iter().map(|i| i.idx_to).collect();
        assert_eq!(idx, [0, 1, 2, 9]);
    }

    #[test]
    fn distinct_reps_per_pair_are_bounded() {
        let mut store = EdgeStore::default();
        for site in 0..(MAX_REPS_PER_PAIR as u32 + 3) {
            store.add(rep(1, 2, 0, site), at(0));
        }
        assert_eq!(store.reps(1, 2).len(), MAX_REPS_PER_PAIR);
        assert_eq!(store.dropped, 3);
    }

    #[test]
    fn graph_uses_dense_sorted_nodes() {
        let mut store = EdgeStore::default();
        store.add(rep(7, 3, 0, 0), at(0));
        store.add(rep(3, 7, 1, 0), at(1));
        assert_eq!(store.graph(), (vec![3, 7], vec![vec![1], vec![0]]));
    }
}
