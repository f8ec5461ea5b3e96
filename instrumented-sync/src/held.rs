//! The locks a thread holds, in acquisition order, with the held-set chain
//! hash of every prefix: the live checks' per-thread list.
//!
//! What it promises:
//! - [`HeldList::iter`] yields exactly the locks held, oldest first, and
//!   [`HeldList::top_chain`] is the hash of exactly that sequence (the
//!   lock-order gates and the checked-chain cache depend on it).
//! - The usual release (the newest lock, LIFO) is a pop. A release below the
//!   top — guards dropped in acquisition order, as a `Vec` of guards does —
//!   leaves a *tombstone* (depth 0) instead of shifting every entry above
//!   it, and marks the chain hashes above it stale; tombstones that reach
//!   the top are popped at once, so the last entry is always held and
//!   releasing a chain of n locks oldest-first costs O(n), not O(n^2).
//!   Stale hashes are recomputed, skipping tombstones, only when a chain is
//!   next needed.
//!
//! Only its owning thread touches a list (through `ThreadState`'s
//! `RefCell`); the watchdog sees [`HeldList::snapshot`]s.

use std::borrow::Cow;

use lockscope_detector::trace::LockMode;

use crate::thread_state::Held;

/// Mixes one acquisition into a held-chain hash.
#[inline]
pub fn chain_step(prev: u64, id: u64, mode: LockMode) -> u64 {
    let m = match mode {
        LockMode::Exclusive => 1,
        LockMode::Shared => 2,
        LockMode::Upgradable => 3,
    };
    (prev.rotate_left(7) ^ id ^ (m << 60)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// See the module docs.
#[derive(Debug)]
pub struct HeldList {
    /// Held entries and tombstones (`depth == 0`); never a tombstone last.
    entries: Vec<Held>,
    tombstones: usize,
    /// Entries from this index up have stale chain hashes; `usize::MAX`
    /// when every hash is current.
    stale: usize,
}

impl Default for HeldList {
    fn default() -> Self {
        Self::new()
    }
}

impl HeldList {
    pub fn new() -> Self {
        HeldList {
            entries: Vec::with_capacity(8),
            tombstones: 0,
            stale: usize::MAX,
        }
    }

    /// Whether no lock is held.
    #[inline]
    pub fn is_empty(&self) -> bool {
        // The last entry is never a tombstone.
        self.entries.is_empty()
    }

    /// The locks held, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Held> {
        self.entries.iter().filter(|h| h.depth > 0)
    }

    /// The held entry of lock `id`, newest first.
    #[inline]
    pub fn find(&self, id: u64) -> Option<&Held> {
        self.iter().rev().find(|h| h.info.id == id)
    }

    /// As [`find`](Self::find), mutably (to count a re-entry).
    #[inline]
    pub fn find_mut(&mut self, id: u64) -> Option<&mut Held> {
        self.entries
            .iter_mut()
            .rev()
            .find(|h| h.depth > 0 && h.info.id == id)
    }

    /// The locks held, as a slice (borrowed unless tombstones must be
    /// skipped).
    pub fn as_slice(&self) -> Cow<'_, [Held]> {
        if self.tombstones == 0 {
            Cow::Borrowed(&self.entries)
        } else {
            Cow::Owned(self.iter().copied().collect())
        }
    }

    /// A copy of the locks held (for the watchdog).
    pub fn snapshot(&self) -> Vec<Held> {
        self.iter().copied().collect()
    }

    /// The chain hash of the locks held (0 when none), first re-hashing the
    /// entries a release below them left stale.
    #[inline]
    pub fn top_chain(&mut self) -> u64 {
        if self.stale != usize::MAX {
            self.rehash();
        }
        self.entries.last().map_or(0, |h| h.chain)
    }

    #[cold]
    #[inline(never)]
    fn rehash(&mut self) {
        let from = self.stale.min(self.entries.len());
        let mut prev = self.entries[..from]
            .iter()
            .rev()
            .find(|h| h.depth > 0)
            .map_or(0, |h| h.chain);
        for h in &mut self.entries[from..] {
            if h.depth > 0 {
                h.chain = chain_step(prev, h.info.id, h.mode);
                prev = h.chain;
            }
        }
        self.stale = usize::MAX;
    }

    /// Adds a newly taken lock; `held.chain` must be
    /// `chain_step(self.top_chain(), ..)`.
    #[inline]
    pub fn push(&mut self, held: Held) {
        debug_assert!(held.depth > 0);
        self.entries.push(held);
    }

    /// Lock `id` is released once (a re-entry only counts down). Returns
    /// whether it was held.
    #[inline]
    pub fn release(&mut self, id: u64) -> bool {
        match self.entries.last_mut() {
            // The usual, nested case.
            Some(top) if top.info.id == id && top.depth == 1 => {
                self.entries.pop();
                if self.tombstones > 0 {
                    self.pop_tombstones();
                }
                true
            }
            _ => self.release_below(id),
        }
    }

    #[cold]
    #[inline(never)]
    fn release_below(&mut self, id: u64) -> bool {
        let Some(i) = self
            .entries
            .iter()
            .rposition(|h| h.depth > 0 && h.info.id == id)
        else {
            return false;
        };
        let h = &mut self.entries[i];
        h.depth -= 1;
        if h.depth == 0 {
            if i + 1 == self.entries.len() {
                self.entries.pop();
                self.pop_tombstones();
            } else {
                self.tombstones += 1;
                self.stale = self.stale.min(i);
            }
        }
        true
    }

    fn pop_tombstones(&mut self) {
        while self.entries.last().is_some_and(|h| h.depth == 0) {
            self.entries.pop();
            self.tombstones -= 1;
        }
    }

    /// Takes lock `id`'s entry out entirely, whatever its depth (a condvar
    /// wait releases the mutex until it wakes up).
    pub fn take(&mut self, id: u64) -> Option<Held> {
        let i = self
            .entries
            .iter()
            .rposition(|h| h.depth > 0 && h.info.id == id)?;
        let h = self.entries.remove(i);
        self.stale = self.stale.min(i);
        self.pop_tombstones();
        Some(h)
    }

    /// Puts back entries [`take`](Self::take)n out (newest last).
    pub fn restore(&mut self, taken: &mut Vec<Held>) {
        if taken.is_empty() {
            return;
        }
        self.stale = self.stale.min(self.entries.len());
        self.entries.append(taken);
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use lockscope_detector::trace::PrimitiveKind;

    use super::*;
    use crate::meta::PrimitiveMeta;
    use crate::thread_state::LockInfo;

    fn held(list: &mut HeldList, id: u64) {
        let meta = PrimitiveMeta::new(PrimitiveKind::Mutex, None);
        let mut info = LockInfo::of(&meta);
        info.id = id;
        let chain = chain_step(list.top_chain(), id, LockMode::Exclusive);
        list.push(Held {
            info,
            mode: LockMode::Exclusive,
            site: Location::caller(),
            depth: 1,
            chain,
        });
    }

    fn chain_of(ids: &[u64]) -> u64 {
        ids.iter()
            .fold(0, |c, &id| chain_step(c, id, LockMode::Exclusive))
    }

    fn ids(list: &HeldList) -> Vec<u64> {
        list.iter().map(|h| h.info.id).collect()
    }

    #[test]
    fn a_release_below_the_top_is_rehashed_before_the_chain_is_used() {
        let mut list = HeldList::new();
        for id in [1, 2, 3] {
            held(&mut list, id);
        }
        assert_eq!(list.top_chain(), chain_of(&[1, 2, 3]));
        // Lock 1 released first: the list now names only locks 2 and 3.
        assert!(list.release(1));
        assert_eq!(ids(&list), [2, 3]);
        assert_eq!(list.top_chain(), chain_of(&[2, 3]));
        assert_eq!(list.as_slice().len(), 2);
        assert_eq!(list.as_slice()[0].chain, chain_of(&[2]));
    }

    #[test]
    fn releasing_oldest_first_leaves_nothing_behind() {
        let mut list = HeldList::new();
        for id in 1..=8 {
            held(&mut list, id);
        }
        for id in 1..=7 {
            assert!(list.release(id));
            assert_eq!(ids(&list), (id + 1..=8).collect::<Vec<_>>());
            assert_eq!(
                list.top_chain(),
                chain_of(&(id + 1..=8).collect::<Vec<_>>())
            );
        }
        assert!(list.release(8));
        assert!(list.is_empty());
        assert_eq!(list.entries.len(), 0, "no tombstone outlives the list");
        assert_eq!(list.tombstones, 0);
        assert_eq!(list.top_chain(), 0);
    }

    #[test]
    fn a_released_lock_taken_again_is_not_its_tombstone() {
        let mut list = HeldList::new();
        for id in [1, 2] {
            held(&mut list, id);
        }
        assert!(list.release(1));
        assert!(list.find(1).is_none());
        held(&mut list, 1);
        assert_eq!(ids(&list), [2, 1]);
        assert_eq!(list.top_chain(), chain_of(&[2, 1]));
        assert!(list.release(2));
        assert_eq!(ids(&list), [1]);
        assert!(!list.release(2), "released twice");
    }

    #[test]
    fn take_and_restore_move_an_entry_out_and_back() {
        let mut list = HeldList::new();
        for id in [1, 2, 3] {
            held(&mut list, id);
        }
        let mut stash = vec![list.take(2).expect("held")];
        assert_eq!(ids(&list), [1, 3]);
        assert_eq!(list.top_chain(), chain_of(&[1, 3]));
        list.restore(&mut stash);
        assert_eq!(ids(&list), [1, 3, 2]);
        assert_eq!(list.top_chain(), chain_of(&[1, 3, 2]));
    }
}
