//! From the lock-order graph to patterns: enumerate lock cycles shortest
//! first, every elementary cycle once (by its edge sequence: two cycles
//! over one lock set in different orders are both searched), and say which
//! bound cut the search.

use super::edges::{EdgeStore, Rep};
use super::patterns;
use crate::analysis::Config;
use crate::graph::cycles::{shortest_cycles, Bounds, Limits};

/// Most patterns (site tuples) reported per lock cycle.
pub const MAX_PATTERNS_PER_CYCLE: usize = 64;
/// Pattern search steps per trace.
pub const SEARCH_STEPS: u64 = 2_000_000;

/// What cut a pattern search.
#[derive(Debug, Default)]
pub struct Cut {
    cycles: Limits,
    patterns: usize,
    steps: bool,
}

impl Cut {
    pub fn messages(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let l = self.cycles;
        if l.length_cut > 0 {
            out.push(format!(
                "{name}: {} lock-order component(s) have more locks than max_cycle_len; longer \
                 cycles were not searched",
                l.length_cut
            ));
        }
        if l.count_cut + l.steps_cut > 0 {
            out.push(format!(
                "{name}: cycle enumeration stopped early in {} lock-order component(s) \
                 (max_cycles_per_component or search steps)",
                l.count_cut + l.steps_cut
            ));
        }
        if self.patterns > 0 {
            out.push(format!(
                "{name}: {} lock cycle(s) had more than {MAX_PATTERNS_PER_CYCLE} site patterns; \
                 the rest were not reported",
                self.patterns
            ));
        }
        if self.steps {
            out.push(format!(
                "{name}: the pattern search step budget ({SEARCH_STEPS}) ran out"
            ));
        }
        out
    }
}

/// Enumerates lock cycles of `edges` and, for each cycle, every pattern
/// `accept` accepts.
pub fn search(edges: &EdgeStore, config: &Config, accept: &mut dyn FnMut(&[&Rep]) -> bool) -> Cut {
    let (nodes, succ) = edges.graph();
    let bounds = Bounds::new(config.max_cycle_len, config.max_cycles_per_component);
    let found = shortest_cycles(&succ, bounds);
    let mut cut = Cut {
        cycles: found.limits,
        ..Cut::default()
    };
    let mut steps = SEARCH_STEPS;
    for cycle in found.cycles {
        let locks: Vec<u32> = cycle.iter().map(|&i| nodes[i]).collect();
        let n = locks.len();
        let cands: Vec<&[Rep]> = (0..n)
            .map(|i| edges.reps(locks[i], locks[(i + 1) % n]))
            .collect();
        let stopped = patterns::instantiate(
            &cands,
            &edges.held,
            MAX_PATTERNS_PER_CYCLE,
            &mut steps,
            accept,
        );
        if steps == 0 {
            cut.steps = true;
            break;
        }
        cut.patterns += usize::from(stopped);
    }
    cut
}
