//! The graphs the analyses decide by, as `lockscope graph` draws them: the
//! lock-order graph ([`lock_order::graph`](super::lock_order::graph)) and
//! the wait-for graph at the end of each trace
//! ([`deadlock::wait_for_graphs`](super::deadlock::wait_for_graphs)). Each
//! comes out of the analysis that reports from it, with the cycles it
//! reports, so the graph and the findings agree by construction.

use std::collections::HashMap;

use serde::Serialize;

use crate::finding::{wording, OrderEdge, Step};

/// Nodes, edges and the cycles the analysis reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Each cycle as node indices, in cycle order.
    pub cycles: Vec<Vec<usize>>,
}

/// A thread or a primitive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    pub name: String,
    /// `thread`, or the primitive's kind (`mutex`, `condvar`, ...).
    pub kind: String,
}

/// An edge and why it is there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// How many times it was seen (lock-order edges; 1 for wait-for).
    pub count: u64,
    pub why: Why,
}

/// Why an edge is in its graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "because", rename_all = "snake_case")]
pub enum Why {
    /// A thread took `to` while holding `from` (its first such acquisition
    /// at these sites), in trace `trace`.
    Order { edge: OrderEdge, trace: String },
    /// A step of the trace: a thread blocked on a primitive or joining a
    /// thread, or a lock held by a thread.
    Step { step: Step },
    /// Only this thread, not itself waiting on the primitive, could still
    /// signal it.
    Signal,
}

impl Why {
    /// The edge in words, for tooltips and labels.
    pub fn words(&self) -> String {
        let w = wording::Words::PLAIN;
        match self {
            Why::Order { edge, trace } => format!("{} in {trace}", wording::order_edge(edge, &w)),
            Why::Step { step } => {
                let mut s = format!("{}: {}", step.thread, wording::step(step));
                if let Some(e) = step.event {
                    s.push_str(&format!(" at event {e}"));
                }
                if let Some(site) = &step.site {
                    s.push_str(&format!(" ({site})"));
                }
                s
            }
            Why::Signal => "the only threads left that could signal it".to_owned(),
        }
    }
}

/// Builds a [`Graph`], one node per name.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    graph: Graph,
    index: HashMap<String, usize>,
}

impl Builder {
    /// The index of node `name` (of `kind`, if it is new).
    pub(crate) fn node(&mut self, name: String, kind: &str) -> usize {
        if let Some(&i) = self.index.get(&name) {
            return i;
        }
        let i = self.graph.nodes.len();
        self.index.insert(name.clone(), i);
        self.graph.nodes.push(Node {
            name,
            kind: kind.to_owned(),
        });
        i
    }

    pub(crate) fn edge(&mut self, from: usize, to: usize, count: u64, why: Why) {
        self.graph.edges.push(Edge {
            from,
            to,
            count,
            why,
        });
    }

    pub(crate) fn cycle(&mut self, nodes: Vec<usize>) {
        self.graph.cycles.push(nodes);
    }

    pub(crate) fn finish(self) -> Graph {
        self.graph
    }
}
