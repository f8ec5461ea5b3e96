//! Bounded enumeration of elementary cycles, shortest first.
//!
//! [`shortest_cycles`] takes a directed graph on dense node indices
//! `0..n` (a successor list per node) and returns its elementary cycles
//! (no repeated node), each once, rotated to start at its smallest node.
//! Within each strongly connected component cycles come shortest first:
//! every cycle of length `k` before any of length `k + 1`, so a count bound
//! keeps the shortest ones.
//!
//! The lock-order analysis calls it with [`Config::max_cycle_len`] and
//! [`Config::max_cycles_per_component`]; the wait-for graph calls it
//! without a length bound.
//!
//! [`Config::max_cycle_len`]: crate::analysis::Config::max_cycle_len
//! [`Config::max_cycles_per_component`]: crate::analysis::Config::max_cycles_per_component
//!
//! # Example
//! ```
//! use lockscope_detector::graph::cycles::{shortest_cycles, Bounds};
//! // 0 -> 1 -> 0 and 0 -> 1 -> 2 -> 0
//! let succ = vec![vec![1], vec![0, 2], vec![0]];
//! let found = shortest_cycles(&succ, Bounds::new(6, 100));
//! assert_eq!(found.cycles, vec![vec![0, 1], vec![0, 1, 2]]);
//! assert!(!found.limits.any());
//! ```
//!
//! # Performance
//! Components come from Kosaraju's algorithm (petgraph's iterative
//! post-order search, O(n + e)); they are listed by their smallest node.
//! For each length `k` and start node `s`, a depth-first search walks
//! paths through nodes greater than `s` inside the component, pruned by a
//! breadth-first distance-to-`s` bound, so it only follows paths that can
//! still close within `k` edges. A step budget per component
//! ([`Bounds::max_steps`]) caps the worst case (dense components), and is
//! reported when hit; the breadth-first searches count against it too.
//! A component that is one simple cycle (as many edges as nodes, as a
//! wait-for cycle is) is taken whole without a search. Nothing recurses: a
//! chain of a hundred thousand locks, or a wait-for cycle through as many
//! threads, needs no more stack than a short one.
//!
//! # Limitations
//! The bounds trade completeness for time: a cut component is reported in
//! [`Limits`], never silently.

use petgraph::graph::DiGraph;

/// How far the search goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Longest cycle enumerated (in nodes, which is also edges).
    pub max_len: usize,
    /// Most cycles kept per strongly connected component.
    pub max_per_component: usize,
    /// Most search steps (path extensions) per component.
    pub max_steps: u64,
}

impl Bounds {
    /// Length and count bounds with the default step budget (4 million
    /// steps per component, a fraction of a second).
    pub fn new(max_len: usize, max_per_component: usize) -> Self {
        Bounds {
            max_len,
            max_per_component,
            max_steps: 4_000_000,
        }
    }

    /// No length or count bound (the step budget stays).
    pub fn unbounded() -> Self {
        Bounds::new(usize::MAX, usize::MAX)
    }
}

/// Which bounds cut the search, counted in components.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Components with more nodes than `max_len`: longer cycles may exist.
    pub length_cut: usize,
    /// Components where `max_per_component` cycles were found and the
    /// search stopped.
    pub count_cut: usize,
    /// Components where the step budget ran out.
    pub steps_cut: usize,
}

impl Limits {
    /// Whether any bound cut the search.
    pub fn any(&self) -> bool {
        self.length_cut + self.count_cut + self.steps_cut > 0
    }
}

/// What [`shortest_cycles`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cycles {
    /// Each cycle starts at its smallest node; component by component,
    /// shortest first within a component.
    pub cycles: Vec<Vec<usize>>,
    pub limits: Limits,
}

/// Enumerates elementary cycles of the graph `succ` within `bounds`.
///
/// `succ[v]` lists the successors of node `v`; a successor index must be
/// below `succ.len()`. Duplicate successors are ignored.
pub fn shortest_cycles(succ: &[Vec<usize>], bounds: Bounds) -> Cycles {
    let n = succ.len();
    let graph: DiGraph<(), ()> = DiGraph::from_edges(
        succ.iter()
            .enumerate()
            .flat_map(|(v, ws)| ws.iter().map(move |&w| (v as u32, w as u32))),
    );
    let mut comp = vec![usize::MAX; n];
    let mut comps: Vec<Vec<usize>> = Vec::new();
    for scc in petgraph::algo::kosaraju_scc(&graph) {
        let mut nodes: Vec<usize> = scc.into_iter().map(|i| i.index()).collect();
        let single = nodes.len() == 1;
        if single && !succ[nodes[0]].contains(&nodes[0]) {
            continue;
        }
        nodes.sort_unstable();
        comps.push(nodes);
    }
    comps.sort_unstable_by_key(|nodes| nodes[0]);
    for (c, nodes) in comps.iter().enumerate() {
        for &v in nodes {
            comp[v] = c;
        }
    }
    let mut out = Cycles::default();
    let mut search = Search::new(succ, &comp);
    for (c, nodes) in comps.iter().enumerate() {
        search.component(c, nodes, bounds, &mut out);
    }
    out
}

/// Scratch state reused across components.
struct Search<'a> {
    succ: &'a [Vec<usize>],
    pred: Vec<Vec<usize>>,
    comp: &'a [usize],
    /// Distance (edges) to the current start node; `usize::MAX` if none.
    dist: Vec<usize>,
    on_path: Vec<bool>,
    path: Vec<usize>,
    /// Per node of `path`: the index of its next successor to try.
    next: Vec<usize>,
    /// Nodes whose `dist` the last breadth-first search set.
    touched: Vec<usize>,
    steps: u64,
}

impl<'a> Search<'a> {
    fn new(succ: &'a [Vec<usize>], comp: &'a [usize]) -> Self {
        let n = succ.len();
        let mut pred = vec![Vec::new(); n];
        for (v, ws) in succ.iter().enumerate() {
            for &w in ws {
                if comp[v] != usize::MAX && comp[v] == comp[w] && !pred[w].contains(&v) {
                    pred[w].push(v);
                }
            }
        }
        Search {
            succ,
            pred,
            comp,
            dist: vec![usize::MAX; n],
            on_path: vec![false; n],
            path: Vec::new(),
            next: Vec::new(),
            touched: Vec::new(),
            steps: 0,
        }
    }

    fn component(&mut self, c: usize, nodes: &[usize], bounds: Bounds, out: &mut Cycles) {
        if self.single_cycle(c, nodes, bounds, out) {
            return;
        }
        let max_len = bounds.max_len.min(nodes.len());
        if nodes.len() > bounds.max_len {
            out.limits.length_cut += 1;
        }
        self.steps = 0;
        let mut found = 0usize;
        for k in 1..=max_len {
            for &s in nodes {
                let done = self.distances_to(s, c, k, bounds)
                    || self.paths_from(s, c, k, bounds, &mut found, out);
                if done {
                    if found >= bounds.max_per_component {
                        out.limits.count_cut += 1;
                    } else {
                        out.limits.steps_cut += 1;
                    }
                    return;
                }
            }
        }
    }

    /// A component with as many edges as nodes is one simple cycle: takes
    /// it whole (it may be far longer than the search could walk) and
    /// returns true.
    fn single_cycle(
        &mut self,
        c: usize,
        nodes: &[usize],
        bounds: Bounds,
        out: &mut Cycles,
    ) -> bool {
        let inside = |v: usize| {
            let ws = &self.succ[v];
            ws.iter()
                .enumerate()
                .filter(|&(i, &w)| self.comp[w] == c && !ws[..i].contains(&w))
                .count()
        };
        if nodes.iter().any(|&v| inside(v) != 1) {
            return false;
        }
        if nodes.len() > bounds.max_len {
            out.limits.length_cut += 1;
            return true;
        }
        let mut cycle = Vec::with_capacity(nodes.len());
        let mut v = nodes[0];
        loop {
            cycle.push(v);
            v = match self.succ[v].iter().find(|&&w| self.comp[w] == c) {
                Some(&w) => w,
                None => return false,
            };
            if v == nodes[0] {
                break;
            }
        }
        out.cycles.push(cycle);
        true
    }

    /// Breadth-first distances to `s` over reversed edges, through nodes
    /// `>= s` of component `c`, up to `limit` edges; returns true when the
    /// step budget ran out.
    fn distances_to(&mut self, s: usize, c: usize, limit: usize, bounds: Bounds) -> bool {
        for v in self.touched.drain(..) {
            self.dist[v] = usize::MAX;
        }
        self.dist[s] = 0;
        self.touched.push(s);
        let mut frontier = vec![s];
        let mut d = 0;
        while !frontier.is_empty() && d < limit {
            d += 1;
            let mut next = Vec::new();
            for v in frontier {
                for &u in &self.pred[v] {
                    if u > s && self.comp[u] == c && self.dist[u] == usize::MAX {
                        self.dist[u] = d;
                        self.touched.push(u);
                        next.push(u);
                    }
                }
            }
            self.steps += 1 + next.len() as u64;
            if self.steps > bounds.max_steps {
                return true;
            }
            frontier = next;
        }
        false
    }

    /// Walks every path from `s` that can close into a cycle of `k` edges
    /// (depth first, with an explicit stack); returns true when a bound
    /// stops the component.
    fn paths_from(
        &mut self,
        s: usize,
        c: usize,
        k: usize,
        bounds: Bounds,
        found: &mut usize,
        out: &mut Cycles,
    ) -> bool {
        let succ = self.succ;
        self.path.push(s);
        self.next.push(0);
        self.on_path[s] = true;
        let mut stopped = false;
        while let (Some(&v), Some(i)) = (self.path.last(), self.next.last_mut()) {
            let Some(&w) = succ[v].get(*i) else {
                self.on_path[v] = false;
                self.path.pop();
                self.next.pop();
                continue;
            };
            *i += 1;
            let i = *i - 1;
            if succ[v][..i].contains(&w) || self.comp[w] != c {
                continue;
            }
            let d = self.path.len();
            if w == s {
                if d == k {
                    out.cycles.push(self.path.clone());
                    *found += 1;
                    if *found >= bounds.max_per_component {
                        stopped = true;
                        break;
                    }
                }
                continue;
            }
            if w < s || self.on_path[w] || self.dist[w] == usize::MAX || d + self.dist[w] > k {
                continue;
            }
            self.steps += 1;
            if self.steps > bounds.max_steps {
                stopped = true;
                break;
            }
            self.path.push(w);
            self.next.push(0);
            self.on_path[w] = true;
        }
        for &v in &self.path {
            self.on_path[v] = false;
        }
        self.path.clear();
        self.next.clear();
        stopped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycles(succ: &[Vec<usize>], bounds: Bounds) -> Cycles {
        shortest_cycles(succ, bounds)
    }

    #[test]
    fn acyclic_graph_has_no_cycles() {
        let found = cycles(&[vec![1, 2], vec![2], vec![]], Bounds::unbounded());
        assert!(found.cycles.is_empty());
        assert!(!found.limits.any());
    }

    #[test]
    fn self_loop_is_a_cycle_of_one() {
        let found = cycles(&[vec![0], vec![]], Bounds::unbounded());
        assert_eq!(found.cycles, vec![vec![0]]);
    }

    #[test]
    fn complete_graph_on_three_nodes_has_five_cycles_shortest_first() {
        let succ = vec![vec![1, 2], vec![0, 2], vec![0, 1]];
        let found = cycles(&succ, Bounds::unbounded());
        assert_eq!(
            found.cycles,
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![1, 2],
                vec![0, 1, 2],
                vec![0, 2, 1]
            ]
        );
    }

    #[test]
    fn length_bound_is_reported() {
        // One 4-cycle: 0 -> 1 -> 2 -> 3 -> 0.
        let succ = vec![vec![1], vec![2], vec![3], vec![0]];
        let found = cycles(&succ, Bounds::new(3, 10));
        assert!(found.cycles.is_empty());
        assert_eq!(found.limits.length_cut, 1);
        let found = cycles(&succ, Bounds::new(4, 10));
        assert_eq!(found.cycles, vec![vec![0, 1, 2, 3]]);
        assert!(!found.limits.any());
    }

    #[test]
    fn count_bound_keeps_the_shortest() {
        let succ = vec![vec![1, 2], vec![0, 2], vec![0, 1]];
        let found = cycles(&succ, Bounds::new(3, 2));
        assert_eq!(found.cycles, vec![vec![0, 1], vec![0, 2]]);
        assert_eq!(found.limits.count_cut, 1);
    }

    #[test]
    fn step_budget_is_reported() {
        let n = 9;
        let succ: Vec<Vec<usize>> = (0..n)
            .map(|v| (0..n).filter(|&w| w != v).collect())
            .collect();
        let mut bounds = Bounds::unbounded();
        bounds.max_steps = 50;
        let found = cycles(&succ, bounds);
        assert_eq!(found.limits.steps_cut, 1);
    }

    #[test]
    fn a_long_chain_and_a_long_cycle_need_no_deep_stack() {
        // Run on a small stack: any recursion per node would overflow it.
        let found = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {
                let n = 200_000;
                let chain: Vec<Vec<usize>> = (0..n)
                    .map(|v| if v + 1 < n { vec![v + 1] } else { vec![] })
                    .collect();
                assert!(cycles(&chain, Bounds::new(6, 100)).cycles.is_empty());
                let ring: Vec<Vec<usize>> = (0..n).map(|v| vec![(v + 1) % n]).collect();
                cycles(&ring, Bounds::unbounded())
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert_eq!(found.cycles.len(), 1);
        assert_eq!(found.cycles[0].len(), 200_000);
    }

    #[test]
    fn every_cycle_found_once_in_two_components() {
        // Component {0,1}: 0<->1. Component {2,3,4}: 2->3->4->2 and 3->2.
        let succ = vec![vec![1], vec![0, 2], vec![3], vec![4, 2], vec![2]];
        let mut found = cycles(&succ, Bounds::unbounded()).cycles;
        found.sort();
        assert_eq!(found, vec![vec![0, 1], vec![2, 3], vec![2, 3, 4]]);
    }
}
