//! [`ThreadClocks`]: one vector clock per thread over [`Slots`], kept only
//! while it can still matter.
//!
//! A thread is given a slot when it first needs one ([`ThreadClocks::slot`];
//! after learning its parent's clock at a fork, so it can continue a slot
//! its parent joined). At its exit the slot is freed and its clock kept for
//! a later join; a join merges the clock into the joiner and drops it. A
//! thread that is never joined keeps its clock among the latest
//! [`MAX_EXITED`] exited ones; older ones are folded into one *graveyard*
//! clock that stands in for all of them.
//!
//! # Cuts
//! Each is counted ([`Cuts`]); each makes clocks know more than the trace
//! shows, never less:
//! - more slots in use than the limit: the least recently active threads
//!   are retired (clock folded into the graveyard, slot freed; one that
//!   acts again starts from the graveyard, which knows at least what it
//!   knew), and a freed slot may go to a thread that does not know its
//!   previous owner's end (`Slots::inexact`);
//! - a join of a thread whose clock was folded into the graveyard gives the
//!   joiner the graveyard's knowledge, a superset of the thread's own.
//!
//! # Performance
//! A fork or join is one clock copy or join (linear in chunks, see
//! [`crate::clock`]). Memory: 48 bytes per thread ever seen, plus one
//! clock per thread with a slot and per kept exited thread, their chunks
//! shared.

use std::collections::VecDeque;

use super::{Slot, Slots, VectorClock};
use crate::trace::ThreadId;

/// Most exited, not yet joined threads whose clocks are kept.
pub const MAX_EXITED: usize = 4096;

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Life {
    /// No slot yet (its clock may hold what its parent's fork gave it).
    #[default]
    New,
    /// Owns a slot.
    Live,
    /// Exited; its clock is kept for a join.
    Exited,
    /// Its clock went into the graveyard (joined, retired or evicted).
    Gone,
}

#[derive(Clone, Debug)]
struct Thread {
    vc: VectorClock,
    life: Life,
    /// Its first slot and the value it started at there (`NONE` if none).
    first: (u32, u32),
}

impl Default for Thread {
    fn default() -> Self {
        Thread {
            vc: VectorClock::default(),
            life: Life::New,
            first: (NONE, 0),
        }
    }
}

/// How often the clocks were made to know more than the trace shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cuts {
    /// Live threads retired at the slot limit.
    pub retired: u64,
    /// Slots handed on without the new owner knowing the old one's end.
    pub inexact: u64,
    /// Exited clocks folded into the graveyard.
    pub evicted: u64,
    /// Joins that took the graveyard for a folded clock.
    pub joined_gone: u64,
}

impl Cuts {
    /// Whether anything was cut.
    pub fn any(&self) -> bool {
        self.retired + self.inexact + self.joined_gone > 0
    }
}

/// Per-thread clocks of one trace.
#[derive(Clone, Debug)]
pub struct ThreadClocks {
    slots: Slots,
    threads: Vec<Thread>,
    /// Exited threads whose clocks are kept, oldest first (entries of
    /// threads joined since are skipped when met).
    exited: VecDeque<ThreadId>,
    kept_exited: usize,
    /// At least everything every dropped clock knew.
    graveyard: VectorClock,
    cuts: Cuts,
    /// What [`clock`](ThreadClocks::clock) gives for a thread never seen.
    empty: VectorClock,
}

impl ThreadClocks {
    /// Clocks that retire threads when more than `max_slots` own a slot.
    pub fn new(max_slots: usize) -> Self {
        ThreadClocks {
            slots: Slots::new(max_slots),
            threads: Vec::new(),
            exited: VecDeque::new(),
            kept_exited: 0,
            graveyard: VectorClock::default(),
            cuts: Cuts::default(),
            empty: VectorClock::default(),
        }
    }

    /// What was cut so far.
    pub fn cuts(&self) -> Cuts {
        Cuts {
            inexact: self.slots.inexact,
            ..self.cuts
        }
    }

    fn thread_mut(&mut self, t: ThreadId) -> &mut Thread {
        crate::dense::grow(&mut self.threads, t.index(), Thread::default);
        &mut self.threads[t.index()]
    }

    /// `t`'s clock as it is (empty if `t` has none).
    #[inline]
    pub fn clock(&self, t: ThreadId) -> &VectorClock {
        self.threads.get(t.index()).map_or(&self.empty, |th| &th.vc)
    }

    /// `t`'s clock, to change (for example by a lock acquisition).
    pub fn clock_mut(&mut self, t: ThreadId) -> &mut VectorClock {
        &mut self.thread_mut(t).vc
    }

    /// `t`'s first slot and the value it started at there, if it ever had
    /// a slot: a clock whose entry there reaches that value knows
    /// everything `t` did before it first needed a slot.
    pub fn first(&self, t: ThreadId) -> Option<(Slot, u32)> {
        match self.threads.get(t.index()).map(|th| th.first) {
            Some((s, start)) if s != NONE => Some((Slot(s), start)),
            _ => None,
        }
    }

    /// `t`'s slot at trace index `now`, given it if it has none.
    pub fn slot(&mut self, t: ThreadId, now: u64) -> Slot {
        if let Some(s) = self.slots.of(t) {
            self.slots.touch(s, now);
            return s;
        }
        if self.slots.full() {
            let n = (self.slots.len() / 8).max(1);
            for old in self.slots.least_active(n) {
                self.drop_clock(old);
                self.cuts.retired += 1;
            }
        }
        let graveyard = &self.graveyard;
        crate::dense::grow(&mut self.threads, t.index(), Thread::default);
        let thread = &mut self.threads[t.index()];
        match thread.life {
            Life::Gone => thread.vc = graveyard.clone(),
            Life::Exited => self.kept_exited -= 1,
            Life::New | Life::Live => {}
        }
        let a = self.slots.assign(t, &thread.vc, now);
        thread.vc.set(a.slot, a.start);
        thread.life = Life::Live;
        if thread.first.0 == NONE {
            thread.first = (a.slot.0, a.start);
        }
        a.slot
    }

    /// Frees `t`'s slot (if any) and folds its clock into the graveyard.
    fn drop_clock(&mut self, t: ThreadId) {
        let Some(thread) = self.threads.get_mut(t.index()) else {
            return;
        };
        let vc = std::mem::take(&mut thread.vc);
        if thread.life == Life::Exited {
            self.kept_exited -= 1;
        }
        thread.life = Life::Gone;
        if let Some(s) = self.slots.of(t) {
            self.slots.release(t, vc.get(s));
        }
        self.graveyard.join(&vc);
    }

    /// `t` learns `vc` (the clock its parent forked it with).
    pub fn learn(&mut self, t: ThreadId, vc: &VectorClock) {
        let thread = self.thread_mut(t);
        if thread.life != Life::Gone {
            thread.vc.join(vc);
        }
    }

    /// `t` forks: the clock its child starts from; `t` moves on.
    pub fn fork(&mut self, t: ThreadId, now: u64) -> VectorClock {
        let s = self.slot(t, now);
        let vc = &mut self.threads[t.index()].vc;
        let forked = vc.clone();
        vc.tick(s);
        forked
    }

    /// `t` joins `child`: `t` learns everything `child` did (everything
    /// before its first slot included); `child`'s clock is dropped.
    pub fn join(&mut self, t: ThreadId, child: ThreadId, now: u64) {
        self.slot(t, now);
        if child == t {
            return;
        }
        let done = match self
            .threads
            .get(child.index())
            .map_or(Life::New, |c| c.life)
        {
            Life::Gone => {
                self.cuts.joined_gone += 1;
                self.graveyard.clone()
            }
            Life::New => {
                self.slot(child, now);
                self.threads[child.index()].vc.clone()
            }
            Life::Live | Life::Exited => self.threads[child.index()].vc.clone(),
        };
        self.threads[t.index()].vc.join(&done);
        self.drop_clock(child);
    }

    /// `t` exited: its slot is free, its clock kept for a join.
    pub fn exit(&mut self, t: ThreadId) {
        let Some(s) = self.slots.of(t) else {
            return;
        };
        let thread = &mut self.threads[t.index()];
        self.slots.release(t, thread.vc.get(s));
        thread.life = Life::Exited;
        self.exited.push_back(t);
        self.kept_exited += 1;
        while self.kept_exited > MAX_EXITED {
            let Some(old) = self.exited.pop_front() else {
                break;
            };
            if self.threads[old.index()].life == Life::Exited {
                self.drop_clock(old);
                self.cuts.evicted += 1;
            }
        }
        if self.exited.len() > 2 * MAX_EXITED {
            let threads = &self.threads;
            self.exited
                .retain(|t| threads[t.index()].life == Life::Exited);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: ThreadId = ThreadId(0);
    const T1: ThreadId = ThreadId(1);
    const T2: ThreadId = ThreadId(2);

    fn epoch(c: &mut ThreadClocks, t: ThreadId, now: u64) -> super::super::Epoch {
        let s = c.slot(t, now);
        c.clock(t).epoch(s)
    }

    #[test]
    fn a_joined_child_hands_its_slot_to_the_next_child() {
        let mut c = ThreadClocks::new(64);
        let forked = c.fork(T0, 0);
        c.learn(T1, &forked);
        let e1 = epoch(&mut c, T1, 1);
        c.exit(T1);
        c.join(T0, T1, 2);
        let forked = c.fork(T0, 3);
        c.learn(T2, &forked);
        let e2 = epoch(&mut c, T2, 4);
        assert_eq!(e2.slot, e1.slot, "T2 continues T1's slot");
        assert!(e2.clock > e1.clock);
        assert!(e1.happens_before(c.clock(T2)));
        assert_eq!(c.cuts(), Cuts::default());
    }

    #[test]
    fn a_join_makes_a_thread_without_a_slot_known_from_its_start() {
        let mut c = ThreadClocks::new(64);
        epoch(&mut c, T0, 0);
        c.join(T0, T1, 1);
        let (s, start) = c.first(T1).expect("given a slot at the join");
        assert!(start <= c.clock(T0).get(s));
    }

    #[test]
    fn retiring_at_the_limit_knows_more_never_less() {
        let mut c = ThreadClocks::new(2);
        let e0 = epoch(&mut c, T0, 0);
        c.clock_mut(T0).tick(e0.slot);
        epoch(&mut c, T1, 5);
        // A third thread retires T0, the least recently active, and takes
        // its slot without knowing T0's end.
        let e2 = epoch(&mut c, T2, 6);
        assert_eq!(e2.slot, e0.slot);
        assert_eq!(c.cuts().retired, 1);
        assert_eq!(c.cuts().inexact, 1);
        // T0 acts again and retires T1: it starts from the graveyard, which
        // knows at least what T0 knew.
        epoch(&mut c, T0, 7);
        assert!(e0.happens_before(c.clock(T0)));
        assert_eq!((c.cuts().retired, c.cuts().inexact), (2, 1));
    }
}
