//! One sync-preserving closure computation over the window (see the
//! module docs of `feasibility`).
//!
//! Threads are numbered by their entry in the recorder's window; a thread
//! with no event in the window is wholly before it, so every event it
//! has is in the closure already.

use std::collections::VecDeque;

use hashbrown::HashSet;

use super::sections::OPEN;
use super::{Loc, Need, Recorder, Verdict, NONE};

/// Events of one thread scanned at first before the closure turns to the
/// latest events it has not scanned; each time the rest of a range comes
/// up again it scans twice as many, up to [`MAX_CHUNK`], so a long scan
/// (a feasible pattern's) runs in long sequential stretches.
const CHUNK: u32 = 32;
const MAX_CHUNK: u32 = 1 << 14;

/// Positions `from..to` of window thread `thread`, to scan `chunk` at a
/// time.
#[derive(Clone, Copy, Debug)]
struct Range {
    thread: u32,
    from: u32,
    to: u32,
    chunk: u32,
}

/// One closure computation.
pub(super) struct Closure<'a> {
    rec: &'a Recorder,
    /// Per window thread: prefix length in the set (as a position: events
    /// before it are in).
    frontier: Vec<u32>,
    /// Per window thread: the most the prefix may grow (a pattern event's
    /// position, or the thread's end).
    limit: Vec<u32>,
    /// Events in the set not scanned yet, the latest at the back.
    work: VecDeque<Range>,
    dirty: Vec<u32>,
    is_dirty: HashSet<u32>,
}

impl<'a> Closure<'a> {
    /// The closure before `pattern`, starting from the window's start;
    /// `None` when a pattern event is not in the window.
    pub(super) fn new(rec: &'a Recorder, pattern: &[Loc]) -> Option<Self> {
        let frontier: Vec<u32> = rec.threads.iter().map(|t| t.first).collect();
        let mut limit: Vec<u32> = rec.threads.iter().map(|t| t.end()).collect();
        for l in pattern {
            let i = rec.local.get(l.thread as usize).copied().unwrap_or(NONE);
            let t = rec.threads.get(i as usize)?;
            if l.pos < t.first || l.pos >= t.end() {
                return None;
            }
            limit[i as usize] = limit[i as usize].min(l.pos);
        }
        Some(Closure {
            rec,
            frontier,
            limit,
            work: VecDeque::new(),
            dirty: Vec::new(),
            is_dirty: HashSet::new(),
        })
    }

    /// The window entry of thread `t`, if it has one.
    #[inline]
    fn local(&self, t: u32) -> Option<usize> {
        match self.rec.local.get(t as usize) {
            Some(&i) if i != NONE => Some(i as usize),
            _ => None,
        }
    }

    /// Grows thread `t`'s prefix to at least `len`; false if that passes
    /// its limit.
    #[inline]
    fn raise(&mut self, t: u32, len: u32) -> bool {
        let Some(i) = self.local(t) else {
            // No event in the window: all it did is before it.
            return true;
        };
        if len <= self.frontier[i] {
            return true;
        }
        if len > self.limit[i] {
            return false;
        }
        let from = std::mem::replace(&mut self.frontier[i], len);
        self.work.push_back(Range {
            thread: i as u32,
            from,
            to: len,
            chunk: CHUNK,
        });
        true
    }

    pub(super) fn run(mut self, budget: &mut u64) -> Verdict {
        for i in 0..self.limit.len() {
            let t = &self.rec.threads[i];
            if self.limit[i] < t.end() {
                self.raise(t.thread, self.limit[i]);
            }
        }
        loop {
            while let Some(range) = self.work.pop_back() {
                match self.scan(range, budget) {
                    Some(true) => {}
                    Some(false) => return Verdict::Infeasible,
                    None => return Verdict::OutOfBudget,
                }
            }
            if self.dirty.is_empty() {
                return Verdict::Feasible;
            }
            for lock in std::mem::take(&mut self.dirty) {
                self.is_dirty.remove(&lock);
                if !self.preserve(lock) {
                    return Verdict::Infeasible;
                }
            }
        }
    }

    /// Adds what the latest `chunk` events of `range`, newly in the set,
    /// need, and puts the rest of the range back at the front of the work:
    /// the events nearest the pattern have the latest dependencies, the
    /// ones that pass a limit when the pattern is infeasible, so following
    /// them first ends an infeasible check after a few events rather than
    /// after every thread's whole prefix. The set reached is the same in
    /// any order.
    fn scan(&mut self, range: Range, budget: &mut u64) -> Option<bool> {
        let Range {
            thread: i,
            from,
            to,
            chunk,
        } = range;
        let rec = self.rec;
        let ops = &rec.threads[i as usize];
        let lo = from.max(to.saturating_sub(chunk));
        *budget = budget.checked_sub(u64::from(to - lo))?;
        if lo > from {
            self.work.push_front(Range {
                to: lo,
                chunk: (chunk * 2).min(MAX_CHUNK),
                ..range
            });
        }
        if let Some((start, fork)) = ops.fork {
            if to > start && !self.raise(fork.thread, fork.pos + 1) {
                return Some(false);
            }
        }
        let range = (lo - ops.first) as usize..(to - ops.first) as usize;
        for op in ops.ops.range(range).rev() {
            match op.need() {
                Need::Event(t, pos) if !self.raise(t, pos + 1) => return Some(false),
                Need::Acquires(lock) if self.is_dirty.insert(lock) => self.dirty.push(lock),
                _ => {}
            }
        }
        Some(true)
    }

    /// Sync preservation for `lock`: every included section but the latest
    /// must be complete.
    fn preserve(&mut self, lock: u32) -> bool {
        let Some(per_lock) = self.rec.sections.of(lock) else {
            return true;
        };
        let mut last = Vec::new();
        for (t, sections) in &per_lock.threads {
            let f = match self.local(*t) {
                Some(i) => self.frontier[i],
                None => self.rec.next.get(*t as usize).copied().unwrap_or(0),
            };
            let n = sections.partition_point(|s| s.acq < f);
            if n > 0 {
                last.push((*t, sections[n - 1]));
            }
        }
        let Some(latest) = last.iter().map(|(_, s)| s.index).max() else {
            return true;
        };
        let latest = latest.max(per_lock.past);
        for (t, s) in last {
            if s.index != latest && (s.rel == OPEN || !self.raise(t, s.rel + 1)) {
                return false;
            }
        }
        true
    }
}
