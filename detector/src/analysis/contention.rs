//! Lock contention statistics, starvation and long holds.
//!
//! Per lock and trace it counts what Linux `lock_stat` and mutrace print
//! ([`LockStats`]): acquisitions (outermost only: a re-entry is not one),
//! contended acquisitions, wait time (total, mean, p99, max), hold time
//! (total, mean, max), owner changes (an acquisition by a thread other than
//! the previous acquirer: mutrace's fairness signal) and which waiter sites
//! waited on which holder sites.
//!
//! A wait needs a request: `wait = acquired.time - request.time`. An
//! acquisition is *contended* when, at its request, another thread held the
//! lock in an incompatible mode, or another thread acquired the lock while
//! it waited (it was bypassed). Wait statistics cover contended
//! acquisitions only, as `lock_stat`'s do; an acquisition without a request
//! is uncontended. A condvar wake-up re-acquires its mutex without a
//! request: an acquisition, never a contended one. A contention row pairs
//! the waiter's request site with the site where the holder (at the
//! request) acquired the lock; when the request found the lock free but was
//! bypassed, with the site of the acquisition just before its own.
//!
//! Findings:
//! - [`Starvation`](crate::finding::FindingKind::Starvation), *bypass*: threads that
//!   arrived after one waiting thread took the lock before it
//!   [`Config::starvation_bypass`] times or more. Arrival is the request
//!   (an acquisition without a request barged in, so it arrived last).
//!   Threads that were already waiting when it arrived were ahead in line:
//!   even a perfectly fair FIFO lock lets them go first, so they do not
//!   count (with 100 threads queued on a fair lock the last one waits for
//!   99 acquisitions without being bypassed once).
//! - `Starvation`, *long wait*: one wait longer than [`Config::long_wait_ns`].
//! - Both also for a thread still waiting at the end of the trace, unless
//!   it waits in (or behind) a wait-for cycle: the deadlock analysis reports
//!   blocked threads as `Deadlock` / `BlockedForever`; this one adds only
//!   the bypass or long-wait fact.
//! - [`LongHold`](crate::finding::FindingKind::LongHold): a lock's longest hold is longer
//!   than [`Config::long_hold_factor`] times the mean of its other holds and
//!   at least [`Config::long_hold_min_ns`].
//! - Neither for a wait or hold a deadlock explains: a request that closes
//!   a wait-for cycle ([`super::wait_cycle`]) marks the cycle's waits and
//!   the holds they wait on, and those are counted in the statistics but
//!   never judged (the deadlock analyses report the cycle, also when a
//!   timeout or the watchdog broke it and the waits then ended).
//!
//! On a [`ClockUnit::Sequence`] trace (STD) times are event positions: the
//! statistics are still computed in that unit, but no time-based finding
//! (long wait, long hold) is raised.
//!
//! Starvation findings are one per (lock, waiter site, reason): the first
//! occurrence is the finding, the others are counted as its occurrences.
//!
//! # Performance
//! O(1) per event plus O(holders) at a request (and the cycle walk at a
//! request that finds the lock held by a blocked thread): dense per-lock and
//! per-thread vectors, hold start times read from the [`Replay`] state. Only
//! contended acquisitions touch the p99 histogram (a fixed 7.8 KB per
//! contended lock) and the contention-site table (hashed by site pair).
//!
//! # Limitations
//! One `LongHold` per lock and trace (its longest hold). Semaphores are not
//! in the statistics (permits have no owner to hold them). For rwlocks a
//! reader is "bypassed" by concurrent readers too, which it never waited
//! for.
//!
//! [`Replay`]: crate::state::Replay

use std::collections::HashMap;

use super::wait_cycle::{find_cycle, Link};
use super::{names, run, Analysis, Config, Context, Finished, Input};
use crate::finding::{FindingId, Findings, Waited};
use crate::report::{LockStats, Report, ThreadStats};
use crate::state::WaitTarget;
use crate::trace::{ClockUnit, Event, EventKind, LockMode, ObjId, SiteId, ThreadId, TraceError};

mod findings;
mod stats;

use stats::{Hold, LockAcc, ThreadAcc};

/// The contention statistics of `inputs`, per lock and per thread, and the
/// starvation and long-hold findings, from this analysis alone.
pub fn statistics(inputs: Vec<Input<'_>>, config: &Config) -> Result<Report, TraceError> {
    run(inputs, config, &mut [&mut Contention::new()])
}

/// See the module docs.
#[derive(Debug, Default)]
pub struct Contention {
    locks: Vec<LockAcc>,
    threads: Vec<ThreadAcc>,
    waits: Vec<Option<PendingWait>>,
    /// (lock, waiter site, reason) -> its finding, in this trace.
    starvation: HashMap<(u32, Option<SiteId>, &'static str), FindingId>,
    /// Per lock: arrival tickets and the threads waiting, for bypasses.
    queues: Vec<Queue>,
    /// Holds a wait-for cycle waits on, (thread, lock, acquisition index):
    /// their release records them as deadlocked. As few as the deadlocks.
    deadlocked_holds: Vec<(ThreadId, ObjId, u64)>,
    last_time: u64,
    stats: Vec<LockStats>,
    thread_stats: Vec<ThreadStats>,
}

/// A request seen, its acquisition not yet.
#[derive(Clone, Copy, Debug)]
struct PendingWait {
    obj: ObjId,
    /// The lock's acquisition count at the request.
    acquisitions_then: u64,
    /// Some(holder's acquisition site) when another thread held it then.
    holder: Option<Option<SiteId>>,
    /// Arrival order at the lock.
    ticket: u64,
    /// Acquisitions by threads that arrived later (see the module docs).
    overtaken: u64,
    /// The wait was part of a wait-for cycle: a deadlock, which the
    /// deadlock analyses report, explains it.
    deadlocked: bool,
}

/// One lock's waiting line.
#[derive(Debug, Default)]
struct Queue {
    next_ticket: u64,
    /// Threads with a pending request on the lock (few: bounded by threads).
    waiters: Vec<ThreadId>,
}

impl Contention {
    pub fn new() -> Self {
        Contention::default()
    }

    fn lock(&mut self, obj: ObjId) -> &mut LockAcc {
        crate::dense::grow(&mut self.locks, obj.index(), LockAcc::default);
        &mut self.locks[obj.index()]
    }

    fn thread(&mut self, t: ThreadId) -> &mut ThreadAcc {
        crate::dense::grow(&mut self.threads, t.index(), ThreadAcc::default);
        &mut self.threads[t.index()]
    }

    fn queue(&mut self, obj: ObjId) -> &mut Queue {
        crate::dense::grow(&mut self.queues, obj.index(), Queue::default);
        &mut self.queues[obj.index()]
    }

    /// Drops `t`'s pending request (if any) and its place in line.
    fn leave_line(&mut self, t: ThreadId) -> Option<PendingWait> {
        let pending = self.wait_slot(t).take()?;
        let waiters = &mut self.queue(pending.obj).waiters;
        if let Some(pos) = waiters.iter().position(|&w| w == t) {
            waiters.swap_remove(pos);
        }
        Some(pending)
    }

    /// `t` took `obj` having arrived with `ticket`: every waiter that
    /// arrived earlier was bypassed once more.
    fn overtake(&mut self, t: ThreadId, obj: ObjId, ticket: u64) {
        let Contention { queues, waits, .. } = self;
        let Some(queue) = queues.get(obj.index()) else {
            return;
        };
        for &w in &queue.waiters {
            if let Some(Some(p)) = waits.get_mut(w.index()) {
                if w != t && p.obj == obj && p.ticket < ticket {
                    p.overtaken += 1;
                }
            }
        }
    }

    fn wait_slot(&mut self, t: ThreadId) -> &mut Option<PendingWait> {
        crate::dense::grow(&mut self.waits, t.index(), || None);
        &mut self.waits[t.index()]
    }

    fn on_request(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId, mode: LockMode) {
        if !cx.meta.primitive(obj).kind.is_lock() {
            return;
        }
        let holder = cx
            .state
            .obj(obj)
            .holders
            .iter()
            .find(|&&(h, m)| h != ev.thread && !mode.compatible(m))
            .map(|&(h, _)| cx.state.thread(h).holding(obj).and_then(|held| held.site));
        let acquisitions_then = self.lock(obj).acquisitions;
        let deadlocked = holder.is_some() && self.closes_cycle(cx, ev, obj, mode);
        self.leave_line(ev.thread);
        let queue = self.queue(obj);
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiters.push(ev.thread);
        *self.wait_slot(ev.thread) = Some(PendingWait {
            obj,
            acquisitions_then,
            holder,
            ticket,
            overtaken: 0,
            deadlocked,
        });
    }

    /// Whether `ev`, a request of `obj`, closes a wait-for cycle. If it
    /// does, the other waits of the cycle are marked deadlocked and the
    /// holds it waits on are remembered as deadlocked holds.
    fn closes_cycle(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId, mode: LockMode) -> bool {
        let holder_blocked = cx.state.obj(obj).holders.iter().any(|&(h, m)| {
            h != ev.thread && !mode.compatible(m) && cx.state.thread(h).blocked.is_some()
        });
        if !holder_blocked {
            return false; // the common contended request: no walk
        }
        let first = Link {
            thread: ev.thread,
            on: WaitTarget::Lock { obj, mode },
            since: cx.index,
            time: Some(ev.time),
            site: ev.site,
        };
        let Some(cycle) = find_cycle(cx.meta, cx.state, first) else {
            return false;
        };
        for (i, link) in cycle.iter().enumerate() {
            let next = cycle[(i + 1) % cycle.len()].thread;
            if let WaitTarget::Lock { obj, .. } = link.on {
                if let Some(Some(p)) = self.waits.get_mut(link.thread.index()) {
                    p.deadlocked |= p.obj == obj;
                }
                if let Some(held) = cx.state.thread(next).holding(obj) {
                    let hold = (next, obj, held.since);
                    if !self.deadlocked_holds.contains(&hold) {
                        self.deadlocked_holds.push(hold);
                    }
                }
            }
        }
        true
    }

    fn on_acquired(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId, found: &mut Findings) {
        let t = ev.thread;
        let pending = self.leave_line(t);
        if cx.state.thread(t).holding(obj).is_some() {
            return; // re-entry
        }
        let ticket = match pending {
            Some(p) if p.obj == obj => p.ticket,
            _ => u64::MAX, // no request: it barged in, arriving last
        };
        self.overtake(t, obj, ticket);
        self.thread(t).acquisitions += 1;
        let acc = self.lock(obj);
        if acc.owner.is_some_and(|o| o != t) {
            acc.owner_changes += 1;
        }
        acc.owner = Some(t);
        let before = acc.acquisitions;
        acc.acquisitions += 1;
        let previous_site = std::mem::replace(&mut acc.last_site, ev.site);
        let (Some(p), Some(blocked)) = (pending, cx.state.thread(t).blocked) else {
            return;
        };
        if p.obj != obj || !matches!(blocked.on, WaitTarget::Lock { obj: o, .. } if o == obj) {
            return;
        }
        if p.holder.is_none() && before == p.acquisitions_then {
            return;
        }

        let bypassed = p.overtaken;
        let wait = ev.time.saturating_sub(blocked.time);
        let holder_site = p.holder.unwrap_or(previous_site);
        acc.record_wait(wait, blocked.site, holder_site);
        self.thread(t).record_wait(wait);
        if p.deadlocked {
            return; // a deadlock, which the deadlock analyses report
        }
        let wait_step = findings::WaitSteps {
            request: (blocked.since, Some(blocked.time), blocked.site),
            acquired: Some((cx.index, Some(ev.time), ev.site)),
        };
        self.check_starvation(cx, (t, obj), wait_step, (bypassed, wait), found);
    }

    fn on_released(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId, fully: bool) {
        let Some(held) = cx.state.thread(ev.thread).holding(obj) else {
            return;
        };
        if held.depth > 1 && !fully {
            return;
        }
        let hold = Hold::new(
            ev.thread,
            (held.since, held.time, held.site),
            (cx.index, ev.time, ev.site),
        );
        self.thread(ev.thread).record_hold(hold.len);
        let key = (ev.thread, obj, held.since);
        match self.deadlocked_holds.iter().position(|&h| h == key) {
            Some(i) => {
                self.deadlocked_holds.swap_remove(i);
                self.lock(obj).record_deadlocked_hold(hold.len);
            }
            None => self.lock(obj).record_hold(hold),
        }
    }

    /// Reports `t`'s wait for `obj` if it was bypassed `bypassed` times or
    /// more, or lasted longer than `wait`.
    fn check_starvation(
        &mut self,
        cx: &Context<'_>,
        (t, obj): (ThreadId, ObjId),
        steps: findings::WaitSteps,
        (bypassed, wait): (u64, u64),
        found: &mut Findings,
    ) {
        let timed = cx.meta.header.clock == ClockUnit::Nanoseconds;
        let mut report = |why: &'static str, waited| {
            let key = (obj.0, steps.request.2, why);
            match self.starvation.get(&key) {
                Some(&id) => found.again(id, steps.tuple(cx.meta), || {
                    findings::starvation(cx, (t, obj), steps, waited).steps
                }),
                None => {
                    let f = findings::starvation(cx, (t, obj), steps, waited);
                    self.starvation.insert(key, found.add(f));
                }
            }
        };
        if bypassed >= u64::from(cx.config.starvation_bypass) {
            report("bypass", Waited::Bypassed { times: bypassed });
        }
        if timed && wait > cx.config.long_wait_ns {
            let time = names::duration(cx.meta, wait);
            report("long wait", Waited::Long { time });
        }
    }

    /// Threads still waiting for a lock at the end, outside wait-for cycles.
    fn still_waiting(&mut self, cx: &Context<'_>, found: &mut Findings) {
        let pending: Vec<_> = self
            .waits
            .iter()
            .enumerate()
            .filter_map(|(t, p)| p.map(|p| (ThreadId(t as u32), p)))
            .collect();
        for (t, p) in pending {
            let state = cx.state.thread(t);
            let Some(blocked) = state.blocked.filter(|_| !state.exited && !p.deadlocked) else {
                continue;
            };
            let same_lock = matches!(blocked.on, WaitTarget::Lock { obj, .. } if obj == p.obj);
            if !same_lock || findings::behind_cycle(cx.state, t) {
                continue;
            }
            let bypassed = p.overtaken;
            let wait = self.last_time.saturating_sub(blocked.time);
            let steps = findings::WaitSteps {
                request: (blocked.since, Some(blocked.time), blocked.site),
                acquired: None,
            };
            self.check_starvation(cx, (t, p.obj), steps, (bypassed, wait), found);
        }
    }
}

impl Analysis for Contention {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, found: &mut Findings) {
        self.last_time = ev.time;
        match ev.kind {
            EventKind::Request { obj, mode } => self.on_request(cx, ev, obj, mode),
            EventKind::Acquired { obj, .. } => self.on_acquired(cx, ev, obj, found),
            EventKind::CondWoken { mutex, .. } => self.on_acquired(cx, ev, mutex, found),
            EventKind::Released { obj, .. } => self.on_released(cx, ev, obj, false),
            EventKind::CondWait { mutex, .. } => self.on_released(cx, ev, mutex, true),
            EventKind::TryFailed { .. } | EventKind::SemAcquired { .. } => {
                self.leave_line(ev.thread);
            }
            _ => {}
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, found: &mut Findings) {
        self.still_waiting(cx, found);
        // Given back, not cleared: the next trace may be small.
        self.starvation = HashMap::new();
        self.waits = Vec::new();
        self.queues = Vec::new();
        self.deadlocked_holds = Vec::new();
        if cx.meta.header.clock == ClockUnit::Nanoseconds {
            for (i, acc) in self.locks.iter().enumerate() {
                if let Some(f) = findings::long_hold(cx, ObjId(i as u32), acc) {
                    found.add(f);
                }
            }
        }
        let trace: std::sync::Arc<str> = cx.trace_name.into();
        let locks = std::mem::take(&mut self.locks);
        rows(
            locks,
            &mut self.stats,
            |acc| acc.acquisitions > 0 || acc.holds > 0,
            |acc, i| acc.into_stats(cx, &trace, ObjId(i)),
        );
        let threads = std::mem::take(&mut self.threads);
        rows(
            threads,
            &mut self.thread_stats,
            |acc| acc.acquisitions > 0 || acc.holds > 0,
            |acc, i| acc.into_stats(cx, &trace, ThreadId(i)),
        );
    }

    fn finish(&mut self, _config: &Config, _found: &mut Findings) -> Finished {
        Finished {
            stats: std::mem::take(&mut self.stats),
            thread_stats: std::mem::take(&mut self.thread_stats),
            ..Finished::default()
        }
    }
}

/// Appends `row(acc, index)` of every `used` accumulator to `out`, in
/// index order. The rows are built from the last accumulator back and the
/// accumulators' memory is given back as the rows take more, so the two
/// are never both whole in memory (a trace can have a million locks).
fn rows<A, R>(
    mut accs: Vec<A>,
    out: &mut Vec<R>,
    used: impl Fn(&A) -> bool,
    mut row: impl FnMut(A, u32) -> R,
) {
    out.reserve_exact(accs.iter().filter(|a| used(a)).count());
    let first = out.len();
    while let Some(acc) = accs.pop() {
        if used(&acc) {
            out.push(row(acc, accs.len() as u32));
        }
        if accs.len() < accs.capacity() / 2 {
            accs.shrink_to_fit();
        }
    }
    out[first..].reverse();
}
