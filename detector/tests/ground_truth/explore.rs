//! Exhaustive ground truth: every state reachable by a correct reordering
//! of a trace, and the deadlocks and races those states show.
//!
//! A correct reordering keeps each thread's events in program order, lock
//! semantics (a lock is held by one thread at a time; its holder may
//! re-acquire it, and releases it when every acquisition is released),
//! fork/join (a child starts after its fork; a join waits until the child
//! has run every event it has in the trace) and reads-from (a read happens
//! only while the last write to its variable is the write it read in the
//! trace). A `req` left at the end of a thread (the trace ended with the
//! thread blocked) is never executed: the thread waits for that lock.
//!
//! In each reachable state:
//! - a *deadlock* is a cycle of threads, each next about to acquire (or
//!   request) a lock the next thread holds; it is recorded by its lock set
//!   and by its pattern (each thread with the position it stopped at);
//! - a *predictable race* is two threads whose next events access one
//!   variable and at least one writes; it is recorded as the variable and
//!   the two sites.
//!
//! The search is a depth-first search over states (positions and the last
//! write of each variable), each visited once. Events that no other thread
//! can observe (accesses of a variable only one thread uses, acquisitions
//! and releases of a lock only one thread uses, forks, joins that are
//! enabled) are taken eagerly: they commute with every other thread's
//! events, so the reachable deadlocks and races are the same.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::generate::{Op, Trace};

/// A deadlock pattern: `(thread, position)` of each thread in the cycle,
/// sorted by thread.
pub type Pattern = Vec<(u32, u32)>;

/// What exhaustive search found.
#[derive(Debug, Default)]
pub struct Truth {
    /// Each deadlocking lock set (sorted) with its patterns.
    pub deadlocks: HashMap<Vec<u32>, BTreeSet<Pattern>>,
    /// Every predictable race: `(var, lower site, higher site)`.
    pub races: HashSet<(u32, u32, u32)>,
    /// States visited.
    pub states: usize,
    /// False when the state budget ran out (the truth is partial).
    pub complete: bool,
}

impl Truth {
    /// Whether some reachable state has exactly this pattern deadlocked.
    pub fn has_pattern(&self, pattern: &Pattern) -> bool {
        self.deadlocks.values().any(|ps| ps.contains(pattern))
    }
}

/// The trace split per thread.
struct Program {
    ops: Vec<Vec<(Op, u32)>>,
    /// Per thread, per position: the write (global event number + 1) a
    /// read reads from, 0 for the initial value.
    writer: Vec<Vec<u32>>,
    /// Per thread, per position: the global event number + 1 of a write.
    id: Vec<Vec<u32>>,
    /// Per child thread: its parent and the fork's position.
    fork: Vec<Option<(usize, usize)>>,
    /// Per thread: whether it ends in a request that never returns.
    stuck: Vec<bool>,
    /// Per thread, per variable: the position after its last access and
    /// after its last write (0: none).
    var_end: Vec<Vec<(usize, usize)>>,
    /// Per thread, per lock: the position after its last acquisition or
    /// request (0: none).
    lock_end: Vec<Vec<usize>>,
}

impl Program {
    fn new(trace: &Trace) -> Self {
        let n = trace.threads;
        let mut ops = vec![Vec::new(); n];
        let mut writer = vec![Vec::new(); n];
        let mut id = vec![Vec::new(); n];
        let mut fork = vec![None; n];
        let mut last_write = vec![0u32; trace.vars];
        let mut var_end = vec![vec![(0, 0); trace.vars]; n];
        let mut lock_end = vec![vec![0; trace.locks]; n];
        for (i, e) in trace.events.iter().enumerate() {
            let t = e.thread as usize;
            let after = ops[t].len() + 1;
            let mut w = 0;
            match e.op {
                Op::Read(v) => {
                    w = last_write[v as usize];
                    var_end[t][v as usize].0 = after;
                }
                Op::Write(v) => {
                    last_write[v as usize] = i as u32 + 1;
                    var_end[t][v as usize] = (after, after);
                }
                Op::Acq(l) | Op::Req(l) => {
                    lock_end[t][l as usize] = after;
                }
                Op::Fork(c) => {
                    fork[c as usize].get_or_insert((t, ops[t].len()));
                }
                _ => {}
            }
            ops[t].push((e.op, e.site));
            writer[t].push(w);
            id[t].push(i as u32 + 1);
        }
        let stuck = ops
            .iter()
            .map(|o| matches!(o.last(), Some((Op::Req(_), _))))
            .collect();
        Program {
            ops,
            writer,
            id,
            fork,
            stuck,
            var_end,
            lock_end,
        }
    }

    /// How many events thread `t` can ever execute.
    fn len(&self, t: usize) -> usize {
        self.ops[t].len() - usize::from(self.stuck[t])
    }
}

/// The mutable state of the search.
struct State<'p> {
    p: &'p Program,
    pos: Vec<usize>,
    last_write: Vec<u32>,
    /// Per lock: holder and depth.
    owner: Vec<Option<(usize, u32)>>,
}

/// What undoing one step needs.
enum Undo {
    Pos(usize),
    Write(usize, u32),
    Owner(usize, Option<(usize, u32)>),
}

impl State<'_> {
    fn started(&self, t: usize) -> bool {
        self.p.fork[t].is_none_or(|(parent, at)| self.pos[parent] > at)
    }

    fn next(&self, t: usize) -> Option<(Op, u32)> {
        (self.started(t) && self.pos[t] < self.p.ops[t].len()).then(|| self.p.ops[t][self.pos[t]])
    }

    /// Whether `t` can take its next event.
    fn enabled(&self, t: usize) -> bool {
        if !self.started(t) || self.pos[t] >= self.p.len(t) {
            return false;
        }
        match self.p.ops[t][self.pos[t]].0 {
            Op::Acq(l) => self.owner[l as usize].is_none_or(|(o, _)| o == t),
            Op::Read(v) => self.last_write[v as usize] == self.p.writer[t][self.pos[t]],
            Op::Join(c) => self.pos[c as usize] == self.p.ops[c as usize].len(),
            _ => true,
        }
    }

    /// Whether no thread but `t` has an event from its current position on
    /// that `ends` says it has.
    fn alone(&self, t: usize, ends: impl Fn(usize) -> usize) -> bool {
        (0..self.pos.len()).all(|u| u == t || ends(u) <= self.pos[u])
    }

    /// Whether `t`'s next event is invisible to every other thread from
    /// now on: no other thread will write (for a read) or access (for a
    /// write) its variable, or acquire its lock.
    fn local(&self, t: usize) -> bool {
        let p = self.p;
        match p.ops[t][self.pos[t]].0 {
            Op::Acq(l) | Op::Rel(l) => self.alone(t, |u| p.lock_end[u][l as usize]),
            Op::Read(v) => self.alone(t, |u| p.var_end[u][v as usize].1),
            Op::Write(v) => self.alone(t, |u| p.var_end[u][v as usize].0),
            Op::Fork(_) | Op::Join(_) => true,
            Op::Req(_) => false,
        }
    }

    fn step(&mut self, t: usize, undo: &mut Vec<Undo>) {
        let i = self.pos[t];
        match self.p.ops[t][i].0 {
            Op::Acq(l) => {
                let o = &mut self.owner[l as usize];
                undo.push(Undo::Owner(l as usize, *o));
                *o = Some((t, o.map_or(1, |(_, d)| d + 1)));
            }
            Op::Rel(l) => {
                let o = &mut self.owner[l as usize];
                undo.push(Undo::Owner(l as usize, *o));
                *o = o.and_then(|(u, d)| (d > 1).then_some((u, d - 1)));
            }
            Op::Write(v) => {
                let w = &mut self.last_write[v as usize];
                undo.push(Undo::Write(v as usize, *w));
                *w = self.p.id[t][i];
            }
            _ => {}
        }
        undo.push(Undo::Pos(t));
        self.pos[t] += 1;
    }

    /// Takes every enabled invisible event, of every thread, until none is
    /// left.
    fn settle(&mut self, undo: &mut Vec<Undo>) {
        let mut again = true;
        while again {
            again = false;
            for t in 0..self.pos.len() {
                while self.enabled(t) && self.local(t) {
                    self.step(t, undo);
                    again = true;
                }
            }
        }
    }

    fn undo(&mut self, to: usize, undo: &mut Vec<Undo>) {
        while undo.len() > to {
            match undo.pop().expect("non-empty") {
                Undo::Pos(t) => self.pos[t] -= 1,
                Undo::Write(v, w) => self.last_write[v] = w,
                Undo::Owner(l, o) => self.owner[l] = o,
            }
        }
    }

    /// The state as a 128-bit hash of positions and last writes (two
    /// independent 64-bit hashes: a collision among a few million states
    /// has a probability below 1e-25).
    fn key(&self) -> u128 {
        use std::hash::{Hash, Hasher};
        let half = |salt: u64| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            salt.hash(&mut h);
            self.pos.hash(&mut h);
            self.last_write.hash(&mut h);
            h.finish()
        };
        u128::from(half(0x9e37_79b9)) << 64 | u128::from(half(0x7f4a_7c15))
    }

    /// The deadlock cycles and races this state shows.
    fn observe(&self, truth: &mut Truth) {
        let n = self.pos.len();
        let waits: Vec<Option<(usize, u32)>> = (0..n)
            .map(|t| match self.next(t)?.0 {
                Op::Acq(l) | Op::Req(l) => {
                    let (o, _) = self.owner[l as usize]?;
                    (o != t).then_some((o, l))
                }
                _ => None,
            })
            .collect();
        for start in 0..n {
            let mut cycle = vec![start];
            let mut at = start;
            while let Some((next, _)) = waits[at] {
                if next == start {
                    self.record(&cycle, &waits, truth);
                    break;
                }
                if cycle.contains(&next) || next < start {
                    break;
                }
                cycle.push(next);
                at = next;
            }
        }
        for t in 0..n {
            for u in t + 1..n {
                if let (Some(a), Some(b)) = (self.next(t), self.next(u)) {
                    if let Some(race) = conflict(a, b) {
                        truth.races.insert(race);
                    }
                }
            }
        }
    }

    fn record(&self, cycle: &[usize], waits: &[Option<(usize, u32)>], truth: &mut Truth) {
        let mut locks: Vec<u32> = cycle
            .iter()
            .map(|&t| waits[t].expect("in cycle").1)
            .collect();
        locks.sort_unstable();
        let mut pattern: Pattern = cycle
            .iter()
            .map(|&t| (t as u32, self.pos[t] as u32))
            .collect();
        pattern.sort_unstable();
        truth.deadlocks.entry(locks).or_default().insert(pattern);
    }
}

/// `(var, lower site, higher site)` when two next events race.
fn conflict(a: (Op, u32), b: (Op, u32)) -> Option<(u32, u32, u32)> {
    let access = |op: Op| match op {
        Op::Read(v) => Some((v, false)),
        Op::Write(v) => Some((v, true)),
        _ => None,
    };
    let ((va, wa), (vb, wb)) = (access(a.0)?, access(b.0)?);
    (va == vb && (wa || wb)).then_some((va, a.1.min(b.1), a.1.max(b.1)))
}

/// Explores every correct reordering of `trace`, visiting at most
/// `max_states` states.
pub fn explore(trace: &Trace, max_states: usize) -> Truth {
    let program = Program::new(trace);
    let n = trace.threads;
    let mut state = State {
        p: &program,
        pos: vec![0; n],
        last_write: vec![0; trace.vars],
        owner: vec![None; trace.locks],
    };
    let mut truth = Truth {
        complete: true,
        ..Truth::default()
    };
    let mut seen: HashSet<u128> = HashSet::new();
    let mut undo = Vec::new();
    state.settle(&mut undo);
    // Each frame: the undo mark to return to and the next thread to try.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    if seen.insert(state.key()) {
        state.observe(&mut truth);
        stack.push((undo.len(), 0));
    }
    while let Some(frame) = stack.last_mut() {
        let (mark, t) = *frame;
        if t >= n {
            stack.pop();
            let back = stack.last().map_or(0, |f| f.0);
            state.undo(back, &mut undo);
            continue;
        }
        frame.1 += 1;
        state.undo(mark, &mut undo);
        if !state.enabled(t) {
            continue;
        }
        state.step(t, &mut undo);
        state.settle(&mut undo);
        if !seen.insert(state.key()) {
            continue;
        }
        if seen.len() > max_states {
            truth.complete = false;
            break;
        }
        state.observe(&mut truth);
        stack.push((undo.len(), 0));
    }
    truth.states = seen.len();
    truth
}
