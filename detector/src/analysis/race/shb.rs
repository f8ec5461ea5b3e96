//! Schedulable happens-before (SHB): happens-before plus every write
//! ordered before the reads that read from it (Mathur, Kini and
//! Viswanathan, *What Happens-After the First Race?*, OOPSLA 2018).
//!
//! A race `e1`, `e2` (in trace order) is *sound* when `e1` is not SHB-ordered
//! before the event before `e2` in its thread: then the events SHB-ordered
//! before either access, taken in trace order, are a correct reordering
//! (every read reads the same write, since its writer comes along and any
//! other write of the variable keeps its place before the writer or after
//! the read; only the last critical section of a lock can be open, since
//! an acquisition brings every earlier release) after which both accesses
//! are about to run. So the caller checks a race against the clock of the
//! current thread *before* [`access`](Shb::access) joins the writer's clock.
//!
//! The clocks mirror the race analysis's happens-before clocks (the same
//! releases, acquisitions, forks and joins are applied to both) with two
//! additions: a read joins the clock its writer had (a write ticks its
//! thread afterwards, so that clock covers exactly the events up to the
//! write), and a failed try-lock joins the clock of the lock's holder (it
//! observed the lock held, so the holder's acquisition must come first).
//!
//! The clocks are a second set of the race analysis's clocks
//! ([`Clocks`], over slots of live threads), so they follow the threads
//! alive at once as the happens-before clocks do.
//!
//! # Performance
//! A write keeps a copy of its thread's clock (its chunks shared with the
//! thread's, see [`crate::clock`]) and ticks the thread, which copies one
//! chunk. A read of a write it does not know yet costs one clock join, as
//! an acquisition does. Memory: one clock per live thread, per kept exited
//! thread, per primitive and per variable written, chunks shared.

use super::clocks::Clocks;
use crate::clock::{Epoch, Slot, VectorClock};
use crate::trace::{ObjId, ThreadId};

/// SHB clocks of one trace.
#[derive(Debug, Default)]
pub(super) struct Shb {
    clocks: Clocks,
}

impl Shb {
    /// `t`'s slot and SHB clock at trace index `now`.
    pub(super) fn current(&mut self, t: ThreadId, now: u64) -> (Slot, &VectorClock) {
        self.clocks.current(t, now)
    }

    /// `t` releases into `o`, then moves on.
    pub(super) fn release(&mut self, t: ThreadId, o: ObjId, now: u64) {
        self.clocks.release(t, o, now);
    }

    /// `t` acquires from `o`.
    pub(super) fn acquire(&mut self, t: ThreadId, o: ObjId, now: u64) {
        self.clocks.acquire(t, o, now);
    }

    /// `t` learns everything thread `u` knows now (a failed try-lock of a
    /// lock `u` holds).
    pub(super) fn learn(&mut self, t: ThreadId, u: ThreadId, now: u64) {
        self.clocks.learn_thread(t, u, now);
    }

    /// `t` acquires from `vc` (what a variable's atomic updates released).
    pub(super) fn acquire_from(&mut self, t: ThreadId, vc: &VectorClock, now: u64) {
        self.clocks.acquire_from(t, vc, now);
    }

    /// `t` releases into `vc`, then moves on.
    pub(super) fn release_into(&mut self, t: ThreadId, vc: &mut VectorClock, now: u64) {
        self.clocks.release_into(t, vc, now);
    }

    /// `t` forks: the clock its child starts from; `t` moves on.
    pub(super) fn fork(&mut self, t: ThreadId, now: u64) -> VectorClock {
        self.clocks.fork(t, now)
    }

    /// `child`'s first event, when the fork edge applies: it learns `vc`.
    pub(super) fn start(&mut self, child: ThreadId, vc: &VectorClock) {
        self.clocks.learn(child, vc);
    }

    /// `parent` joins `child`.
    pub(super) fn join(&mut self, parent: ThreadId, child: ThreadId, now: u64) {
        self.clocks.join(parent, child, now);
    }

    /// `t` exited.
    pub(super) fn exit(&mut self, t: ThreadId) {
        self.clocks.exit(t);
    }

    /// After the race checks of an access by `t` of a variable whose last
    /// write is `last_write`: a read joins its writer's clock; a write
    /// becomes the last write (its clock kept for later reads) and ticks.
    pub(super) fn access(
        &mut self,
        t: ThreadId,
        last_write: &mut Option<(Epoch, VectorClock)>,
        (read, write): (bool, bool),
        now: u64,
    ) {
        if read {
            if let Some((writer, w)) = last_write {
                // A reader that knows the write's epoch knows everything
                // the writer knew then: the join would change nothing.
                if !writer.happens_before(self.clocks.current(t, now).1) {
                    self.clocks.acquire_from(t, w, now);
                }
            }
        }
        if write {
            let (s, own) = self.clocks.current(t, now);
            let epoch = own.epoch(s);
            let mut vc = VectorClock::default();
            self.clocks.release_into(t, &mut vc, now);
            *last_write = Some((epoch, vc));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: ThreadId = ThreadId(0);
    const T1: ThreadId = ThreadId(1);

    fn epoch(shb: &mut Shb, t: ThreadId, now: u64) -> crate::clock::Epoch {
        let (s, vc) = shb.current(t, now);
        vc.epoch(s)
    }

    fn knows(shb: &mut Shb, t: ThreadId, e: crate::clock::Epoch, now: u64) -> bool {
        e.happens_before(shb.current(t, now).1)
    }

    #[test]
    fn a_read_learns_its_writer_up_to_the_write_only() {
        let mut shb = Shb::default();
        let mut x = None;
        let at_write = epoch(&mut shb, T0, 0);
        shb.access(T0, &mut x, (false, true), 1);
        let after_write = epoch(&mut shb, T0, 2);
        assert!(after_write.clock > at_write.clock);
        assert!(!knows(&mut shb, T1, at_write, 3));
        shb.access(T1, &mut x, (true, false), 4);
        assert!(knows(&mut shb, T1, at_write, 5));
        assert!(!knows(&mut shb, T1, after_write, 6));
    }

    #[test]
    fn release_acquire_and_fork_join_order_like_happens_before() {
        let mut shb = Shb::default();
        let lock = ObjId(0);
        let before = epoch(&mut shb, T0, 0);
        shb.release(T0, lock, 1);
        shb.acquire(T1, lock, 2);
        assert!(knows(&mut shb, T1, before, 3));
        let child = ThreadId(2);
        let vc = shb.fork(T1, 4);
        shb.start(child, &vc);
        assert!(knows(&mut shb, child, before, 5));
        let done = epoch(&mut shb, child, 6);
        assert!(!knows(&mut shb, T0, done, 7));
        shb.join(T0, child, 8);
        assert!(knows(&mut shb, T0, done, 9));
    }

    #[test]
    fn a_snapshot_is_not_changed_by_its_writer_learning_more() {
        let mut shb = Shb::default();
        let mut x = None;
        shb.access(T0, &mut x, (false, true), 0);
        let t1 = epoch(&mut shb, T1, 1);
        shb.release(T1, ObjId(0), 2);
        shb.acquire(T0, ObjId(0), 3);
        assert!(knows(&mut shb, T0, t1, 4));
        let reader = ThreadId(2);
        shb.access(reader, &mut x, (true, false), 5);
        assert!(!knows(&mut shb, reader, t1, 6));
    }

    #[test]
    fn a_failed_try_lock_learns_the_holder() {
        let mut shb = Shb::default();
        let held = epoch(&mut shb, T0, 0);
        assert!(!knows(&mut shb, T1, held, 1));
        shb.learn(T1, T0, 2);
        assert!(knows(&mut shb, T1, held, 3));
    }
}
