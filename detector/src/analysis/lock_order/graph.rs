//! The lock-order graph as `lockscope graph` draws it: every trace's edges
//! merged by lock identity (see `merge`), and the lock cycles the analysis
//! reports as potential deadlocks, within a trace or across traces.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::edges::Rep;
use super::merge::Merged;
use super::LockOrder;
use crate::analysis::graphs::{Builder, Graph, Why};
use crate::analysis::{run, Config, Input};
use crate::trace::TraceError;

/// The lock-order graph of `inputs` by the lock-order analysis's edge rule,
/// its cycles the lock sets of the potential deadlocks it reports.
///
/// A lock's node is named by its display name; where two locks of
/// different traces share one, by `trace:name` (a lock without a creation
/// site) or `name@site`.
pub fn graph(inputs: Vec<Input<'_>>, config: &Config) -> Result<Graph, TraceError> {
    let mut analysis = LockOrder::without_feasibility();
    run(inputs, config, &mut [&mut analysis])?;
    Ok(draw(&analysis.merged, &analysis.reported))
}

fn draw(m: &Merged, reported: &[Vec<u32>]) -> Graph {
    let names = display_names(m);
    let mut pairs: BTreeMap<(&str, &str), Vec<&Rep>> = BTreeMap::new();
    for r in m.edges.all() {
        let key = (
            names[r.from as usize].as_str(),
            names[r.to as usize].as_str(),
        );
        pairs.entry(key).or_default().push(r);
    }
    let mut locks: Vec<u32> = pairs
        .values()
        .flat_map(|reps| [reps[0].from, reps[0].to])
        .collect();
    locks.sort_by(|a, b| names[*a as usize].cmp(&names[*b as usize]));
    locks.dedup();
    let mut b = Builder::default();
    let mut node_of = HashMap::new();
    for &l in &locks {
        let kind = m.lock_kinds[l as usize].as_str();
        node_of.insert(l, b.node(names[l as usize].clone(), kind));
    }
    for reps in pairs.values() {
        let first = reps
            .iter()
            .min_by_key(|r| (r.trace, r.thread, r.site_from, r.site_to))
            .copied()
            .unwrap_or(reps[0]);
        let trace = m.traces[m.threads[first.thread as usize].1].0.clone();
        let why = Why::Order {
            edge: m.order_edge(first, false),
            trace,
        };
        let count = reps.iter().map(|r| r.count).sum();
        b.edge(node_of[&first.from], node_of[&first.to], count, why);
    }
    let mut seen = HashSet::new();
    for cycle in reported {
        let mut nodes: Vec<usize> = cycle.iter().map(|l| node_of[l]).collect();
        let start = (0..nodes.len()).min_by_key(|&i| nodes[i]).unwrap_or(0);
        nodes.rotate_left(start);
        if seen.insert(nodes.clone()) {
            b.cycle(nodes);
        }
    }
    b.finish()
}

/// A unique display name per merged lock.
fn display_names(m: &Merged) -> Vec<String> {
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for n in &m.lock_names {
        *uses.entry(n).or_default() += 1;
    }
    m.lock_names
        .iter()
        .zip(&m.lock_keys)
        .map(|(name, (key, local))| match (uses[name.as_str()], local) {
            (1, _) => name.clone(),
            (_, Some(t)) => format!("{}:{name}", m.traces[*t].0),
            (_, None) => key.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testkit::TraceBuilder;

    fn graph_of(b: &TraceBuilder) -> Graph {
        let input = Input {
            name: "t".into(),
            source: Box::new(b.source()),
        };
        graph(vec![input], &Config::default()).expect("in memory")
    }

    #[test]
    fn cycles_are_the_inversions_the_analysis_reports() {
        // One thread takes A then B, then B then C: no cycle.
        let mut b = TraceBuilder::std();
        b.lock("T1", "A", "1")
            .lock("T1", "B", "2")
            .rel("T1", "B")
            .rel("T1", "A");
        b.lock("T1", "B", "3")
            .lock("T1", "C", "4")
            .rel("T1", "C")
            .rel("T1", "B");
        let g = graph_of(&b);
        assert_eq!(g.edges.len(), 2);
        assert!(g.cycles.is_empty(), "{g:?}");
        // A thread inverting the order is a potential deadlock, whichever
        // thread it is.
        b.lock("T1", "C", "5").lock("T1", "A", "6");
        let g = graph_of(&b);
        let names: Vec<&str> = g.cycles[0]
            .iter()
            .map(|&i| g.nodes[i].name.as_str())
            .collect();
        assert_eq!(names, ["A", "B", "C"]);
        assert_eq!(
            b.analyze()
                .count(crate::finding::FindingKind::PotentialDeadlock),
            1
        );
        // A common gate lock: no cycle is drawn.
        let mut gated = TraceBuilder::std();
        for (x, y) in [("A", "B"), ("B", "A")] {
            gated
                .lock("T1", "G", "0")
                .lock("T1", x, "1")
                .lock("T1", y, "2");
            gated.rel("T1", y).rel("T1", x).rel("T1", "G");
        }
        let g = graph_of(&gated);
        assert!(g.cycles.is_empty(), "{g:?}");
    }
}
