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
//! [`Recorder`] buffers what the closure needs while the trace streams by:
//! per event 8 bytes (one dependency or one acquisition), plus one entry per
//! critical section.
//!
//! # Performance
//! One check is linear in the events it adds to the closure (each thread
//! prefix is scanned once), plus O(threads x log sections) each time an
//! acquisition of a lock enters the set.
//!
//! # Limitations
//! Patterns that need two critical sections of one lock swapped, or a
//! read to see a different write, are graded unconfirmed (the
//! sync-preserving restriction of the paper).

use crate::trace::{Event, EventKind, ObjId, ThreadId, VarId};

const NONE: u32 = u32::MAX;

/// A position in a thread: its `pos`-th event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc {
    pub thread: u32,
    pub pos: u32,
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

/// One critical section (outermost acquisition to matching release).
#[derive(Clone, Copy, Debug)]
struct Section {
    acq: u32,
    rel: u32,
    index: u64,
}

#[derive(Clone, Debug, Default)]
struct ThreadOps {
    ops: Vec<Op>,
    /// `(from, fork)`: events at or after `from` need `fork`.
    fork: Option<(u32, Loc)>,
    /// Open sections: lock, slot in its section list.
    open: Vec<(ObjId, usize)>,
}

/// Buffers one trace compactly for feasibility checks.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    threads: Vec<ThreadOps>,
    last_write: Vec<Option<Loc>>,
    /// Last operation on each non-lock primitive (and last acquisition of
    /// each lock, for failed try-locks).
    last_op: Vec<Option<Loc>>,
    /// Per lock: per thread that took it, its sections in order.
    sections: Vec<Vec<(u32, Vec<Section>)>>,
}

fn grow<T: Default + Clone>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    &mut v[i]
}

impl Recorder {
    pub fn new() -> Self {
        Recorder::default()
    }

    /// The position the next event of `t` will have.
    pub fn next_pos(&self, t: ThreadId) -> u32 {
        self.threads
            .get(t.index())
            .map_or(0, |o| o.ops.len() as u32)
    }

    /// Records event `index`; `reentry` says it re-acquires (or releases a
    /// nested hold of) a lock the thread holds more than once.
    pub fn on_event(&mut self, index: u64, ev: &Event, reentry: bool) {
        let t = ev.thread;
        let here = Loc {
            thread: t.0,
            pos: self.next_pos(t),
        };
        let op = match ev.kind {
            EventKind::Read { var } => self.read(var),
            EventKind::Write { var } => {
                *grow(&mut self.last_write, var.index()) = Some(here);
                nop()
            }
            EventKind::Update { var } => {
                let op = self.read(var);
                *grow(&mut self.last_write, var.index()) = Some(here);
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
            EventKind::Notify { condvar: obj, .. }
            | EventKind::SemAcquired { obj, .. }
            | EventKind::SemReleased { obj, .. }
            | EventKind::EventSet { obj }
            | EventKind::EventClear { obj }
            | EventKind::EventWoken { obj, .. }
            | EventKind::BarrierWait { obj }
            | EventKind::BarrierPassed { obj, .. } => self.chain(obj, here),
            EventKind::Fork { child } => {
                let from = self.next_pos(child);
                grow(&mut self.threads, child.index()).fork = Some((from, here));
                nop()
            }
            EventKind::Join { child } => match self.next_pos(child) {
                0 => nop(),
                n => dep(Some(Loc {
                    thread: child.0,
                    pos: n - 1,
                })),
            },
            _ => nop(),
        };
        grow(&mut self.threads, t.index()).ops.push(op);
    }

    fn read(&self, var: VarId) -> Op {
        dep(self.last_write.get(var.index()).copied().flatten())
    }

    fn chain(&mut self, obj: ObjId, here: Loc) -> Op {
        dep(grow(&mut self.last_op, obj.index()).replace(here))
    }

    fn open(&mut self, t: ThreadId, obj: ObjId, here: Loc, index: u64) -> Op {
        *grow(&mut self.last_op, obj.index()) = Some(here);
        let per_lock = grow(&mut self.sections, obj.index());
        let slot = match per_lock.iter().position(|(u, _)| *u == t.0) {
            Some(slot) => slot,
            None => {
                per_lock.push((t.0, Vec::new()));
                per_lock.len() - 1
            }
        };
        per_lock[slot].1.push(Section {
            acq: here.pos,
            rel: NONE,
            index,
        });
        grow(&mut self.threads, t.index()).open.push((obj, slot));
        Op { a: obj.0, b: NONE }
    }

    fn close(&mut self, t: ThreadId, obj: ObjId, here: Loc) {
        let open = &mut grow(&mut self.threads, t.index()).open;
        if let Some(i) = open.iter().rposition(|&(o, _)| o == obj) {
            let (_, slot) = open.remove(i);
            if let Some(last) = self.sections[obj.index()][slot].1.last_mut() {
                last.rel = here.pos;
            }
        }
    }

    /// Whether the sync-preserving closure of the prefixes strictly before
    /// each `(thread, pos)` of `pattern` avoids every pattern event.
    /// `budget` is decremented per event scanned; `None` when it ran out.
    pub fn sync_preserving(&self, pattern: &[Loc], budget: &mut u64) -> Option<bool> {
        Closure::new(self, pattern).run(budget)
    }
}

fn nop() -> Op {
    Op { a: NONE, b: NONE }
}

fn dep(on: Option<Loc>) -> Op {
    on.map_or_else(nop, |l| Op {
        a: l.thread,
        b: l.pos,
    })
}

/// One closure computation.
struct Closure<'a> {
    rec: &'a Recorder,
    /// Per thread: prefix length in the set, and how far it was scanned.
    frontier: Vec<u32>,
    scanned: Vec<u32>,
    /// Per thread: the most the prefix may grow (a pattern event's
    /// position, or the thread's length).
    limit: Vec<u32>,
    work: Vec<u32>,
    dirty: Vec<u32>,
    is_dirty: Vec<bool>,
}

impl<'a> Closure<'a> {
    fn new(rec: &'a Recorder, pattern: &[Loc]) -> Self {
        let n = rec.threads.len();
        let mut limit: Vec<u32> = rec.threads.iter().map(|t| t.ops.len() as u32).collect();
        for l in pattern {
            if let Some(x) = limit.get_mut(l.thread as usize) {
                *x = (*x).min(l.pos);
            }
        }
        Closure {
            rec,
            frontier: vec![0; n],
            scanned: vec![0; n],
            limit,
            work: Vec::new(),
            dirty: Vec::new(),
            is_dirty: vec![false; rec.sections.len()],
        }
    }

    /// Grows thread `t`'s prefix to at least `len`; false if that passes
    /// its limit.
    fn raise(&mut self, t: u32, len: u32) -> bool {
        let i = t as usize;
        if i >= self.frontier.len() || len > self.limit[i] {
            return len == 0;
        }
        if len > self.frontier[i] {
            self.frontier[i] = len;
            self.work.push(t);
        }
        true
    }

    fn run(mut self, budget: &mut u64) -> Option<bool> {
        let starts: Vec<(u32, u32)> = (0..self.limit.len() as u32)
            .map(|t| (t, self.limit[t as usize]))
            .filter(|&(t, l)| l < self.rec.threads[t as usize].ops.len() as u32)
            .collect();
        for (t, l) in starts {
            self.raise(t, l);
        }
        loop {
            while let Some(t) = self.work.pop() {
                if !self.scan(t, budget)? {
                    return Some(false);
                }
            }
            if self.dirty.is_empty() {
                return Some(true);
            }
            for lock in std::mem::take(&mut self.dirty) {
                self.is_dirty[lock as usize] = false;
                if !self.preserve(lock) {
                    return Some(false);
                }
            }
        }
    }

    /// Adds what the newly included events of `t` need.
    fn scan(&mut self, t: u32, budget: &mut u64) -> Option<bool> {
        let ops = &self.rec.threads[t as usize];
        let (from, to) = (self.scanned[t as usize], self.frontier[t as usize]);
        if from >= to {
            return Some(true);
        }
        *budget = budget.checked_sub(u64::from(to - from))?;
        self.scanned[t as usize] = to;
        if let Some((start, fork)) = ops.fork {
            if to > start && !self.raise(fork.thread, fork.pos + 1) {
                return Some(false);
            }
        }
        for op in &ops.ops[from as usize..to as usize] {
            match op.need() {
                Need::Event(t, pos) if !self.raise(t, pos + 1) => return Some(false),
                Need::Acquires(lock) if !self.is_dirty[lock as usize] => {
                    self.is_dirty[lock as usize] = true;
                    self.dirty.push(lock);
                }
                _ => {}
            }
        }
        Some(true)
    }

    /// Sync preservation for `lock`: every included section but the latest
    /// must be complete.
    fn preserve(&mut self, lock: u32) -> bool {
        let per_thread = &self.rec.sections[lock as usize];
        let mut last: Vec<(u32, Section)> = Vec::new();
        for (t, sections) in per_thread {
            let f = self.frontier[*t as usize];
            let n = sections.partition_point(|s| s.acq < f);
            if n > 0 {
                last.push((*t, sections[n - 1]));
            }
        }
        let Some(latest) = last.iter().map(|(_, s)| s.index).max() else {
            return true;
        };
        for (t, s) in last {
            if s.index != latest && (s.rel == NONE || !self.raise(t, s.rel + 1)) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod soundness;

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::{of_kind, TraceBuilder};
    use crate::finding::{FindingKind::PotentialDeadlock, Grade};

    fn grade(b: &TraceBuilder) -> Vec<Grade> {
        let report = b.analyze();
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
    fn join_brings_the_whole_child() {
        // T3 takes A after T1's section; T0 joins T3 and then forks T2,
        // which inverts. The fork brings the join, the join all of T3, and
        // T3's section of A follows T1's in the trace, so T1 must release A
        // first: unconfirmed.
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.lock("T3", "A", "5").rel("T3", "A");
        b.join("T0", "T3").fork("T0", "T2");
        b.lock("T2", "B", "3").lock("T2", "A", "4");
        assert_eq!(grade(&b), [Grade::Unconfirmed]);
    }
}
