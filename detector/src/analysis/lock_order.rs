//! Predicted deadlocks: lock-order inversions, graded by feasibility.
//!
//! While a trace streams by, every blocking acquisition of a lock `B` by a
//! thread holding `A` adds an edge `A -> B` to the lock-order graph
//! (`edges`), placed at the `request` when there is one, else at the
//! acquisition. Re-entrant acquisitions of a held lock add nothing, nor do
//! failed try-locks (a `try_failed` without a `request`); a timed request
//! that gave up (`request` then `try_failed`) does, since the thread
//! blocked holding its locks; an acquisition without a request (a
//! successful try-lock, or an uncontended lock) does too, since traces
//! cannot tell the two apart.
//!
//! At the end of each trace the graph's elementary cycles are enumerated
//! shortest first (`search`, with
//! [`shortest_cycles`](crate::graph::cycles::shortest_cycles) bounded by
//! [`Config::max_cycle_len`] and [`Config::max_cycles_per_component`]),
//! each once by its edge sequence (both directions over one lock set are
//! searched). Their patterns (`patterns`: no common gate lock, modes that
//! block) become findings (`render`, `kept`), one per tuple of acquisition
//! sites, graded (`grade`): confirmed when the trace ends blocked in it;
//! feasible when the sync-preserving closure of
//! [`feasibility`](super::feasibility) reaches it on sampled occurrences
//! not ordered by fork/join happens-before (`clocks`), or else the
//! [`witness`](super::witness) search finds a replayed reordering over
//! every occurrence, with up to three critical sections moved before
//! earlier sections of their lock (the finding names them); sequential
//! when its edges are on one thread or ordered by fork/join (reported only
//! for a lock cycle without a concurrent pattern); unconfirmed otherwise.
//!
//! Across traces (`merge`) the graphs are merged by lock identity
//! (display name and creation site) and cycles that need edges of two or
//! more traces are reported, unconfirmed.
//!
//! `lockscope graph` draws the merged graph with the lock cycles reported
//! here ([`graph`]): it runs this analysis without feasibility grading,
//! which decides grades only, never which patterns are reported.
//!
//! # Performance
//! Per event: O(locks held) edge updates. Memory: the edge store is bounded
//! by lock pairs x `edges::MAX_REPS_PER_PAIR`; the feasibility buffer
//! holds 8 bytes per event of the latest [`Config::feasibility_window`]
//! events of the current trace, from its first nested acquisition on.
//!
//! # Limitations
//! Every bound that cuts the search (cycle length, cycles per component,
//! patterns per cycle, search steps, feasibility work, occurrence
//! sampling where the witness search does not cover it, and the witness
//! search's [`Budget`](super::witness::Budget)) is reported in the
//! report's limits. In `*_dlf` traces fork/join is not trusted (see
//! `clocks::ForkJoin::distrust`): no pattern is dropped as ordered by
//! fork/join, while the feasibility closure still applies fork/join
//! constraints (they can only make it larger), so a wrong fork can cost a
//! feasible grade but never produce one.

mod class;
mod clocks;
mod edges;
mod grade;
mod graph;
mod held;
mod kept;
mod merge;
mod patterns;
mod render;
mod search;

use hashbrown::HashMap;

use super::feasibility::Recorder;
use super::unseen::Unseen;
use super::witness::Log;
use super::{Analysis, Config, Context, Finished};
use crate::finding::Findings;
use crate::state::ThreadState;
use crate::trace::{Event, EventKind, LockMode, ObjId, SiteId, ThreadId};
use clocks::ForkJoin;
use edges::{EdgeStore, Instance, Rep, NO_SITE};
use grade::{Graded, Grader, SampleCuts, FEASIBILITY_STEPS};
use search::search;

pub use graph::graph;

/// The lock-order analysis.
#[derive(Debug)]
pub struct LockOrder {
    edges: EdgeStore,
    clocks: ForkJoin,
    unseen: Unseen,
    recorder: Recorder,
    /// The trace for the witness search.
    log: Log,
    /// Whether patterns are graded by feasibility (off when only the graph
    /// is wanted: grading decides grades, never which patterns count).
    feasibility: bool,
    /// The request each thread made and has not yet acquired or given up
    /// (only threads blocked on one have an entry).
    pending: HashMap<ThreadId, Request>,
    merged: merge::Merged,
    /// The lock cycles reported, as merged lock ids.
    reported: Vec<Vec<u32>>,
    limits: Vec<String>,
    /// Requests of this trace made holding more than [`MAX_HELD`] locks.
    deep: u64,
    /// Reused for each request's held set.
    scratch: Vec<(u32, LockMode)>,
    /// Each lock's first acquisition site in this trace (see
    /// [`class`](self::class): a declared site equal to it is a first use).
    first_sites: class::FirstSites,
}

/// Most held locks a request adds edges from (the innermost): a thread
/// nesting `d` locks adds `d` edges per acquisition, `d^2` in all.
pub const MAX_HELD: usize = 256;

impl Default for LockOrder {
    fn default() -> Self {
        LockOrder {
            edges: EdgeStore::default(),
            clocks: ForkJoin::default(),
            unseen: Unseen::default(),
            recorder: Recorder::default(),
            log: Log::default(),
            feasibility: true,
            pending: HashMap::new(),
            merged: merge::Merged::default(),
            reported: Vec::new(),
            limits: Vec::new(),
            deep: 0,
            scratch: Vec::new(),
            first_sites: class::FirstSites::default(),
        }
    }
}

impl LockOrder {
    pub fn new() -> Self {
        LockOrder::default()
    }

    /// Without feasibility grading (every pattern unconfirmed): for the
    /// graph, at a fraction of the memory.
    fn without_feasibility() -> Self {
        LockOrder {
            feasibility: false,
            ..LockOrder::default()
        }
    }

    /// Adds the edges `held -> req.obj` of thread `t` holding what
    /// `state` says (the state before the request or acquisition): from
    /// each held lock, or from the innermost [`MAX_HELD`] when it holds
    /// more.
    fn add_edges(&mut self, cx: &Context<'_>, state: &ThreadState, t: ThreadId, req: Request) {
        let is_lock = |o: ObjId| cx.meta.primitive(o).kind.is_lock();
        if state.holding(req.obj).is_some() || !is_lock(req.obj) {
            return;
        }
        let mut held = std::mem::take(&mut self.scratch);
        held.clear();
        held.extend(
            state
                .held
                .iter()
                .filter(|h| is_lock(h.obj))
                .map(|h| (h.obj.0, h.mode)),
        );
        held.sort_unstable_by_key(|h| h.0);
        let (n, id) = (held.len(), self.edges.held.intern(&held));
        self.scratch = held;
        if n == 0 {
            return;
        }
        let Some(held) = id else {
            self.edges.dropped += n as u64;
            return;
        };
        self.deep += u64::from(n > MAX_HELD);
        let clock = self.clocks.snapshot(t, cx.index);
        let innermost = state
            .held
            .iter()
            .rev()
            .filter(|h| is_lock(h.obj))
            .take(MAX_HELD);
        for h in innermost {
            let rep = Rep {
                from: h.obj.0,
                to: req.obj.0,
                trace: cx.trace as u32,
                thread: t.0,
                held,
                mode_from: h.mode,
                mode_to: req.mode,
                site_from: h.site.map_or(NO_SITE, |s| s.0),
                site_to: req.site.map_or(NO_SITE, |s| s.0),
                instances: Default::default(),
                count: 0,
            };
            let instance = Instance {
                idx_from: h.since,
                idx_to: req.index,
                pos_to: req.pos,
                clock,
            };
            self.edges.add(rep, instance);
        }
    }

    /// The request (or acquisition without one) that `ev` is.
    fn request(&self, cx: &Context<'_>, ev: &Event, obj: ObjId, mode: LockMode) -> Request {
        Request {
            obj,
            mode,
            index: cx.index,
            site: ev.site,
            pos: self.recorder.next_pos(ev.thread),
        }
    }
}

/// Whether `ev` may be the request of a lock-order edge (an acquisition
/// or request made holding a lock): where feasibility recording starts.
fn opens_a_pattern(ev: &Event, state: &ThreadState) -> bool {
    matches!(
        ev.kind,
        EventKind::Request { .. } | EventKind::Acquired { .. } | EventKind::CondWoken { .. }
    ) && !state.held.is_empty()
}

/// A blocking request whose edges wait for its outcome: added when the
/// lock is acquired or the trace ends with the thread blocked, dropped
/// when it gives up (a timed lock's `try_failed`).
#[derive(Clone, Copy, Debug)]
struct Request {
    obj: ObjId,
    mode: LockMode,
    index: u64,
    site: Option<SiteId>,
    /// Position in its thread.
    pos: u32,
}

impl Analysis for LockOrder {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, _found: &mut Findings) {
        self.unseen.on_event(cx, ev);
        let t = ev.thread;
        let held = |o: ObjId| cx.state.thread(t).holding(o);
        let reentry = match ev.kind {
            EventKind::Acquired { obj, .. } => held(obj).is_some(),
            EventKind::Released { obj, .. } => held(obj).is_some_and(|h| h.depth > 1),
            _ => false,
        };
        let state = cx.state.thread(t);
        if self.feasibility && !self.recorder.started() && opens_a_pattern(ev, state) {
            self.recorder.start(cx.state, cx.config.feasibility_window);
        }
        if let EventKind::Request { obj, .. } | EventKind::Acquired { obj, .. } = ev.kind {
            self.first_sites.saw(cx.meta, obj, ev.site);
        }
        match ev.kind {
            EventKind::Request { obj, mode } => {
                let req = self.request(cx, ev, obj, mode);
                self.pending.insert(t, req);
            }
            EventKind::Acquired { obj, mode, .. } => {
                let req = match self.pending.remove(&t) {
                    Some(req) if req.obj == obj => req,
                    _ => self.request(cx, ev, obj, mode),
                };
                self.add_edges(cx, state, t, req);
            }
            // A timed request that gave up still blocked holding what it
            // held (the seed's opposite-order deadlock times out this way).
            EventKind::TryFailed { obj, .. } => {
                if let Some(req) = self.pending.remove(&t).filter(|r| r.obj == obj) {
                    self.add_edges(cx, state, t, req);
                }
            }
            EventKind::CondWoken { mutex, .. } => {
                let req = self.request(cx, ev, mutex, LockMode::Exclusive);
                self.add_edges(cx, state, t, req);
            }
            _ => {}
        }
        self.clocks.on_event(cx.index, ev, cx.state);
        if self.feasibility {
            self.recorder.on_event(cx.index, ev, reentry);
            if cx.config.witness.is_some() {
                let is_lock = |o: u32| cx.meta.primitive(ObjId(o)).kind.is_lock();
                self.log.on_event(ev, cx.config.feasibility_window, is_lock);
            }
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, found: &mut Findings) {
        // Threads still blocked on a request: their edges count.
        let mut pending: Vec<_> = std::mem::take(&mut self.pending).into_iter().collect();
        pending.sort_unstable_by_key(|(t, _)| *t);
        for (t, req) in pending {
            let state = cx.state.thread(t);
            if state.blocked.is_some_and(|b| b.since == req.index) {
                self.add_edges(cx, state, t, req);
            }
        }
        let edges = std::mem::take(&mut self.edges);
        let clocks = std::mem::take(&mut self.clocks);
        let recorder = std::mem::take(&mut self.recorder);
        let log = std::mem::take(&mut self.log);
        let distrust = clocks.distrust(cx.meta, cx.state);
        let trust = cx.config.trust_fork_join && distrust.is_none();
        let mut grader = Grader {
            state: cx.state,
            clocks: &clocks,
            held: &edges.held,
            checks: self.feasibility.then(|| recorder.checks()),
            trust,
            unseen: &self.unseen,
            budget: FEASIBILITY_STEPS,
            witness: None,
            witness_from: cx
                .config
                .witness
                .filter(|_| self.feasibility && !log.over_window())
                .map(|budget| (&log, budget)),
            cuts: SampleCuts::default(),
            out_of_window: 0,
            over_window: cx.config.witness.is_some() && self.feasibility && log.over_window(),
            unsearched: 0,
        };
        let mut patterns = kept::Patterns::default();
        let mut key: kept::Key = Vec::new();
        let cut = search(&edges, cx.config, &mut |chosen| {
            key.clear();
            key.extend(chosen.iter().map(|r| (r.from, r.site_from, r.site_to)));
            let Some(graded) = grade_unsettled(&mut grader, &patterns, &key, chosen) else {
                return false;
            };
            patterns.offer(&key, &graded, || render::views(cx.meta, chosen, &graded.at))
        });
        let name = cx.trace_name;
        self.limits.extend(cut.messages(name));
        if edges.dropped > 0 {
            self.limits.push(format!(
                "{name}: {} distinct lock-order edges were not kept (more than {} per lock pair, \
                 or {} in all)",
                edges.dropped,
                edges::MAX_REPS_PER_PAIR,
                edges::MAX_REPS
            ));
        }
        let cuts = clocks.cuts();
        if cuts.any() && edges.all().next().is_some() {
            self.limits.push(format!(
                "{name}: more than {} threads were forked and not joined at once; {} threads \
                 took over the fork/join clock slot of a thread not known to have ended (this \
                 can drop a pattern as ordered by fork/join)",
                clocks::MAX_SLOTS,
                (cuts.inexact + cuts.joined_gone).max(1)
            ));
        }
        if self.deep > 0 {
            self.limits.push(format!(
                "{name}: {} acquisition(s) were made holding more than {MAX_HELD} locks; only \
                 the innermost {MAX_HELD} gave lock-order edges",
                std::mem::take(&mut self.deep)
            ));
        }
        if grader.out_of_window > 0 {
            self.limits.push(format!(
                "{name}: {} occurrence combination(s) of lock-order patterns lie before the \
                 feasibility window (the last {} events) and were graded unconfirmed",
                grader.out_of_window, cx.config.feasibility_window
            ));
        }
        if grader.unsearched > 0 {
            self.limits.push(format!(
                "{name}: the trace has more events than the feasibility window ({}); the \
                 deadlock witness search did not run for {} pattern(s) left below feasible",
                cx.config.feasibility_window, grader.unsearched
            ));
        }
        self.limits.extend(grader.cuts.messages(name));
        if let Some(searcher) = &grader.witness {
            self.limits.extend(searcher.limits(name));
        }
        if grader.budget == 0 {
            self.limits.push(format!(
                "{name}: feasibility work budget ({FEASIBILITY_STEPS} events) ran out; later \
                 patterns are graded unconfirmed"
            ));
        }
        self.merged.first_sites = std::mem::take(&mut self.first_sites);
        for key in patterns.keys() {
            self.merged.offered(cx, key);
        }
        let patterns = patterns.reported();
        for (key, _) in &patterns {
            let cycle = key
                .iter()
                .map(|k| self.merged.lock(cx.trace, cx.meta, k.0))
                .collect();
            self.reported.push(cycle);
        }
        // The feasibility window and the trace's edges go before the merged
        // graph takes the edges' copies: the three are never whole at once.
        drop(recorder);
        self.merged.add_trace(cx, edges, clocks, trust);
        for (_, p) in patterns {
            let mut f = render::finding(p.views, p.grade, Vec::new(), distrust.clone());
            f.unseen_thread = p.unseen.map(|t| super::names::thread(cx.meta, t));
            let reordered = render::reordered(cx.meta, &log, &p.moved);
            found.add(render::with_reordered(f, reordered));
        }
        self.unseen.clear();
    }

    fn finish(&mut self, config: &Config, found: &mut Findings) -> Finished {
        let (mut done, cycles) = self.merged.finish(config, found);
        self.reported.extend(cycles);
        done.limits.splice(0..0, std::mem::take(&mut self.limits));
        done
    }
}

/// The grade of pattern `chosen` (key `key`), or `None` when the pattern
/// kept for its key settles it: then only a confirmed grade could replace
/// that one, and no grading work is spent on anything else.
fn grade_unsettled(
    grader: &mut Grader<'_>,
    patterns: &kept::Patterns,
    key: &[(u32, u32, u32)],
    chosen: &[&Rep],
) -> Option<Graded> {
    if !patterns.settled(key, grader.can_be_feasible()) {
        return Some(grader.grade(chosen));
    }
    let confirmed = grader.confirmed(chosen);
    if confirmed.is_none() && !patterns.settled(key, true) {
        // Left below feasible without a witness search, as grading would
        // have left it.
        grader.skipped(chosen);
    }
    confirmed
}

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::{notes, of_kind, rows, steps, titles, TraceBuilder};
    use crate::analysis::Config;
    use crate::finding::{FindingKind::PotentialDeadlock, Grade, Severity};
    use crate::trace::{EventKind, LockMode};

    /// The grades of every predicted deadlock, by title.
    fn grades(b: &TraceBuilder) -> Vec<(String, Grade)> {
        let report = b.analyze();
        let mut out: Vec<_> = of_kind(&report, PotentialDeadlock)
            .into_iter()
            .map(|f| (f.title(), f.grade.expect("graded")))
            .collect();
        out.sort();
        out
    }

    fn abba(b: &mut TraceBuilder) -> &mut TraceBuilder {
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.lock("T2", "B", "3")
            .lock("T2", "A", "4")
            .rel("T2", "A")
            .rel("T2", "B")
    }

    #[test]
    fn abba_is_a_feasible_inversion_with_sites_steps_and_scenario() {
        let mut b = TraceBuilder::std();
        abba(&mut b);
        let report = b.analyze();
        let found = of_kind(&report, PotentialDeadlock);
        assert_eq!(found.len(), 1);
        let f = found[0];
        assert_eq!(
            f.title(),
            "potential deadlock: A -> B -> A (T1 at loc 1 -> loc 2, T2 at loc 3 -> loc 4)"
        );
        assert_eq!(f.grade, Some(Grade::Feasible));
        assert_eq!(f.severity, Severity::Error);
        assert!(notes(f).contains(&"acquisition sites: (loc 1, loc 2), (loc 3, loc 4)".to_owned()));
        let s = |e: u64, what: &str| (Some(e), what.to_owned());
        assert_eq!(
            steps(f),
            [
                s(1, "acquired A"),
                s(2, "requested B while holding A"),
                s(7, "acquired B"),
                s(8, "requested A while holding B"),
            ]
        );
        let r = |c: usize, op: &str| (c, op.to_owned());
        assert_eq!(
            rows(f),
            [
                r(0, "lock(A);"),
                r(1, "lock(B);"),
                r(0, "lock(B);"),
                r(1, "lock(A);")
            ]
        );
    }

    #[test]
    fn fingerprint_depends_on_names_and_sites_not_ids() {
        let mut b = TraceBuilder::std();
        abba(&mut b);
        let mut c = TraceBuilder::std();
        c.obj("B");
        c.thread("T2");
        abba(&mut c);
        let fp = |b: &TraceBuilder| {
            of_kind(&b.analyze(), PotentialDeadlock)[0]
                .fingerprint
                .clone()
        };
        assert_eq!(fp(&b), fp(&c));
    }

    #[test]
    fn gate_lock_and_reentry_give_no_inversion() {
        let mut b = TraceBuilder::std();
        b.lock("T1", "G", "0");
        abba(&mut b);
        b.rel("T1", "G");
        // Only T1 holds G: no gate.
        assert_eq!(grades(&b).len(), 1);
        let mut gated = TraceBuilder::std();
        gated
            .lock("T1", "G", "0")
            .lock("T1", "A", "1")
            .lock("T1", "B", "2");
        gated.rel("T1", "B").rel("T1", "A").rel("T1", "G");
        gated
            .lock("T2", "G", "0")
            .lock("T2", "B", "3")
            .lock("T2", "A", "4");
        assert!(grades(&gated).is_empty());
        let mut reentry = TraceBuilder::std();
        reentry
            .lock("T1", "A", "1")
            .lock("T1", "A", "2")
            .lock("T2", "A", "3");
        assert!(grades(&reentry).is_empty());
    }

    #[test]
    fn failed_try_lock_adds_no_edge() {
        let mut b = TraceBuilder::lockscope();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.lock("T2", "B", "3");
        b.on("T2", "A", |obj| EventKind::TryFailed {
            obj,
            mode: LockMode::Exclusive,
        });
        assert!(grades(&b).is_empty());
    }

    #[test]
    fn timed_request_that_gave_up_still_adds_its_edge() {
        // The opposite-order seed with timed locks: both give up.
        let mut b = TraceBuilder::lockscope();
        b.lock("T1", "A", "1").lock("T2", "B", "3");
        b.req("T1", "B", "2").req("T2", "A", "4");
        for (t, l) in [("T1", "B"), ("T2", "A")] {
            b.on(t, l, |obj| EventKind::TryFailed {
                obj,
                mode: LockMode::Exclusive,
            });
        }
        assert_eq!(grades(&b).len(), 1);
    }

    #[test]
    fn read_locks_do_not_block_each_other() {
        let mut b = TraceBuilder::lockscope();
        for (t, x, y) in [("T1", "A", "B"), ("T2", "B", "A")] {
            b.acq_mode(t, x, LockMode::Shared, "1")
                .acq_mode(t, y, LockMode::Shared, "2");
            b.rel(t, y).rel(t, x);
        }
        assert!(grades(&b).is_empty());
    }

    #[test]
    fn one_thread_taking_both_orders_is_a_sequential_inversion() {
        let mut one = TraceBuilder::std();
        one.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        one.lock("T1", "B", "3").lock("T1", "A", "4");
        let report = one.analyze();
        let found = of_kind(&report, PotentialDeadlock);
        assert_eq!(
            grades(&one),
            [(
                "potential deadlock: A -> B -> A (T1 at loc 1 -> loc 2, T1 at loc 3 -> loc 4)"
                    .to_owned(),
                Grade::Sequential
            )]
        );
        assert_eq!(found[0].severity, Severity::Error);
        assert!(notes(found[0])
            .iter()
            .any(|n| n.starts_with("sequential: both lock orders were taken in this run")));
    }

    #[test]
    fn sequential_evidence_is_reported_only_for_cycles_without_concurrent_evidence() {
        // T1 takes both orders itself; T2 inverts T1's first order
        // concurrently: the concurrent pattern speaks for the cycle.
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.lock("T1", "B", "3")
            .lock("T1", "A", "4")
            .rel("T1", "A")
            .rel("T1", "B");
        b.lock("T2", "B", "5").lock("T2", "A", "6");
        let found = grades(&b);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, Grade::Feasible);
    }

    #[test]
    fn fork_ordered_edges_are_sequential_unless_fork_join_is_untrusted() {
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.fork("T1", "T2");
        b.lock("T2", "B", "3")
            .lock("T2", "A", "4")
            .rel("T2", "A")
            .rel("T2", "B");
        let found = grades(&b);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, Grade::Sequential);
        let config = Config {
            trust_fork_join: false,
            ..Config::default()
        };
        // Untrusted fork/join orders nothing, so the pattern is concurrent
        // evidence; the feasibility closure still applies the fork, which
        // no reordering can pass.
        let report = b.analyze_with(&config);
        let found = of_kind(&report, PotentialDeadlock);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].grade, Some(Grade::Unconfirmed));
    }

    #[test]
    fn dlf_style_fork_is_distrusted_and_said_so() {
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.fork("T1", "T9"); // T9 never runs: the child runs as T2
        b.lock("T2", "B", "3")
            .lock("T2", "A", "4")
            .rel("T2", "A")
            .rel("T2", "B");
        let report = b.analyze();
        let f = of_kind(&report, PotentialDeadlock)[0];
        assert!(notes(f).iter().any(|n| n.starts_with(
            "fork/join of this trace is not trusted (forked thread T9 never appears"
        )));
    }

    #[test]
    fn three_lock_cycle_is_found_and_bounded_by_max_cycle_len() {
        let mut b = TraceBuilder::std();
        for (t, x, y) in [("T1", "A", "B"), ("T2", "B", "C"), ("T3", "C", "A")] {
            b.lock(t, x, "1").lock(t, y, "2").rel(t, y).rel(t, x);
        }
        assert_eq!(
            titles(&b.analyze(), PotentialDeadlock),
            ["potential deadlock: A -> B -> C -> A (T1 at loc 1 -> loc 2, T2 at loc 1 -> loc 2, T3 at loc 1 -> loc 2)"]
        );
        let config = Config {
            max_cycle_len: 2,
            ..Config::default()
        };
        let report = b.analyze_with(&config);
        assert_eq!(report.count(PotentialDeadlock), 0);
        assert_eq!(
            report.limits,
            ["test: 1 lock-order component(s) have more locks than max_cycle_len; longer cycles were not searched"]
        );
    }

    #[test]
    fn inversion_split_across_traces_is_a_sequential_class_cycle() {
        let mut one = TraceBuilder::lockscope();
        one.created_at("A", "a.rs:1:1").created_at("B", "a.rs:2:1");
        one.lock("T1", "A", "1").lock("T1", "B", "2");
        let mut two = TraceBuilder::lockscope();
        two.created_at("B", "a.rs:2:1").created_at("A", "a.rs:1:1");
        two.lock("T1", "B", "3").lock("T1", "A", "4");
        let report = run(&one, &two);
        let found = of_kind(&report, PotentialDeadlock);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].title(),
            "potential deadlock: mutex@loc a.rs:1:1 -> mutex@loc a.rs:2:1 -> mutex@loc a.rs:1:1 \
             (one: T1 at loc 1 -> loc 2, two: T1 at loc 3 -> loc 4)"
        );
        assert_eq!(found[0].grade, Some(Grade::Sequential));
        assert_eq!(found[0].severity, Severity::Error);
        assert!(notes(found[0])
            .iter()
            .any(|n| n.starts_with("the edges come from different traces (one, two)")));
        // Same names but no creation sites, as in STD traces: different
        // locks.
        let mut one = TraceBuilder::std();
        one.lock("T1", "A", "1").lock("T1", "B", "2");
        let mut two = TraceBuilder::std();
        two.lock("T1", "B", "3").lock("T1", "A", "4");
        assert_eq!(run(&one, &two).count(PotentialDeadlock), 0);
    }

    /// `one` and `two` analyzed together.
    fn run(one: &TraceBuilder, two: &TraceBuilder) -> crate::report::Report {
        use crate::analysis::{analyze, Input};
        let inputs = vec![
            Input {
                name: "one".into(),
                source: Box::new(one.source()),
            },
            Input {
                name: "two".into(),
                source: Box::new(two.source()),
            },
        ];
        analyze(inputs, &Config::default()).expect("in memory")
    }

    #[test]
    fn inversion_over_other_instances_of_the_same_classes_is_a_class_cycle() {
        // Two tests in one process: each makes its own pair of accounts at
        // the same two sites and transfers one way.
        let mut b = TraceBuilder::lockscope();
        for (lock, site) in [("a1", "a.rs:1:1"), ("b1", "a.rs:2:1")] {
            b.created_at(lock, site);
        }
        for (lock, site) in [("a2", "a.rs:1:1"), ("b2", "a.rs:2:1")] {
            b.created_at(lock, site);
        }
        b.lock("T1", "a1", "1").lock("T1", "b1", "2");
        b.rel("T1", "b1").rel("T1", "a1");
        b.lock("T2", "b2", "3").lock("T2", "a2", "4");
        let report = b.analyze();
        let found = of_kind(&report, PotentialDeadlock);
        assert_eq!(found.len(), 1, "{:#?}", report.findings);
        assert_eq!(found[0].grade, Some(Grade::Sequential));
        assert!(notes(found[0])
            .iter()
            .any(|n| n.starts_with("the edges take different locks of the same lock classes")));
    }

    #[test]
    fn two_instances_of_one_class_in_both_orders_are_one_instance_finding() {
        let mut b = TraceBuilder::lockscope();
        b.created_at("x", "a.rs:1:1").created_at("y", "a.rs:1:1");
        b.lock("T1", "x", "1").lock("T1", "y", "2");
        b.rel("T1", "y").rel("T1", "x");
        b.lock("T1", "y", "1").lock("T1", "x", "2");
        let report = b.analyze();
        let found = of_kind(&report, PotentialDeadlock);
        assert_eq!(found.len(), 1, "{:#?}", report.findings);
        assert!(matches!(
            found[0].detail,
            crate::finding::Detail::LockCycle {
                by_class: false,
                ..
            }
        ));
        // Different classes at those sites, taken in one order only: no
        // self-loop of the class becomes a finding.
        let mut c = TraceBuilder::lockscope();
        c.created_at("x", "a.rs:1:1").created_at("y", "a.rs:1:1");
        c.lock("T1", "x", "1").lock("T1", "y", "2");
        assert_eq!(c.analyze().count(PotentialDeadlock), 0);
    }

    #[test]
    fn a_pattern_the_trace_grades_is_not_reported_again_by_class() {
        // The same unconfirmed pattern in two processes: the class graph
        // finds it across them too, but the trace's grade stands.
        let mut b = TraceBuilder::lockscope();
        b.created_at("a", "a.rs:1:1").created_at("b", "a.rs:2:1");
        b.lock("T1", "a", "1").lock("T1", "b", "2").write("T1", "x");
        b.rel("T1", "b").rel("T1", "a");
        b.read("T2", "x").lock("T2", "b", "3").lock("T2", "a", "4");
        let report = run(&b, &b);
        let found = of_kind(&report, PotentialDeadlock);
        assert_eq!(found.len(), 1, "{:#?}", report.findings);
        assert_eq!(found[0].grade, Some(Grade::Unconfirmed));
    }

    #[test]
    fn known_answer_deadlock_std_is_one_unconfirmed_cycle() {
        assert_eq!(
            grades(&TraceBuilder::bundled("Deadlock")),
            [(
                "potential deadlock: L0 -> L1 -> L0 (T1 at loc 7 -> loc 9, T2 at loc 19 -> loc 21)"
                    .to_owned(),
                Grade::Unconfirmed
            )]
        );
    }

    #[test]
    fn known_answer_bensalem_has_two_cycles_one_feasible() {
        assert_eq!(
            grades(&TraceBuilder::bundled("Bensalem")),
            [
                (
                    "potential deadlock: L1 -> L2 -> L1 (T2 at loc 28 -> loc 30, T1 at loc 20 -> loc 22)"
                        .to_owned(),
                    Grade::Unconfirmed
                ),
                (
                    "potential deadlock: L1 -> L2 -> L1 (T2 at loc 28 -> loc 30, T3 at loc 38 -> loc 40)"
                        .to_owned(),
                    Grade::Feasible
                ),
            ]
        );
    }

    #[test]
    fn known_answer_string_buffer_is_confirmed() {
        let found = grades(&TraceBuilder::bundled("StringBuffer"));
        assert!(found.contains(&(
            "potential deadlock: L1 -> L2 -> L1 (T1 at loc 86 -> loc 7, T2 at loc 86 -> loc 58)"
                .to_owned(),
            Grade::Confirmed
        )));
    }
}
