//! The watchdog's scan of the waits for async locks: a cycle of tasks,
//! each pending on a lock the next one holds, is a deadlock.
//!
//! Every interval (from the watchdog thread): the waits seen pending in
//! the previous scan too (pending for a whole interval) are put into
//! detector's [`WaitForGraph`] with the holders of the locks they wait
//! for; each cycle is reported once, as the watchdog reports a cycle of
//! threads (the detector's deadlock finding, lockdep's scenario), then the
//! policy's task-deadlock action runs: `panic` makes every pending lock
//! future of the cycle panic in its task (which drops what the task holds).

use std::collections::HashSet;
use std::sync::Arc;

use lockscope_detector::finding::build::{self, Taken, Waiter};
use lockscope_detector::finding::{End, Finding, Mode, WaitOn};
use lockscope_detector::graph::{WaitForGraph, WaitNode};
use lockscope_detector::trace::{LockMode, PrimitiveKind};

use super::Waiting;
use crate::policy;
use crate::raw::Mutex;

/// The serials of the waits pending at the previous scan.
static SEEN: Mutex<Option<HashSet<u64>>> = Mutex::new(None);
/// The cycles reported, by their waits' serials.
static REPORTED: Mutex<Option<HashSet<Vec<u64>>>> = Mutex::new(None);

/// One scan: reports each new cycle of pending waits.
pub(crate) fn scan() {
    let now = super::waiting();
    let stable: Vec<Arc<Waiting>> = {
        let mut seen = SEEN.lock();
        let before = seen.get_or_insert_with(HashSet::new);
        let stable = now
            .iter()
            .filter(|w| before.contains(&w.serial))
            .cloned()
            .collect();
        *before = now.iter().map(|w| w.serial).collect();
        stable
    };
    for cycle in cycles(&stable) {
        let mut serials: Vec<u64> = cycle.iter().map(|w| w.serial).collect();
        serials.sort_unstable();
        let new = {
            let mut reported = REPORTED.lock();
            let reported = reported.get_or_insert_with(HashSet::new);
            if reported.len() > 4096 {
                reported.clear();
            }
            reported.insert(serials)
        };
        if new {
            act(&deadlock(&cycle), &cycle);
        }
    }
    // With the threads blocked on blocking locks: the mixed cycles.
    super::mixed::scan(&stable);
}

/// The cycles among `stable` waits, each in wait order (each waits for a
/// lock the next one holds).
fn cycles(stable: &[Arc<Waiting>]) -> Vec<Vec<Arc<Waiting>>> {
    let mut g = WaitForGraph::new();
    for w in stable {
        g.waits(w.key, w.lock.id);
        for (holder, _, _) in w.holders.snapshot() {
            g.held_by(w.lock.id, holder);
        }
    }
    g.cycles()
        .into_iter()
        .map(|c| {
            c.into_iter()
                .filter_map(|n| match n {
                    WaitNode::Thread(k) => stable.iter().find(|w| w.key == k).cloned(),
                    WaitNode::Primitive(_) => None,
                })
                .collect()
        })
        .collect()
}

/// A waiter's name, as the trace names it.
pub(crate) fn name(w: &Waiting) -> String {
    match w.task {
        Some(id) => crate::recorder::task::name_of(id),
        None => crate::names::thread(w.key & !super::THREAD, w.thread_name.as_deref()),
    }
}

/// `mode` on a primitive of `kind`, where that kind has modes.
fn mode(kind: PrimitiveKind, mode: LockMode) -> Option<Mode> {
    kind.is_rwlock().then_some(match mode {
        LockMode::Exclusive => Mode::Write,
        LockMode::Shared => Mode::Read,
        LockMode::Upgradable => Mode::Upgradable,
    })
}

/// The deadlock finding of `cycle`.
fn deadlock(cycle: &[Arc<Waiting>]) -> Finding {
    use crate::names;
    let n = cycle.len();
    let waiters = cycle
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let previous = &cycle[(i + n - 1) % n];
            let holds = previous
                .holders
                .snapshot()
                .into_iter()
                .find(|h| h.0 == w.key)
                .map(|(_, m, site)| Taken {
                    lock: names::lock(&previous.lock),
                    mode: mode(previous.lock.kind, m),
                    at: names::at(site),
                });
            Waiter {
                thread: name(w),
                holds,
                waits_for: WaitOn::Lock {
                    lock: names::lock(&w.lock),
                    mode: mode(w.lock.kind, w.mode),
                },
                blocked: names::at(w.site),
            }
        })
        .collect();
    build::deadlock(waiters, End::Hung)
}

/// Reports `f` and runs the policy's task-deadlock action on `cycle`.
fn act(f: &Finding, cycle: &[Arc<Waiting>]) {
    crate::trace_sink::note_finding(f);
    crate::trace_sink::flush();
    policy::act_with(
        policy::policy().task_deadlock_action().clone(),
        f,
        |report| {
            eprintln!("{report}");
            for w in cycle {
                *w.verdict.lock() = Some(report.to_owned());
            }
            for w in cycle {
                w.waker.lock().wake_by_ref();
            }
        },
    );
}
