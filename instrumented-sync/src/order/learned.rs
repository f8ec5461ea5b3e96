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
//! look-up; a first-time edge adds an incremental-order update. The edge
//! data lives in the order graph's own edge map (one hash insert per new
//! edge), and only refused edges are listed per node, so a new edge writes
//! few cache lines: about 128 ns (300 locks) and 157 ns (3000 locks) per
//! first-time edge in `benches/order.rs`, 143 to 212 ns when every edge
//! goes against creation order (the reordering search). The growth with
//! the lock count is cache misses on the larger per-lock data. A held
//! lock's identity is read (through its entry's pointer) only when the
//! lock is new to the graph.
//!
//! # Limitations
//! A refused edge is not in the order graph, so another cycle through it
//! is found only if it is also the shortest one. Memory is bounded by the
//! live locks and their edges: [`forget`] removes a dropped lock.

use std::panic::Location;
use std::sync::Arc;

use foldhash::{HashMap, HashSet};
use lockscope_detector::graph::dynamic_order::DynamicOrder;
use lockscope_detector::trace::LockMode;

use super::report;
use crate::held::HeldEntry;
use crate::held::{Held, LockInfo};
use crate::meta::PrimitiveMeta;
use crate::raw::Mutex;
use lockscope_detector::finding::Finding;

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
    pub gates: Box<[u64]>,
}

impl Edge {
    /// Merges another taking of the same edge; whether anything widened.
    fn merge(&mut self, other: &Edge) -> bool {
        let before = (self.from_read, self.to_read, self.gates.len());
        self.from_read &= other.from_read;
        self.to_read &= other.to_read;
        if !self
            .gates
            .iter()
            .all(|g| other.gates.binary_search(g).is_ok())
        {
            self.gates = (self.gates.iter())
                .filter(|g| other.gates.binary_search(g).is_ok())
                .copied()
                .collect();
        }
        before != (self.from_read, self.to_read, self.gates.len())
    }
}

#[derive(Debug)]
struct Node {
    info: LockInfo,
    written: bool,
    /// Keys of the refused edges touching this node (the order graph
    /// lists its accepted edges).
    refused: Vec<(u64, u64)>,
}

#[derive(Debug, Default)]
struct Learned {
    /// The accepted edges, each with how it was taken.
    order: DynamicOrder<Edge>,
    nodes: HashMap<u64, Node>,
    refused: HashMap<(u64, u64), Edge>,
    reported: HashSet<Vec<u64>>,
}

/// A held lock as the check reads it: its identity only when the lock is
/// new to the graph (a held entry reaches part of it through a pointer,
/// usually to a cache line nothing else needs).
pub trait HeldLock {
    fn id(&self) -> u64;
    /// Where it was acquired.
    fn site(&self) -> &'static Location<'static>;
    fn mode(&self) -> LockMode;
    /// Its identity.
    fn info(&self) -> LockInfo;
}

impl HeldLock for HeldEntry {
    fn id(&self) -> u64 {
        self.id
    }
    fn site(&self) -> &'static Location<'static> {
        self.site
    }
    fn mode(&self) -> LockMode {
        self.mode
    }
    fn info(&self) -> LockInfo {
        HeldEntry::info(self)
    }
}

impl HeldLock for Held {
    fn id(&self) -> u64 {
        self.info.id
    }
    fn site(&self) -> &'static Location<'static> {
        self.site
    }
    fn mode(&self) -> LockMode {
        self.mode
    }
    fn info(&self) -> LockInfo {
        self.info
    }
}

static LEARNED: Mutex<Option<Learned>> = Mutex::new(None);

/// The calling thread (`thread`, `thread_name`) acquires `new` in `mode` at
/// `site` holding `held` (oldest first): adds the edges and returns any new
/// findings.
pub fn check<'a, H: HeldLock + 'a>(
    held: impl Iterator<Item = &'a H> + Clone,
    new: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
    thread: (u64, Option<&Arc<str>>),
) -> Vec<Finding> {
    let mut guard = LEARNED.lock();
    let g = guard.get_or_insert_with(Learned::default);
    g.check(held, new.id(), || LockInfo::of(new), mode, site, thread)
}

/// `lock` (an RwLock) is write-locked: a writer can interpose on it.
pub fn note_written(lock: LockInfo) -> Vec<Finding> {
    let mut guard = LEARNED.lock();
    let g = guard.get_or_insert_with(Learned::default);
    let mut findings = Vec::new();
    if !std::mem::replace(&mut g.node(lock.id, || lock).written, true) && !g.refused.is_empty() {
        g.recheck(&mut findings);
    }
    findings
}

/// `id` was dropped: remove it and its edges.
pub fn forget(id: u64) {
    if let Some(g) = LEARNED.lock().as_mut() {
        g.forget(id);
    }
}

impl Learned {
    /// See [`check`]; `new_info` is `new`'s identity, asked for only if
    /// the lock is new to the graph.
    fn check<'a, H: HeldLock + 'a>(
        &mut self,
        held: impl Iterator<Item = &'a H> + Clone,
        new: u64,
        new_info: impl FnOnce() -> LockInfo,
        mode: LockMode,
        site: &'static Location<'static>,
        thread: (u64, Option<&Arc<str>>),
    ) -> Vec<Finding> {
        self.node(new, new_info);
        let mut findings = Vec::new();
        let mut recheck = false;
        for (i, h) in held.clone().enumerate() {
            if h.id() == new {
                continue;
            }
            self.node(h.id(), || h.info());
            let mut gates: Box<[u64]> = held.clone().take(i).map(|g| g.id()).collect();
            gates.sort_unstable();
            let edge = Edge {
                thread: thread.0,
                thread_name: thread.1.cloned(),
                from_site: h.site(),
                to_site: site,
                from_read: h.mode() == LockMode::Shared,
                to_read: mode == LockMode::Shared,
                gates,
            };
            recheck |= self.add(h.id(), new, edge, &mut findings);
        }
        if recheck {
            self.recheck(&mut findings);
        }
        findings
    }

    /// See [`forget`]: the order graph drops the accepted edges with the
    /// node; the refused ones are listed on both of their nodes.
    fn forget(&mut self, id: u64) {
        let Some(node) = self.nodes.remove(&id) else {
            return;
        };
        self.order.remove_node(id);
        for key in node.refused {
            self.refused.remove(&key);
            let other = if key.0 == id { key.1 } else { key.0 };
            if let Some(o) = self.nodes.get_mut(&other) {
                o.refused.retain(|&k| k != key);
            }
        }
        self.reported.retain(|c| !c.contains(&id));
    }

    /// Lock `id`'s node, made with `info()` if it is new.
    fn node(&mut self, id: u64, info: impl FnOnce() -> LockInfo) -> &mut Node {
        self.nodes.entry(id).or_insert_with(|| Node {
            info: info(),
            written: false,
            refused: Vec::new(),
        })
    }

    /// Adds one taking of `from -> to`; returns whether a known edge widened
    /// (refused edges must be re-checked).
    fn add(&mut self, from: u64, to: u64, edge: Edge, findings: &mut Vec<Finding>) -> bool {
        let key = (from, to);
        if let Some(old) = self.refused.get_mut(&key) {
            old.merge(&edge);
            findings.extend(self.evaluate(key));
            return false;
        }
        let mut widened = false;
        let merge = |old: &mut Edge, new: Edge| widened = old.merge(&new);
        match self.order.add_edge_with(from, to, edge, merge) {
            Ok(_) => widened && !self.refused.is_empty(),
            Err((_, edge)) => {
                for n in [from, to] {
                    if let Some(node) = self.nodes.get_mut(&n) {
                        node.refused.push(key);
                    }
                }
                self.refused.insert(key, edge);
                findings.extend(self.evaluate(key));
                false
            }
        }
    }

    fn recheck(&mut self, findings: &mut Vec<Finding>) {
        let keys: Vec<_> = self.refused.keys().copied().collect();
        for key in keys {
            findings.extend(self.evaluate(key));
        }
    }

    /// Whether the refused edge `key` now closes a reportable, unreported
    /// cycle; if so, the finding.
    fn evaluate(&mut self, key: (u64, u64)) -> Option<Finding> {
        let path = self.order.shortest_path(key.1, key.0)?;
        // The cycle key.0 -> key.1 -> ... -> key.0 as a node list.
        let mut nodes = vec![key.0];
        nodes.extend(&path[..path.len() - 1]);
        let edges: Vec<(u64, u64)> = (0..nodes.len())
            .map(|i| (nodes[i], nodes[(i + 1) % nodes.len()]))
            .collect();
        let taken: Vec<&Edge> = edges
            .iter()
            .map(|k| self.order.edge(k.0, k.1).or_else(|| self.refused.get(k)))
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
            let readers_only = node.info.kind.is_rwlock()
                && incoming.to_read
                && outgoing.from_read
                && !node.written;
            !readers_only
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::PrimitiveMeta;
    use lockscope_detector::trace::PrimitiveKind;

    fn lock() -> LockInfo {
        LockInfo::of(&PrimitiveMeta::new(PrimitiveKind::Mutex, None))
    }

    fn held(info: LockInfo) -> Held {
        Held {
            info,
            mode: LockMode::Exclusive,
            site: Location::caller(),
        }
    }

    fn take(g: &mut Learned, under: LockInfo, new: LockInfo) -> usize {
        g.check(
            [held(under)].iter(),
            new.id,
            || new,
            LockMode::Exclusive,
            Location::caller(),
            (1, None),
        )
        .len()
    }

    /// Whether the learned graph has lock `id`.
    #[cfg(feature = "record")]
    fn knows(id: u64) -> bool {
        LEARNED
            .lock()
            .as_ref()
            .is_some_and(|g| g.nodes.contains_key(&id))
    }

    #[cfg(feature = "record")]
    #[test]
    fn dropped_locks_leave_the_graph() {
        use crate::prelude::*;
        let (a, b) = (crate::Mutex::named("a", ()), crate::Mutex::named("b", ()));
        drop((a.lock(), b.lock()));
        let ids = [a.identity().id(), b.identity().id()];
        assert!(ids.iter().all(|&id| knows(id)));
        drop((a, b));
        assert!(!ids.iter().any(|&id| knows(id)));
    }

    #[test]
    fn forgetting_a_lock_drops_its_accepted_and_refused_edges() {
        let mut g = Learned::default();
        let (a, b, c) = (lock(), lock(), lock());
        assert_eq!(take(&mut g, a, b), 0);
        assert_eq!(take(&mut g, b, c), 0);
        assert_eq!(take(&mut g, b, a), 1, "b -> a closes a -> b -> a");
        assert_eq!(take(&mut g, b, a), 0, "reported once");
        assert_eq!((g.order.edge_count(), g.refused.len()), (2, 1));
        g.forget(a.id);
        assert_eq!((g.order.edge_count(), g.refused.len()), (1, 0));
        assert!(g.nodes[&b.id].refused.is_empty());
        assert!(g.order.edge(b.id, c.id).is_some());
        g.forget(b.id);
        g.forget(c.id);
        assert_eq!((g.nodes.len(), g.order.node_count()), (0, 0));
        assert!(g.reported.is_empty());
    }

    #[test]
    fn a_repeated_edge_narrows_the_stored_one() {
        let mut g = Learned::default();
        let (gate, a, b) = (lock(), lock(), lock());
        let chain = [held(gate), held(a)];
        g.check(
            chain.iter(),
            b.id,
            || b,
            LockMode::Shared,
            Location::caller(),
            (1, None),
        );
        assert_eq!(
            g.order.edge(a.id, b.id).map(|e| &e.gates[..]),
            Some(&[gate.id][..])
        );
        take(&mut g, a, b);
        let e = g.order.edge(a.id, b.id).expect("the edge is kept");
        assert!(e.gates.is_empty() && !e.to_read);
    }
}
