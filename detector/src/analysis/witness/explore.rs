//! The last resort for a pattern the closures leave without a witness:
//! every correct reordering of the trace, explored state by state.
//!
//! The closures only move the critical sections the deadlocked threads
//! hold; a deadlock that needs sections of another lock reordered is out of
//! their reach. This search runs the trace's events one at a time in every
//! order the replay rules allow ([`Run::allows`]), visiting each state
//! (thread positions and last writes, [`Run::key`]) once, until every
//! pattern thread stands at one of its stops wanting a lock another thread
//! holds. So with the allowance and the trace length unbounded
//! ([`Budget::UNLIMITED`](super::Budget::UNLIMITED)) it finds a witness
//! whenever a correct reordering reaches the deadlock.
//!
//! An event that only enables other threads' events, never disables one,
//! and changes nothing they read (one that touches nothing, a fork or
//! join, an access to a variable or lock only its thread uses) runs at
//! once as the state's only successor, unless its thread stands at one of
//! its stops: it commutes with every other thread's events, so running it
//! first loses no state the others can reach (a partial-order reduction,
//! as in the exhaustive checker of `detector/tests/ground_truth`).
//!
//! # Performance
//! A state tried (new or seen before) costs one clone of the run and one
//! hash of its key (threads plus variables written), and is paid from the
//! trace's allowance ([`Budget::states`](super::Budget::states)), a state
//! with a key longer than 32 words counting as several: the work is
//! bounded by the allowance, and the memory (the keys kept, the runs and
//! successor lists on the stack) stays within a few hundred bytes per unit
//! of it, some 100 MB by default. Only traces of at most
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
    if let Some(at) = deadlocked(&start, pattern, wants) {
        return Explored::Found {
            schedule: Vec::new(),
            at,
        };
    }
    let mut seen = HashSet::from([start.key()]);
    let first = successors(view, local, pattern, &start);
    // Per frame: the run, its successors and how many were tried.
    let mut stack = vec![(start, first, 0usize)];
    let mut schedule: Vec<u32> = Vec::new();
    while let Some((run, next, tried)) = stack.last_mut() {
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
        // Every state tried is paid for, seen before or not: the work is
        // in building and hashing its key.
        let key = child.key();
        let cost = cost(&key);
        if *states < cost {
            *states = 0;
            return Explored::States;
        }
        *states -= cost;
        if !seen.insert(key) {
            continue;
        }
        schedule.push(e);
        if let Some(at) = deadlocked(&child, pattern, wants) {
            return Explored::Found { schedule, at };
        }
        let next = successors(view, local, pattern, &child);
        stack.push((child, next, 0));
    }
    Explored::Unreachable
}

/// The events to try from `run`: one invisible event of a thread not
/// standing at one of its stops if there is one, else every event that
/// may run next.
fn successors(view: &View<'_>, local: &Local, pattern: &[Stops], run: &Run) -> Vec<u32> {
    let enabled: Vec<(usize, u32)> = (0..view.threads.len())
        .filter_map(|t| {
            let e = *view.threads[t].get(run.next()[t] as usize)?;
            run.allows(view, e).then_some((t, e))
        })
        .collect();
    let at_stop = |t: usize| {
        pattern
            .iter()
            .any(|p| p.thread as usize == t && p.stops.binary_search(&run.next()[t]).is_ok())
    };
    match enabled
        .iter()
        .find(|&&(t, e)| !at_stop(t) && local.invisible(view, e))
    {
        Some(&(_, e)) => vec![e],
        None => enabled.into_iter().map(|(_, e)| e).collect(),
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
    use crate::analysis::witness::testlog::{acq, log, rel, req};
    use crate::analysis::witness::Log;
    use crate::trace::EventKind;

    /// T0 takes A, then asks for B; T1 takes and releases C (a lock of its
    /// own), takes B, then asks for A: both stop at their requests.
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

    /// The same inversion with both threads holding G around it.
    fn guarded() -> Log {
        let mut events: Vec<(u32, EventKind)> = Vec::new();
        for (t, first, second) in [(0, 0, 1), (1, 1, 0)] {
            events.extend([(t, acq(3)), (t, acq(first)), (t, req(second))]);
            events.extend([(t, acq(second)), (t, rel(second)), (t, rel(first))]);
            events.push((t, rel(3)));
        }
        log(&events)
    }

    /// Explores `log` for threads 0 and 1 stopped at `stops`, wanting B and
    /// A, with `states` allowed.
    fn run(log: &Log, stops: [u32; 2], states: &mut u64) -> Explored {
        let view = log.view();
        let pattern = stops.map(|s| vec![s]);
        let pattern: Vec<Stops> = (0..2)
            .map(|t| Stops {
                thread: t as u32,
                stops: pattern[t].clone(),
            })
            .collect();
        explore(&view, &Local::new(&view), &pattern, &[1, 0], states)
    }

    #[test]
    fn a_reordering_that_deadlocks_is_found_and_replays() {
        let log = inversion();
        let found = run(&log, [1, 3], &mut u64::MAX.clone());
        let Explored::Found { schedule, at } = found else {
            panic!("no witness: {found:?}");
        };
        assert_eq!(at, [0, 0]);
        let goal = |thread, stop, lock| Goal {
            thread,
            stop,
            wants: Some(lock),
        };
        let goals = [goal(0, 1, 1), goal(1, 3, 0)];
        assert!(super::super::replay::check(&log.view(), &schedule, &goals));
    }

    #[test]
    fn a_guarded_inversion_is_unreachable_and_the_allowance_is_kept() {
        assert_eq!(
            run(&guarded(), [2, 2], &mut u64::MAX.clone()),
            Explored::Unreachable
        );
        let mut few = 1;
        assert_eq!(run(&inversion(), [1, 3], &mut few), Explored::States);
        assert_eq!(few, 0);
    }
}
