//! Held sets, interned: every distinct set of locks held at a request is
//! stored once, and edges refer to it by a [`HeldId`].
//!
//! A thread nesting `d` locks makes `d` edges at each acquisition, all
//! with the same held set; copying the set into each edge costs `d^3` over
//! a nesting of depth `d` (800 locks: half a billion entries), interning
//! it costs `d^2` (the distinct sets themselves).
//!
//! # Performance
//! [`HeldSets::intern`] hashes the set once; memory is the distinct sets
//! (8 bytes per lock in each) plus one map entry per set, at most
//! [`MAX_STORED`] locks over all sets: past it a new set is refused (its
//! edges are dropped and counted).

use std::rc::Rc;

use hashbrown::HashMap;

use crate::trace::LockMode;

/// Most locks stored over every distinct set (128 MB).
pub const MAX_STORED: usize = 1 << 24;

/// A held set in a [`HeldSets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HeldId(pub u32);

/// Distinct held sets: locks with the mode they are held in, sorted by
/// lock.
#[derive(Clone, Debug, Default)]
pub struct HeldSets {
    sets: Vec<Rc<[(u32, LockMode)]>>,
    ids: HashMap<Rc<[(u32, LockMode)]>, HeldId>,
    /// Locks stored over every set.
    locks: usize,
}

impl HeldSets {
    /// The id of `set` (sorted by lock), storing it if it is new; `None`
    /// when it is new and [`MAX_STORED`] would be passed.
    pub fn intern(&mut self, set: &[(u32, LockMode)]) -> Option<HeldId> {
        if let Some(&id) = self.ids.get(set) {
            return Some(id);
        }
        if self.locks + set.len() > MAX_STORED {
            return None;
        }
        let id = HeldId(self.sets.len() as u32);
        let stored: Rc<[(u32, LockMode)]> = Rc::from(set);
        self.locks += set.len();
        self.sets.push(Rc::clone(&stored));
        self.ids.insert(stored, id);
        Some(id)
    }

    /// The set `id` names.
    pub fn get(&self, id: HeldId) -> &[(u32, LockMode)] {
        self.sets.get(id.0 as usize).map_or(&[], |s| s)
    }

    /// Locks stored over every distinct set.
    #[cfg(test)]
    pub fn stored(&self) -> usize {
        self.locks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::LockMode::{Exclusive, Shared};

    #[test]
    fn equal_sets_share_one_id() {
        let mut sets = HeldSets::default();
        let a = sets.intern(&[(1, Exclusive), (4, Shared)]).expect("room");
        let b = sets.intern(&[(1, Exclusive)]).expect("room");
        assert_ne!(a, b);
        assert_eq!(sets.intern(&[(1, Exclusive), (4, Shared)]), Some(a));
        assert_eq!(sets.get(a), [(1, Exclusive), (4, Shared)]);
        assert_eq!(sets.stored(), 3);
    }
}
