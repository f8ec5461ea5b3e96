//! The deadlock watchdog: a background thread that finds threads blocked
//! for good and runs the policy's deadlock action.
//!
//! The policy starts it, with its deadlock action, when the first
//! instrumented operation blocks (if the policy's
//! watchdog interval is set: on by default) and scans every interval:
//! 1. cheap, racy check: if no thread is published as blocked, sleep again;
//! 2. otherwise snapshot the blocked threads ([`registry`]); only threads
//!    blocked with the same epoch as in the previous scan count (they were
//!    blocked the whole interval, so their published held lists are exact);
//! 3. build the wait-for graph (thread -> primitive it waits for ->
//!    threads holding it; a join waits for the joined thread) and report
//!    each cycle once;
//! 4. if every thread is blocked (untimed; which threads count is the
//!    policy's [`StallScope`](crate::policy::StallScope): by default every thread of the process) and
//!    no cycle explains it, nobody can notify the condvar, set the event,
//!    release the semaphore or reach the barrier: report the stall.
//!
//! A deadlock is therefore reported one to two intervals after it forms
//! (100 to 200 ms by default). With the `panic` action the deadlocked
//! threads are marked and panic with the report the next time their wait
//! loop calls [`crate::live::check_abort`]. The first one to panic
//! releases its locks while unwinding, which may let the others get what
//! they wait for: those continue (their mark is cleared), the rest panic.
//!
//! The watchdog never uses an instrumented lock.
//!
//! # Performance
//! Idle (nothing blocked), a scan is one atomic load per interval.
//!
//! # Limitations
//! With the default [`StallScope::Process`](crate::policy::StallScope::Process), a stall is reported only when
//! every thread of the process is a blocked lockscope thread, so a program
//! whose main thread waits in `std` (a test harness) gets lock cycles
//! reported but not stalls; [`StallScope::Registered`](crate::policy::StallScope::Registered) reports those too,
//! at the risk of a false report if a thread that never used lockscope was
//! about to wake the others. Timed waits are never part of a deadlock.

pub mod registry;
pub mod report;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lockscope_detector::graph::{WaitForGraph, WaitNode};
use lockscope_detector::trace::LockMode;

use lockscope_detector::finding::Finding;

use crate::{live_config, service_threads};
use registry::{Blocked, Slot, WaitDesc};

/// What the watchdog does with a deadlock it found: report it and run the
/// policy's action for the threads whose slots are given. The policy hands
/// it over when it starts the watchdog.
pub(crate) type Act = fn(Finding, &[Arc<Slot>]);

static STARTED: AtomicBool = AtomicBool::new(false);
static WATCHDOG_TID: AtomicU64 = AtomicU64::new(0);

/// Starts the watchdog thread, acting on deadlocks with `act`, if the
/// policy wants one and it is not running.
#[inline]
pub(crate) fn ensure_running(act: Act) {
    if !STARTED.load(Ordering::Relaxed) {
        start(act);
    }
}

#[cold]
fn start(act: Act) {
    if live_config::watchdog_interval().is_none() || STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("lockscope-watchdog".into())
        .spawn(move || run(act));
    if let Err(e) = spawned {
        eprintln!("lockscope: could not start the deadlock watchdog: {e}");
        STARTED.store(false, Ordering::Release);
    }
}

/// A scan run every interval besides the threads' own: the waits for
/// async locks (`tokio_sync`), which block no thread.
static SCAN: OnceLock<fn()> = OnceLock::new();

/// Runs `scan` every interval (the first one installed) once the watchdog
/// runs (the policy starts it: `policy::ensure_watchdog`).
#[cfg(all(feature = "tokio", feature = "record"))]
pub(crate) fn add_scan(scan: fn()) {
    let _ = SCAN.set(scan);
}

/// One snapshot: thread id and epoch of each stably blocked thread.
type Seen = HashSet<(u64, u64)>;

/// The watchdog thread's OS id (Linux), once it runs.
pub fn os_thread_id() -> Option<u64> {
    match WATCHDOG_TID.load(Ordering::Relaxed) {
        0 => None,
        tid => Some(tid),
    }
}

fn run(act: Act) {
    service_threads::mark_internal();
    WATCHDOG_TID.store(service_threads::os_tid().unwrap_or(0), Ordering::Relaxed);
    let mut seen = Seen::new();
    let mut reported = HashSet::<Vec<(u64, u64)>>::new();
    loop {
        let interval = live_config::watchdog_interval();
        std::thread::sleep(interval.unwrap_or(Duration::from_millis(250)));
        if let (Some(_), Some(scan)) = (interval, SCAN.get()) {
            scan();
        }
        if interval.is_none() || registry::blocked_count() == 0 {
            seen.clear();
            continue;
        }
        for (f, slots) in scan(&mut seen, &mut reported) {
            act(f, &slots);
        }
        wake_doomed_condvar_waiters();
    }
}

/// Wakes, again, every thread still doomed in a condvar wait: the wake
/// that `act` sends is lost if the waiter was not queued on its condvar yet
/// (between publishing its block and its wait); a thread keeps its mark
/// only while it stays blocked (`live::unblock` clears it).
fn wake_doomed_condvar_waiters() {
    for s in registry::slots() {
        if s.doomed.load(Ordering::Acquire) {
            s.wake_condvar_wait();
        }
    }
}

/// One scan; returns each new finding with the slots it concerns.
fn scan(
    seen: &mut Seen,
    reported: &mut HashSet<Vec<(u64, u64)>>,
) -> Vec<(Finding, Vec<Arc<Slot>>)> {
    let slots = registry::user_slots();
    let snapshot: Vec<(Arc<Slot>, Blocked)> = slots
        .iter()
        .filter_map(|s| Some((s.clone(), s.blocked.lock().clone()?)))
        .filter(|(_, b)| b.deadline.is_none())
        .collect();
    let now: Seen = snapshot.iter().map(|(s, b)| (s.thread, b.epoch)).collect();
    let stable: Vec<&(Arc<Slot>, Blocked)> = snapshot
        .iter()
        .filter(|(s, b)| seen.contains(&(s.thread, b.epoch)))
        .collect();
    *seen = now;
    let mut findings = Vec::new();
    let mut in_cycle = HashSet::new();
    for cycle in cycles(&stable) {
        let members: Vec<&(Arc<Slot>, Blocked)> = cycle
            .iter()
            .filter_map(|&t| stable.iter().copied().find(|(s, _)| s.thread == t))
            .collect();
        in_cycle.extend(cycle.iter().copied());
        let mut key: Vec<(u64, u64)> = members.iter().map(|(s, b)| (s.thread, b.epoch)).collect();
        key.sort_unstable();
        if reported.insert(key) {
            let view: Vec<(&Slot, &Blocked)> = members.iter().map(|(s, b)| (&**s, b)).collect();
            let f = report::deadlock(&view, true);
            findings.push((f, members.iter().map(|(s, _)| s.clone()).collect()));
        }
    }
    let all_blocked = !stable.is_empty()
        && stable.len() == slots.len()
        && (live_config::stall_registered() || !registry::unregistered_threads(&slots));
    // A stall with a wait-for cycle in it is that cycle's doing: the cycle
    // is the one deadlock to report.
    if all_blocked && in_cycle.is_empty() {
        let mut key: Vec<(u64, u64)> = stable.iter().map(|(s, b)| (s.thread, b.epoch)).collect();
        key.sort_unstable();
        if reported.insert(key) {
            let view: Vec<(&Slot, &Blocked)> = stable.iter().map(|(s, b)| (&**s, b)).collect();
            let f = report::deadlock(&view, false);
            findings.push((f, stable.iter().map(|(s, _)| s.clone()).collect()));
        }
    }
    if reported.len() > 4096 {
        reported.clear();
    }
    findings
}

/// Cycles of the wait-for graph among `stable` threads, each as its
/// threads in wait order (each waits for something the next one holds).
fn cycles(stable: &[&(Arc<Slot>, Blocked)]) -> Vec<Vec<u64>> {
    let mut g = WaitForGraph::new();
    for (slot, b) in stable {
        let t = slot.thread;
        for h in &b.held {
            // Upgrading waits for the other readers, not for itself.
            let upgrading = matches!(b.on, WaitDesc::Lock { lock, mode: LockMode::Exclusive }
                if lock.id == h.info.id && h.mode == LockMode::Upgradable);
            if !upgrading {
                g.held_by(h.info.id, t);
            }
        }
        match b.on {
            WaitDesc::Lock { lock, .. } => g.waits(t, lock.id),
            WaitDesc::Condvar { condvar, .. } => g.waits(t, condvar.id),
            WaitDesc::Semaphore(p) | WaitDesc::Event(p) | WaitDesc::Barrier(p) => g.waits(t, p.id),
            WaitDesc::Join(u) => g.joins(t, u),
        }
    }
    g.cycles()
        .into_iter()
        .map(|c| {
            c.into_iter()
                .filter_map(|n| match n {
                    WaitNode::Thread(t) => Some(t),
                    WaitNode::Primitive(_) => None,
                })
                .collect()
        })
        .collect()
}
