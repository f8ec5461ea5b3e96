//! The watchdog's deadlock finding, built with the detector's
//! [`build::deadlock`]: every deadlocked thread with the lock it holds
//! that the previous one waits for, what it waits for and where it
//! blocked (with its backtrace when one was captured), and lockdep's
//! scenario, as the analyzer reports a deadlock found in a trace.

use lockscope_detector::finding::build::{self, Taken, Waiter};
use lockscope_detector::finding::{End, Finding, WaitOn};

use super::registry::{Blocked, Slot, WaitDesc};
use crate::order::names;
use crate::thread_state::LockInfo;

/// What a wait is for.
fn waits_for(on: &WaitDesc, thread_name: impl Fn(u64) -> String) -> WaitOn {
    match on {
        WaitDesc::Lock { lock, mode } => WaitOn::Lock {
            lock: names::lock(lock),
            mode: names::mode(lock.kind, *mode),
        },
        WaitDesc::Condvar { condvar, .. } => WaitOn::Notify {
            condvar: names::lock(condvar),
        },
        WaitDesc::Semaphore(s) => WaitOn::Permit {
            semaphore: names::lock(s),
        },
        WaitDesc::Event(e) => WaitOn::Event {
            event: names::lock(e),
        },
        WaitDesc::Barrier(b) => WaitOn::Barrier {
            barrier: names::lock(b),
        },
        WaitDesc::Join(t) => WaitOn::Join {
            thread: thread_name(*t),
        },
    }
}

/// The primitive a wait is on, if it is one.
fn waited_on(on: &WaitDesc) -> Option<LockInfo> {
    match *on {
        WaitDesc::Lock { lock, .. } => Some(lock),
        WaitDesc::Condvar { condvar, .. } => Some(condvar),
        WaitDesc::Semaphore(p) | WaitDesc::Event(p) | WaitDesc::Barrier(p) => Some(p),
        WaitDesc::Join(_) => None,
    }
}

/// A deadlock among `threads` (in cycle order for a wait-for cycle: each
/// waits for something the next one holds; `cycle` says which kind: a
/// cycle, or a stall of every thread).
pub fn deadlock(threads: &[(&Slot, &Blocked)], cycle: bool) -> Finding {
    let name_of = |t: u64| {
        let name = super::registry::slots()
            .into_iter()
            .find(|s| s.thread == t)
            .and_then(|s| s.name.clone());
        names::thread(t, name.as_deref())
    };
    let n = threads.len();
    let waiters = threads
        .iter()
        .enumerate()
        .map(|(i, (slot, b))| {
            // In a cycle, what this thread holds that the previous waits for.
            let previous = &threads[(i + n - 1) % n].1.on;
            let holds = waited_on(previous)
                .filter(|_| cycle)
                .and_then(|w| b.held.iter().find(|h| h.info.id == w.id))
                .map(|h| Taken {
                    lock: names::lock(&h.info),
                    mode: names::mode(h.info.kind, h.mode),
                    at: names::at(h.site),
                });
            let mut blocked = names::at(b.site);
            if let Some(bt) = &b.backtrace {
                blocked.backtrace = bt.to_string().lines().map(str::to_owned).collect();
            }
            Waiter {
                thread: names::thread(slot.thread, slot.name.as_deref()),
                holds,
                waits_for: waits_for(&b.on, name_of),
                blocked,
            }
        })
        .collect();
    let end = if cycle { End::Hung } else { End::Stalled };
    build::deadlock(waiters, end)
}
