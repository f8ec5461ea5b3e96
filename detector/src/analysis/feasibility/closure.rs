//! One sync-preserving closure computation over the window (see the
//! module docs of `feasibility`).
//!
//! Threads are numbered by their entry in the recorder's window; a thread
//! with no event in the window is wholly before it, so every event it
//! has is in the closure already.

use std::collections::VecDeque;

use hashbrown::HashSet;

use super::known::Known;
use super::sections::{Section, OPEN};
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

/// How a closure computation ended.
pub(super) enum Outcome {
    /// Closed without passing a pattern event (each window thread's prefix
    /// length in the set is the scratch's `frontier`).
    Closed,
    /// The set holds a pattern event.
    Infeasible,
    /// The work budget ran out.
    OutOfBudget,
    /// It scanned as many events as it was allowed to.
    GaveUp,
}

impl Outcome {
    /// What the outcome says of the pattern.
    pub(super) fn verdict(&self) -> Verdict {
        match self {
            Outcome::Closed => Verdict::Feasible,
            Outcome::Infeasible => Verdict::Infeasible,
            Outcome::OutOfBudget | Outcome::GaveUp => Verdict::OutOfBudget,
        }
    }
}

/// One closure computation.
pub(super) struct Closure<'a> {
    rec: &'a Recorder,
    s: &'a mut Scratch,
    /// Events in the set not scanned yet: the length of the `work`.
    pending: u64,
}

/// A closure computation's state, kept between checks so that a check
/// allocates nothing once its buffers have grown.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// Per window thread: prefix length in the set (as a position: events
    /// before it are in).
    pub(super) frontier: Vec<u32>,
    /// Per window thread: the most the prefix may grow (a pattern event's
    /// position, or the thread's end).
    limit: Vec<u32>,
    /// The prefixes it is the closure of, as `(window thread, position)`:
    /// the pattern's, or one thread's for a ladder rung.
    from: Vec<(u32, u32)>,
    /// Events in the set not scanned yet, the latest at the back.
    work: VecDeque<Range>,
    dirty: Vec<u32>,
    is_dirty: HashSet<u32>,
    /// Per thread, the latest section of the lock being preserved.
    last: Vec<(u32, Section)>,
}

impl<'a> Closure<'a> {
    /// The closure of the prefixes before `pattern`, starting from the
    /// window's start; `None` when a pattern event is not in the window.
    pub(super) fn new(rec: &'a Recorder, pattern: &[Loc], s: &'a mut Scratch) -> Option<Self> {
        s.frontier.clear();
        s.frontier.extend(rec.threads.iter().map(|t| t.first));
        s.limit.clear();
        s.limit.extend(rec.threads.iter().map(|t| t.end()));
        s.from.clear();
        s.work.clear();
        s.dirty.clear();
        s.is_dirty.clear();
        for l in pattern {
            let i = rec.local.get(l.thread as usize).copied().unwrap_or(NONE);
            let t = rec.threads.get(i as usize)?;
            if l.pos < t.first || l.pos >= t.end() {
                return None;
            }
            s.limit[i as usize] = s.limit[i as usize].min(l.pos);
            s.from.push((i, l.pos));
        }
        Some(Closure { rec, pending: 0, s })
    }

    /// The window entry of thread `t`, if it has one.
    #[inline]
    fn local(&self, t: u32) -> Option<usize> {
        match self.rec.local.get(t as usize) {
            Some(&i) if i != NONE => Some(i as usize),
            _ => None,
        }
    }

    /// The prefixes it is the closure of.
    pub(super) fn from(&self) -> &[(u32, u32)] {
        &self.s.from
    }

    /// The closure of window thread `thread`'s prefix before `pos` instead
    /// of the pattern's prefixes (a ladder rung: made from an empty
    /// pattern, nothing limits it).
    pub(super) fn of_prefix(self, thread: u32, pos: u32) -> Self {
        self.s.from.clear();
        self.s.from.push((thread, pos));
        self
    }

    /// Grows thread `t`'s prefix to at least `len`; false if that passes
    /// its limit.
    #[inline]
    fn raise(&mut self, t: u32, len: u32) -> bool {
        match self.local(t) {
            Some(i) => self.grow(i, len),
            // No event in the window: all it did is before it.
            None => true,
        }
    }

    /// Grows window thread `i`'s prefix to at least `len`; false if that
    /// passes its limit.
    #[inline]
    fn grow(&mut self, i: usize, len: u32) -> bool {
        if len <= self.s.frontier[i] {
            return true;
        }
        if len > self.s.limit[i] {
            return false;
        }
        let from = std::mem::replace(&mut self.s.frontier[i], len);
        self.queue(i, from, len);
        true
    }

    /// Puts positions `from..to` of window thread `i`, in the set, on the
    /// work to scan.
    fn queue(&mut self, i: usize, from: u32, to: u32) {
        self.pending += u64::from(to - from);
        self.s.work.push_back(Range {
            thread: i as u32,
            from,
            to,
            chunk: CHUNK,
        });
    }

    /// Computes the closure; each time it has scanned `known.look_every`
    /// more events it looks for the largest rung of `known` whose prefix
    /// it holds, and takes it when that leaves less to scan
    /// ([`Closure::worth`]); gives up after scanning `give_up` events.
    ///
    /// Sync preservation is checked for the locks whose acquisitions
    /// entered the set each time the events scanned grow fourfold, not only
    /// once every other rule is satisfied: the set only grows, so a section
    /// found not to be the latest of its lock stays so, and the set
    /// reached is the same; but a pattern whose prefixes include a later
    /// section of a lock one of them holds open (the infeasible kind that
    /// costs most) ends after scanning at most four times what it needs
    /// rather than the whole closure. (Doubling checks 37% more locks on
    /// the race-heavy 5M trace for 1% fewer events scanned.)
    pub(super) fn run(mut self, budget: &mut u64, known: &Known, give_up: u64) -> Outcome {
        for k in 0..self.s.from.len() {
            let (i, pos) = self.s.from[k];
            let i = i as usize;
            self.grow(i, pos.min(self.s.limit[i]));
        }
        let (mut scanned, mut look_at, mut preserve_at) = (0, 0, 0);
        loop {
            if scanned >= look_at {
                look_at = scanned + known.look_every;
                let rung = known.best(&self.s.frontier);
                if let Some(closed) = rung.filter(|closed| self.worth(closed)) {
                    if !self.jump(closed) {
                        return Outcome::Infeasible;
                    }
                }
            }
            if scanned >= preserve_at || self.s.work.is_empty() {
                preserve_at = (4 * scanned).max(u64::from(CHUNK));
                for lock in std::mem::take(&mut self.s.dirty) {
                    self.s.is_dirty.remove(&lock);
                    if !self.preserve(lock) {
                        return Outcome::Infeasible;
                    }
                }
            }
            let Some(range) = self.s.work.pop_back() else {
                return Outcome::Closed;
            };
            if scanned >= give_up {
                return Outcome::GaveUp;
            }
            let left = *budget;
            match self.scan(range, budget) {
                Some(true) => {}
                Some(false) => return Outcome::Infeasible,
                None => return Outcome::OutOfBudget,
            }
            scanned += left - *budget;
        }
    }

    /// Takes `closed`, a closed set that is part of this closure (a rung
    /// of [`Known`] whose prefix it holds); false if it holds a pattern
    /// event. The set becomes the union of the two, and the part of this
    /// set beyond `closed` is scanned again (the work pending in `closed` is done): a lock
    /// acquired there may now have a later section in `closed`, or an
    /// earlier one, and rescanning marks it for sync preservation. A lock
    /// whose sections in the union all lie in `closed` needs nothing: they
    /// kept its order there and are no less complete in the union.
    fn jump(&mut self, closed: &[u32]) -> bool {
        if closed.iter().zip(&self.s.limit).any(|(c, limit)| c > limit) {
            return false;
        }
        self.s.work.clear();
        self.pending = 0;
        for (i, &c) in closed.iter().enumerate() {
            let f = self.s.frontier[i];
            if f > c {
                self.queue(i, c, f);
            } else {
                self.s.frontier[i] = c;
            }
        }
        true
    }

    /// Whether taking `closed` (see [`Closure::jump`]) leaves less to scan:
    /// what lies beyond it in this set is scanned again, instead of this
    /// set's pending work and what `closed` holds beyond this set, which
    /// the closure holds too.
    fn worth(&self, closed: &[u32]) -> bool {
        let (mut again, mut spared) = (0, self.pending);
        for (&f, &c) in self.s.frontier.iter().zip(closed) {
            if f > c {
                again += u64::from(f - c);
            } else {
                spared += u64::from(c - f);
            }
        }
        again < spared
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
        self.pending -= u64::from(to - lo);
        if lo > from {
            self.s.work.push_front(Range {
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
                Need::Acquires(lock) if self.s.is_dirty.insert(lock) => self.s.dirty.push(lock),
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
        let mut last = std::mem::take(&mut self.s.last);
        last.clear();
        for (t, sections) in &per_lock.threads {
            let f = match self.local(*t) {
                Some(i) => self.s.frontier[i],
                None => self.rec.next.get(*t as usize).copied().unwrap_or(0),
            };
            let n = sections.partition_point(|s| s.acq < f);
            if n > 0 {
                last.push((*t, sections[n - 1]));
            }
        }
        let latest = last.iter().map(|(_, s)| s.index).max();
        let latest = latest.map(|l| l.max(per_lock.past));
        let preserved = last
            .iter()
            .all(|&(t, s)| Some(s.index) == latest || (s.rel != OPEN && self.raise(t, s.rel + 1)));
        self.s.last = last;
        preserved
    }
}
