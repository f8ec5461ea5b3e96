//! Feasibility of a predicted deadlock: does a correct reordering of the
//! trace reach it?
//!
//! A *correct reordering* keeps every thread's events in program order,
//! every read reading from the same write, lock semantics, and fork/join
//! order. A deadlock pattern is one blocking acquisition `e_i` per thread
//! `t_i` (each `t_i` holding the lock `e_{i-1}` asks for). Following the
//! sync-preserving deadlock prediction of SPDOffline (Tunç, Mathur,
//! Pavlogiannis, Viswanathan, *Sound Dynamic Deadlock Prediction in Linear
//! Time*, PLDI 2023), the pattern is feasible when the *sync-preserving
//! closure* of the events strictly before each `e_i` in its thread contains
//! none of the `e_i`. The closure is the smallest set that contains those
//! prefixes and is closed under
//! - program order (it is a prefix of every thread),
//! - reads-from: a read (or read-modify-write) brings the write it read,
//! - fork/join: a child's first event brings the fork, a join brings all
//!   of the child's events recorded before it (a fork of a thread that
//!   never runs, or a join of one, constrains nothing),
//! - sync preservation: of two critical sections of one lock in the set,
//!   the earlier in the trace must be complete (its release in the set);
//!   only the latest may stay open.
//!
//! Taking the closure's events in trace order then gives a correct
//! reordering (every read sees the same last write, critical sections keep
//! their order and never overlap), after which every `t_i` is at `e_i`
//! holding the lock `t_{i+1}` wants: a deadlock. So *feasible* is sound:
//! no false positives, at the price of missing deadlocks that need critical
//! sections reordered.
//!
//! Primitives the closure does not model precisely are kept in trace
//! order: every operation on a condvar, event, semaphore or barrier (and a
//! failed try-lock) depends on the previous operation on the same object,
//! so the reordering replays their history unchanged. Read locks are
//! treated as exclusive. Both only make the check more conservative.
//!
//! # The window
//! [`Recorder`] buffers what the closure needs while the trace streams by,
//! for the latest [`Config::feasibility_window`] events only (between one
//! and one and a quarter windows, dropped a quarter at a time): per event 8
//! bytes (one dependency or one acquisition), plus one entry per critical
//! section. It starts at the first acquisition (or request) made while
//! holding a lock, the first event a pattern can start from, so a trace
//! without nested locking buffers nothing. Every event before the window is
//! taken as part of the closure: a closed set that contains more events is
//! still a correct reordering, so this can only lose a feasible grade,
//! never give a wrong one. The closure starts from the window's start in
//! every thread and keeps the critical sections still open there (and,
//! per lock, the latest one that ended before it) for sync preservation. A
//! pattern whose request lies before the window cannot be checked
//! ([`Verdict::OutOfWindow`]); the lock-order analysis grades it
//! unconfirmed and says so in the report's limits.
//!
//! # Performance
//! Recording is O(1) per event, plus, every quarter window, dropping the
//! oldest quarter (linear in what it drops). One check is linear in the
//! events it adds to the closure, plus O(threads x log sections) for each
//! lock whose acquisitions entered the set, each time the events scanned
//! grow fourfold; its scratch state is per thread with events in the
//! window. It scans the latest events first, a few at a time per thread,
//! so an infeasible check usually ends near the pattern, after a few
//! events rather than the whole window. It takes whole the closures of
//! single-thread prefixes that earlier checks built (`known`), rescanning
//! what it had beyond them; a check that scans 64K events builds those of
//! its threads first, then starts again. Memory is bounded by the window,
//! never by the trace.
//!
//! # Limitations
//! Patterns that need two critical sections of one lock swapped, or a
//! read to see a different write, are graded unconfirmed (the
//! sync-preserving restriction of the paper); so are patterns whose
//! requests are older than the window.
//!
//! [`Config::feasibility_window`]: super::Config::feasibility_window

use std::collections::VecDeque;

use crate::state::Replay;
use crate::trace::{Event, EventKind, ObjId, ThreadId, VarId};

mod closure;
mod known;
mod sections;

use known::Known;

use sections::Sections;

const NONE: u32 = u32::MAX;

/// A position in a thread: its `pos`-th event of the window (positions
/// start at 1; 0 is "before the window").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Loc {
    pub thread: u32,
    pub pos: u32,
}

/// What a feasibility check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A sync-preserving correct reordering reaches the pattern.
    Feasible,
    /// The closure contains a pattern event.
    Infeasible,
    /// A pattern event lies before the window.
    OutOfWindow,
    /// The work budget ran out.
    OutOfBudget,
}

/// What the closure must know about one event, in 8 bytes: nothing
/// (`a == NONE`), the lock it acquires (`a`, with `b == NONE`), or the
/// event it depends on (event `b` of thread `a`).
#[derive(Clone, Copy, Debug)]
struct Op {
    a: u32,
    b: u32,
}

/// An [`Op`] decoded.
enum Need {
    Nothing,
    Acquires(u32),
    Event(u32, u32),
}

impl Op {
    fn need(self) -> Need {
        match (self.a, self.b) {
            (NONE, _) => Need::Nothing,
            (lock, NONE) => Need::Acquires(lock),
            (thread, pos) => Need::Event(thread, pos),
        }
    }
}

/// One thread's events in the window.
#[derive(Clone, Debug)]
struct ThreadOps {
    thread: u32,
    /// Position of `ops[0]`.
    first: u32,
    ops: VecDeque<Op>,
    /// `(from, fork)`: events at or after `from` need `fork`.
    fork: Option<(u32, Loc)>,
    /// Locks it holds (outermost acquisitions not yet released).
    open: Vec<u32>,
}

impl ThreadOps {
    fn end(&self) -> u32 {
        self.first + self.ops.len() as u32
    }
}

/// A quarter of the window: the threads and locks it touched, and each
/// thread's next position when it ended. The window is the last four
/// quarters and the one being filled.
#[derive(Clone, Debug, Default)]
struct Segment {
    start: u64,
    threads: Vec<(u32, u32)>,
    locks: Vec<u32>,
}

/// Buffers the latest events of one trace compactly for feasibility
/// checks.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// Events per quarter window; 0 until recording starts.
    quarter: u64,
    /// Per thread: its next position (0 until it has one).
    next: Vec<u32>,
    /// Per thread: its entry in `threads`, or `NONE`.
    local: Vec<u32>,
    threads: Vec<ThreadOps>,
    /// Per variable: its last write.
    last_write: Vec<Loc>,
    /// Per primitive: its last operation (for a lock, its last
    /// acquisition, for failed try-locks).
    last_op: Vec<Loc>,
    sections: Sections,
    segments: VecDeque<Segment>,
    /// Absolute number of `segments[0]`.
    first_segment: u32,
    /// Per thread / per lock: the absolute number of the segment it was
    /// last listed in, plus one (0: never).
    thread_seg: Vec<u32>,
    lock_seg: Vec<u32>,
    /// Events dropped from the window's start.
    pub evicted: u64,
}

fn grow<T: Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    crate::dense::entry(v, i, T::default)
}

impl Recorder {
    pub fn new() -> Self {
        Recorder::default()
    }

    /// Whether recording has started.
    pub fn started(&self) -> bool {
        self.quarter > 0
    }

    /// Starts recording with a window of `window` events; `state` is the
    /// replay state now, whose held locks become sections open since
    /// before the window.
    pub fn start(&mut self, state: &Replay, window: u64) {
        if self.started() {
            return;
        }
        self.quarter = (window / 4).max(1);
        for (t, ts) in state.threads() {
            for h in &ts.held {
                self.sections.open(h.obj.0, t.0, 0, h.since);
                self.ops_mut(t).open.push(h.obj.0);
            }
        }
    }

    /// The position the next event of `t` will have (0 before recording
    /// starts).
    pub fn next_pos(&self, t: ThreadId) -> u32 {
        if !self.started() {
            return 0;
        }
        self.next.get(t.index()).copied().unwrap_or(0).max(1)
    }

    fn ops_mut(&mut self, t: ThreadId) -> &mut ThreadOps {
        crate::dense::grow(&mut self.local, t.index(), || NONE);
        let i = self.local[t.index()];
        if i != NONE {
            return &mut self.threads[i as usize];
        }
        let first = self.next.get(t.index()).copied().unwrap_or(0).max(1);
        self.local[t.index()] = self.threads.len() as u32;
        self.threads.push(ThreadOps {
            thread: t.0,
            first,
            ops: VecDeque::new(),
            fork: None,
            open: Vec::new(),
        });
        self.threads.last_mut().expect("just pushed")
    }

    /// Records event `index`; `reentry` says it re-acquires (or releases a
    /// nested hold of) a lock the thread holds more than once.
    pub fn on_event(&mut self, index: u64, ev: &Event, reentry: bool) {
        if !self.started() {
            return;
        }
        self.roll(index);
        let t = ev.thread;
        let here = Loc {
            thread: t.0,
            pos: self.next_pos(t),
        };
        let op = match ev.kind {
            EventKind::Read { var } => self.read(var),
            EventKind::Write { var } => {
                *grow(&mut self.last_write, var.index()) = here;
                nop()
            }
            EventKind::Update { var } => {
                let op = self.read(var);
                *grow(&mut self.last_write, var.index()) = here;
                op
            }
            EventKind::Acquired { obj, .. } if !reentry => self.open(t, obj, here, index),
            EventKind::Released { obj, .. } if !reentry => {
                self.close(t, obj, here);
                nop()
            }
            EventKind::CondWait { condvar, mutex, .. } => {
                self.close(t, mutex, here);
                self.chain(condvar, here)
            }
            EventKind::CondWoken { condvar, mutex, .. } => {
                let op = self.chain(condvar, here);
                self.open(t, mutex, here, index);
                op
            }
            EventKind::TryFailed { obj, .. } => dep(*grow(&mut self.last_op, obj.index())),
            EventKind::Fork { child } => {
                let from = self.next_pos(child);
                self.ops_mut(child).fork = Some((from, here));
                self.list_thread(child);
                nop()
            }
            EventKind::Join { child } => match self.next_pos(child) {
                n if n > 1 => dep(Loc {
                    thread: child.0,
                    pos: n - 1,
                }),
                _ => nop(),
            },
            kind => kind
                .sync_obj()
                .map_or_else(nop, |obj| self.chain(obj, here)),
        };
        self.ops_mut(t).ops.push_back(op);
        *grow(&mut self.next, t.index()) = here.pos + 1;
        self.list_thread(t);
    }

    fn read(&self, var: VarId) -> Op {
        dep(self
            .last_write
            .get(var.index())
            .copied()
            .unwrap_or_default())
    }

    fn chain(&mut self, obj: ObjId, here: Loc) -> Op {
        dep(std::mem::replace(
            grow(&mut self.last_op, obj.index()),
            here,
        ))
    }

    fn open(&mut self, t: ThreadId, obj: ObjId, here: Loc, index: u64) -> Op {
        *grow(&mut self.last_op, obj.index()) = here;
        self.sections.open(obj.0, t.0, here.pos, index);
        self.ops_mut(t).open.push(obj.0);
        self.list_lock(obj.0);
        Op { a: obj.0, b: NONE }
    }

    fn close(&mut self, t: ThreadId, obj: ObjId, here: Loc) {
        let open = &mut self.ops_mut(t).open;
        if let Some(i) = open.iter().rposition(|&o| o == obj.0) {
            open.remove(i);
            self.sections.close(obj.0, t.0, here.pos);
            self.list_lock(obj.0);
        }
    }

    /// The absolute number of the current segment, plus one.
    fn current_segment(&self) -> u32 {
        self.first_segment + self.segments.len() as u32
    }

    fn list_thread(&mut self, t: ThreadId) {
        let now = self.current_segment();
        let last = grow(&mut self.thread_seg, t.index());
        if *last != now {
            *last = now;
            if let Some(seg) = self.segments.back_mut() {
                seg.threads.push((t.0, 0));
            }
        }
    }

    fn list_lock(&mut self, lock: u32) {
        let now = self.current_segment();
        let last = grow(&mut self.lock_seg, lock as usize);
        if *last != now {
            *last = now;
            if let Some(seg) = self.segments.back_mut() {
                seg.locks.push(lock);
            }
        }
    }

    /// Opens a new quarter when the current one is full, and drops the
    /// oldest when the window is.
    fn roll(&mut self, index: u64) {
        let full = self
            .segments
            .back()
            .is_none_or(|s| index >= s.start + self.quarter);
        if !full {
            return;
        }
        if let Some(mut seg) = self.segments.pop_back() {
            for (t, end) in &mut seg.threads {
                *end = self.next.get(*t as usize).copied().unwrap_or(0);
            }
            self.segments.push_back(seg);
        }
        self.segments.push_back(Segment {
            start: index,
            ..Segment::default()
        });
        while self.segments.len() > 5 {
            self.evict();
        }
    }

    /// Drops the oldest quarter of the window.
    fn evict(&mut self) {
        let Some(seg) = self.segments.pop_front() else {
            return;
        };
        self.first_segment += 1;
        let next_start = self.segments.front().map_or(seg.start, |s| s.start);
        self.evicted += next_start - seg.start;
        for (t, end) in seg.threads {
            let i = self.local.get(t as usize).copied().unwrap_or(NONE);
            let Some(ops) = self.threads.get_mut(i as usize) else {
                continue;
            };
            let n = end.saturating_sub(ops.first).min(ops.ops.len() as u32);
            ops.ops.drain(..n as usize);
            ops.first += n;
            if ops.ops.is_empty() && ops.open.is_empty() {
                self.remove_thread(i as usize);
            }
        }
        for lock in seg.locks {
            let (local, threads, next) = (&self.local, &self.threads, &self.next);
            self.sections.prune(lock, |t| {
                match local.get(t as usize).and_then(|&i| threads.get(i as usize)) {
                    Some(ops) => ops.first,
                    None => next.get(t as usize).copied().unwrap_or(0),
                }
            });
        }
    }

    fn remove_thread(&mut self, i: usize) {
        let gone = self.threads.swap_remove(i);
        self.local[gone.thread as usize] = NONE;
        if let Some(moved) = self.threads.get(i) {
            self.local[moved.thread as usize] = i as u32;
        }
    }

    /// Feasibility checks of this window, each starting from what earlier
    /// ones found where it can.
    pub fn checks(&self) -> Checks<'_> {
        Checks::new(self, Known::default(), CLIMB_AFTER)
    }

    /// Events in the window (for tests and accounting).
    pub fn len(&self) -> usize {
        self.threads.iter().map(|t| t.ops.len()).sum()
    }

    /// Whether the window holds no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Feasibility checks of one recorder's window, which grading does not
/// change. They build ladders of closed sets (see `known`) that later
/// checks start from: that changes what a check costs, never the verdict
/// of one the budget suffices for (a check that builds ladders first can
/// spend more of it than one that scans alone, and later checks less).
#[derive(Debug)]
pub struct Checks<'a> {
    rec: &'a Recorder,
    known: Known,
    scratch: closure::Scratch,
    /// The pattern being checked, as `(window thread, position)`.
    pattern: Vec<(u32, u32)>,
    /// Events a check scans before it stops to build ladders.
    climb_after: u64,
}

/// Events a check scans before it stops to build the ladders of its
/// pattern's threads, when they have rungs left to build below the
/// pattern: by then it is likely a long check, whose closure a ladder
/// makes short for later checks too.
const CLIMB_AFTER: u64 = 1 << 16;

impl<'a> Checks<'a> {
    /// Checks of `rec`'s window with ladders `known`, built once a check
    /// has scanned `climb_after` events.
    fn new(rec: &'a Recorder, known: Known, climb_after: u64) -> Self {
        Checks {
            rec,
            known,
            scratch: closure::Scratch::default(),
            pattern: Vec::new(),
            climb_after,
        }
    }

    /// Whether the sync-preserving closure of the prefixes strictly before
    /// each `(thread, pos)` of `pattern` avoids every pattern event.
    /// `budget` is decremented per event scanned.
    pub fn sync_preserving(&mut self, pattern: &[Loc], budget: &mut u64) -> Verdict {
        use closure::{Closure, Outcome};
        let rec = self.rec;
        let Some(closure) = Closure::new(rec, pattern, &mut self.scratch) else {
            return Verdict::OutOfWindow;
        };
        self.pattern.clear();
        self.pattern.extend_from_slice(closure.from());
        let climbable = self
            .pattern
            .iter()
            .any(|&(i, pos)| next_rung(&mut self.known, rec, i, pos).is_some());
        let give_up = if climbable {
            self.climb_after
        } else {
            u64::MAX
        };
        match closure.run(budget, &self.known, give_up) {
            Outcome::GaveUp => {}
            done => return done.verdict(),
        }
        for &(i, pos) in &self.pattern {
            while let Some(rung) = next_rung(&mut self.known, rec, i, pos) {
                // A rung is built without the pattern's limits, so it is
                // kept whatever the pattern; it is part of the pattern's
                // closure, so one that cannot close (a section left open
                // before a later one of its lock) or that passes a pattern
                // event (seen when the check takes it) makes the pattern
                // infeasible.
                let Some(step) = Closure::new(rec, &[], &mut self.scratch) else {
                    return Verdict::OutOfWindow;
                };
                match step.of_prefix(i, rung).run(budget, &self.known, u64::MAX) {
                    Outcome::Closed => self.known.add_rung(i, self.scratch.frontier.clone()),
                    other => return other.verdict(),
                }
            }
        }
        match Closure::new(rec, pattern, &mut self.scratch) {
            Some(c) => c.run(budget, &self.known, u64::MAX).verdict(),
            None => Verdict::OutOfWindow,
        }
    }
}

/// The next rung of window thread `i`'s ladder to build at or below
/// `pos`.
fn next_rung(known: &mut Known, rec: &Recorder, i: u32, pos: u32) -> Option<u32> {
    let ops = &rec.threads[i as usize];
    known.next_rung(i, ops.first, ops.ops.len() as u32, pos, rec.threads.len())
}

fn nop() -> Op {
    Op { a: NONE, b: NONE }
}

/// The op "needs event `on`" (nothing when `on` lies before the window).
fn dep(on: Loc) -> Op {
    if on.pos == 0 {
        return nop();
    }
    Op {
        a: on.thread,
        b: on.pos,
    }
}

#[cfg(test)]
mod soundness;

#[cfg(test)]
mod ladder_tests;

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::{of_kind, TraceBuilder};
    use crate::analysis::Config;
    use crate::finding::{FindingKind::PotentialDeadlock, Grade};

    /// Grades with this closure only (no witness search): what it
    /// decides.
    fn grade(b: &TraceBuilder) -> Vec<Grade> {
        let config = Config {
            witness: None,
            ..Config::default()
        };
        let report = b.analyze_with(&config);
        of_kind(&report, PotentialDeadlock)
            .iter()
            .map(|f| f.grade.expect("graded"))
            .collect()
    }

    #[test]
    fn read_of_a_write_inside_the_other_nested_section_is_infeasible() {
        // T2's first read observes the write T1 made while holding A and B.
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1").lock("T1", "B", "2").write("T1", "x");
        b.rel("T1", "B").rel("T1", "A");
        b.read("T2", "x").lock("T2", "B", "3").lock("T2", "A", "4");
        assert_eq!(grade(&b), [Grade::Unconfirmed]);
    }

    #[test]
    fn read_of_a_write_before_the_sections_stays_feasible() {
        let mut b = TraceBuilder::std();
        b.write("T1", "x").lock("T1", "A", "1").lock("T1", "B", "2");
        b.rel("T1", "B").rel("T1", "A");
        b.read("T2", "x").lock("T2", "B", "3").lock("T2", "A", "4");
        assert_eq!(grade(&b), [Grade::Feasible]);
    }

    #[test]
    fn read_of_a_write_under_the_held_lock_only_stays_feasible() {
        // The write is inside T1's section of A but before it asks for B.
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1").write("T1", "x").lock("T1", "B", "2");
        b.rel("T1", "B").rel("T1", "A");
        b.read("T2", "x").lock("T2", "B", "3").lock("T2", "A", "4");
        assert_eq!(grade(&b), [Grade::Feasible]);
    }

    #[test]
    fn critical_sections_keep_their_trace_order() {
        // T2 takes A once after T1's section (a complete section of its
        // own), then inverts. Keeping sections in trace order, T1 must
        // release A first and so pass its request for B: unconfirmed, the
        // sync-preserving limitation (swapping the two sections of A would
        // deadlock).
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.lock("T2", "A", "5").rel("T2", "A");
        b.lock("T2", "B", "3").lock("T2", "A", "4");
        assert_eq!(grade(&b), [Grade::Unconfirmed]);
    }

    #[test]
    fn nothing_is_buffered_before_the_first_nested_acquisition() {
        use crate::analysis::feasibility::Recorder;
        use crate::state::Replay;
        use crate::trace::{Event, EventKind, LockMode, ObjId, ThreadId};
        let rec = Recorder::new();
        let mut state = Replay::new();
        let mut rec = rec;
        let ev = |kind| Event {
            time: 0,
            thread: ThreadId(0),
            site: None,
            backtrace: None,
            kind,
        };
        let (a, b) = (ObjId(0), ObjId(1));
        let mode = LockMode::Exclusive;
        for i in 0..1000 {
            let acq = ev(EventKind::Acquired {
                obj: a,
                mode,
                depth: 1,
            });
            rec.on_event(2 * i, &acq, false);
            state.apply(2 * i, &acq);
            let rel = ev(EventKind::Released { obj: a, mode });
            rec.on_event(2 * i + 1, &rel, false);
            state.apply(2 * i + 1, &rel);
        }
        assert!(!rec.started() && rec.is_empty());
        rec.start(&state, 64);
        for i in 2000..12_000 {
            let obj = if i % 2 == 0 { b } else { a };
            let kind = if i % 4 < 2 {
                EventKind::Acquired {
                    obj,
                    mode,
                    depth: 1,
                }
            } else {
                EventKind::Released { obj, mode }
            };
            rec.on_event(i, &ev(kind), false);
        }
        assert!((64..=80).contains(&rec.len()), "{}", rec.len());
        assert!(rec.sections.len() <= 80);
        assert_eq!(rec.evicted, 10_000 - rec.len() as u64);
    }

    #[test]
    fn an_infeasible_check_stops_near_the_pattern() {
        // T1 and T2 pass a counter back and forth 10,000 times; then T1
        // writes x after its request for B, and T2 reads x before its
        // request for A. The read right before T2's request needs an
        // event past T1's: infeasible, found without scanning the long
        // prefix.
        use super::{Loc, Recorder, Verdict};
        use crate::analysis::testkit::event;
        use crate::state::Replay;
        use crate::trace::{EventKind, LockMode, ObjId, ThreadId, VarId};
        let mut rec = Recorder::new();
        rec.start(&Replay::new(), 1 << 20);
        let mut index = 0;
        let mut at = |rec: &mut Recorder, t: u32, kind| {
            let here = Loc {
                thread: t,
                pos: rec.next_pos(ThreadId(t)),
            };
            rec.on_event(index, &event(t, kind), false);
            index += 1;
            here
        };
        let (counter, x) = (VarId(0), VarId(1));
        for _ in 0..10_000 {
            at(&mut rec, 1, EventKind::Update { var: counter });
            at(&mut rec, 2, EventKind::Update { var: counter });
        }
        let (a, b, mode) = (ObjId(0), ObjId(1), LockMode::Exclusive);
        let acquired = |obj| EventKind::Acquired {
            obj,
            mode,
            depth: 1,
        };
        at(&mut rec, 1, acquired(a));
        let first = at(&mut rec, 1, EventKind::Request { obj: b, mode });
        at(&mut rec, 1, acquired(b));
        at(&mut rec, 1, EventKind::Write { var: x });
        at(&mut rec, 2, acquired(b));
        at(&mut rec, 2, EventKind::Read { var: x });
        let second = at(&mut rec, 2, EventKind::Request { obj: a, mode });
        let mut budget = 1_000_000;
        assert_eq!(
            rec.checks().sync_preserving(&[first, second], &mut budget),
            Verdict::Infeasible
        );
        let scanned = 1_000_000 - budget;
        assert!(scanned < 100, "{scanned} events scanned");
    }

    #[test]
    fn a_lock_held_when_recording_starts_keeps_its_section() {
        // Recording starts at T1's nested acquisition of B, inside its
        // section of A. T2 reads what T3 wrote under A after T1's section,
        // so T1 must release A first: unconfirmed.
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.lock("T3", "A", "5").write("T3", "x").rel("T3", "A");
        b.lock("T2", "B", "3").read("T2", "x").lock("T2", "A", "4");
        assert_eq!(grade(&b), [Grade::Unconfirmed]);
    }

    #[test]
    fn a_section_open_across_the_window_start_still_orders() {
        // As above, but T1 took A long before the window's start.
        let mut b = TraceBuilder::std();
        b.lock("T4", "C", "6").lock("T4", "D", "7");
        b.rel("T4", "D").rel("T4", "C");
        b.lock("T1", "A", "1");
        for _ in 0..40 {
            b.lock("T5", "E", "8").rel("T5", "E");
        }
        b.lock("T1", "B", "2").rel("T1", "B").rel("T1", "A");
        b.lock("T3", "A", "5").write("T3", "x").rel("T3", "A");
        b.lock("T2", "B", "3").read("T2", "x").lock("T2", "A", "4");
        // The closure alone (the witness search runs on no trace longer
        // than the window).
        let config = crate::analysis::Config {
            feasibility_window: 16,
            witness: None,
            ..crate::analysis::Config::default()
        };
        let report = b.analyze_with(&config);
        let grades: Vec<_> = of_kind(&report, PotentialDeadlock)
            .iter()
            .map(|f| f.grade)
            .collect();
        assert_eq!(grades, [Some(Grade::Unconfirmed)]);
        assert!(report.limits.is_empty(), "{:?}", report.limits);
    }

    #[test]
    fn a_pattern_before_the_window_is_unconfirmed_and_said_so() {
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.lock("T2", "B", "3")
            .lock("T2", "A", "4")
            .rel("T2", "A")
            .rel("T2", "B");
        for _ in 0..40 {
            b.lock("T3", "C", "5").rel("T3", "C");
        }
        assert_eq!(grade(&b), [Grade::Feasible]);
        let config = crate::analysis::Config {
            feasibility_window: 16,
            ..crate::analysis::Config::default()
        };
        let report = b.analyze_with(&config);
        let grades: Vec<_> = of_kind(&report, PotentialDeadlock)
            .iter()
            .map(|f| f.grade)
            .collect();
        assert_eq!(grades, [Some(Grade::Unconfirmed)]);
        assert!(
            report
                .limits
                .iter()
                .any(|l| l.contains("before the feasibility window")),
            "{:?}",
            report.limits
        );
        // Nor does the witness search, which does not run on a trace
        // longer than the window, grade it.
        assert!(
            report
                .limits
                .iter()
                .any(|l| l.contains("witness search did not run for 1 pattern")),
            "{:?}",
            report.limits
        );
    }

    #[test]
    fn join_brings_the_whole_child() {
        // The fork brings the join, the join all of T3, and T3's section of
        // A follows T1's in the trace, so T1 must release A first.
        assert_eq!(
            grade(&crate::analysis::testkit::join_then_fork_inversion()),
            [Grade::Unconfirmed]
        );
    }
}
