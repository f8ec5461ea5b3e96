//! Deadlocks between threads that happened during the run and were broken
//! silently: a timed lock gave up, a thread panicked or died. The
//! end-of-trace analysis ([`super::deadlock`]) cannot see these, since
//! nothing is blocked any more when the trace ends, and the runtime's
//! watchdog never reports them (timed waits are never part of its
//! deadlocks).
//!
//! At every lock request and join request the analysis asks whether the
//! requesting thread, once blocked, closes a wait-for cycle in the replay
//! state ([`super::wait_cycle`]: lock requests wait for incompatible
//! holders, joins for the child).
//!
//! A cycle found is a real deadlock at that point of the run: every thread
//! on it was blocked on the next. It is reported as a
//! [`Deadlock`](crate::finding::FindingKind::Deadlock) whose title says how it was broken
//! (the first thread of the cycle to stop waiting without getting what it
//! waited for: a `try_failed` is a timeout; an exit or a release while
//! blocked is an abort). The fingerprint hashes `broken`, the sorted lock
//! names and the sorted sites, so it never equals the end-of-trace
//! finding's; each distinct cycle is reported once per trace, its
//! occurrences the number of times it formed.
//!
//! Left to [`super::deadlock`], so that nothing is reported twice: cycles
//! still in place when the trace ends; a thread requesting a
//! non-reentrant lock it holds (a one-thread cycle, timed or not); and a
//! cycle the runtime reported live (a `deadlock` or `self_deadlock` note
//! written while it was open: the watchdog broke it, and the note becomes
//! the finding).
//!
//! # Performance
//! Work only at lock and join requests: a depth-first walk over blocked
//! threads, each visited once, so O(threads x holders) at worst, usually a
//! few steps; an uncontended request costs one holder scan and allocates
//! nothing. Memory: one entry per distinct cycle plus the open ones.
//! `benches/transient.rs`: this analysis adds about 4 ms per million
//! events to the generator-plus-replay baseline of about 29 ms (8 threads,
//! 64 locks, a request before every acquisition; 33 ms with it).
//!
//! # Limitations
//! Condvar, event, barrier and semaphore waits are not followed: nothing in
//! the trace says which thread would signal them, so a cycle through them
//! (a stall the watchdog broke) is not reported here.

use std::collections::HashMap;

use super::wait_cycle::{find_cycle, Link};
use super::{names, Analysis, Context};
use crate::finding::build::{self, Taken, Waiter};
use crate::finding::{Detail, End, Finding, Findings};
use crate::state::{Replay, WaitTarget};
use crate::trace::{Event, EventKind, ThreadId, TraceMeta};

/// The broken-deadlock analysis.
#[derive(Debug, Default)]
pub struct TransientDeadlocks {
    /// Distinct cycles of this trace (by fingerprint) and how often each
    /// formed.
    found: Vec<Found>,
    by_fingerprint: HashMap<String, usize>,
    /// Cycles formed and not yet known to be broken.
    open: Vec<Open>,
}

#[derive(Debug)]
struct Found {
    finding: Finding,
    times: u64,
    /// How the first occurrence was broken; `None` while still open.
    broken_by: Option<Cause>,
    /// Whether some occurrence was broken (only those are reported).
    ever_broken: bool,
}

/// One occurrence of a cycle: its threads with the trace index of each
/// one's blocking request.
#[derive(Debug)]
struct Open {
    found: usize,
    waits: Vec<(ThreadId, u64)>,
    /// The runtime noted a live deadlock while this cycle was open.
    noted: bool,
}

/// What ended a cycle: the first of its threads to stop waiting without
/// getting what it waited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    /// A `try_failed`: a timed lock gave up.
    Timeout,
    /// A release or exit while blocked: a panic or abort.
    Abort,
    /// The threads stopped waiting, how is not in the trace.
    Unknown,
}

impl Cause {
    fn end(self) -> End {
        match self {
            Cause::Timeout => End::BrokenByTimeout,
            Cause::Abort => End::BrokenByAbort,
            Cause::Unknown => End::BrokenUnknown,
        }
    }
}

impl Analysis for TransientDeadlocks {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, _found: &mut Findings) {
        self.watch(cx, ev);
        let on = match ev.kind {
            EventKind::Request { obj, mode } => WaitTarget::Lock { obj, mode },
            EventKind::JoinRequest { child } => WaitTarget::Join { child },
            _ => return,
        };
        let first = Link {
            thread: ev.thread,
            on,
            since: cx.index,
            time: Some(ev.time),
            site: ev.site,
        };
        match find_cycle(cx.meta, cx.state, first) {
            Some(cycle) if cycle.len() > 1 => self.formed(cx, &cycle),
            _ => {}
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, found: &mut Findings) {
        for open in std::mem::take(&mut self.open) {
            let still = open.waits.iter().all(|&(t, since)| {
                let s = cx.state.thread(t);
                !s.exited && s.blocked.is_some_and(|b| b.since == since)
            });
            if !still && !open.noted {
                self.broken(open, Cause::Unknown);
            }
        }
        self.by_fingerprint.clear();
        for f in std::mem::take(&mut self.found) {
            if f.ever_broken {
                found.add(finish(f));
            }
        }
    }
}

impl TransientDeadlocks {
    pub fn new() -> Self {
        TransientDeadlocks::default()
    }

    fn formed(&mut self, cx: &Context<'_>, cycle: &[Link]) {
        let finding = cycle_finding(cx.meta, cx.state, cycle);
        let found = match self.by_fingerprint.get(&finding.fingerprint) {
            Some(&i) => {
                self.found[i].times += 1;
                i
            }
            None => {
                self.by_fingerprint
                    .insert(finding.fingerprint.clone(), self.found.len());
                self.found.push(Found {
                    finding,
                    times: 1,
                    broken_by: None,
                    ever_broken: false,
                });
                self.found.len() - 1
            }
        };
        let waits = cycle.iter().map(|l| (l.thread, l.since)).collect();
        self.open.push(Open {
            found,
            waits,
            noted: false,
        });
    }

    /// Watches the open cycles' threads for the event that breaks them.
    fn watch(&mut self, cx: &Context<'_>, ev: &Event) {
        if self.open.is_empty() {
            return;
        }
        if let EventKind::Note { note } = ev.kind {
            let note = cx.meta.note(note);
            if matches!(note.kind.as_str(), "deadlock" | "self_deadlock") {
                for open in &mut self.open {
                    open.noted = true;
                }
            }
            return;
        }
        let cause = match ev.kind {
            EventKind::TryFailed { .. } => Cause::Timeout,
            EventKind::ThreadExit | EventKind::Released { .. } => Cause::Abort,
            _ => return,
        };
        let t = ev.thread;
        let waiting = |o: &Open| {
            o.waits.iter().any(|&(u, since)| {
                u == t && cx.state.thread(t).blocked.is_some_and(|b| b.since == since)
            })
        };
        let (ended, open): (Vec<Open>, Vec<Open>) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(waiting);
        self.open = open;
        for o in ended.into_iter().filter(|o| !o.noted) {
            self.broken(o, cause);
        }
    }

    fn broken(&mut self, open: Open, cause: Cause) {
        let found = &mut self.found[open.found];
        found.ever_broken = true;
        found.broken_by.get_or_insert(cause);
    }
}

/// The finding with how it was broken and how often it formed.
fn finish(f: Found) -> Finding {
    let mut finding = f.finding;
    if let Detail::Deadlock { end, .. } = &mut finding.detail {
        *end = f.broken_by.unwrap_or(Cause::Unknown).end();
    }
    finding.occurrences = f.times;
    finding
}

/// The finding for `cycle`, rotated to start at its smallest thread; how it
/// was broken is set by [`finish`].
fn cycle_finding(meta: &TraceMeta, state: &Replay, cycle: &[Link]) -> Finding {
    let start = (0..cycle.len())
        .min_by_key(|&i| cycle[i].thread)
        .unwrap_or(0);
    let cycle: Vec<Link> = cycle[start..]
        .iter()
        .chain(&cycle[..start])
        .copied()
        .collect();
    let n = cycle.len();
    let waiters = cycle
        .iter()
        .enumerate()
        .map(|(col, link)| {
            // The lock this thread holds that the previous thread waits for.
            let held = match cycle[(col + n - 1) % n].on {
                WaitTarget::Lock { obj, .. } => state.thread(link.thread).holding(obj),
                _ => None,
            };
            Waiter {
                thread: names::thread(meta, link.thread),
                holds: held.map(|h| Taken {
                    lock: names::prim(meta, h.obj),
                    mode: names::mode(meta, h.obj, h.mode),
                    at: names::at(meta, h.since, Some(h.time), h.site),
                }),
                waits_for: names::wait_on(meta, link.on),
                blocked: names::at(meta, link.since, link.time, link.site),
            }
        })
        .collect();
    build::deadlock(waiters, End::BrokenUnknown)
}

#[cfg(test)]
mod tests;
