//! Vector clocks and FastTrack epochs for happens-before analyses.
//!
//! A [`VectorClock`] maps every thread to the number of synchronisation
//! steps of that thread known to have happened before the clock's owner;
//! an [`Epoch`] `c@t` is a single entry of one, the cheap stand-in FastTrack
//! (Flanagan and Freund, PLDI 2009) uses for the last write and, while reads
//! are totally ordered, the last read of a variable. `c@t` happened before a
//! thread whose clock is `C` exactly when `c <= C[t]`, an O(1) test.
//!
//! Clocks grow on demand: an entry past the end is 0, so threads that appear
//! late in a trace need no resizing of every other clock.
//!
//! # Example
//! ```
//! use lockscope_detector::clock::{Epoch, VectorClock};
//! use lockscope_detector::trace::ThreadId;
//!
//! let (t0, t1) = (ThreadId(0), ThreadId(1));
//! let mut c0 = VectorClock::new_for(t0);
//! let write = c0.epoch(t0);
//! let mut lock = VectorClock::default();
//! lock.join(&c0); // t0 releases a lock...
//! c0.tick(t0);
//! let mut c1 = VectorClock::new_for(t1);
//! assert!(!write.happens_before(&c1));
//! c1.join(&lock); // ...t1 acquires it
//! assert!(write.happens_before(&c1));
//! ```
//!
//! # Performance
//! [`Epoch::happens_before`] and [`VectorClock::tick`] are O(1);
//! [`join`](VectorClock::join) and [`leq`](VectorClock::leq) are O(threads)
//! over a dense `Vec<u32>` with no hashing.
//!
//! # Limitations
//! Entries are `u32`: a thread may perform at most `u32::MAX`
//! synchronisation steps (releases, forks, notifies, ...) in one trace; the
//! counter saturates beyond that, which can only hide races, never invent
//! them.

use crate::trace::ThreadId;

/// `clock@thread`: one thread's logical time. Clock 0 is "never" and happens
/// before everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Epoch {
    pub thread: u32,
    pub clock: u32,
}

impl Epoch {
    /// The epoch that happens before every clock (no access yet).
    pub const NONE: Epoch = Epoch {
        thread: 0,
        clock: 0,
    };

    /// Whether this epoch happened before (or is known to) the owner of `vc`.
    #[inline]
    pub fn happens_before(self, vc: &VectorClock) -> bool {
        self.clock <= vc.get_raw(self.thread)
    }

    /// The thread of this epoch.
    pub fn thread_id(self) -> ThreadId {
        ThreadId(self.thread)
    }
}

/// A vector clock: one logical time per thread, 0 for threads not present.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VectorClock {
    entries: Vec<u32>,
}

impl VectorClock {
    /// The initial clock of thread `t`: 1 for `t`, 0 elsewhere (so `t`'s
    /// first epoch is distinguishable from [`Epoch::NONE`]).
    pub fn new_for(t: ThreadId) -> Self {
        let mut vc = VectorClock::default();
        vc.set(t, 1);
        vc
    }

    /// `t`'s entry.
    #[inline]
    pub fn get(&self, t: ThreadId) -> u32 {
        self.get_raw(t.0)
    }

    #[inline]
    fn get_raw(&self, t: u32) -> u32 {
        self.entries.get(t as usize).copied().unwrap_or(0)
    }

    /// Sets `t`'s entry.
    pub fn set(&mut self, t: ThreadId, clock: u32) {
        let i = t.index();
        if self.entries.len() <= i {
            self.entries.resize(i + 1, 0);
        }
        self.entries[i] = clock;
    }

    /// The owner's current epoch, `self[t]@t`.
    #[inline]
    pub fn epoch(&self, t: ThreadId) -> Epoch {
        Epoch {
            thread: t.0,
            clock: self.get(t),
        }
    }

    /// Advances `t`'s entry by one (saturating).
    #[inline]
    pub fn tick(&mut self, t: ThreadId) {
        let next = self.get(t).saturating_add(1);
        self.set(t, next);
    }

    /// Pointwise maximum: afterwards everything `other` knows, `self` knows.
    pub fn join(&mut self, other: &VectorClock) {
        if self.entries.len() < other.entries.len() {
            self.entries.resize(other.entries.len(), 0);
        }
        for (mine, &theirs) in self.entries.iter_mut().zip(&other.entries) {
            *mine = (*mine).max(theirs);
        }
    }

    /// Whether `self <= other` pointwise (everything `self` knows happened
    /// before `other`'s owner).
    pub fn leq(&self, other: &VectorClock) -> bool {
        self.entries
            .iter()
            .enumerate()
            .all(|(i, &c)| c <= other.get_raw(i as u32))
    }

    /// Resets every entry to 0 (keeps the allocation).
    pub fn clear(&mut self) {
        self.entries.iter_mut().for_each(|c| *c = 0);
    }

    /// The non-zero entries as `(thread, clock)`.
    pub fn iter(&self) -> impl Iterator<Item = (ThreadId, u32)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(i, &c)| (ThreadId(i as u32), c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: ThreadId = ThreadId(0);
    const T1: ThreadId = ThreadId(1);
    const T2: ThreadId = ThreadId(2);

    #[test]
    fn new_clock_knows_only_itself() {
        let c = VectorClock::new_for(T1);
        assert_eq!(c.get(T1), 1);
        assert_eq!(c.get(T0), 0);
        assert_eq!(c.get(ThreadId(99)), 0);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![(T1, 1)]);
    }

    #[test]
    fn join_is_pointwise_max_and_grows() {
        let mut a = VectorClock::new_for(T0);
        let mut b = VectorClock::new_for(T2);
        b.set(T0, 5);
        a.join(&b);
        assert_eq!((a.get(T0), a.get(T1), a.get(T2)), (5, 0, 1));
        assert!(b.leq(&a));
        assert!(!a.leq(&VectorClock::new_for(T0)));
    }

    #[test]
    fn epoch_happens_before_only_after_a_join() {
        let mut c0 = VectorClock::new_for(T0);
        let e = c0.epoch(T0);
        c0.tick(T0);
        let mut c1 = VectorClock::new_for(T1);
        assert!(!e.happens_before(&c1));
        c1.join(&c0);
        assert!(e.happens_before(&c1));
        // The epoch after the tick is not covered by the old join.
        c0.tick(T0);
        assert!(!c0.epoch(T0).happens_before(&c1));
    }

    #[test]
    fn none_epoch_happens_before_everything() {
        assert!(Epoch::NONE.happens_before(&VectorClock::default()));
    }

    #[test]
    fn tick_saturates() {
        let mut c = VectorClock::default();
        c.set(T0, u32::MAX);
        c.tick(T0);
        assert_eq!(c.get(T0), u32::MAX);
    }

    #[test]
    fn clear_zeroes_every_entry() {
        let mut c = VectorClock::new_for(T2);
        c.clear();
        assert!(c.leq(&VectorClock::default()));
    }
}
