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

/// Whether `schedule` (trace indexes) is a correct reordering of the trace
/// that ends at `goals`.
pub fn check(view: &View<'_>, schedule: &[u32], goals: &[Goal]) -> bool {
    let mut next = vec![0u32; view.threads.len()];
    let mut holders: HashMap<u32, Holders> = HashMap::new();
    let mut last_write: HashMap<u32, u32> = HashMap::new();
    let done = |next: &[u32], e: u32| {
        let t = view.events[e as usize].thread as usize;
        next[t] > view.pos[e as usize]
    };
    for &e in schedule {
        let ev = view.events[e as usize];
        let (t, p) = (ev.thread, view.pos[e as usize]);
        if next[t as usize] != p {
            return false;
        }
        if let Some((from, fork)) = view.fork_of(t) {
            if p >= from && !done(&next, fork) {
                return false;
            }
        }
        let dep = view.dep[e as usize];
        let ok = match ev.op() {
            Op::Acquire { lock, shared } => acquire(holders.entry(lock).or_default(), t, shared),
            Op::Release { lock } => release(holders.entry(lock).or_default(), t),
            Op::TryFailed { lock } => {
                let held = holders
                    .get(&lock)
                    .is_some_and(|h| h.iter().any(|x| x.0 != t));
                held && (dep == NO_EVENT || done(&next, dep))
            }
            Op::Read { var } => last_write.get(&var).copied().unwrap_or(NO_EVENT) == dep,
            Op::Write { var } => {
                last_write.insert(var, e);
                true
            }
            Op::Update { var } => last_write.insert(var, e).unwrap_or(NO_EVENT) == dep,
            Op::Sync { .. } | Op::Join { .. } => dep == NO_EVENT || done(&next, dep),
            Op::Unsupported => false,
            Op::Nop | Op::Request { .. } | Op::Fork { .. } => true,
        };
        if !ok {
            return false;
        }
        next[t as usize] += 1;
    }
    goals.iter().all(|g| {
        next[g.thread as usize] == g.stop
            && g.wants.is_none_or(|lock| {
                holders
                    .get(&lock)
                    .is_some_and(|h| !h.is_empty() && h.iter().all(|x| x.0 != g.thread))
            })
    })
}

fn acquire(h: &mut Holders, t: u32, shared: bool) -> bool {
    if let Some(mine) = h.iter_mut().find(|x| x.0 == t) {
        mine.1 += 1;
        return true;
    }
    if h.iter().any(|x| !(shared && x.2)) {
        return false;
    }
    h.push((t, 1, shared));
    true
}

fn release(h: &mut Holders, t: u32) -> bool {
    match h.iter().position(|x| x.0 == t) {
        Some(i) => {
            h[i].1 -= 1;
            if h[i].1 == 0 {
                h.remove(i);
            }
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::witness::Log;
    use crate::trace::{Event, EventKind, LockMode, ObjId, ThreadId, VarId};

    fn log(events: &[(u32, EventKind)]) -> Log {
        let mut log = Log::default();
        for &(t, kind) in events {
            let ev = Event {
                time: 0,
                thread: ThreadId(t),
                site: None,
                backtrace: None,
                kind,
            };
            log.on_event(&ev, u64::MAX, |_| true);
        }
        log
    }

    fn acq(l: u32) -> EventKind {
        EventKind::Acquired {
            obj: ObjId(l),
            mode: LockMode::Exclusive,
            depth: 1,
        }
    }

    fn rel(l: u32) -> EventKind {
        EventKind::Released {
            obj: ObjId(l),
            mode: LockMode::Exclusive,
        }
    }

    const W: EventKind = EventKind::Write { var: VarId(0) };
    const R: EventKind = EventKind::Read { var: VarId(0) };

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
