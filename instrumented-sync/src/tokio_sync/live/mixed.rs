//! The watchdog's scan for a cycle that mixes tasks pending on async locks
//! with threads blocked on blocking locks: neither half is a cycle by
//! itself, so neither the threads' scan nor the tasks' ([`scan`](super::scan))
//! sees it.
//!
//! The graph: each async wait seen pending for a whole interval waits for
//! its lock, which its holders (tasks, or threads' own code) hold; a wait
//! outside any task (a thread in `block_on` or `blocking_lock`) also holds
//! the thread's blocking locks. Each thread blocked on a blocking lock for
//! a whole interval waits for it and holds its held list; the task it was
//! running when it blocked waits for the lock too (the task is stuck with
//! its worker, and may hold async locks). A cycle with at least one of
//! each half is reported once, with the threads' report (the detector's
//! deadlock finding) and, since an OS thread is blocked for good, the
//! policy's deadlock action (`LOCKSCOPE_ON_DEADLOCK`): with `panic`, each
//! blocked thread of the cycle panics (in the task it runs, which drops
//! what the task holds) and each pending lock future of the cycle panics
//! in its task.
//!
//! # Limitations
//! A thread's wait is seen only while it blocks in lockscope's primitives
//! (a lock, or an async lock's wait); a thread parked elsewhere holding a
//! lock is not in the graph.

use std::collections::HashSet;
use std::sync::Arc;

use lockscope_detector::finding::build::{self, Taken, Waiter};
use lockscope_detector::finding::{End, Finding, FindingKind, Mode, WaitOn};
use lockscope_detector::graph::{WaitForGraph, WaitNode};
use lockscope_detector::trace::{LockMode, PrimitiveKind};
use tokio::task::Id;

use super::{key_of, Waiting, THREAD};
use crate::held::{Held, LockInfo};
use crate::names;
use crate::policy;
use crate::raw::Mutex;
use crate::watchdog::registry::{self, Blocked, Slot, WaitDesc};

/// The blocked threads (thread, epoch) of the previous scan.
static SEEN: Mutex<Option<HashSet<(u64, u64)>>> = Mutex::new(None);
/// A cycle's members' identities (see [`identity`]).
type CycleKey = Vec<(u64, u64)>;

/// The cycles reported.
static REPORTED: Mutex<Option<HashSet<CycleKey>>> = Mutex::new(None);

/// A member of a mixed cycle.
enum Member<'a> {
    /// A pending async wait (a task's, or a thread's own code's).
    Wait(&'a Arc<Waiting>),
    /// A thread blocked on a blocking lock, as itself or (`Some`) as the
    /// task it was running.
    Thread(&'a (Arc<Slot>, Blocked), Option<Id>),
}

/// The threads blocked on a lock since the previous scan at least.
fn stable_threads() -> Vec<(Arc<Slot>, Blocked)> {
    let now: Vec<(Arc<Slot>, Blocked)> = registry::user_slots()
        .into_iter()
        .filter_map(|s| {
            let b = s.blocked.lock().clone()?;
            Some((s, b))
        })
        .filter(|(_, b)| b.deadline.is_none() && matches!(b.on, WaitDesc::Lock { .. }))
        .collect();
    let mut seen = SEEN.lock();
    let before = seen.get_or_insert_with(HashSet::new);
    let stable = now
        .iter()
        .filter(|(s, b)| before.contains(&(s.thread, b.epoch)))
        .cloned()
        .collect();
    *before = now.iter().map(|(s, b)| (s.thread, b.epoch)).collect();
    stable
}

/// One scan over `waits` (the async waits pending a whole interval).
pub(crate) fn scan(waits: &[Arc<Waiting>]) {
    let threads = stable_threads();
    if waits.is_empty() || threads.is_empty() {
        return;
    }
    for cycle in cycles(waits, &threads) {
        let mut key: CycleKey = cycle.iter().map(identity).collect();
        key.sort_unstable();
        let new = {
            let mut reported = REPORTED.lock();
            let reported = reported.get_or_insert_with(HashSet::new);
            if reported.len() > 4096 {
                reported.clear();
            }
            reported.insert(key)
        };
        if new {
            act(&deadlock(&cycle), &cycle);
        }
    }
}

/// What makes a member the same in two scans.
fn identity(m: &Member<'_>) -> (u64, u64) {
    match m {
        Member::Wait(w) => (0, w.serial),
        Member::Thread((s, b), _) => (s.thread, b.epoch),
    }
}

/// The key a blocked thread's node has.
fn thread_key(slot: &Slot) -> u64 {
    slot.thread | THREAD
}

/// The lock a member waits for, and in which mode.
fn waits_for(m: &Member<'_>) -> Option<(LockInfo, LockMode)> {
    match m {
        Member::Wait(w) => Some((w.lock, w.mode)),
        Member::Thread((_, b), _) => match b.on {
            WaitDesc::Lock { lock, mode } => Some((lock, mode)),
            _ => None,
        },
    }
}

/// The cycles with both halves, each in wait order (each member waits
/// for a lock the next one holds).
fn cycles<'a>(
    waits: &'a [Arc<Waiting>],
    threads: &'a [(Arc<Slot>, Blocked)],
) -> Vec<Vec<Member<'a>>> {
    let mut g = WaitForGraph::new();
    for w in waits {
        g.waits(w.key, w.lock.id);
        for (holder, _, _) in w.holders.snapshot() {
            g.held_by(w.lock.id, holder);
        }
        for h in &w.held {
            g.held_by(h.info.id, w.key);
        }
    }
    for t @ (slot, b) in threads {
        let Some((lock, _)) = waits_for(&Member::Thread(t, None)) else {
            continue;
        };
        g.waits(thread_key(slot), lock.id);
        for h in &b.held {
            g.held_by(h.info.id, thread_key(slot));
        }
        if let Some(task) = b.task {
            g.waits(key_of(Some(task)), lock.id);
        }
    }
    let member = |k: u64| -> Option<Member<'a>> {
        if let Some(w) = waits.iter().find(|w| w.key == k) {
            return Some(Member::Wait(w));
        }
        if let Some(t) = threads.iter().find(|(s, _)| thread_key(s) == k) {
            return Some(Member::Thread(t, None));
        }
        threads.iter().find_map(|t| {
            let task = t.1.task?;
            (key_of(Some(task)) == k).then_some(Member::Thread(t, Some(task)))
        })
    };
    g.cycles()
        .into_iter()
        .filter_map(|c| {
            let members: Vec<Member<'a>> = c
                .into_iter()
                .filter_map(|n| match n {
                    WaitNode::Thread(k) => member(k),
                    WaitNode::Primitive(_) => None,
                })
                .collect();
            let waits = members.iter().any(|m| matches!(m, Member::Wait(_)));
            let threads = members.iter().any(|m| matches!(m, Member::Thread(..)));
            (waits && threads).then_some(members)
        })
        .collect()
}

/// A member's name, as the trace names it.
fn name(m: &Member<'_>) -> String {
    match m {
        Member::Wait(w) => super::scan::name(w),
        Member::Thread(_, Some(task)) => crate::recorder::task::name_of(*task),
        Member::Thread((s, _), None) => names::thread(s.thread, s.name.as_deref()),
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

/// How `m` holds `lock` (which the member before it waits for).
fn holds(m: &Member<'_>, before: &Member<'_>, lock: &LockInfo) -> Option<Taken> {
    let taken = |mode: LockMode, site: &'static std::panic::Location<'static>| Taken {
        lock: names::lock(lock),
        mode: self::mode(lock.kind, mode),
        at: names::at(site),
    };
    let key = match m {
        Member::Wait(w) => w.key,
        Member::Thread((s, _), None) => thread_key(s),
        Member::Thread(_, Some(task)) => key_of(Some(*task)),
    };
    if let Member::Wait(w) = before {
        // An async lock: its holders say who and where.
        if let Some((_, mode, site)) = w.holders.snapshot().into_iter().find(|h| h.0 == key) {
            return Some(taken(mode, site));
        }
    }
    let held: &[Held] = match m {
        Member::Wait(w) => &w.held,
        Member::Thread((_, b), _) => &b.held,
    };
    let h = held.iter().find(|h| h.info.id == lock.id)?;
    Some(taken(h.mode, h.site))
}

/// The deadlock finding of `cycle`.
fn deadlock(cycle: &[Member<'_>]) -> Finding {
    let n = cycle.len();
    let waiters = cycle
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let before = &cycle[(i + n - 1) % n];
            let (lock, lock_mode) = waits_for(m)?;
            let holds = waits_for(before).and_then(|(held, _)| holds(m, before, &held));
            let site = match m {
                Member::Wait(w) => w.site,
                Member::Thread((_, b), _) => b.site,
            };
            Some(Waiter {
                thread: name(m),
                holds,
                waits_for: WaitOn::Lock {
                    lock: names::lock(&lock),
                    mode: mode(lock.kind, lock_mode),
                },
                blocked: names::at(site),
            })
        })
        .collect();
    build::deadlock(waiters, End::Hung)
}

/// Reports `f` and runs the policy's deadlock action on `cycle`.
fn act(f: &Finding, cycle: &[Member<'_>]) {
    crate::trace_sink::note_finding(f);
    crate::trace_sink::flush();
    policy::act_with(
        policy::policy().action(FindingKind::Deadlock).clone(),
        f,
        |report| {
            eprintln!("{report}");
            for m in cycle {
                match m {
                    Member::Wait(w) => *w.verdict.lock() = Some(report.to_owned()),
                    Member::Thread((s, _), _) => {
                        s.doom_if_blocked(report);
                    }
                }
            }
            // Threads first: a doomed thread panics at its next wait slice
            // (50 ms) only while it still waits, so no task's wait may end,
            // and release what its thread holds, before then (a doomed thread
            // clears its flag as it panics; a second at most). A task's wait
            // with a verdict panics whenever it is polled, even on a free
            // lock.
            let doomed = || {
                cycle.iter().any(|m| {
                    matches!(m, Member::Thread((s, _), _)
                    if s.doomed.load(std::sync::atomic::Ordering::Acquire))
                })
            };
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
            while doomed() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            for m in cycle {
                if let Member::Wait(w) = m {
                    w.waker.lock().wake_by_ref();
                }
            }
        },
    );
}
