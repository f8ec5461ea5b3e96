//! The wait-for graph: who waits for what, and who holds it.
//!
//! Nodes are threads and primitives ([`WaitNode`]); an edge
//! `Thread(t) -> Primitive(p)` says thread `t` is blocked on `p`, an edge
//! `Primitive(p) -> Thread(u)` says `p` is held by (or can only be released
//! by) `u`. A cycle is a deadlock: every thread on it waits for the next.
//! A thread requesting a non-reentrant lock it holds gives the two-node
//! cycle `Thread(t) -> Primitive(p) -> Thread(t)` (self-deadlock).
//!
//! Ids are plain `u64`s so both the runtime's live watchdog (lockscope
//! thread and primitive ids) and the offline deadlock analysis (dense trace
//! ids) can use it.
//!
//! # Example
//! ```
//! use lockscope_detector::graph::{WaitForGraph, WaitNode};
//! let mut g = WaitForGraph::new();
//! g.held_by(1, 10); // lock 1 held by thread 10
//! g.held_by(2, 20);
//! g.waits(10, 2); // thread 10 waits for lock 2
//! g.waits(20, 1);
//! assert_eq!(
//!     g.cycles(),
//!     vec![vec![
//!         WaitNode::Thread(10),
//!         WaitNode::Primitive(2),
//!         WaitNode::Thread(20),
//!         WaitNode::Primitive(1),
//!     ]]
//! );
//! ```
//!
//! # Performance
//! Adding an edge is a hash-map insertion (petgraph's `GraphMap`).
//! [`cycles`](WaitForGraph::cycles) is O(n + e) to find strongly connected
//! components plus a search per component that is linear per cycle found in
//! the usual wait-for shape (each thread waits for one thing); it is meant
//! for the rare moment a cheap check suspects a cycle.
//!
//! # Limitations
//! The search carries the step budget of [`shortest_cycles`]: a component
//! with an astronomical number of cycles (many threads sharing many read
//! locks, all blocked) yields only the cycles found within it.

use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

use petgraph::graphmap::DiGraphMap;

use super::cycles::{shortest_cycles, Bounds};

/// A node of the wait-for graph. Threads order before primitives, so a
/// cycle rotated to its smallest node starts at a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WaitNode {
    Thread(u64),
    Primitive(u64),
}

/// Who waits for what and who holds it.
#[derive(Clone, Debug, Default)]
pub struct WaitForGraph {
    graph: DiGraphMap<WaitNode, (), Hasher>,
}

/// A fixed-key hasher: petgraph is built without `std`, and a deterministic
/// hasher keeps node iteration order reproducible.
type Hasher = BuildHasherDefault<DefaultHasher>;

impl WaitForGraph {
    pub fn new() -> Self {
        WaitForGraph::default()
    }

    /// Thread `thread` is blocked on primitive `primitive`.
    pub fn waits(&mut self, thread: u64, primitive: u64) {
        self.graph
            .add_edge(WaitNode::Thread(thread), WaitNode::Primitive(primitive), ());
    }

    /// Primitive `primitive` is held by thread `thread` (or only `thread`
    /// can release it).
    pub fn held_by(&mut self, primitive: u64, thread: u64) {
        self.graph
            .add_edge(WaitNode::Primitive(primitive), WaitNode::Thread(thread), ());
    }

    /// Thread `thread` waits for thread `child` to exit (a join).
    pub fn joins(&mut self, thread: u64, child: u64) {
        self.graph
            .add_edge(WaitNode::Thread(thread), WaitNode::Thread(child), ());
    }

    /// Whether the graph has no edges.
    pub fn is_empty(&self) -> bool {
        self.graph.edge_count() == 0
    }

    /// Every elementary cycle once, each rotated to start at its smallest
    /// node, sorted.
    pub fn cycles(&self) -> Vec<Vec<WaitNode>> {
        let mut nodes: Vec<WaitNode> = self.graph.nodes().collect();
        nodes.sort_unstable();
        let index = |n: WaitNode| nodes.binary_search(&n).unwrap_or(usize::MAX);
        let succ: Vec<Vec<usize>> = nodes
            .iter()
            .map(|&n| self.graph.neighbors(n).map(index).collect())
            .collect();
        let mut cycles: Vec<Vec<WaitNode>> = shortest_cycles(&succ, Bounds::unbounded())
            .cycles
            .into_iter()
            .map(|c| c.into_iter().map(|i| nodes[i]).collect())
            .collect();
        cycles.sort();
        cycles
    }
}

#[cfg(test)]
mod tests {
    use super::WaitNode::{Primitive as P, Thread as T};
    use super::*;

    #[test]
    fn no_waits_no_cycles() {
        let mut g = WaitForGraph::new();
        assert!(g.is_empty());
        g.held_by(1, 1);
        g.waits(2, 1);
        assert!(g.cycles().is_empty());
    }

    #[test]
    fn self_deadlock_is_a_two_node_cycle() {
        let mut g = WaitForGraph::new();
        g.held_by(7, 3);
        g.waits(3, 7);
        assert_eq!(g.cycles(), vec![vec![T(3), P(7)]]);
    }

    #[test]
    fn three_thread_cycle_is_rotated_to_its_smallest_node() {
        let mut g = WaitForGraph::new();
        for (t, held, wanted) in [(5, 1, 2), (6, 2, 3), (4, 3, 1)] {
            g.held_by(held, t);
            g.waits(t, wanted);
        }
        assert_eq!(g.cycles(), vec![vec![T(4), P(1), T(5), P(2), T(6), P(3)]]);
    }

    #[test]
    fn shared_holders_give_one_cycle_each() {
        // Lock 1 read-held by threads 1 and 2, both waiting for lock 2,
        // which thread 3 holds while waiting for lock 1.
        let mut g = WaitForGraph::new();
        g.held_by(1, 1);
        g.held_by(1, 2);
        g.held_by(2, 3);
        g.waits(1, 2);
        g.waits(2, 2);
        g.waits(3, 1);
        assert_eq!(
            g.cycles(),
            vec![vec![T(1), P(2), T(3), P(1)], vec![T(2), P(2), T(3), P(1)],]
        );
    }

    #[test]
    fn join_cycle_between_threads() {
        let mut g = WaitForGraph::new();
        g.joins(1, 2);
        g.held_by(9, 1);
        g.waits(2, 9);
        assert_eq!(g.cycles(), vec![vec![T(1), T(2), P(9)]]);
    }
}
