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
//! current thread *before* [`read`](Shb::read) joins the writer's clock.
//!
//! The clocks mirror the race analysis's happens-before clocks (the same
//! releases, acquisitions, forks and joins are applied to both) with two
//! additions: a read joins the clock its writer had (a write ticks its
//! thread afterwards, so that clock covers exactly the events up to the
//! write), and a failed try-lock joins the clock of the lock's holder (it
//! observed the lock held, so the holder's acquisition must come first).
//!
//! # Performance
//! A write stores a snapshot of its thread's clock in O(1): the thread's
//! entries for other threads are shared (reference-counted) with the
//! snapshot and copied only when the thread next learns something. A read
//! of another thread's write that it does not know yet costs one
//! O(threads) join, as an acquisition does.

use std::rc::Rc;

use crate::trace::{ObjId, ThreadId};

/// One thread's SHB clock: its own entry, and its entries for the other
/// threads (its own slot there unused), shared with write snapshots.
#[derive(Clone, Debug)]
struct Clock {
    own: u32,
    others: Rc<Vec<u32>>,
}

/// A write's clock: its thread, that thread's entry, the rest. The race
/// analysis keeps each variable's last one next to its other per-variable
/// state (one cache line for both).
#[derive(Clone, Debug)]
pub(super) struct Snapshot {
    thread: u32,
    own: u32,
    others: Rc<Vec<u32>>,
}

impl Clock {
    fn get(&self, me: u32, u: u32) -> u32 {
        if u == me {
            self.own
        } else {
            self.others.get(u as usize).copied().unwrap_or(0)
        }
    }

    /// Sets entry `u` (not the owner's) to at least `c`.
    fn raise(others: &mut Vec<u32>, u: usize, c: u32) {
        if others.len() <= u {
            others.resize(u + 1, 0);
        }
        others[u] = others[u].max(c);
    }

    /// Learns everything `from` (a full clock) knows.
    fn join_full(&mut self, me: u32, from: &[u32]) {
        let new = from
            .iter()
            .enumerate()
            .any(|(u, &c)| u as u32 != me && c > self.get(me, u as u32));
        if new {
            let others = Rc::make_mut(&mut self.others);
            for (u, &c) in from.iter().enumerate() {
                if u as u32 != me {
                    Self::raise(others, u, c);
                }
            }
        }
    }

    /// Learns everything the writer knew at snapshot `s`.
    fn join_snapshot(&mut self, me: u32, s: &Snapshot) {
        if s.thread == me || s.own <= self.get(me, s.thread) {
            return;
        }
        let others = Rc::make_mut(&mut self.others);
        Self::raise(others, s.thread as usize, s.own);
        for (u, &c) in s.others.iter().enumerate() {
            if u as u32 != me && u as u32 != s.thread {
                Self::raise(others, u, c);
            }
        }
    }

    /// The clock as one vector.
    fn full(&self, me: u32) -> Vec<u32> {
        let mut v = self.others.as_ref().clone();
        Self::raise(&mut v, me as usize, 0);
        v[me as usize] = self.own;
        v
    }
}

/// SHB clocks of one trace.
#[derive(Debug, Default)]
pub(super) struct Shb {
    threads: Vec<Clock>,
    /// Release clock of every primitive.
    objs: Vec<Vec<u32>>,
    /// Per thread: its parent's clock at its fork, until it starts.
    pending: Vec<Option<Vec<u32>>>,
}

impl Shb {
    fn clock(&mut self, t: ThreadId) -> &mut Clock {
        while self.threads.len() <= t.index() {
            self.threads.push(Clock {
                own: 1,
                others: Rc::default(),
            });
        }
        &mut self.threads[t.index()]
    }

    /// `t`'s entry for `u`.
    #[inline]
    pub(super) fn get(&self, t: ThreadId, u: u32) -> u32 {
        self.threads.get(t.index()).map_or(
            u32::from(t.0 == u), // a thread not seen yet has its initial clock
            |c| c.get(t.0, u),
        )
    }

    /// `t`'s own entry.
    #[cfg(test)]
    fn own(&mut self, t: ThreadId) -> u32 {
        self.clock(t).own
    }

    fn obj(&mut self, o: ObjId) -> &mut Vec<u32> {
        if self.objs.len() <= o.index() {
            self.objs.resize_with(o.index() + 1, Vec::new);
        }
        &mut self.objs[o.index()]
    }

    /// `t` releases into `o`, then moves on.
    pub(super) fn release(&mut self, t: ThreadId, o: ObjId) {
        self.obj(o);
        self.clock(t);
        let (clock, obj) = (&mut self.threads[t.index()], &mut self.objs[o.index()]);
        for (u, &c) in clock.others.iter().enumerate() {
            if u != t.index() {
                Clock::raise(obj, u, c);
            }
        }
        Clock::raise(obj, t.index(), clock.own);
        clock.own = clock.own.saturating_add(1);
    }

    /// `t` acquires from `o`.
    pub(super) fn acquire(&mut self, t: ThreadId, o: ObjId) {
        self.obj(o);
        self.clock(t);
        let (threads, objs) = (&mut self.threads, &self.objs);
        threads[t.index()].join_full(t.0, &objs[o.index()]);
    }

    /// `t` learns everything thread `u` knows now (a failed try-lock of a
    /// lock `u` holds).
    pub(super) fn learn(&mut self, t: ThreadId, u: ThreadId) {
        if t == u {
            return;
        }
        let full = self.clock(u).full(u.0);
        self.clock(t).join_full(t.0, &full);
    }

    pub(super) fn tick(&mut self, t: ThreadId) {
        let c = self.clock(t);
        c.own = c.own.saturating_add(1);
    }

    /// `parent` forks `child`: the child starts with the parent's clock
    /// when [`start`](Shb::start) applies it; the parent moves on.
    pub(super) fn fork(&mut self, parent: ThreadId, child: ThreadId) {
        let full = self.clock(parent).full(parent.0);
        if self.pending.len() <= child.index() {
            self.pending.resize(child.index() + 1, None);
        }
        self.pending[child.index()] = Some(full);
        self.tick(parent);
    }

    /// `child`'s first event, when the fork edge applies.
    pub(super) fn start(&mut self, child: ThreadId) {
        if let Some(from) = self.pending.get_mut(child.index()).and_then(Option::take) {
            self.clock(child).join_full(child.0, &from);
        }
    }

    /// `parent` joins `child`.
    pub(super) fn join(&mut self, parent: ThreadId, child: ThreadId) {
        self.learn(parent, child);
    }

    /// After the race checks of an access by `t` of a variable whose last
    /// write is `last_write`: a read joins its writer's clock; a write
    /// becomes the last write (its clock kept for later reads) and ticks.
    pub(super) fn access(
        &mut self,
        t: ThreadId,
        last_write: &mut Option<Snapshot>,
        read: bool,
        write: bool,
    ) {
        let c = self.clock(t);
        if read {
            if let Some(w) = last_write {
                c.join_snapshot(t.0, w);
            }
        }
        if write {
            *last_write = Some(Snapshot {
                thread: t.0,
                own: c.own,
                others: Rc::clone(&c.others),
            });
            c.own = c.own.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: ThreadId = ThreadId(0);
    const T1: ThreadId = ThreadId(1);

    #[test]
    fn a_read_learns_its_writer_up_to_the_write_only() {
        let mut shb = Shb::default();
        let mut x = None;
        let at_write = shb.own(T0);
        shb.access(T0, &mut x, false, true);
        let after_write = shb.own(T0);
        assert!(after_write > at_write);
        assert!(shb.get(T1, 0) < at_write);
        shb.access(T1, &mut x, true, false);
        assert_eq!(shb.get(T1, 0), at_write);
        assert!(shb.get(T1, 0) < after_write);
    }

    #[test]
    fn release_acquire_and_fork_join_order_like_happens_before() {
        let mut shb = Shb::default();
        let lock = ObjId(0);
        let before = shb.own(T0);
        shb.release(T0, lock);
        shb.acquire(T1, lock);
        assert_eq!(shb.get(T1, 0), before);
        let child = ThreadId(2);
        shb.fork(T1, child);
        shb.start(child);
        assert_eq!(shb.get(child, 0), before);
        shb.tick(child);
        let done = shb.own(child);
        shb.join(T0, child);
        assert_eq!(shb.get(T0, 2), done);
    }

    #[test]
    fn a_snapshot_is_not_changed_by_its_writer_learning_more() {
        let mut shb = Shb::default();
        let mut x = None;
        shb.access(T0, &mut x, false, true);
        let t1 = shb.get(T1, 1);
        shb.release(T1, ObjId(0));
        shb.acquire(T0, ObjId(0));
        assert_eq!(shb.get(T0, 1), t1);
        let reader = ThreadId(2);
        shb.access(reader, &mut x, true, false);
        assert_eq!(shb.get(reader, 1), 0);
    }
}
