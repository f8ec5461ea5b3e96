//! A schedule for a closed set of events whose pinned critical sections
//! run last: the set's events ordered by every constraint a correct
//! reordering keeps, breaking ties by trace order.
//!
//! The constraints: program order; each event after what it depends on (a
//! read's writer, the previous operation on its synchronisation object, a
//! join's child); a forked thread after its fork; per variable, each read
//! before the write that follows its writer, so every read still reads the
//! same write (`variables`: in trace order, or if that has a cycle, in
//! two orders taken from a schedule without these constraints); per lock, its
//! critical sections one after the other: in trace order, except that a
//! pinned section runs after every other section of its lock in the set.
//!
//! With variables in trace order, only a pinned section's acquisition has
//! a constraint against trace order, so the events before the earliest
//! pinned acquisition go first, in trace order, and only the rest is
//! sorted (Kahn's algorithm, the earliest ready event in the trace first).
//! The other orders sort the whole set (at most its latest `window`
//! events). A cycle in each means no schedule was found; the caller then
//! has no witness.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::closure::Locks;
use super::log::{Op, View, NO_EVENT};
use super::variables::{self, Dead};

/// Why no schedule came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unscheduled {
    /// The constraints form a cycle.
    Cycle,
    /// More events to sort than the window allows.
    Window,
    /// Trace order has a cycle and the set is larger than the regrouped
    /// orders may sort.
    Regroup,
}

/// The events of the set `prefixes` (per thread, how many of its events)
/// as a schedule of trace indexes, with the sections `pins` (per lock, the
/// pinned section) last among their lock's; at most `window` events are
/// sorted in trace order of variables, at most `regroup` in the other
/// orders.
pub fn linearize(
    view: &View<'_>,
    locks: &Locks,
    prefixes: &[u32],
    pins: &[(u32, u32)],
    (window, regroup): (usize, usize),
) -> Result<Vec<u32>, Unscheduled> {
    let g0 = pins
        .iter()
        .map(|&(_, s)| view.sections[s as usize].acq)
        .min()
        .unwrap_or(u32::MAX);
    let mut first: Vec<u32> = Vec::new();
    let mut rest: Vec<u32> = Vec::new();
    for (t, &len) in prefixes.iter().enumerate() {
        for &e in &view.threads[t][..len as usize] {
            if e < g0 {
                first.push(e);
            } else {
                rest.push(e);
            }
        }
    }
    if rest.len() > window {
        return Err(Unscheduled::Window);
    }
    first.sort_unstable();
    rest.sort_unstable();
    if let Ok(order) = sort(view, locks, prefixes, pins, &rest, Vars::TraceOrder) {
        first.extend(order);
        return Ok(first);
    }
    // Another order of some variable's accesses may move events before
    // the earliest pinned acquisition too: sort the whole set, or its
    // latest `window` events.
    first.extend(rest);
    first.sort_unstable();
    let tail = first.split_off(first.len().saturating_sub(window));
    if tail.len() > regroup {
        return Err(Unscheduled::Regroup);
    }
    let order = sort(
        view,
        locks,
        prefixes,
        pins,
        &tail,
        Vars::Grouped(Dead::InPlace),
    )
    .or_else(|_| {
        sort(
            view,
            locks,
            prefixes,
            pins,
            &tail,
            Vars::Grouped(Dead::AfterStarted),
        )
    })?;
    first.extend(order);
    Ok(first)
}

/// In which order each variable's accesses are constrained.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vars {
    TraceOrder,
    /// Grouped in the order of a schedule without them
    /// ([`variables::grouped`]).
    Grouped(Dead),
}

/// Kahn's algorithm over `rest` (sorted trace indexes), with each
/// variable's accesses constrained in the order `vars` says.
fn sort(
    view: &View<'_>,
    locks: &Locks,
    prefixes: &[u32],
    pins: &[(u32, u32)],
    rest: &[u32],
    vars: Vars,
) -> Result<Vec<u32>, Unscheduled> {
    let id = |e: u32| rest.binary_search(&e).ok();
    let mut base: Vec<(u32, u32)> = Vec::new();
    let mut add = |a: u32, b: u32| {
        if let (Some(a), Some(b)) = (id(a), id(b)) {
            base.push((a as u32, b as u32));
        }
    };
    let in_set = |e: u32| {
        let t = view.events[e as usize].thread as usize;
        view.pos[e as usize] < prefixes[t]
    };
    let mut lock_ids: Vec<u32> = pins.iter().map(|&(l, _)| l).collect();
    for &e in rest {
        let (t, p) = (view.events[e as usize].thread, view.pos[e as usize]);
        if p > 0 {
            add(view.at(t, p - 1), e);
        }
        let dep = view.dep[e as usize];
        if dep != NO_EVENT {
            add(dep, e);
        }
        if let Some((from, fork)) = view.fork_of(t) {
            if p == from {
                add(fork, e);
            }
        }
        if let Op::Acquire { lock, .. } = view.events[e as usize].op() {
            if view.opens[e as usize] != NO_EVENT {
                lock_ids.push(lock);
            }
        }
    }
    lock_ids.sort_unstable();
    lock_ids.dedup();
    for lock in lock_ids {
        let pinned = pins.iter().find(|p| p.0 == lock).map(|p| p.1);
        let mut sections: Vec<u32> = Vec::new();
        for (u, len) in prefixes.iter().enumerate() {
            for &s in locks.of(lock, u as u32) {
                if view.pos[view.sections[s as usize].acq as usize] < *len {
                    sections.push(s);
                }
            }
        }
        sections.sort_unstable_by_key(|&s| view.sections[s as usize].acq);
        if let Some(p) = pinned {
            sections.retain(|&s| s != p);
            sections.push(p);
        }
        for w in sections.windows(2) {
            let (a, b) = (view.sections[w[0] as usize], view.sections[w[1] as usize]);
            if !a.released() || !in_set(a.rel) {
                return Err(Unscheduled::Cycle);
            }
            add(a.rel, b.acq);
        }
    }
    let live = variables::live(view, rest);
    let with = |order: &[u32]| {
        let mut edges = base.clone();
        variables::constrain(view, order, &live, &mut |a, b| {
            if let (Some(a), Some(b)) = (id(a), id(b)) {
                edges.push((a as u32, b as u32));
            }
        });
        edges
    };
    match vars {
        Vars::TraceOrder => kahn(rest, &with(rest)),
        Vars::Grouped(dead) => {
            let free = kahn(rest, &base)?;
            kahn(rest, &with(&variables::grouped(view, rest, &free, dead)))
        }
    }
}

fn kahn(rest: &[u32], edges: &[(u32, u32)]) -> Result<Vec<u32>, Unscheduled> {
    let n = rest.len();
    let mut indegree = vec![0u32; n];
    let mut start = vec![0usize; n + 1];
    for &(a, b) in edges {
        start[a as usize + 1] += 1;
        indegree[b as usize] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut succ = vec![0u32; edges.len()];
    for &(a, b) in edges {
        succ[next[a as usize]] = b;
        next[a as usize] += 1;
    }
    let mut ready: BinaryHeap<Reverse<u32>> = (0..n as u32)
        .filter(|&i| indegree[i as usize] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(rest[i as usize]);
        for &j in &succ[start[i as usize]..start[i as usize + 1]] {
            indegree[j as usize] -= 1;
            if indegree[j as usize] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    if order.len() == n {
        Ok(order)
    } else {
        Err(Unscheduled::Cycle)
    }
}
