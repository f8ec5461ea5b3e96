//! Property test: every predicted deadlock graded confirmed or feasible on
//! a small random trace is reachable by a correct reordering, found by
//! exhaustive search.
//!
//! Traces: two or three threads, three locks (nested at most two deep),
//! two variables, built by a random scheduler that respects lock semantics
//! and may leave a thread blocked on a request. The search explores every
//! interleaving that keeps program order, lock semantics and every read's
//! writer, looking for a state where each pattern thread is at its request
//! and the lock it requests is held by another thread.

use std::collections::HashSet;

use proptest::prelude::*;

use crate::analysis::testkit::{of_kind, TraceBuilder};
use crate::finding::{FindingKind, Grade};
use crate::trace::{Event, EventKind, ObjId, ThreadId};

const LOCKS: [&str; 3] = ["A", "B", "C"];
const VARS: [&str; 2] = ["x", "y"];

/// Builds a trace from a stream of random choices.
fn build(choices: &[u8]) -> TraceBuilder {
    let mut b = TraceBuilder::std();
    let n = 2 + usize::from(choices.first().copied().unwrap_or(0) % 2);
    let names: Vec<String> = (0..n).map(|t| format!("T{t}")).collect();
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut blocked = vec![false; n];
    let mut owner: [Option<usize>; 3] = [None; 3];
    for (k, pair) in choices.chunks(2).enumerate() {
        let (c, d) = (
            usize::from(pair[0]),
            usize::from(*pair.get(1).unwrap_or(&0)),
        );
        let t = c % n;
        if blocked[t] {
            continue;
        }
        let (name, site) = (names[t].as_str(), format!("{k}"));
        match (c / n) % 6 {
            0 | 1 => {
                let l = d % LOCKS.len();
                match owner[l] {
                    None if held[t].len() < 2 => {
                        b.lock(name, LOCKS[l], &site);
                        owner[l] = Some(t);
                        held[t].push(l);
                    }
                    Some(o) if o != t && d % 4 == 0 => {
                        b.req(name, LOCKS[l], &site);
                        blocked[t] = true;
                    }
                    _ => {}
                }
            }
            2 => {
                if let Some(l) = held[t].pop() {
                    b.rel(name, LOCKS[l]);
                    owner[l] = None;
                }
            }
            3 | 4 => {
                b.read(name, VARS[d % 2]);
            }
            _ => {
                b.write(name, VARS[d % 2]);
            }
        }
    }
    b
}

/// One pattern thread: it must stop at `pos` and find `lock` held.
#[derive(Clone, Copy, Debug)]
struct Stop {
    thread: usize,
    pos: usize,
    lock: ObjId,
}

/// The trace split per thread, with each read's writer (global index).
struct Program {
    threads: Vec<Vec<(usize, Event)>>,
    writer: Vec<Option<usize>>,
}

impl Program {
    fn new(events: &[Event]) -> Self {
        let n = events
            .iter()
            .map(|e| e.thread.index() + 1)
            .max()
            .unwrap_or(0);
        let mut threads = vec![Vec::new(); n];
        let mut last = std::collections::HashMap::new();
        let mut writer = vec![None; events.len()];
        for (i, e) in events.iter().enumerate() {
            threads[e.thread.index()].push((i, *e));
            match e.kind {
                EventKind::Read { var } => writer[i] = last.get(&var).copied(),
                EventKind::Write { var } => {
                    last.insert(var, i);
                }
                _ => {}
            }
        }
        Program { threads, writer }
    }

    /// The locks thread `t` holds after its first `pos` events.
    fn holds(&self, t: usize, pos: usize, obj: ObjId) -> bool {
        let mut depth = 0i32;
        for (_, e) in &self.threads[t][..pos] {
            match e.kind {
                EventKind::Acquired { obj: o, .. } if o == obj => depth += 1,
                EventKind::Released { obj: o, .. } if o == obj => depth -= 1,
                _ => {}
            }
        }
        depth > 0
    }

    /// Exhaustive search for a correct reordering reaching `stops`.
    fn reaches(&self, stops: &[Stop]) -> bool {
        let n = self.threads.len();
        let limit: Vec<usize> = (0..n)
            .map(|t| {
                stops
                    .iter()
                    .find(|s| s.thread == t)
                    .map_or(self.threads[t].len(), |s| s.pos)
            })
            .collect();
        let mut seen = HashSet::new();
        let mut stack = vec![(vec![0usize; n], Vec::<(usize, usize)>::new())];
        while let Some((pos, writes)) = stack.pop() {
            if !seen.insert((pos.clone(), writes.clone())) {
                continue;
            }
            let done = stops.iter().all(|s| {
                pos[s.thread] == s.pos
                    && (0..n).any(|u| u != s.thread && self.holds(u, pos[u], s.lock))
            });
            if done {
                return true;
            }
            for t in 0..n {
                if pos[t] >= limit[t] {
                    continue;
                }
                let (i, e) = self.threads[t][pos[t]];
                let mut writes = writes.clone();
                let ok = match e.kind {
                    EventKind::Acquired { obj, .. } => {
                        (0..n).all(|u| u == t || !self.holds(u, pos[u], obj))
                    }
                    EventKind::Read { var } => {
                        let now = writes.iter().find(|w| w.0 == var.index()).map(|w| w.1);
                        now == self.writer[i]
                    }
                    EventKind::Write { var } => {
                        writes.retain(|w| w.0 != var.index());
                        writes.push((var.index(), i));
                        writes.sort_unstable();
                        true
                    }
                    _ => true,
                };
                if ok {
                    let mut next = pos.clone();
                    next[t] += 1;
                    stack.push((next, writes));
                }
            }
        }
        false
    }
}

/// The pattern of a predicted deadlock, from its proof steps (every
/// second step is a thread's request).
fn stops(program: &Program, events: &[Event], f: &crate::finding::Finding) -> Vec<Stop> {
    f.steps
        .iter()
        .skip(1)
        .step_by(2)
        .map(|s| {
            let index = s.event.expect("trace step") as usize;
            let e = events[index];
            let ThreadId(t) = e.thread;
            let pos = program.threads[t as usize]
                .iter()
                .position(|(i, _)| *i == index)
                .expect("event of its thread");
            let lock = match e.kind {
                EventKind::Request { obj, .. } | EventKind::Acquired { obj, .. } => obj,
                other => panic!("a pattern step is a request, not {other:?}"),
            };
            Stop {
                thread: t as usize,
                pos,
                lock,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn confirmed_and_feasible_deadlocks_are_reachable(choices in proptest::collection::vec(any::<u8>(), 20..120)) {
        let b = build(&choices);
        let report = b.analyze();
        let program = Program::new(b.events());
        for f in of_kind(&report, FindingKind::PotentialDeadlock) {
            // Only these two grades claim the trace reaches the deadlock.
            if !matches!(f.grade, Some(Grade::Confirmed | Grade::Feasible)) {
                continue;
            }
            let stops = stops(&program, b.events(), f);
            prop_assert!(program.reaches(&stops), "{}: {:?}", f.title(), stops);
        }
    }
}
