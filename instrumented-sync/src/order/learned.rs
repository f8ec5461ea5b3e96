//! The learned lock order: a global graph with an edge `held -> new` for
//! every lock a thread took (blocking) while holding another, kept in
//! [`DynamicOrder`] so an edge that closes a cycle is found the moment it
//! is first taken.
//!
//! A cycle is reported (once, shortest first) unless it cannot deadlock:
//! - every edge of it was taken while one common *gate* lock was already
//!   held (the gate serialises the threads);
//! - some lock on it is an RwLock that both of its neighbouring edges only
//!   ever take for read, and nobody ever write-locks it (no writer can
//!   interpose between the readers).
//!
//! A refused (cyclic) edge is kept aside and re-checked when an edge's
//! modes or gates widen or an RwLock is first written, so a cycle
//! suppressed for one of the reasons above is reported once the reason no
//! longer holds.
//!
//! # Performance
//! Called only for a held-set chain the thread has not checked before
//! (see `thread_state`): one global lock and, per held lock, a hash
//! look-up; a first-time edge adds an incremental-order update.
//!
//! # Limitations
//! A refused edge is not in the order graph, so another cycle through it
//! is found only if it is also the shortest one. Memory is bounded by the
//! live locks and their edges: [`forget`] removes a dropped lock.

use std::panic::Location;
use std::sync::Arc;

use foldhash::{HashMap, HashSet};
use lockscope_detector::graph::dynamic_order::DynamicOrder;
use lockscope_detector::trace::{LockMode, PrimitiveKind};
use parking_lot::Mutex;

use super::report;
use crate::policy::LiveFinding;
use crate::thread_state::{Held, LockInfo};

/// How an edge was taken (merged over every time it was taken).
#[derive(Clone, Debug)]
pub struct Edge {
    pub thread: u64,
    pub thread_name: Option<Arc<str>>,
    /// Where the source lock was acquired.
    pub from_site: &'static Location<'static>,
    /// Where the target lock was acquired.
    pub to_site: &'static Location<'static>,
    /// The source was only ever held for read.
    pub from_read: bool,
    /// The target was only ever requested for read.
    pub to_read: bool,
    /// Locks held before the source every time (sorted ids).
    pub gates: Vec<u64>,
}

impl Edge {
    /// Merges another taking of the same edge; whether anything widened.
    fn merge(&mut self, other: &Edge) -> bool {
        let before = (self.from_read, self.to_read, self.gates.len());
        self.from_read &= other.from_read;
        self.to_read &= other.to_read;
        self.gates.retain(|g| other.gates.binary_search(g).is_ok());
        before != (self.from_read, self.to_read, self.gates.len())
    }
}

#[derive(Debug)]
struct Node {
    info: LockInfo,
    written: bool,
    /// Keys of the edges (and refused edges) touching this node.
    edges: Vec<(u64, u64)>,
}

#[derive(Debug, Default)]
struct Learned {
    order: DynamicOrder,
    nodes: HashMap<u64, Node>,
    edges: HashMap<(u64, u64), Edge>,
    refused: HashMap<(u64, u64), Edge>,
    reported: HashSet<Vec<u64>>,
}

static LEARNED: Mutex<Option<Learned>> = Mutex::new(None);

/// The calling thread (`thread`, `thread_name`) acquires `new` in `mode` at
/// `site` holding `held`: adds the edges and returns any new findings.
pub fn check(
    held: &[Held],
    new: LockInfo,
    mode: LockMode,
    site: &'static Location<'static>,
    thread: (u64, Option<&Arc<str>>),
) -> Vec<LiveFinding> {
    let mut guard = LEARNED.lock();
    let g = guard.get_or_insert_with(Learned::default);
    g.node(new);
    let mut findings = Vec::new();
    let mut recheck = false;
    for (i, h) in held.iter().enumerate() {
        if h.info.id == new.id {
            continue;
        }
        g.node(h.info);
        let mut gates: Vec<u64> = held[..i].iter().map(|g| g.info.id).collect();
        gates.sort_unstable();
        let edge = Edge {
            thread: thread.0,
            thread_name: thread.1.cloned(),
            from_site: h.site,
            to_site: site,
            from_read: h.mode == LockMode::Shared,
            to_read: mode == LockMode::Shared,
            gates,
        };
        recheck |= g.add(h.info.id, new.id, edge, &mut findings);
    }
    if recheck {
        g.recheck(&mut findings);
    }
    findings
}

/// `lock` (an RwLock) is write-locked: a writer can interpose on it.
pub fn note_written(lock: LockInfo) -> Vec<LiveFinding> {
    let mut guard = LEARNED.lock();
    let g = guard.get_or_insert_with(Learned::default);
    let mut findings = Vec::new();
    if !std::mem::replace(&mut g.node(lock).written, true) && !g.refused.is_empty() {
        g.recheck(&mut findings);
    }
    findings
}

/// `id` was dropped: remove it and its edges.
pub fn forget(id: u64) {
    let mut guard = LEARNED.lock();
    let Some(g) = guard.as_mut() else { return };
    let Some(node) = g.nodes.remove(&id) else {
        return;
    };
    g.order.remove_node(id);
    for key in node.edges {
        g.edges.remove(&key);
        g.refused.remove(&key);
        let other = if key.0 == id { key.1 } else { key.0 };
        if let Some(o) = g.nodes.get_mut(&other) {
            o.edges.retain(|&k| k != key);
        }
    }
    g.reported.retain(|c| !c.contains(&id));
}

/// Number of locks and edges in the graph (for tests and benchmarks).
pub fn size() -> (usize, usize) {
    LEARNED
        .lock()
        .as_ref()
        .map_or((0, 0), |g| (g.nodes.len(), g.edges.len() + g.refused.len()))
}

impl Learned {
    fn node(&mut self, info: LockInfo) -> &mut Node {
        self.nodes.entry(info.id).or_insert_with(|| Node {
            info,
            written: false,
            edges: Vec::new(),
        })
    }

    /// Adds one taking of `from -> to`; returns whether a known edge widened
    /// (refused edges must be re-checked).
    fn add(&mut self, from: u64, to: u64, edge: Edge, findings: &mut Vec<LiveFinding>) -> bool {
        let key = (from, to);
        if let Some(old) = self.edges.get_mut(&key) {
            return old.merge(&edge) && !self.refused.is_empty();
        }
        if let Some(old) = self.refused.get_mut(&key) {
            old.merge(&edge);
            findings.extend(self.evaluate(key));
            return false;
        }
        let refused = self.order.add_edge(from, to).is_err();
        for n in [from, to] {
            if let Some(node) = self.nodes.get_mut(&n) {
                node.edges.push(key);
            }
        }
        if refused {
            self.refused.insert(key, edge);
            findings.extend(self.evaluate(key));
        } else {
            self.edges.insert(key, edge);
        }
        false
    }

    fn recheck(&mut self, findings: &mut Vec<LiveFinding>) {
        let keys: Vec<_> = self.refused.keys().copied().collect();
        for key in keys {
            findings.extend(self.evaluate(key));
        }
    }

    /// Whether the refused edge `key` now closes a reportable, unreported
    /// cycle; if so, the finding.
    fn evaluate(&mut self, key: (u64, u64)) -> Option<LiveFinding> {
        let path = self.order.shortest_path(key.1, key.0)?;
        // The cycle key.0 -> key.1 -> ... -> key.0 as a node list.
        let mut nodes = vec![key.0];
        nodes.extend(&path[..path.len() - 1]);
        let edges: Vec<(u64, u64)> = (0..nodes.len())
            .map(|i| (nodes[i], nodes[(i + 1) % nodes.len()]))
            .collect();
        let taken: Vec<&Edge> = edges
            .iter()
            .map(|k| self.edges.get(k).or_else(|| self.refused.get(k)))
            .collect::<Option<_>>()?;
        if !self.can_deadlock(&nodes, &taken) {
            return None;
        }
        // Normalised to start at the smallest id, so each cycle is one key.
        let min = (0..nodes.len()).min_by_key(|&i| nodes[i]).unwrap_or(0);
        nodes.rotate_left(min);
        let mut taken = taken;
        taken.rotate_left(min);
        if !self.reported.insert(nodes.clone()) {
            return None;
        }
        let infos: Vec<LockInfo> = nodes.iter().map(|n| self.nodes[n].info).collect();
        Some(report::inversion(&infos, &taken))
    }

    /// The gate and read-read exemptions of the module docs.
    fn can_deadlock(&self, nodes: &[u64], taken: &[&Edge]) -> bool {
        let common_gate = taken[0]
            .gates
            .iter()
            .any(|g| taken[1..].iter().all(|e| e.gates.binary_search(g).is_ok()));
        if common_gate {
            return false;
        }
        (0..nodes.len()).all(|i| {
            let incoming = taken[(i + nodes.len() - 1) % nodes.len()];
            let outgoing = taken[i];
            let node = &self.nodes[&nodes[i]];
            let readers_only = node.info.kind == PrimitiveKind::RwLock
                && incoming.to_read
                && outgoing.from_read
                && !node.written;
            !readers_only
        })
    }
}
