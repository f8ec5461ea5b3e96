//! The race analysis's vector clocks: one per thread
//! ([`ThreadClocks`], over slots, so their size follows the threads alive
//! at once) and one per primitive (its release clock).
//!
//! # Performance
//! Synchronisation costs one clock join (linear in chunks, see
//! [`crate::clock`]); memory is one clock per live thread, per kept exited
//! thread and per primitive, with chunks shared between them.

use crate::clock::{Cuts, Slot, ThreadClocks, VectorClock};
use crate::trace::{ObjId, ThreadId};

/// Most threads with a slot at once before the least active are retired.
pub const MAX_SLOTS: usize = 4096;

/// Clocks of one trace.
#[derive(Debug)]
pub(super) struct Clocks {
    threads: ThreadClocks,
    objs: Vec<VectorClock>,
}

impl Default for Clocks {
    fn default() -> Self {
        Clocks {
            threads: ThreadClocks::new(MAX_SLOTS),
            objs: Vec::new(),
        }
    }
}

impl Clocks {
    /// What the thread clocks cut so far.
    pub(super) fn cuts(&self) -> Cuts {
        self.threads.cuts()
    }

    fn obj_mut(&mut self, o: ObjId) -> &mut VectorClock {
        crate::dense::grow(&mut self.objs, o.index(), VectorClock::default);
        &mut self.objs[o.index()]
    }

    /// `t`'s slot and clock at trace index `now`, giving it a slot if it
    /// has none.
    pub(super) fn current(&mut self, t: ThreadId, now: u64) -> (Slot, &VectorClock) {
        let s = self.threads.slot(t, now);
        (s, self.threads.clock(t))
    }

    /// `t` learns `vc` (the clock its parent forked it with).
    pub(super) fn learn(&mut self, t: ThreadId, vc: &VectorClock) {
        self.threads.learn(t, vc);
    }

    /// `t` acquires from `o`: `t` learns everything released into `o`.
    pub(super) fn acquire(&mut self, t: ThreadId, o: ObjId, now: u64) {
        self.threads.slot(t, now);
        self.obj_mut(o);
        self.threads.clock_mut(t).join(&self.objs[o.index()]);
    }

    /// `t` releases into `o`: `o` learns `t`'s clock, `t` moves on.
    pub(super) fn release(&mut self, t: ThreadId, o: ObjId, now: u64) {
        let s = self.threads.slot(t, now);
        self.obj_mut(o);
        let vc = self.threads.clock_mut(t);
        self.objs[o.index()].join(vc);
        vc.tick(s);
    }

    /// `t` learns everything thread `u` knows at trace index `now`.
    pub(super) fn learn_thread(&mut self, t: ThreadId, u: ThreadId, now: u64) {
        if t == u {
            return;
        }
        self.threads.slot(u, now);
        let known = self.threads.clock(u).clone();
        self.threads.slot(t, now);
        self.threads.clock_mut(t).join(&known);
    }

    /// `t` acquires from `vc` (what a variable's atomic updates released).
    pub(super) fn acquire_from(&mut self, t: ThreadId, vc: &VectorClock, now: u64) {
        self.threads.slot(t, now);
        self.threads.clock_mut(t).join(vc);
    }

    /// `t` releases into `vc`, then moves on.
    pub(super) fn release_into(&mut self, t: ThreadId, vc: &mut VectorClock, now: u64) {
        let s = self.threads.slot(t, now);
        let own = self.threads.clock_mut(t);
        vc.join(own);
        own.tick(s);
    }

    /// `t` forks: the clock its child starts from; `t` moves on.
    pub(super) fn fork(&mut self, t: ThreadId, now: u64) -> VectorClock {
        self.threads.fork(t, now)
    }

    /// `t` joins `child`: `t` learns everything `child` did.
    pub(super) fn join(&mut self, t: ThreadId, child: ThreadId, now: u64) {
        self.threads.join(t, child, now);
    }

    /// `t` exited: its slot is free, its clock kept for a join.
    pub(super) fn exit(&mut self, t: ThreadId) {
        self.threads.exit(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: ThreadId = ThreadId(0);
    const T1: ThreadId = ThreadId(1);
    const L: ObjId = ObjId(0);

    #[test]
    fn a_release_orders_the_next_acquisition_across_a_reused_slot() {
        let mut c = Clocks::default();
        let (s, vc) = c.current(T0, 0);
        let e0 = vc.epoch(s);
        c.release(T0, L, 1);
        c.exit(T0);
        // T1 starts knowing nothing: a fresh slot, no order yet.
        assert!(!e0.happens_before(c.current(T1, 2).1));
        c.acquire(T1, L, 3);
        assert!(e0.happens_before(c.current(T1, 4).1));
    }
}
