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
//! - An entry ([`HeldEntry`], 48 bytes) names its lock by id, creation
//!   site and a `&'static` reference to its kind, name and rank
//!   ([`About`]), not by a copy of its whole identity, and never by the
//!   lock's own address: a lock can be moved or dropped while an entry
//!   still names it (a guard leaked with `mem::forget`, a panic between
//!   the real unlock and the release of the entry), and the entry stays
//!   valid, at worst stale.
//!
//! Only its owning thread touches a list (through `ThreadState`'s
//! `RefCell`); the watchdog sees [`HeldList::snapshot`]s.

use std::fmt;
use std::panic::Location;

use lockscope_detector::trace::{LockMode, PrimitiveKind};

use crate::meta::{About, PrimitiveMeta};

/// A primitive's identity, copied out of its [`PrimitiveMeta`] so reports
/// can name it after it is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockInfo {
    pub id: u64,
    pub kind: PrimitiveKind,
    pub name: Option<&'static str>,
    /// Where the primitive was created.
    pub created: &'static Location<'static>,
    /// The explicit lock-order rank, `u64::MAX` for none (see
    /// [`Self::key`]).
    pub rank: u64,
}

impl LockInfo {
    pub fn of(meta: &PrimitiveMeta) -> Self {
        Self::with_id(meta, meta.id())
    }

    /// [`Self::of`] with the id already loaded (the hot path loads it once).
    #[inline]
    pub fn with_id(meta: &PrimitiveMeta, id: u64) -> Self {
        Self::from_parts(id, meta.about(), meta.site())
    }

    /// The identity of lock `id`, of kind, name and rank `about`, created
    /// at `created` (what a held entry keeps of it).
    #[inline]
    pub fn from_parts(id: u64, about: &About, created: &'static Location<'static>) -> Self {
        LockInfo {
            id,
            kind: about.kind,
            name: about.name,
            created,
            rank: about.rank().unwrap_or(u64::MAX),
        }
    }

    /// A lock nothing records (the `record` feature off), known by its
    /// address `addr`, asked for at the caller's site.
    #[track_caller]
    pub fn unrecorded(addr: usize, kind: PrimitiveKind) -> Self {
        LockInfo {
            id: addr as u64,
            kind,
            name: None,
            created: std::panic::Location::caller(),
            rank: u64::MAX,
        }
    }

    /// [`PrimitiveMeta::order_key`]: the explicit rank if set, else the id;
    /// ties broken by id.
    pub fn key(&self) -> (u64, u64) {
        let rank = if self.rank == u64::MAX {
            self.id
        } else {
            self.rank
        };
        (rank, self.id)
    }

    /// `x` or `#3`: the short label used in scenario columns.
    pub fn label(&self) -> String {
        match self.name {
            Some(n) => n.to_owned(),
            None => format!("#{}", self.id),
        }
    }
}

impl fmt::Display for LockInfo {
    /// `mutex `x` (#3, created at src/main.rs:4:13)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(n) => write!(f, "{} `{n}` (#{}", self.kind, self.id)?,
            None => write!(f, "{} #{} (", self.kind, self.id)?,
        }
        let sep = if self.name.is_some() { ", " } else { "" };
        write!(f, "{sep}created at {})", self.created)
    }
}

/// One lock the thread holds, with the lock's identity (a copy of a
/// [`HeldEntry`] for reports, the lock-order graph
/// and the watchdog).
#[derive(Clone, Copy, Debug)]
pub struct Held {
    pub info: LockInfo,
    pub mode: LockMode,
    /// Where it was (first) acquired.
    pub site: &'static Location<'static>,
}

/// One lock the thread holds, as the held list stores it.
#[derive(Clone, Copy, Debug)]
pub struct HeldEntry {
    pub id: u64,
    /// The lock's kind, name and rank.
    pub about: &'static About,
    /// Where the lock was created.
    pub created: &'static Location<'static>,
    /// Where it was (first) acquired.
    pub site: &'static Location<'static>,
    /// Hash of the held chain up to and including this entry.
    pub chain: u64,
    /// Re-entrancy depth (reentrant mutex, recursive read); 0 marks a
    /// released entry (a tombstone, never seen outside the list).
    pub depth: u32,
    pub mode: LockMode,
}

impl HeldEntry {
    /// The entry of `lock` (whose id is `id`), taken once in `mode` at
    /// `site`, on top of a held chain whose hash `chain` includes it.
    #[inline(always)]
    pub fn new(
        lock: &PrimitiveMeta,
        id: u64,
        mode: LockMode,
        site: &'static Location<'static>,
        chain: u64,
    ) -> Self {
        HeldEntry {
            id,
            about: lock.about(),
            created: lock.site(),
            site,
            chain,
            depth: 1,
            mode,
        }
    }

    /// The lock's identity.
    pub fn info(&self) -> LockInfo {
        LockInfo::from_parts(self.id, self.about, self.created)
    }

    /// The entry with its lock's identity.
    pub fn materialize(&self) -> Held {
        Held {
            info: self.info(),
            mode: self.mode,
            site: self.site,
        }
    }
}

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
    entries: Vec<HeldEntry>,
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
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &HeldEntry> + Clone {
        self.entries.iter().filter(|h| h.depth > 0)
    }

    /// The held entry of lock `id`, newest first.
    #[inline]
    pub fn find(&self, id: u64) -> Option<&HeldEntry> {
        self.iter().rev().find(|h| h.id == id)
    }

    /// As [`find`](Self::find), mutably (to count a re-entry).
    #[inline]
    pub fn find_mut(&mut self, id: u64) -> Option<&mut HeldEntry> {
        self.entries
            .iter_mut()
            .rev()
            .find(|h| h.depth > 0 && h.id == id)
    }

    /// The locks held with their identities, oldest first (for reports
    /// and the watchdog). The chain hashes are as of the last
    /// [`top_chain`](Self::top_chain).
    pub fn snapshot(&self) -> Vec<Held> {
        self.iter().map(HeldEntry::materialize).collect()
    }

    /// The number of locks held.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len() - self.tombstones
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
                h.chain = chain_step(prev, h.id, h.mode);
                prev = h.chain;
            }
        }
        self.stale = usize::MAX;
    }

    /// [`top_chain`](Self::top_chain) if no hash is stale (no call: the
    /// lock fast path), else `None`.
    #[inline(always)]
    #[cfg(any(feature = "record", test))]
    pub fn top_chain_if_fresh(&self) -> Option<u64> {
        if self.stale != usize::MAX {
            return None;
        }
        Some(self.entries.last().map_or(0, |h| h.chain))
    }

    /// [`push`](Self::push) if that needs no allocation, else gives `held`
    /// back: the lock fast path, which must make no call.
    #[inline(always)]
    #[cfg(feature = "record")]
    pub fn try_push(&mut self, held: HeldEntry) -> Result<(), HeldEntry> {
        debug_assert!(held.depth > 0);
        let len = self.entries.len();
        if len == self.entries.capacity() {
            return Err(held);
        }
        // SAFETY: `len < capacity`, so slot `len` is allocated and unused;
        // it is written before the length covers it.
        unsafe {
            self.entries.as_mut_ptr().add(len).write(held);
            self.entries.set_len(len + 1);
        }
        Ok(())
    }

    /// Adds a newly taken lock; `held.chain` must be
    /// `chain_step(self.top_chain(), ..)`, and the lock must have no live
    /// entry (a re-entry counts in the entry's depth instead):
    /// [`release`](Self::release) takes any live entry of the id as its
    /// own. (A guard released on another thread, possible when some crate
    /// turns on parking_lot's `send_guard`, leaves its entry behind here;
    /// taking the lock again then adds a second one, and either may go
    /// first: one stale entry is left either way.)
    #[inline]
    pub fn push(&mut self, held: HeldEntry) {
        debug_assert!(held.depth > 0);
        self.entries.push(held);
    }

    /// Lock `id` is released once (a re-entry only counts down). Returns
    /// whether it was held. Makes no call: the lock fast path uses it, and
    /// guards dropped in acquisition order (a `Vec` of guards) release
    /// below the top as often as at it.
    #[inline(always)]
    pub fn release(&mut self, id: u64) -> bool {
        // The usual case first, without writing the depth it pops.
        if let Some(top) = self.entries.last() {
            if top.id == id && top.depth == 1 {
                self.entries.pop();
                self.pop_tombstones();
                return true;
            }
        }
        // Guards dropped in acquisition order release the oldest entry, and
        // then every tombstone is below it: that entry is at index
        // `tombstones`, found without the scan (which made releasing n
        // guards that way cost n²/2 comparisons). A lock has at most one
        // live entry (a re-entry counts in its depth), so the match is the
        // scan's.
        let oldest = self.tombstones;
        if oldest + 1 < self.entries.len() {
            let h = &mut self.entries[oldest];
            if h.id == id && h.depth == 1 {
                h.depth = 0;
                self.tombstones += 1;
                self.stale = self.stale.min(oldest);
                return true;
            }
        }
        let Some((i, h)) = self
            .entries
            .iter_mut()
            .enumerate()
            .rev()
            .find(|(_, h)| h.depth > 0 && h.id == id)
        else {
            return false;
        };
        h.depth -= 1;
        if h.depth > 0 {
            return true;
        }
        if i + 1 == self.entries.len() {
            self.entries.pop();
            self.pop_tombstones();
        } else {
            self.tombstones += 1;
            self.stale = self.stale.min(i);
        }
        true
    }

    /// Pops the tombstones on top; hashes are current again once every
    /// entry they were stale from is gone.
    #[inline(always)]
    fn pop_tombstones(&mut self) {
        while self.tombstones > 0 && self.entries.last().is_some_and(|h| h.depth == 0) {
            self.entries.pop();
            self.tombstones -= 1;
        }
        if self.stale != usize::MAX && self.stale >= self.entries.len() {
            self.stale = usize::MAX;
        }
    }

    /// Takes lock `id`'s entry out entirely, whatever its depth (a condvar
    /// wait releases the mutex until it wakes up).
    pub fn take(&mut self, id: u64) -> Option<HeldEntry> {
        let i = self
            .entries
            .iter()
            .rposition(|h| h.depth > 0 && h.id == id)?;
        let h = self.entries.remove(i);
        self.stale = self.stale.min(i);
        self.pop_tombstones();
        Some(h)
    }

    /// Puts back entries [`take`](Self::take)n out (newest last).
    pub fn restore(&mut self, taken: &mut Vec<HeldEntry>) {
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

    use proptest::prelude::{prop_assert, prop_assert_eq, proptest, ProptestConfig, Strategy};

    use super::*;
    use crate::meta::PrimitiveMeta;

    fn held(list: &mut HeldList, id: u64) {
        let meta = PrimitiveMeta::new(PrimitiveKind::Mutex, None);
        let chain = chain_step(list.top_chain(), id, LockMode::Exclusive);
        list.push(HeldEntry::new(
            &meta,
            id,
            LockMode::Exclusive,
            Location::caller(),
            chain,
        ));
    }

    fn chain_of(ids: &[u64]) -> u64 {
        ids.iter()
            .fold(0, |c, &id| chain_step(c, id, LockMode::Exclusive))
    }

    fn ids(list: &HeldList) -> Vec<u64> {
        list.iter().map(|h| h.id).collect()
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
        assert_eq!(list.snapshot().len(), 2);
        assert_eq!(list.snapshot()[0].info.id, 2);
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Any release order (oldest first, newest first, from the middle,
        /// mixed) leaves the list naming exactly the locks still held, with
        /// their chain, and nothing at all once every lock is released.
        #[test]
        fn every_release_order_matches_a_model(
            order in proptest::strategy::Just((1..=8u64).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let mut list = HeldList::new();
            let mut model: Vec<u64> = (1..=8).collect();
            for id in 1..=8 {
                held(&mut list, id);
            }
            for id in order {
                prop_assert!(list.release(id));
                model.retain(|&m| m != id);
                prop_assert_eq!(ids(&list), model.clone());
                prop_assert_eq!(list.len(), model.len());
                // Without re-hashing (which would hide the stale state the
                // fast path sees): a fresh chain is the model's.
                if let Some(chain) = list.top_chain_if_fresh() {
                    prop_assert_eq!(chain, chain_of(&model));
                }
                prop_assert!(!list.release(id), "released twice");
            }
            prop_assert!(list.is_empty());
            prop_assert_eq!(list.entries.len(), 0, "no tombstone outlives the list");
            prop_assert_eq!(list.top_chain(), 0);
        }
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

    /// A guard leaked with `mem::forget` lets safe code move or drop a lock
    /// the thread's list still names: the entry does not point into it.
    #[cfg(feature = "record")]
    #[test]
    fn a_lock_moved_or_dropped_under_a_leaked_guard_is_still_named() {
        use crate::prelude::Named;
        let mut moved = Vec::with_capacity(1);
        moved.push(crate::Mutex::named("moved_under_a_leaked_guard", 0));
        std::mem::forget(moved[0].lock());
        // Reallocates: the locked mutex moves.
        moved.push(crate::Mutex::named("pushed", 0));
        let leaked = Box::new(crate::Mutex::named("leaked_guard", 0));
        std::mem::forget(leaked.lock());
        drop(leaked);
        let after = crate::Mutex::named("taken_after", 0);
        // Nested under the dropped lock: the lock-order check reads the
        // held list's identities too.
        let _g = after.lock();
        let names: Vec<_> = crate::thread_state::with(|ts| ts.held.borrow().snapshot())
            .expect("thread state")
            .iter()
            .map(|h| h.info.name)
            .collect();
        assert_eq!(
            names,
            [
                Some("moved_under_a_leaked_guard"),
                Some("leaked_guard"),
                Some("taken_after")
            ]
        );
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
