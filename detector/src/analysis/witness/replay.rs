//! The check every witness passes before it is believed: replay the
//! schedule from the start of the trace and confirm it is a correct
//! reordering that ends where the witness says.
//!
//! Checked independently of how the schedule was built: each thread runs
//! its events in program order from its first; a lock is held by one
//! thread at a time (or by readers together), its holder may re-acquire it
//! and holds it until every acquisition is released; a try-lock that
//! failed finds the lock held by another thread; a forked thread runs
//! after its fork, a join after the child's events before it; every read
//! reads the write it read in the trace (or the initial value); every
//! other synchronisation object sees its operations in trace order. At the
//! end, each goal thread is at its stop, and wants a lock (if the goal
//! says) that another thread holds.

use std::collections::HashMap;

use super::log::{Op, View, NO_EVENT};

/// Where a thread must be when the schedule ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Goal {
    pub thread: u32,
    /// Its next event (position in the thread).
    pub stop: u32,
    /// The lock it waits for, which another thread must hold.
    pub wants: Option<u32>,
}

/// Holders of one lock: `(thread, depth, shared)`.
type Holders = Vec<(u32, u32, bool)>;

/// A correct reordering in progress: each thread's next position, each
/// lock's holders and each variable's last write. Which locks a thread
/// holds follows from its position, so two runs with the same positions
/// and last writes are in the same state ([`Run::key`]).
#[derive(Clone, Debug)]
pub struct Run {
    next: Vec<u32>,
    holders: HashMap<u32, Holders>,
    last_write: HashMap<u32, u32>,
}

impl Run {
    /// The start of the trace: no thread has run.
    pub fn new(view: &View<'_>) -> Self {
        Run {
            next: vec![0; view.threads.len()],
            holders: HashMap::new(),
            last_write: HashMap::new(),
        }
    }

    /// Each thread's next position.
    pub fn next(&self) -> &[u32] {
        &self.next
    }

    fn done(&self, view: &View<'_>, e: u32) -> bool {
        let t = view.events[e as usize].thread as usize;
        self.next[t] > view.pos[e as usize]
    }

    /// Whether trace event `e` may run next.
    pub fn allows(&self, view: &View<'_>, e: u32) -> bool {
        let ev = view.events[e as usize];
        let (t, p) = (ev.thread, view.pos[e as usize]);
        if self.next[t as usize] != p {
            return false;
        }
        if let Some((from, fork)) = view.fork_of(t) {
            if p >= from && !self.done(view, fork) {
                return false;
            }
        }
        let dep = view.dep[e as usize];
        let written = |var: u32| self.last_write.get(&var).copied().unwrap_or(NO_EVENT);
        let holders = |lock: u32| self.holders.get(&lock).map_or(&[][..], Vec::as_slice);
        match ev.op() {
            Op::Acquire { lock, shared } => {
                let h = holders(lock);
                h.iter().any(|x| x.0 == t) || h.iter().all(|x| shared && x.2)
            }
            Op::Release { lock } => holders(lock).iter().any(|x| x.0 == t),
            Op::TryFailed { lock } => {
                holders(lock).iter().any(|x| x.0 != t) && (dep == NO_EVENT || self.done(view, dep))
            }
            Op::Read { var } | Op::Update { var } => written(var) == dep,
            Op::Sync { .. } | Op::Join { .. } => dep == NO_EVENT || self.done(view, dep),
            Op::Unsupported => false,
            Op::Nop | Op::Request { .. } | Op::Fork { .. } | Op::Write { .. } => true,
        }
    }

    /// Runs trace event `e`, which [`allows`](Run::allows) said may run.
    pub fn apply(&mut self, view: &View<'_>, e: u32) {
        let ev = view.events[e as usize];
        let t = ev.thread;
        match ev.op() {
            Op::Acquire { lock, shared } => {
                acquire(self.holders.entry(lock).or_default(), t, shared)
            }
            Op::Release { lock } => {
                let h = self.holders.entry(lock).or_default();
                release(h, t);
                if h.is_empty() {
                    self.holders.remove(&lock);
                }
            }
            Op::Write { var } | Op::Update { var } => {
                self.last_write.insert(var, e);
            }
            _ => {}
        }
        self.next[t as usize] += 1;
    }

    /// Runs `e` if it may run next; whether it ran.
    pub fn step(&mut self, view: &View<'_>, e: u32) -> bool {
        let ok = self.allows(view, e);
        if ok {
            self.apply(view, e);
        }
        ok
    }

    /// Whether every goal holds: its thread at its stop, wanting a lock
    /// another thread holds (if it wants one).
    pub fn reaches(&self, goals: &[Goal]) -> bool {
        goals.iter().all(|g| {
            self.next[g.thread as usize] == g.stop
                && g.wants
                    .is_none_or(|lock| self.held_by_other(lock, g.thread))
        })
    }

    /// Whether a thread other than `t` holds `lock`.
    pub fn held_by_other(&self, lock: u32, t: u32) -> bool {
        self.holders
            .get(&lock)
            .is_some_and(|h| !h.is_empty() && h.iter().all(|x| x.0 != t))
    }

    /// The state as a key: the positions, then each variable's last write
    /// by variable.
    pub fn key(&self) -> Vec<u32> {
        let mut writes: Vec<(u32, u32)> = self.last_write.iter().map(|(&v, &w)| (v, w)).collect();
        writes.sort_unstable();
        let mut key = self.next.clone();
        key.extend(writes.into_iter().flat_map(|(v, w)| [v, w]));
        key
    }
}

/// Whether `schedule` (trace indexes) is a correct reordering of the trace
/// that ends at `goals`.
pub fn check(view: &View<'_>, schedule: &[u32], goals: &[Goal]) -> bool {
    let mut run = Run::new(view);
    schedule.iter().all(|&e| run.step(view, e)) && run.reaches(goals)
}

fn acquire(h: &mut Holders, t: u32, shared: bool) {
    match h.iter_mut().find(|x| x.0 == t) {
        Some(mine) => mine.1 += 1,
        None => h.push((t, 1, shared)),
    }
}

fn release(h: &mut Holders, t: u32) {
    if let Some(i) = h.iter().position(|x| x.0 == t) {
        h[i].1 -= 1;
        if h[i].1 == 0 {
            h.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::witness::testlog::{acq, log, rel, R, W};
    use crate::trace::{EventKind, ThreadId};

    #[test]
    fn the_trace_itself_replays_and_its_goal_holds() {
        // T0: acq A, w; T1: r (reads T0's write), acq B, then wants A.
        let log = log(&[(0, acq(0)), (0, W), (1, R), (1, acq(1))]);
        let view = log.view();
        let goal = |wants| Goal {
            thread: 1,
            stop: 2,
            wants,
        };
        assert!(check(&view, &[0, 1, 2, 3], &[goal(Some(0))]));
        // B is T1's own: no other thread holds it.
        assert!(!check(&view, &[0, 1, 2, 3], &[goal(Some(1))]));
    }

    #[test]
    fn program_order_lock_semantics_and_reads_from_are_enforced() {
        let log = log(&[(0, acq(0)), (0, W), (0, rel(0)), (1, acq(0)), (1, R)]);
        let view = log.view();
        assert!(check(&view, &[0, 1, 2, 3, 4], &[]));
        // T1 takes A while T0 holds it.
        assert!(!check(&view, &[0, 3], &[]));
        // T1 reads before T0's write: another value.
        assert!(!check(&view, &[0, 2, 3, 4], &[]));
        // T0's events out of order.
        assert!(!check(&view, &[1, 0], &[]));
    }

    #[test]
    fn a_forked_thread_waits_for_its_fork_and_re_entry_is_allowed() {
        let fork = EventKind::Fork { child: ThreadId(1) };
        let log = log(&[
            (0, acq(0)),
            (0, acq(0)),
            (0, fork),
            (1, acq(1)),
            (0, rel(0)),
        ]);
        let view = log.view();
        assert!(check(&view, &[0, 1, 2, 3, 4], &[]));
        assert!(!check(&view, &[3], &[]));
    }
}
