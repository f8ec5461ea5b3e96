//! Lock contention statistics, starvation and long holds (issue item 5).
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
//! - [`Starvation`](FindingKind::Starvation), *bypass*: threads that
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
//! - [`LongHold`](FindingKind::LongHold): a lock's longest hold is longer
//!   than [`Config::long_hold_factor`] times the mean of its other holds and
//!   at least [`Config::long_hold_min_ns`].
//!
//! On a [`ClockUnit::Sequence`] trace (STD) times are event positions: the
//! statistics are still computed in that unit, but no time-based finding
//! (long wait, long hold) is raised.
//!
//! Starvation findings are grouped per (lock, waiter site, reason) in each
//! trace: the first occurrence is the finding, a note counts the others.
//!
//! # Performance
//! O(1) per event plus O(holders) at a request: dense per-lock and
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

use super::{Analysis, Context, Finished};
use crate::report::{Finding, LockStats};
use crate::state::WaitTarget;
use crate::trace::{ClockUnit, Event, EventKind, LockMode, ObjId, SiteId, ThreadId};

mod findings;
mod stats;

use stats::{Hold, LockAcc};

/// See the module docs.
#[derive(Debug, Default)]
pub struct Contention {
    locks: Vec<LockAcc>,
    waits: Vec<Option<PendingWait>>,
    starvation: Vec<Finding>,
    /// (lock, waiter site, reason) -> index into `starvation`.
    starvation_seen: HashMap<(u32, Option<SiteId>, &'static str), usize>,
    /// Per lock: arrival tickets and the threads waiting, for bypasses.
    queues: Vec<Queue>,
    last_time: u64,
    stats: Vec<LockStats>,
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
        if self.locks.len() <= obj.index() {
            self.locks.resize_with(obj.index() + 1, LockAcc::default);
        }
        &mut self.locks[obj.index()]
    }

    fn queue(&mut self, obj: ObjId) -> &mut Queue {
        if self.queues.len() <= obj.index() {
            self.queues.resize_with(obj.index() + 1, Queue::default);
        }
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
        if self.waits.len() <= t.index() {
            self.waits.resize(t.index() + 1, None);
        }
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
        });
    }

    fn on_acquired(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId) {
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
        let wait_step = findings::WaitSteps {
            request: (blocked.since, blocked.site),
            acquired: Some((cx.index, ev.site)),
        };
        self.check_starvation(cx, t, obj, wait_step, bypassed, wait);
    }

    fn on_released(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId, fully: bool) {
        let Some(held) = cx.state.thread(ev.thread).holding(obj) else {
            return;
        };
        if held.depth > 1 && !fully {
            return;
        }
        let hold = Hold {
            len: ev.time.saturating_sub(held.time),
            thread: ev.thread,
            acquired: (held.since, held.site),
            released: (cx.index, ev.site),
        };
        self.lock(obj).record_hold(hold);
    }

    fn check_starvation(
        &mut self,
        cx: &Context<'_>,
        t: ThreadId,
        obj: ObjId,
        steps: findings::WaitSteps,
        bypassed: u64,
        wait: u64,
    ) {
        let timed = cx.meta.header.clock == ClockUnit::Nanoseconds;
        if bypassed >= u64::from(cx.config.starvation_bypass) {
            let f = findings::bypass(cx, t, obj, steps, bypassed);
            self.add_starvation(obj, steps.request.1, "bypass", f);
        }
        if timed && wait > cx.config.long_wait_ns {
            let f = findings::long_wait(cx, t, obj, steps, wait);
            self.add_starvation(obj, steps.request.1, "long wait", f);
        }
    }

    fn add_starvation(&mut self, obj: ObjId, site: Option<SiteId>, why: &'static str, f: Finding) {
        match self.starvation_seen.entry((obj.0, site, why)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                findings::count_again(&mut self.starvation[*e.get()]);
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(self.starvation.len());
                self.starvation.push(f);
            }
        }
    }

    /// Threads still waiting for a lock at the end, outside wait-for cycles.
    fn still_waiting(&mut self, cx: &Context<'_>) {
        let pending: Vec<_> = self
            .waits
            .iter()
            .enumerate()
            .filter_map(|(t, p)| p.map(|p| (ThreadId(t as u32), p)))
            .collect();
        for (t, p) in pending {
            let Some(blocked) = cx.state.thread(t).blocked else {
                continue;
            };
            let same_lock = matches!(blocked.on, WaitTarget::Lock { obj, .. } if obj == p.obj);
            if !same_lock || findings::behind_cycle(cx.state, t) {
                continue;
            }
            let bypassed = p.overtaken;
            let wait = self.last_time.saturating_sub(blocked.time);
            let steps = findings::WaitSteps {
                request: (blocked.since, blocked.site),
                acquired: None,
            };
            self.check_starvation(cx, t, p.obj, steps, bypassed, wait);
        }
    }
}

impl Analysis for Contention {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event) {
        self.last_time = ev.time;
        match ev.kind {
            EventKind::Request { obj, mode } => self.on_request(cx, ev, obj, mode),
            EventKind::Acquired { obj, .. } => self.on_acquired(cx, ev, obj),
            EventKind::CondWoken { mutex, .. } => self.on_acquired(cx, ev, mutex),
            EventKind::Released { obj, .. } => self.on_released(cx, ev, obj, false),
            EventKind::CondWait { mutex, .. } => self.on_released(cx, ev, mutex, true),
            EventKind::TryFailed { .. } | EventKind::SemAcquired { .. } => {
                self.leave_line(ev.thread);
            }
            _ => {}
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>) -> Vec<Finding> {
        self.still_waiting(cx);
        let mut out = std::mem::take(&mut self.starvation);
        self.starvation_seen.clear();
        self.waits.clear();
        self.queues.clear();
        let timed = cx.meta.header.clock == ClockUnit::Nanoseconds;
        for (i, acc) in std::mem::take(&mut self.locks).into_iter().enumerate() {
            if acc.acquisitions == 0 && acc.holds == 0 {
                continue;
            }
            let obj = ObjId(i as u32);
            if timed {
                out.extend(findings::long_hold(cx, obj, &acc));
            }
            self.stats.push(acc.into_stats(cx, obj));
        }
        out
    }

    fn finish(&mut self, _config: &super::Config) -> Finished {
        Finished {
            stats: std::mem::take(&mut self.stats),
            ..Finished::default()
        }
    }
}
