//! The last resort for a pattern the closures leave without a witness:
//! every correct reordering of the trace, explored state by state.
//!
//! The closures only move the critical sections the deadlocked threads
//! hold; a deadlock that needs sections of another lock reordered is out of
//! their reach. This search runs the trace's events one at a time in every
//! order the replay rules allow ([`Run::allows`]), visiting each state
//! (thread positions and last writes, [`Run::key`]) once, until every
//! pattern thread stands at one of its stops wanting a lock another thread
//! holds. So it finds every deadlock of the pattern that a correct
//! reordering reaches, when it is allowed enough states.
//!
//! An event no other thread can observe or be held up by (one that touches
//! nothing, a fork or join, an access to a variable or lock only its
//! thread uses) runs at once as the state's only successor, unless its
//! thread stands at one of its stops: it commutes with every other
//! thread's events, so running it first loses no state the others can
//! reach (a partial-order reduction, as in the exhaustive checker of
//! `detector/tests/ground_truth`).
//!
//! # Performance
//! A state costs one clone of the run and one hash of its key (threads plus
//! variables written); the states are bounded per trace
//! ([`Budget::states`](super::Budget::states), a state with a key longer
//! than 32 words counting as several, so memory stays within about 128
//! bytes per state allowed: 13 MB by default), and only traces of at most
//! [`Budget::explore`](super::Budget::explore) events are explored. A
//! pattern thread past its last stop is not explored further.

use std::collections::HashSet;

use super::log::{Op, View};
use super::replay::{Goal, Run};
use super::walk::Stops;

/// What an exploration found.
#[derive(Debug, PartialEq, Eq)]
pub enum Explored {
    /// A schedule (trace indexes) that ends in the deadlock, and the index
    /// into each pattern thread's stops where it ends.
    Found { schedule: Vec<u32>, at: Vec<usize> },
    /// No correct reordering reaches the deadlock.
    Unreachable,
    /// The states allowed ran out first.
    States,
}

/// Which variables and locks only one thread uses: `NONE` for none yet,
/// `SHARED` for more than one.
#[derive(Debug)]
pub struct Local {
    vars: Vec<u32>,
    locks: Vec<u32>,
}

const NONE: u32 = u32::MAX;
const SHARED: u32 = u32::MAX - 1;

impl Local {
    pub fn new(view: &View<'_>) -> Self {
        let mut local = Local {
            vars: Vec::new(),
            locks: Vec::new(),
        };
        let note = |users: &mut Vec<u32>, id: u32, t: u32| {
            let u = crate::dense::entry(users, id as usize, || NONE);
            *u = if *u == NONE || *u == t { t } else { SHARED };
        };
        for ev in view.events {
            match ev.op() {
                Op::Read { var } | Op::Write { var } | Op::Update { var } => {
                    note(&mut local.vars, var, ev.thread)
                }
                Op::Acquire { lock, .. }
                | Op::Release { lock }
                | Op::Request { lock }
                | Op::TryFailed { lock } => note(&mut local.locks, lock, ev.thread),
                _ => {}
            }
        }
        local
    }

    /// Whether event `e` is invisible to every other thread.
    fn invisible(&self, view: &View<'_>, e: u32) -> bool {
        let ev = view.events[e as usize];
        let only = |users: &[u32], id: u32| users.get(id as usize) == Some(&ev.thread);
        match ev.op() {
            Op::Nop | Op::Request { .. } | Op::Fork { .. } | Op::Join { .. } => true,
            Op::Read { var } | Op::Write { var } | Op::Update { var } => only(&self.vars, var),
            Op::Acquire { lock, .. } | Op::Release { lock } => only(&self.locks, lock),
            Op::TryFailed { .. } | Op::Sync { .. } | Op::Unsupported => false,
        }
    }
}

/// Explores the correct reorderings of `view` for a state in which each
/// pattern thread stands at one of its stops wanting its lock of `wants`,
/// held by another thread; `states` is what is left of the trace's
/// allowance, and shrinks by the states visited.
pub fn explore(
    view: &View<'_>,
    local: &Local,
    pattern: &[Stops],
    wants: &[u32],
    states: &mut u64,
) -> Explored {
    let start = Run::new(view);
    let mut seen = HashSet::from([start.key()]);
    let first = successors(view, local, pattern, &start);
    // Per frame: the run, its successors and how many were tried.
    let mut stack = vec![(start, first, 0usize)];
    let mut schedule: Vec<u32> = Vec::new();
    while let Some((run, next, tried)) = stack.last_mut() {
        if let Some(at) = deadlocked(run, pattern, wants) {
            return Explored::Found { schedule, at };
        }
        let Some(&e) = next.get(*tried) else {
            stack.pop();
            schedule.pop();
            continue;
        };
        *tried += 1;
        let mut child = run.clone();
        child.apply(view, e);
        if !viable(&child, pattern) {
            continue;
        }
        let key = child.key();
        let cost = cost(&key);
        if seen.contains(&key) {
            continue;
        }
        if *states < cost {
            *states = 0;
            return Explored::States;
        }
        *states -= cost;
        seen.insert(key);
        let next = successors(view, local, pattern, &child);
        schedule.push(e);
        stack.push((child, next, 0));
    }
    Explored::Unreachable
}

/// The events to try from `run`: one invisible event of a thread not
/// standing at one of its stops if there is one, else every event that
/// may run next.
fn successors(view: &View<'_>, local: &Local, pattern: &[Stops], run: &Run) -> Vec<u32> {
    let next = |t: usize| {
        let e = *view.threads[t].get(run.next()[t] as usize)?;
        run.allows(view, e).then_some(e)
    };
    let at_stop = |t: usize| {
        pattern
            .iter()
            .any(|p| p.thread as usize == t && p.stops.binary_search(&run.next()[t]).is_ok())
    };
    let eager = (0..view.threads.len())
        .filter(|&t| !at_stop(t))
        .filter_map(next)
        .find(|&e| local.invisible(view, e));
    match eager {
        Some(e) => vec![e],
        None => (0..view.threads.len()).filter_map(next).collect(),
    }
}

/// What a state costs of the allowance: one, plus one per full 32 words of
/// its key, so the keys kept (and the runs on the stack, one per state)
/// stay within about 32 words per state allowed however many threads and
/// variables the trace has.
fn cost(key: &[u32]) -> u64 {
    1 + key.len() as u64 / 32
}

/// Whether every pattern thread can still reach one of its stops.
fn viable(run: &Run, pattern: &[Stops]) -> bool {
    pattern.iter().all(|p| {
        p.stops
            .last()
            .is_some_and(|&last| run.next()[p.thread as usize] <= last)
    })
}

/// The index into each pattern thread's stops where `run` deadlocks them,
/// if it does.
fn deadlocked(run: &Run, pattern: &[Stops], wants: &[u32]) -> Option<Vec<usize>> {
    pattern
        .iter()
        .zip(wants)
        .map(|(p, &lock)| {
            let goal = Goal {
                thread: p.thread,
                stop: run.next()[p.thread as usize],
                wants: Some(lock),
            };
            let at = p.stops.binary_search(&goal.stop).ok()?;
            run.reaches(&[goal]).then_some(at)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::witness::Log;
    use crate::trace::{Event, EventKind, LockMode, ObjId, ThreadId};

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

    fn req(l: u32) -> EventKind {
        EventKind::Request {
            obj: ObjId(l),
            mode: LockMode::Exclusive,
        }
    }

    /// T0 takes A then B; T1 first takes and releases C twice around
    /// nothing, then takes B then A. The deadlock needs T1's B before T0's.
    fn inversion() -> Log {
        log(&[
            (0, acq(0)),
            (0, req(1)),
            (0, acq(1)),
            (0, rel(1)),
            (0, rel(0)),
            (1, acq(2)),
            (1, rel(2)),
            (1, acq(1)),
            (1, req(0)),
            (1, acq(0)),
            (1, rel(0)),
            (1, rel(1)),
        ])
    }

    #[test]
    fn a_reordering_that_deadlocks_is_found_and_replays() {
        let log = inversion();
        let view = log.view();
        // T0 stops at its request of B (position 1), T1 at its request of A
        // (position 3).
        let pattern = [
            Stops {
                thread: 0,
                stops: vec![1],
            },
            Stops {
                thread: 1,
                stops: vec![3],
            },
        ];
        let mut steps = u64::MAX;
        let found = explore(&view, &Local::new(&view), &pattern, &[1, 0], &mut steps);
        let Explored::Found { schedule, at } = found else {
            panic!("no witness: {found:?}");
        };
        assert_eq!(at, [0, 0]);
        let goals = [
            Goal {
                thread: 0,
                stop: 1,
                wants: Some(1),
            },
            Goal {
                thread: 1,
                stop: 3,
                wants: Some(0),
            },
        ];
        assert!(super::super::replay::check(&view, &schedule, &goals));
    }

    #[test]
    fn a_deadlock_no_reordering_reaches_is_unreachable_and_bounds_are_kept() {
        // The same threads, but T1 holds G around everything and so does
        // T0: the inversion is guarded.
        let log = log(&[
            (0, acq(3)),
            (0, acq(0)),
            (0, acq(1)),
            (0, rel(1)),
            (0, rel(0)),
            (0, rel(3)),
            (1, acq(3)),
            (1, acq(1)),
            (1, req(0)),
            (1, acq(0)),
            (1, rel(0)),
            (1, rel(1)),
            (1, rel(3)),
        ]);
        let view = log.view();
        let pattern = [
            Stops {
                thread: 0,
                stops: vec![2],
            },
            Stops {
                thread: 1,
                stops: vec![2],
            },
        ];
        let mut steps = u64::MAX;
        assert_eq!(
            explore(&view, &Local::new(&view), &pattern, &[1, 0], &mut steps),
            Explored::Unreachable
        );
        let log = inversion();
        let view = log.view();
        let pattern = [
            Stops {
                thread: 0,
                stops: vec![1],
            },
            Stops {
                thread: 1,
                stops: vec![3],
            },
        ];
        let mut few = 1;
        assert_eq!(
            explore(&view, &Local::new(&view), &pattern, &[1, 0], &mut few),
            Explored::States
        );
        assert_eq!(few, 0);
    }
}
