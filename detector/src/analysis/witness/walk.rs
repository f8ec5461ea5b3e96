//! Every occurrence combination of a pattern, searched with one growing
//! sync-preserving closure (SPDOffline's walk).
//!
//! Each pattern thread has its stops (the positions of its edge's
//! occurrences) in order. Start from every thread's first stop and close
//! the prefixes before them. If the closure contains a thread's stop, no
//! combination with that stop can work (the closure only grows as the
//! other stops move later), so that thread moves to its first stop past
//! the closure. When no stop is inside, the combination is feasible; when
//! a thread runs out of stops, none is. The closure is never recomputed,
//! so the whole walk costs one pass over the events it reaches.

use super::closure::{Closure, Failure, Locks, Policy};
use super::log::View;

/// A pattern thread and its stops (positions in the thread), ascending.
#[derive(Clone, Debug)]
pub struct Stops {
    pub thread: u32,
    pub stops: Vec<u32>,
}

/// What a walk found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Walked {
    /// The index into each thread's stops of a feasible combination.
    Feasible(Vec<usize>),
    /// No combination is sync-preserving feasible; `visited` lists the
    /// combinations the walk stood on, in order (the first one always).
    Infeasible { visited: Vec<Vec<usize>> },
}

/// Walks the occurrence combinations of `pattern`; `keep` bounds how many
/// visited combinations are returned.
pub fn walk(
    view: &View<'_>,
    locks: &Locks,
    pattern: &[Stops],
    keep: usize,
    budget: &mut u64,
) -> Result<Walked, Failure> {
    let mut at = vec![0usize; pattern.len()];
    let mut visited = Vec::new();
    if pattern.iter().any(|p| p.stops.is_empty()) {
        return Ok(Walked::Infeasible { visited });
    }
    let mut closure = Closure::new(view, locks, Policy::SyncPreserving);
    let infeasible = |visited| Ok(Walked::Infeasible { visited });
    for p in pattern {
        if closure.raise(p.thread, p.stops[0]).is_err() {
            return infeasible(visited);
        }
    }
    loop {
        if visited.len() < keep {
            visited.push(at.clone());
        }
        match closure.run(budget) {
            Ok(()) => {}
            Err(Failure::Impossible) => return infeasible(visited),
            Err(Failure::Budget) => return Err(Failure::Budget),
        }
        let mut moved = false;
        for (i, p) in pattern.iter().enumerate() {
            let f = closure.frontier(p.thread);
            if p.stops[at[i]] < f {
                at[i] += p.stops[at[i]..].partition_point(|&s| s < f);
                if at[i] == p.stops.len() || closure.raise(p.thread, p.stops[at[i]]).is_err() {
                    return infeasible(visited);
                }
                moved = true;
            }
        }
        if !moved {
            return Ok(Walked::Feasible(at));
        }
    }
}
