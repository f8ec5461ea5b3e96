//! [`Slots`]: which vector-clock entry each live thread owns.
//!
//! A thread is given a slot when it first needs one ([`Slots::assign`]) and
//! gives it back when it ends ([`Slots::release`], at its exit or join),
//! together with its final value there. A later thread takes a free slot
//! **exactly** when its clock at that point already covers the slot's final
//! value: everything the old owner did happens before everything the new
//! one will do, so treating the two as one thread (the new owner's entries
//! continuing from the final value + 1) orders nothing that was not
//! ordered. A thread forked after its parent joined an earlier child, or
//! that took a lock the earlier thread released before it exited, takes
//! that thread's slot this way, and clocks then range over the threads
//! alive at once.
//!
//! With `max` slots in use and no free slot that fits exactly, the free
//! slot freed longest ago is handed on anyway (counted in
//! [`Slots::inexact`]): a clock that learns of the new owner then seems to
//! know everything the old owner did, which can hide races with the old
//! owner, never invent them. With no free slot at all the caller retires
//! live threads ([`Slots::least_active`]) first.
//!
//! # Performance
//! [`assign`](Slots::assign) probes at most [`REUSE_PROBES`] free slots;
//! everything else is O(1) but [`least_active`](Slots::least_active),
//! O(slots). Memory: 4 bytes per thread ever seen plus 16 per slot.

use std::collections::VecDeque;

use super::{Slot, VectorClock};
use crate::trace::ThreadId;

/// Free slots checked for an exact fit before a fresh one is used.
pub const REUSE_PROBES: usize = 64;

const NONE: u32 = u32::MAX;

/// A slot handed to a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assigned {
    pub slot: Slot,
    /// The new owner's own entry: 1 for a fresh slot, the previous owner's
    /// final value + 1 for a reused one.
    pub start: u32,
}

/// The slot table of one trace.
#[derive(Clone, Debug)]
pub struct Slots {
    /// Per thread: its slot, or `NONE`.
    of: Vec<u32>,
    /// Per slot: its thread, or `NONE` when free.
    owner: Vec<u32>,
    /// Per slot: the last owner's final value (when free).
    last: Vec<u32>,
    /// Per slot: the trace index of its owner's latest activity.
    active: Vec<u64>,
    /// Free slots, freed longest ago first.
    free: VecDeque<Slot>,
    max: usize,
    /// Slots handed on without the new owner knowing the old one's end.
    pub inexact: u64,
}

impl Slots {
    /// A table that uses at most `max` slots while any is free.
    pub fn new(max: usize) -> Self {
        Slots {
            of: Vec::new(),
            owner: Vec::new(),
            last: Vec::new(),
            active: Vec::new(),
            free: VecDeque::new(),
            max: max.max(1),
            inexact: 0,
        }
    }

    /// `t`'s slot, if it has one.
    #[inline]
    pub fn of(&self, t: ThreadId) -> Option<Slot> {
        match self.of.get(t.index()) {
            Some(&s) if s != NONE => Some(Slot(s)),
            _ => None,
        }
    }

    /// The thread that owns `s`, if any.
    pub fn owner(&self, s: Slot) -> Option<ThreadId> {
        match self.owner.get(s.index()) {
            Some(&t) if t != NONE => Some(ThreadId(t)),
            _ => None,
        }
    }

    /// Slots ever used (owned or free).
    pub fn len(&self) -> usize {
        self.owner.len()
    }

    /// Whether no slot was ever used.
    pub fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }

    /// Whether every slot is owned and no new one may be made: the caller
    /// should retire threads before the next [`assign`](Slots::assign).
    pub fn full(&self) -> bool {
        self.free.is_empty() && self.owner.len() >= self.max
    }

    /// Gives `t` a slot: a free one that `knows` already covers, else a
    /// fresh one while fewer than `max` exist, else the free slot freed
    /// longest ago (inexact), else (when [`full`](Slots::full) was ignored)
    /// a fresh one beyond `max`.
    pub fn assign(&mut self, t: ThreadId, knows: &VectorClock, now: u64) -> Assigned {
        let fits = |s: &Slot| knows.get(*s) >= self.last[s.index()];
        let probe = self.free.iter().rev().take(REUSE_PROBES).position(fits);
        let reuse = match probe {
            Some(back) => self.free.remove(self.free.len() - 1 - back),
            None if self.owner.len() < self.max => None,
            None => {
                let oldest = self.free.pop_front();
                self.inexact += u64::from(oldest.is_some());
                oldest
            }
        };
        let (slot, start) = match reuse {
            Some(s) => (s, self.last[s.index()].saturating_add(1)),
            None => {
                self.owner.push(NONE);
                self.last.push(0);
                self.active.push(0);
                (Slot(self.owner.len() as u32 - 1), 1)
            }
        };
        crate::dense::grow(&mut self.of, t.index(), || NONE);
        self.of[t.index()] = slot.0;
        self.owner[slot.index()] = t.0;
        self.active[slot.index()] = now;
        Assigned { slot, start }
    }

    /// Notes activity of `s`'s owner at trace index `now`.
    #[inline]
    pub fn touch(&mut self, s: Slot, now: u64) {
        if let Some(a) = self.active.get_mut(s.index()) {
            *a = now;
        }
    }

    /// `t` ended with `last` as its own entry: its slot is free.
    pub fn release(&mut self, t: ThreadId, last: u32) {
        let Some(s) = self.of(t) else {
            return;
        };
        self.of[t.index()] = NONE;
        self.owner[s.index()] = NONE;
        self.last[s.index()] = last;
        self.free.push_back(s);
    }

    /// Up to `n` owning threads, least recently active first.
    pub fn least_active(&self, n: usize) -> Vec<ThreadId> {
        let mut owned: Vec<(u64, u32)> = self
            .owner
            .iter()
            .zip(&self.active)
            .filter(|(&t, _)| t != NONE)
            .map(|(&t, &a)| (a, t))
            .collect();
        let n = n.min(owned.len());
        if n < owned.len() {
            owned.select_nth_unstable(n);
        }
        owned.truncate(n);
        owned.sort_unstable();
        owned.into_iter().map(|(_, t)| ThreadId(t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: [ThreadId; 4] = [ThreadId(0), ThreadId(1), ThreadId(2), ThreadId(3)];

    #[test]
    fn a_slot_is_reused_exactly_when_its_end_is_known() {
        let mut slots = Slots::new(8);
        let a = slots.assign(T[0], &VectorClock::default(), 0);
        assert_eq!(
            a,
            Assigned {
                slot: Slot(0),
                start: 1
            }
        );
        slots.release(T[0], 5);
        // A thread that does not know the end gets a fresh slot.
        let b = slots.assign(T[1], &VectorClock::default(), 1);
        assert_eq!(b.slot, Slot(1));
        // One that knows it continues slot 0 after its final value.
        let mut knows = VectorClock::default();
        knows.set(Slot(0), 5);
        let c = slots.assign(T[2], &knows, 2);
        assert_eq!(
            c,
            Assigned {
                slot: Slot(0),
                start: 6
            }
        );
        assert_eq!(slots.of(T[2]), Some(Slot(0)));
        assert_eq!(slots.owner(Slot(0)), Some(T[2]));
        assert_eq!(slots.of(T[0]), None);
        assert_eq!(slots.inexact, 0);
    }

    #[test]
    fn at_the_limit_the_oldest_free_slot_is_handed_on_and_counted() {
        let mut slots = Slots::new(2);
        slots.assign(T[0], &VectorClock::default(), 0);
        slots.assign(T[1], &VectorClock::default(), 1);
        assert!(slots.full());
        slots.release(T[1], 3);
        slots.release(T[0], 9);
        assert!(!slots.full());
        let c = slots.assign(T[2], &VectorClock::default(), 2);
        assert_eq!(
            c,
            Assigned {
                slot: Slot(1),
                start: 4
            }
        );
        assert_eq!(slots.inexact, 1);
        assert_eq!(slots.len(), 2);
    }

    #[test]
    fn least_active_threads_come_first() {
        let mut slots = Slots::new(8);
        for (i, t) in T.iter().enumerate() {
            slots.assign(*t, &VectorClock::default(), i as u64);
        }
        slots.touch(Slot(0), 10);
        assert_eq!(slots.least_active(2), [T[1], T[2]]);
        assert_eq!(slots.least_active(9).len(), 4);
    }
}
