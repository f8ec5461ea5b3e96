//! Lock-order inversion findings: a cycle of locks, each edge taken by a
//! different thread.

use super::At;
use crate::finding::detail::{Detail, OrderEdge};
use crate::finding::model::Finding;
use crate::finding::scenario::{Op, Scenario};
use crate::finding::step::Role;
use crate::finding::FindingKind;

/// One edge of a cycle as it was seen: the trace events of its
/// acquisition of `from` and its request of `to`, when it has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenEdge {
    pub edge: OrderEdge,
    pub acquired: Option<u64>,
    pub requested: Option<u64>,
}

/// The potential deadlock of `edges` (in cycle order: each holds `from`
/// and asks for `to`, the next edge's `from`), ungraded.
///
/// The cycle is rotated to start at its smallest (lock, sites), so the
/// finding does not depend on where the search found it. Identity: the
/// sorted lock names, then each edge's two sites in cycle order (`?` when
/// unknown). Tools count predicted deadlocks by lock cycle or by site
/// tuple; the detail carries both.
pub fn potential_deadlock(mut edges: Vec<SeenEdge>) -> Finding {
    let start = (0..edges.len())
        .min_by_key(|&i| {
            let e = &edges[i].edge;
            (e.from.clone(), e.site_from.clone(), e.site_to.clone())
        })
        .unwrap_or(0);
    edges.rotate_left(start);
    let mut locks: Vec<String> = edges.iter().map(|e| e.edge.from.clone()).collect();
    locks.sort_unstable();
    let site = |s: &Option<String>| s.clone().unwrap_or_else(|| "?".to_owned());
    let sites: Vec<String> = edges
        .iter()
        .flat_map(|e| [site(&e.edge.site_from), site(&e.edge.site_to)])
        .collect();
    let identity: Vec<&str> = locks.iter().chain(&sites).map(String::as_str).collect();
    let mut steps = Vec::new();
    let mut scenario = Scenario::new(edges.iter().map(|e| e.edge.thread.clone()).collect());
    for (i, seen) in edges.iter().enumerate() {
        let e = &seen.edge;
        let at = |site: &Option<String>, event| At {
            site: site.clone(),
            event,
            ..At::default()
        };
        let acquired = Role::Acquired {
            lock: e.from.clone(),
            mode: e.mode_from,
            waited: None,
        };
        let requested = Role::Requested {
            lock: e.to.clone(),
            mode: e.mode_to,
            holding: vec![e.from.clone()],
        };
        steps.push(at(&e.site_from, seen.acquired).step(&e.thread, acquired));
        steps.push(at(&e.site_to, seen.requested).step(&e.thread, requested));
        scenario.push(
            i,
            Op::Lock {
                lock: e.from.clone(),
                mode: e.mode_from,
            },
        );
    }
    for (i, seen) in edges.iter().enumerate() {
        let e = &seen.edge;
        scenario.push(
            i,
            Op::Lock {
                lock: e.to.clone(),
                mode: e.mode_to,
            },
        );
    }
    let edges: Vec<OrderEdge> = edges.into_iter().map(|s| s.edge).collect();
    let mut f = Finding::new(
        FindingKind::PotentialDeadlock,
        &identity,
        Detail::LockCycle {
            edges: edges.clone(),
            traces: Vec::new(),
            fork_join_distrusted: None,
            by_class: false,
        },
    );
    f.threads = edges.iter().map(|e| e.thread.clone()).collect();
    f.primitives = edges.iter().map(|e| e.from.clone()).collect();
    f.steps = steps;
    f.scenario = Some(scenario);
    f
}
