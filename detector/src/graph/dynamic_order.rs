//! An incremental topological order over a directed graph of `u64` node ids
//! (Pearce and Kelly, "A dynamic topological sort algorithm for directed
//! acyclic graphs", JEA 2007): the lock-order graph of the live checks.
//!
//! [`DynamicOrder`] keeps the graph acyclic. [`DynamicOrder::add_edge`]
//! inserts an edge, or refuses it when it would close a cycle and returns
//! the shortest existing path that the new edge would close
//! ([`ClosesCycle`]). Nodes are added on first mention and can be removed
//! ([`DynamicOrder::remove_node`]), so memory follows the live node set.
//! Each edge can carry a payload (`DynamicOrder<E>`, none by default;
//! [`DynamicOrder::add_edge_with`], [`DynamicOrder::edge`]), so a caller
//! keeping data per edge needs no second edge map.
//!
//! ```
//! use lockscope_detector::graph::dynamic_order::DynamicOrder;
//!
//! let mut g = DynamicOrder::new();
//! assert_eq!(g.add_edge(1, 2), Ok(true));
//! assert_eq!(g.add_edge(2, 3), Ok(true));
//! let cycle = g.add_edge(3, 1).unwrap_err();
//! assert_eq!(cycle.path, [1, 2, 3]); // 3 -> 1 would close 1 -> 2 -> 3
//! ```
//!
//! # Performance
//! Every node carries an order value with `ord(u) < ord(v)` for each edge
//! `u -> v`; a new node starts at its own id, so when ids follow the
//! order most edges will take (lockscope's lock ids are creation order)
//! those edges need no search. An edge that agrees with the order costs
//! two hash look-ups and an insert, whatever the graph size. An edge against the order searches
//! only the affected region: nodes reachable from `to` whose order is below
//! `from`'s, and nodes reaching `from` whose order is above `to`'s, then
//! re-labels just those nodes. Removing a node costs its degree; its slot,
//! with its adjacency buffers, is reused by the next new node.
//!
//! # Limitations
//! Not thread-safe by itself (the caller wraps it in a lock). A refused edge
//! is not stored: the graph only ever holds an acyclic edge set.

use std::fmt;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// [`DynamicOrder::add_edge`] refused `from -> to`: it would close a cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosesCycle {
    /// A shortest existing path `to -> ... -> from`; with the refused edge
    /// it forms the cycle. `[from]` alone for a self-loop.
    pub path: Vec<u64>,
}

impl fmt::Display for ClosesCycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "edge would close the cycle ")?;
        for n in &self.path {
            write!(f, "{n} -> ")?;
        }
        write!(f, "{}", self.path[0])
    }
}

impl std::error::Error for ClosesCycle {}

/// Adjacency capacity a freed slot keeps for its next node.
const KEPT_CAPACITY: usize = 64;

#[derive(Debug)]
struct Slot {
    id: u64,
    ord: u64,
    out: Vec<usize>,
    inc: Vec<usize>,
    /// Search epoch that last visited this slot.
    mark: u64,
}

/// A directed acyclic graph with an incrementally maintained topological
/// order, each edge carrying a payload `E` (none by default). See the
/// module docs.
#[derive(Debug)]
pub struct DynamicOrder<E = ()> {
    index: HashMap<u64, usize>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    edges: HashMap<(usize, usize), E>,
    epoch: u64,
    /// Order values in use (unique per node).
    ords: HashSet<u64>,
    /// Scratch buffers reused by every search (no allocation per edge).
    stack: Vec<usize>,
    fwd: Vec<usize>,
    bwd: Vec<usize>,
    pool: Vec<u64>,
}

impl DynamicOrder {
    /// An empty graph without edge payloads.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts `from -> to`, adding missing nodes. `Ok(true)` if the edge is
    /// new, `Ok(false)` if it was present; [`ClosesCycle`] (and no change
    /// but the added nodes) if it would close a cycle.
    pub fn add_edge(&mut self, from: u64, to: u64) -> Result<bool, ClosesCycle> {
        self.add_edge_with(from, to, (), |_, _| ())
            .map_err(|(c, ())| c)
    }
}

impl<E> Default for DynamicOrder<E> {
    fn default() -> Self {
        DynamicOrder {
            index: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            edges: HashMap::new(),
            epoch: 0,
            ords: HashSet::new(),
            stack: Vec::new(),
            fwd: Vec::new(),
            bwd: Vec::new(),
            pool: Vec::new(),
        }
    }
}

impl<E> DynamicOrder<E> {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.index.len()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Whether `id` is a node.
    pub fn contains_node(&self, id: u64) -> bool {
        self.index.contains_key(&id)
    }

    /// Whether the edge `from -> to` is present.
    pub fn has_edge(&self, from: u64, to: u64) -> bool {
        match (self.index.get(&from), self.index.get(&to)) {
            (Some(&f), Some(&t)) => self.edges.contains_key(&(f, t)),
            _ => false,
        }
    }

    /// The payload of the edge `from -> to`, if present.
    pub fn edge(&self, from: u64, to: u64) -> Option<&E> {
        let (f, t) = (self.index.get(&from)?, self.index.get(&to)?);
        self.edges.get(&(*f, *t))
    }

    /// The payload of the edge `from -> to`, if present, to update.
    pub fn edge_mut(&mut self, from: u64, to: u64) -> Option<&mut E> {
        let (f, t) = (self.index.get(&from)?, self.index.get(&to)?);
        self.edges.get_mut(&(*f, *t))
    }

    /// The nodes `id` has an edge to (none if `id` is absent).
    pub fn successors(&self, id: u64) -> impl Iterator<Item = u64> + '_ {
        self.neighbours(id, |s| &s.out)
    }

    /// The nodes with an edge to `id` (none if `id` is absent).
    pub fn predecessors(&self, id: u64) -> impl Iterator<Item = u64> + '_ {
        self.neighbours(id, |s| &s.inc)
    }

    fn neighbours<'a>(
        &'a self,
        id: u64,
        list: impl Fn(&'a Slot) -> &'a Vec<usize>,
    ) -> impl Iterator<Item = u64> + 'a {
        let slots = self
            .index
            .get(&id)
            .map_or(&[][..], |&s| &list(&self.slots[s])[..]);
        slots.iter().map(|&m| self.slots[m].id)
    }

    /// Adds `id` (a no-op if present) at position `id` in the order.
    pub fn add_node(&mut self, id: u64) {
        self.slot_of(id);
    }

    /// Removes `id` and its edges (a no-op if absent).
    pub fn remove_node(&mut self, id: u64) {
        let Some(s) = self.index.remove(&id) else {
            return;
        };
        self.ords.remove(&self.slots[s].ord);
        let mut out = std::mem::take(&mut self.slots[s].out);
        let mut inc = std::mem::take(&mut self.slots[s].inc);
        for &t in &out {
            self.edges.remove(&(s, t));
            self.slots[t].inc.retain(|&x| x != s);
        }
        for &f in &inc {
            self.edges.remove(&(f, s));
            self.slots[f].out.retain(|&x| x != s);
        }
        // The free slot keeps its (emptied) adjacency buffers for the next
        // node, so adding edges to a recycled slot does not re-allocate;
        // a buffer grown past `KEPT_CAPACITY` is released.
        for list in [&mut out, &mut inc] {
            list.clear();
            if list.capacity() > KEPT_CAPACITY {
                *list = Vec::new();
            }
        }
        (self.slots[s].out, self.slots[s].inc) = (out, inc);
        self.free.push(s);
    }

    /// Inserts `from -> to` carrying `payload`, adding missing nodes.
    /// `Ok(true)` if the edge is new; `Ok(false)` if it was present, after
    /// `merge(present payload, payload)`; [`ClosesCycle`] and `payload`
    /// back (and no change but the added nodes) if it would close a cycle.
    pub fn add_edge_with(
        &mut self,
        from: u64,
        to: u64,
        payload: E,
        merge: impl FnOnce(&mut E, E),
    ) -> Result<bool, (ClosesCycle, E)> {
        if from == to {
            return Err((ClosesCycle { path: vec![from] }, payload));
        }
        let f = self.slot_of(from);
        let t = self.slot_of(to);
        if let Some(present) = self.edges.get_mut(&(f, t)) {
            merge(present, payload);
            return Ok(false);
        }
        let (lb, ub) = (self.slots[t].ord, self.slots[f].ord);
        if ub > lb {
            let mut fwd = std::mem::take(&mut self.fwd);
            fwd.clear();
            if self.search(t, ub, true, &mut fwd) {
                self.fwd = fwd;
                let path = self.bfs(t, f, lb, ub).expect("the search reached `from`");
                return Err((ClosesCycle { path }, payload));
            }
            let mut bwd = std::mem::take(&mut self.bwd);
            bwd.clear();
            self.search(f, lb, false, &mut bwd);
            self.reorder(&mut bwd, &mut fwd);
            (self.fwd, self.bwd) = (fwd, bwd);
        }
        self.edges.insert((f, t), payload);
        self.slots[f].out.push(t);
        self.slots[t].inc.push(f);
        Ok(true)
    }

    /// A shortest path `from -> ... -> to` (both included), if one exists.
    pub fn shortest_path(&mut self, from: u64, to: u64) -> Option<Vec<u64>> {
        let (&f, &t) = (self.index.get(&from)?, self.index.get(&to)?);
        let (lb, ub) = (self.slots[f].ord, self.slots[t].ord);
        if lb > ub {
            return None;
        }
        self.bfs(f, t, lb, ub)
    }

    fn slot_of(&mut self, id: u64) -> usize {
        if let Some(&s) = self.index.get(&id) {
            return s;
        }
        // Start at the id's own value; a value still used (by a node that
        // took it over in a re-ordering after `id` was removed) moves the
        // new node to the next free value: any free value is valid for a
        // node without edges.
        let mut ord = id;
        while !self.ords.insert(ord) {
            ord = ord.wrapping_add(1);
        }
        let s = match self.free.pop() {
            Some(s) => {
                // `remove_node` left the slot's buffers empty.
                let slot = &mut self.slots[s];
                (slot.id, slot.ord, slot.mark) = (id, ord, 0);
                s
            }
            None => {
                self.slots.push(Slot {
                    id,
                    ord,
                    out: Vec::new(),
                    inc: Vec::new(),
                    mark: 0,
                });
                self.slots.len() - 1
            }
        };
        self.index.insert(id, s);
        s
    }

    /// Depth-first search from `start` over out-edges (`forward`) with
    /// `ord < bound`, or in-edges with `ord > bound`; collects the visited
    /// slots. Forward, returns whether a node with `ord == bound` (the
    /// edge's source) is reachable.
    fn search(&mut self, start: usize, bound: u64, forward: bool, seen: &mut Vec<usize>) -> bool {
        self.epoch += 1;
        let epoch = self.epoch;
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.push(start);
        self.slots[start].mark = epoch;
        let mut reached = false;
        'walk: while let Some(n) = stack.pop() {
            seen.push(n);
            let degree = if forward {
                self.slots[n].out.len()
            } else {
                self.slots[n].inc.len()
            };
            for i in 0..degree {
                let m = if forward {
                    self.slots[n].out[i]
                } else {
                    self.slots[n].inc[i]
                };
                let ord = self.slots[m].ord;
                if forward && ord == bound {
                    reached = true;
                    break 'walk;
                }
                let inside = if forward { ord < bound } else { ord > bound };
                if inside && self.slots[m].mark != epoch {
                    self.slots[m].mark = epoch;
                    stack.push(m);
                }
            }
        }
        self.stack = stack;
        reached
    }

    /// Breadth-first shortest path `f -> ... -> t` through nodes whose order
    /// lies in `lb..=ub` (every path between them does, by the invariant).
    fn bfs(&mut self, f: usize, t: usize, lb: u64, ub: u64) -> Option<Vec<u64>> {
        let mut parent: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([f]);
        parent.insert(f, f);
        while let Some(n) = queue.pop_front() {
            if n == t {
                let mut path = vec![self.slots[t].id];
                let mut cur = t;
                while cur != f {
                    cur = parent[&cur];
                    path.push(self.slots[cur].id);
                }
                path.reverse();
                return Some(path);
            }
            for &m in &self.slots[n].out {
                let ord = self.slots[m].ord;
                if (lb..=ub).contains(&ord) && !parent.contains_key(&m) {
                    parent.insert(m, n);
                    queue.push_back(m);
                }
            }
        }
        None
    }

    /// Gives the backward set, then the forward set, the pooled order values
    /// of both in ascending order, each set keeping its relative order.
    fn reorder(&mut self, bwd: &mut [usize], fwd: &mut [usize]) {
        bwd.sort_unstable_by_key(|&n| self.slots[n].ord);
        fwd.sort_unstable_by_key(|&n| self.slots[n].ord);
        let mut pool = std::mem::take(&mut self.pool);
        pool.clear();
        pool.extend(bwd.iter().chain(fwd.iter()).map(|&n| self.slots[n].ord));
        pool.sort_unstable();
        for (&n, &ord) in bwd.iter().chain(fwd.iter()).zip(&pool) {
            self.slots[n].ord = ord;
        }
        self.pool = pool;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ords_respect_edges(g: &DynamicOrder) -> bool {
        let live: Vec<u64> = g.index.values().map(|&s| g.slots[s].ord).collect();
        let unique: HashSet<u64> = live.iter().copied().collect();
        assert_eq!(unique.len(), live.len(), "order values are unique");
        g.edges
            .keys()
            .all(|&(f, t)| g.slots[f].ord < g.slots[t].ord)
    }

    #[test]
    fn edges_against_the_order_reorder_the_affected_region() {
        let mut g = DynamicOrder::new();
        for n in 1..=5 {
            g.add_node(n);
        }
        assert_eq!(g.add_edge(5, 4), Ok(true));
        assert_eq!(g.add_edge(4, 3), Ok(true));
        assert_eq!(g.add_edge(2, 5), Ok(true));
        assert_eq!(g.add_edge(2, 5), Ok(false));
        assert!(ords_respect_edges(&g));
        assert_eq!(g.add_edge(3, 2).unwrap_err().path, [2, 5, 4, 3]);
        assert!(!g.has_edge(3, 2));
        assert_eq!(g.edge_count(), 3);
    }

    #[test]
    fn the_shortest_closing_path_is_reported() {
        let mut g = DynamicOrder::new();
        for (a, b) in [(1, 2), (2, 3), (3, 4), (1, 4)] {
            g.add_edge(a, b).unwrap();
        }
        assert_eq!(g.add_edge(4, 1).unwrap_err().path, [1, 4]);
        assert_eq!(g.add_edge(7, 7).unwrap_err().path, [7]);
        assert_eq!(g.shortest_path(1, 4), Some(vec![1, 4]));
        assert_eq!(g.shortest_path(4, 1), None);
    }

    #[test]
    fn removed_nodes_take_their_edges_and_free_their_slot() {
        let mut g = DynamicOrder::new();
        g.add_edge(1, 2).unwrap();
        g.add_edge(2, 3).unwrap();
        g.remove_node(2);
        assert!(!g.contains_node(2));
        assert_eq!((g.node_count(), g.edge_count()), (2, 0));
        assert_eq!(g.add_edge(3, 1), Ok(true));
        g.add_edge(9, 3).unwrap();
        assert_eq!(g.slots.len(), 3, "slot of node 2 reused");
        assert!(ords_respect_edges(&g));
    }

    #[test]
    fn payloads_follow_their_edges() {
        let mut g: DynamicOrder<&str> = DynamicOrder::default();
        let keep = |_: &mut &str, _| ();
        assert_eq!(g.add_edge_with(1, 2, "first", keep), Ok(true));
        assert_eq!(g.add_edge_with(1, 2, "again", keep), Ok(false));
        assert_eq!(g.edge(1, 2), Some(&"first"), "the present payload is kept");
        let mut seen = None;
        let merge = |p: &mut &'static str, new| seen = Some((*p, new));
        assert_eq!(g.add_edge_with(1, 2, "merged", merge), Ok(false));
        assert_eq!(seen, Some(("first", "merged")));
        let (cycle, back) = g.add_edge_with(2, 1, "refused", keep).unwrap_err();
        assert_eq!((cycle.path, back), (vec![1, 2], "refused"));
        assert_eq!(g.edge(2, 1), None);
        *g.edge_mut(1, 2).unwrap() = "updated";
        g.add_edge_with(3, 2, "b", keep).unwrap();
        assert_eq!(g.predecessors(2).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(g.successors(1).collect::<Vec<_>>(), [2]);
        assert_eq!(g.successors(9).count(), 0);
        g.remove_node(1);
        assert_eq!((g.edge(1, 2), g.edge(3, 2)), (None, Some(&"b")));
        assert_eq!(g.predecessors(2).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn a_recycled_slot_starts_without_edges() {
        let mut g = DynamicOrder::new();
        for t in 2..10 {
            g.add_edge(1, t).unwrap();
        }
        g.add_edge(0, 1).unwrap();
        g.remove_node(1);
        g.add_node(20);
        assert_eq!(g.slots.len(), 10, "slot of node 1 reused");
        assert_eq!(g.successors(20).count() + g.predecessors(20).count(), 0);
        assert_eq!(g.successors(0).count(), 0);
        assert_eq!(g.add_edge(20, 2), Ok(true));
        assert_eq!(g.successors(20).collect::<Vec<_>>(), [2]);
        assert_eq!(g.edge_count(), 1);
    }

    #[test]
    fn random_graphs_stay_acyclic_and_refusals_are_real_cycles() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let mut g = DynamicOrder::new();
        for _ in 0..3000 {
            let (a, b) = (next(60), next(60));
            if next(50) == 0 {
                g.remove_node(a);
                continue;
            }
            match g.add_edge(a, b) {
                Ok(_) => assert!(g.has_edge(a, b)),
                Err(c) => {
                    assert_eq!(c.path.first(), Some(&b));
                    assert_eq!(c.path.last(), Some(&a));
                    assert!(c.path.windows(2).all(|w| g.has_edge(w[0], w[1])));
                }
            }
            assert!(ords_respect_edges(&g));
            // The adjacency lists and the edge set agree.
            let listed: usize = (0..60).map(|n| g.successors(n).count()).sum();
            let listed_in: usize = (0..60).map(|n| g.predecessors(n).count()).sum();
            assert_eq!((listed, listed_in), (g.edge_count(), g.edge_count()));
            assert!((0..60).all(|n| g.successors(n).all(|m| g.has_edge(n, m))));
        }
    }
}
