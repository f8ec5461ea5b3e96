//! Data races on tracked variables by happens-before, graded by
//! schedulable happens-before.
//!
//! Two accesses to one variable race when at least one writes and neither
//! happens before the other. Every racy pair of sites that exact
//! happens-before has is reported (see `exact`: each variable remembers,
//! per site, the accesses there no later one there is ordered after, not
//! only FastTrack's last write and reads). Happens-before is tracked with
//! vector clocks ([`crate::clock`]) along these edges:
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
//! Each race is reported with what ThreadSanitizer shows: the current
//! access and the previous one as steps with their sites, and where each
//! thread was created. A racy pair of sites is one finding whatever the
//! variable (the pair is unordered; the variable counts only when a site is
//! unknown), as ThreadSanitizer deduplicates by code location: a racy field
//! of a type is one finding however many values of it race. Its
//! occurrences count the accesses found racing with the other site.
//!
//! Each race is graded (see `shb`): [`Sound`](crate::finding::Grade::Sound)
//! when some occurrence is also a race under schedulable happens-before
//! (happens-before plus each write before the reads that read it), which
//! means a correct reordering of the trace runs both accesses together;
//! [`HbOnly`](crate::finding::Grade::HbOnly) otherwise. Both assume the
//! trace shows every edge that could order the two accesses; a race one of
//! whose threads lockscope did not see start or join (see `unseen`: a
//! `std::thread` child, a test harness thread, unless it started the other
//! through lockscope) is graded
//! [`Unconfirmed`](crate::finding::Grade::Unconfirmed) (a warning) instead,
//! until an occurrence without such a thread grades it. The finding names
//! that thread and says how to make the verdict exact.
//!
//! # Fork and join in DeadlockFuzzer traces
//! `*_dlf` STD traces name the wrong child in `fork`/`join`. With
//! [`Config::trust_fork_join`] off no fork/join edge is used. Otherwise the
//! analysis checks each trace itself: a fork of a thread that already ran
//! (begin/end markers aside) or was already forked, an event of a thread
//! after it was joined, or a forked thread with no event at all (begin/end
//! markers count here: a thread may run nothing else) marks the trace's
//! fork/join operands as untrustworthy, and from then on no fork/join edge
//! is used in that trace; [`Report::limits`] says so (in a trace that
//! accesses a tracked variable: in one that does not, nothing can race).
//! A fork edge is applied at the child's first event and a join of a
//! thread that never ran merges nothing, so a fork naming a thread that
//! never runs adds no order even before the mismatch is known.
//!
//! # Performance
//! Until a trace's first access to a tracked variable nothing is done per
//! event (fork and join aside, for the trust checks above): happens-before
//! runs forward in the trace, so order among earlier events orders no two
//! accesses. From then on an access costs one epoch comparison per entry
//! its variable remembers (O(1) when its thread already accessed it at that
//! site in the same epochs); a synchronisation event costs one clock join
//! per clock set (happens-before and SHB). Both clock sets range over the
//! threads alive at once (`clocks`, [`crate::clock`]): one clock per live
//! thread, per exited thread not yet joined (the latest 4,096) and per
//! primitive, sharing their chunks. Per variable 48 bytes, its last
//! write's SHB clock (chunks shared) and 32 bytes per remembered entry
//! (bounded, see `exact`). Hashing happens only when a race is found.
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
//! are kept. More than 4,096 threads alive at once, or a join of a thread
//! that exited more than 4,096 exits earlier, merge thread histories
//! (`clocks`), which can hide races and is reported in the limits.
//!
//! [`Config::trust_fork_join`]: super::Config::trust_fork_join
//! [`Report::limits`]: crate::report::Report::limits

use hashbrown::HashMap;

use super::names::{self, SiteHashes, VarsNamed};
use super::unseen::Unseen;
use super::{Analysis, Context, Finished};
use crate::clock::VectorClock;
use crate::finding::{tuple_of, FindingId, Findings, Grade};
use crate::trace::{Event, EventKind, ObjId, ThreadId, VarId};

mod clocks;
mod exact;
mod forkjoin;
mod report;
mod shb;

use clocks::Clocks;
use exact::{At, Conflict, Now, Summary};
use forkjoin::{ForkJoin, Forked};
use shb::Shb;

/// See the module docs.
#[derive(Debug, Default)]
pub struct Races {
    /// Whether this trace accessed a tracked variable yet: until then no
    /// clock is kept (see "Performance").
    started: bool,
    clocks: Clocks,
    /// Schedulable happens-before clocks, for grading.
    shb: Shb,
    vars: Vec<Summary>,
    /// Per variable: what its updates released (see the module docs), in
    /// happens-before and in SHB.
    updates: Vec<[VectorClock; 2]>,
    fork_join: ForkJoin,
    unseen: Unseen,
    conflicts: Vec<Conflict>,
    /// (var when a site is unknown, lower site, higher site) -> its finding,
    /// grade and the variables it names, in this trace.
    seen: HashMap<(u32, u32, u32), (FindingId, Grade, VarsNamed)>,
    /// Accesses forgotten because a site had too many entries.
    forgotten: u64,
    site_hashes: SiteHashes,
    /// Occurrences of racy site pairs past [`super::MAX_DISTINCT`] in this
    /// trace, not kept.
    unkept: u64,
    limits: Vec<String>,
}

impl Races {
    pub fn new() -> Self {
        Races::default()
    }

    /// `t` releases into `o`: `o` learns `t`'s clocks, `t` moves on.
    fn release(&mut self, cx: &Context<'_>, t: ThreadId, o: ObjId) {
        self.clocks.release(t, o, cx.index);
        self.shb.release(t, o, cx.index);
    }

    /// `t` acquires from `o`: `t` learns everything released into `o`.
    fn acquire(&mut self, cx: &Context<'_>, t: ThreadId, o: ObjId) {
        self.clocks.acquire(t, o, cx.index);
        self.shb.acquire(t, o, cx.index);
    }

    /// An atomic update of `var` by `t`: ordered after the variable's
    /// earlier updates, then an access that reads and writes, then released
    /// to its later updates.
    fn update(&mut self, cx: &Context<'_>, ev: &Event, var: VarId, found: &mut Findings) {
        let t = ev.thread;
        crate::dense::grow(&mut self.updates, var.index(), Default::default);
        let [hb, shb] = &self.updates[var.index()];
        self.clocks.acquire_from(t, hb, cx.index);
        self.shb.acquire_from(t, shb, cx.index);
        self.access(cx, ev, (var, true, true), found);
        let [hb, shb] = &mut self.updates[var.index()];
        self.clocks.release_into(t, hb, cx.index);
        self.shb.release_into(t, shb, cx.index);
    }

    fn access(
        &mut self,
        cx: &Context<'_>,
        ev: &Event,
        access: (VarId, bool, bool),
        found: &mut Findings,
    ) {
        let (var, read, write) = access;
        let t = ev.thread;
        crate::dense::grow(&mut self.vars, var.index(), Summary::default);
        let now = Now {
            thread: t,
            at: At {
                index: cx.index,
                site: ev.site,
            },
            writes: write,
            hb: self.clocks.current(t, cx.index),
            shb: self.shb.current(t, cx.index),
        };
        let summary = &mut self.vars[var.index()];
        self.forgotten += u64::from(summary.access(&now, &mut self.conflicts));
        self.shb
            .access(t, &mut summary.last_write, (read, write), cx.index);
        if self.conflicts.is_empty() {
            return;
        }
        let conflicts = std::mem::take(&mut self.conflicts);
        for c in &conflicts {
            self.record(cx, ev, (var, write), c, found);
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
        let site = |s: Option<crate::trace::SiteId>| s.map_or(names::NO_SITE, |s| s.0);
        let (a, b) = (site(ev.site), site(c.previous.at.site));
        let key = names::site_pair_key(var, [a.min(b), a.max(b)]);
        let unseen = self.unseen.between(c.previous.thread, ev.thread);
        let race = report::Race::new(cx, ev, var, wrote, c, unseen);
        let grade = race.grade();
        let full = self.seen.len() >= super::MAX_DISTINCT;
        match self.seen.get_mut(&key) {
            Some((id, known, vars)) => {
                let id = *id;
                if grade > *known {
                    found.regrade(id, grade, None);
                    *known = grade;
                }
                vars.note(cx.meta, id, var, found);
                let hashes = &mut self.site_hashes;
                let tuple = tuple_of([
                    hashes.get(cx.meta, ev.site),
                    hashes.get(cx.meta, c.previous.at.site),
                ]);
                found.again(id, tuple, || race.steps(cx.meta));
            }
            None if full => self.unkept += 1,
            None => {
                let id = found.add(race.into_finding(cx.meta));
                let mut vars = VarsNamed::default();
                vars.note(cx.meta, id, var, found);
                self.seen.insert(key, (id, grade, vars));
            }
        }
    }

    fn sync(&mut self, cx: &Context<'_>, ev: &Event) {
        let t = ev.thread;
        match ev.kind {
            EventKind::Acquired { obj, .. } | EventKind::SemAcquired { obj, .. } => {
                self.acquire(cx, t, obj)
            }
            EventKind::Released { obj, .. }
            | EventKind::SemReleased { obj, .. }
            | EventKind::EventSet { obj }
            | EventKind::BarrierWait { obj } => self.release(cx, t, obj),
            EventKind::CondWait { mutex, .. } => self.release(cx, t, mutex),
            EventKind::CondWoken {
                condvar,
                mutex,
                timed_out,
            } => {
                self.acquire(cx, t, mutex);
                if !timed_out {
                    self.acquire(cx, t, condvar);
                }
            }
            EventKind::Notify { condvar, .. } => self.release(cx, t, condvar),
            EventKind::EventWoken {
                obj,
                timed_out: false,
            }
            | EventKind::BarrierPassed { obj, .. } => self.acquire(cx, t, obj),
            // It saw the lock held: its holders' acquisitions come first.
            EventKind::TryFailed { obj, .. } => {
                for &(holder, _) in &cx.state.obj(obj).holders {
                    self.shb.learn(t, holder, cx.index);
                }
            }
            EventKind::Fork { child } => {
                let vc = Forked {
                    hb: self.clocks.fork(t, cx.index),
                    shb: self.shb.fork(t, cx.index),
                };
                self.fork_join.fork(cx, t, child, vc);
            }
            EventKind::Join { child } if self.fork_join.join(cx, t, child) => {
                self.clocks.join(t, child, cx.index);
                self.shb.join(t, child, cx.index);
            }
            EventKind::ThreadExit => {
                self.clocks.exit(t);
                self.shb.exit(t);
            }
            _ => {}
        }
    }

    /// The clock cuts of this trace, as limit lines (see
    /// [`crate::clock::ThreadClocks`]).
    fn cuts(&self, name: &str) -> Vec<String> {
        let c = self.clocks.cuts();
        let mut out = Vec::new();
        if c.retired + c.inexact > 0 {
            out.push(format!(
                "data_race: {name}: more than {} threads were alive at once; {} threads took over \
                 the clock slot of a thread not known to have ended (this can hide races \
                 between them, never invent one)",
                clocks::MAX_SLOTS,
                c.inexact.max(1)
            ));
        }
        if c.joined_gone > 0 {
            out.push(format!(
                "data_race: {name}: {} joins of threads that exited more than {} exits \
                 earlier took a merged history (this can hide races, never invent one)",
                c.joined_gone,
                crate::clock::MAX_EXITED
            ));
        }
        out
    }

    /// Fork and join before the first access: only the trust checks see
    /// them (an order among events before the first access orders no two
    /// accesses, since happens-before runs forward in the trace).
    fn before_start(&mut self, cx: &Context<'_>, ev: &Event) {
        match ev.kind {
            EventKind::Fork { child } => {
                self.fork_join
                    .fork(cx, ev.thread, child, Default::default())
            }
            EventKind::Join { child } => {
                self.fork_join.join(cx, ev.thread, child);
            }
            _ => {}
        }
    }
}

impl Analysis for Races {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, found: &mut Findings) {
        self.unseen.on_event(cx, ev);
        if !self.started {
            if ev.kind.var().is_none() {
                return self.before_start(cx, ev);
            }
            self.started = true;
        }
        if let Some(parent) = self.fork_join.on_thread_event(cx, ev) {
            self.clocks.learn(ev.thread, &parent.hb);
            self.shb.start(ev.thread, &parent.shb);
        }
        match ev.kind {
            EventKind::Read { var } => self.access(cx, ev, (var, true, false), found),
            EventKind::Write { var } => self.access(cx, ev, (var, false, true), found),
            EventKind::Update { var } => self.update(cx, ev, var, found),
            _ => self.sync(cx, ev),
        }
    }

    fn prefetches(&self) -> bool {
        self.vars.len() > super::ahead::MANY_VARIABLES
    }

    fn prefetch(&self, ev: &Event, near: bool) {
        let Some(summary) = ev.kind.var().and_then(|v| self.vars.get(v.index())) else {
            return;
        };
        if near {
            summary.prefetch();
        } else {
            crate::prefetch::value(summary);
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, _found: &mut Findings) {
        // A trace without an access to a tracked variable has nothing that
        // could race, so what limited the clocks does not matter there.
        let fork_join = self.fork_join.end_trace(cx);
        if self.started {
            self.limits.extend(fork_join);
            self.limits.extend(self.cuts(cx.trace_name));
        }
        if self.forgotten > 0 {
            self.limits.push(format!(
                "data_race: {}: {} accesses forgot an earlier access of their variable (more \
                 than {} unordered accesses per variable and site, or {} per variable); races \
                 with the forgotten accesses may be missing",
                cx.trace_name,
                self.forgotten,
                exact::MAX_THREADS_PER_SITE,
                exact::MAX_PER_VAR
            ));
            self.forgotten = 0;
        }
        if self.unkept > 0 {
            self.limits.push(super::unkept_message(
                "data_race",
                cx.trace_name,
                "racy site pairs",
                std::mem::take(&mut self.unkept),
            ));
        }
        self.started = false;
        self.clocks = Clocks::default();
        self.shb = Shb::default();
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
