//! Data races on tracked variables by happens-before.
//!
//! Two accesses to one variable race when at least one writes and neither
//! happens before the other. Happens-before is tracked with vector clocks
//! ([`crate::clock`]) and FastTrack epochs (see `shadow`) along these
//! edges:
//! - lock release -> the next acquisition of the same lock (a condvar wait
//!   releases its mutex, the wake-up re-acquires it);
//! - `fork` -> the child's first event; the child's last event -> `join`;
//! - condvar `notify` -> the woken thread (unless the wait timed out);
//! - event `set` -> a thread woken from waiting for it (unless timed out);
//! - semaphore release -> a later acquisition;
//! - barrier: every thread arriving -> every thread passing;
//! - `update` (`Tracked::update`, an atomic read-modify-write) -> the next
//!   `update` of the same variable: updates of one variable are totally
//!   ordered and each synchronizes with the next, as acquire-release
//!   read-modify-writes of one atomic do. Two updates never race; an
//!   update and a plain `get`/`set` of another thread still do unless
//!   something else orders them.
//!
//! A race is graded confirmed when the trace shows every edge that could
//! order its two accesses, and unconfirmed (a warning) when one of its
//! threads is one lockscope did not see start or join (see `unseen`): a
//! `std::thread` child, a test harness thread (unless it started the other
//! through lockscope). The finding names that thread and says how to make
//! the verdict exact.
//!
//! Each race is reported with what ThreadSanitizer shows: the current
//! access and the previous one as steps with their sites, and where each
//! thread was created. A racy pair of sites is one finding per variable
//! (the pair is unordered); its occurrences count how often it was seen.
//!
//! # Fork and join in DeadlockFuzzer traces
//! `*_dlf` STD traces name the wrong child in `fork`/`join`. With
//! [`Config::trust_fork_join`] off no fork/join edge is used. Otherwise the
//! analysis checks each trace itself: a fork of a thread that already ran
//! (begin/end markers aside) or was already forked, an event of a thread
//! after it was joined, or a forked thread with no event at all (begin/end
//! markers count here: a thread may run nothing else) marks the trace's
//! fork/join operands as untrustworthy, and from then on no fork/join edge
//! is used in that trace; [`Report::limits`] says so. A fork edge is applied
//! at the child's first event and a join of a thread that never ran merges
//! nothing, so a fork naming a thread that never runs adds no order even
//! before the mismatch is known.
//!
//! # Performance
//! An access costs O(1) (epoch comparisons) unless the variable is
//! read-shared (O(threads)); a synchronisation event costs one O(threads)
//! join. State: one vector clock per thread and per primitive, 48 bytes
//! per variable plus 24 bytes per thread for read-shared variables. Hashing
//! happens only when a race is found.
//!
//! # Limitations
//! Only recorded synchronisation orders accesses: two accesses ordered
//! only by a channel, an atomic or any primitive the trace does not record
//! are reported as a race. Barrier generations are not told apart: a thread passing a barrier is
//! ordered after every earlier arrival, also of earlier generations (this
//! can hide, never invent, races). A lock's release clock accumulates
//! every release, so rwlock readers are ordered after earlier readers too
//! (which can hide a race between two writes made under read locks).
//! Fork/join edges applied before a mismatch shows up later in the trace
//! are kept.
//!
//! [`Config::trust_fork_join`]: super::Config::trust_fork_join
//! [`Report::limits`]: crate::report::Report::limits

use std::collections::HashMap;

use super::names::SiteHashes;
use super::unseen::Unseen;
use super::{Analysis, Context, Finished};
use crate::clock::VectorClock;
use crate::finding::{tuple_of, FindingId, Findings};
use crate::trace::{Event, EventKind, ThreadId, VarId};

mod forkjoin;
mod report;
mod shadow;

use forkjoin::ForkJoin;
use shadow::{At, Conflict, Shadow};

/// One thread's clock.
#[derive(Clone, Debug)]
struct ThreadClock {
    vc: VectorClock,
}

/// See the module docs.
#[derive(Debug, Default)]
pub struct Races {
    threads: Vec<ThreadClock>,
    /// Release clock of every primitive (lock, condvar, semaphore, event,
    /// barrier), by [`ObjId`](crate::trace::ObjId).
    objs: Vec<VectorClock>,
    vars: Vec<Shadow>,
    /// Per variable: what its updates released (see the module docs).
    updates: Vec<VectorClock>,
    fork_join: ForkJoin,
    unseen: Unseen,
    conflicts: Vec<Conflict>,
    /// (var, lower site, higher site) -> its finding, in this trace.
    seen: HashMap<(u32, u32, u32), FindingId>,
    site_hashes: SiteHashes,
    limits: Vec<String>,
}

impl Races {
    pub fn new() -> Self {
        Races::default()
    }

    fn clock(&mut self, t: ThreadId) -> &mut VectorClock {
        if self.threads.len() <= t.index() {
            let from = self.threads.len() as u32;
            self.threads.extend((from..=t.0).map(|i| ThreadClock {
                vc: VectorClock::new_for(ThreadId(i)),
            }));
        }
        &mut self.threads[t.index()].vc
    }

    fn obj(&mut self, o: crate::trace::ObjId) -> &mut VectorClock {
        if self.objs.len() <= o.index() {
            self.objs.resize_with(o.index() + 1, VectorClock::default);
        }
        &mut self.objs[o.index()]
    }

    /// `t` releases into `o`: `o` learns `t`'s clock, `t` moves on.
    fn release(&mut self, t: ThreadId, o: crate::trace::ObjId) {
        self.clock(t);
        self.obj(o);
        let vc = &mut self.threads[t.index()].vc;
        self.objs[o.index()].join(vc);
        vc.tick(t);
    }

    /// `t` acquires from `o`: `t` learns everything released into `o`.
    fn acquire(&mut self, t: ThreadId, o: crate::trace::ObjId) {
        self.clock(t);
        self.obj(o);
        self.threads[t.index()].vc.join(&self.objs[o.index()]);
    }

    /// An atomic update of `var` by `t`: ordered after the variable's
    /// earlier updates, then an access that reads and writes, then released
    /// to its later updates.
    fn update(&mut self, cx: &Context<'_>, ev: &Event, var: VarId, found: &mut Findings) {
        let t = ev.thread;
        self.clock(t);
        if self.updates.len() <= var.index() {
            self.updates
                .resize_with(var.index() + 1, VectorClock::default);
        }
        self.threads[t.index()].vc.join(&self.updates[var.index()]);
        self.access(cx, ev, (var, true, true), found);
        let vc = &mut self.threads[t.index()].vc;
        self.updates[var.index()].join(vc);
        vc.tick(t);
    }

    fn access(
        &mut self,
        cx: &Context<'_>,
        ev: &Event,
        access: (VarId, bool, bool),
        found: &mut Findings,
    ) {
        let (var, read, write) = access;
        self.clock(ev.thread);
        if self.vars.len() <= var.index() {
            self.vars.resize_with(var.index() + 1, Shadow::default);
        }
        let at = At {
            index: cx.index,
            site: ev.site,
        };
        let vc = &self.threads[ev.thread.index()].vc;
        let shadow = &mut self.vars[var.index()];
        if read {
            shadow.read(ev.thread, vc, at, &mut self.conflicts);
        }
        let reads = self.conflicts.len();
        if write {
            shadow.write(ev.thread, vc, at, &mut self.conflicts);
        }
        if self.conflicts.is_empty() {
            return;
        }
        let conflicts = std::mem::take(&mut self.conflicts);
        for (i, c) in conflicts.iter().enumerate() {
            let current_is_write = write && i >= reads;
            self.record(cx, ev, (var, current_is_write), c, found);
        }
        self.conflicts = conflicts;
        self.conflicts.clear();
    }

    fn record(
        &mut self,
        cx: &Context<'_>,
        ev: &Event,
        (var, wrote): (VarId, bool),
        c: &Conflict,
        found: &mut Findings,
    ) {
        let site = |s: Option<crate::trace::SiteId>| s.map_or(u32::MAX, |s| s.0);
        let (a, b) = (site(ev.site), site(c.previous.at.site));
        let key = (var.0, a.min(b), a.max(b));
        let unseen = self.unseen.between(c.previous.epoch.thread_id(), ev.thread);
        let race = report::Race::new(cx, ev, var, wrote, c, unseen);
        match self.seen.get(&key) {
            Some(&id) => {
                if unseen.is_none() {
                    found.regrade(id, crate::finding::Grade::Confirmed, None);
                }
                let hashes = &mut self.site_hashes;
                let tuple = tuple_of([
                    hashes.get(cx.meta, ev.site),
                    hashes.get(cx.meta, c.previous.at.site),
                ]);
                found.again(id, tuple, || race.steps(cx.meta));
            }
            None => {
                let id = found.add(race.into_finding(cx.meta));
                self.seen.insert(key, id);
            }
        }
    }

    fn sync(&mut self, cx: &Context<'_>, ev: &Event) {
        let t = ev.thread;
        match ev.kind {
            EventKind::Acquired { obj, .. } | EventKind::SemAcquired { obj, .. } => {
                self.acquire(t, obj)
            }
            EventKind::Released { obj, .. }
            | EventKind::SemReleased { obj, .. }
            | EventKind::EventSet { obj }
            | EventKind::BarrierWait { obj } => self.release(t, obj),
            EventKind::CondWait { mutex, .. } => self.release(t, mutex),
            EventKind::CondWoken {
                condvar,
                mutex,
                timed_out,
            } => {
                self.acquire(t, mutex);
                if !timed_out {
                    self.acquire(t, condvar);
                }
            }
            EventKind::Notify { condvar, .. } => self.release(t, condvar),
            EventKind::EventWoken {
                obj,
                timed_out: false,
            }
            | EventKind::BarrierPassed { obj, .. } => self.acquire(t, obj),
            EventKind::Fork { child } => {
                let vc = self.clock(t).clone();
                self.fork_join.fork(cx, t, child, vc);
                self.clock(t).tick(t);
            }
            EventKind::Join { child } if self.fork_join.join(cx, t, child) => {
                let child_vc = self.clock(child).clone();
                self.clock(t).join(&child_vc);
            }
            _ => {}
        }
    }
}

impl Analysis for Races {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, found: &mut Findings) {
        self.unseen.on_event(cx, ev);
        if let Some(parent_vc) = self.fork_join.on_thread_event(cx, ev) {
            self.clock(ev.thread).join(&parent_vc);
        }
        match ev.kind {
            EventKind::Read { var } => self.access(cx, ev, (var, true, false), found),
            EventKind::Write { var } => self.access(cx, ev, (var, false, true), found),
            EventKind::Update { var } => self.update(cx, ev, var, found),
            _ => self.sync(cx, ev),
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, _found: &mut Findings) {
        if let Some(limit) = self.fork_join.end_trace(cx) {
            self.limits.push(limit);
        }
        self.threads.clear();
        self.objs.clear();
        self.vars.clear();
        self.updates.clear();
        self.unseen.clear();
        self.seen.clear();
        self.site_hashes.clear();
    }

    fn finish(&mut self, _config: &super::Config, _found: &mut Findings) -> Finished {
        Finished {
            limits: std::mem::take(&mut self.limits),
            ..Finished::default()
        }
    }
}
