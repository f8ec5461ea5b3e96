//! `lockscope graph` and `lockscope analyze` agree on every bundled trace
//! (`tests/data/std/*.std`, `examples/traces/*.jsonl`):
//! - the lock-order graph's cycles, as lock sets, are exactly the lock sets
//!   of the potential deadlocks `analyze` finds from the trace's
//!   acquisitions (findings only the runtime's live reports show are not the graph's);
//! - the wait-for graph's cycles, as (thread set, primitive set), are
//!   exactly those of the deadlocks `analyze` reports the trace ends in
//!   (detail `deadlock` with end `hung`; not the cycles that formed and were
//!   broken during the run, and not the runtime's live reports).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{json_of, lockscope};
use serde_json::Value;

/// A cycle as its sorted thread names and sorted other names.
type Cycle = (Vec<String>, Vec<String>);

fn bundled() -> Vec<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut files = Vec::new();
    for (dir, ext) in [("tests/data/std", "std"), ("examples/traces", "jsonl")] {
        for entry in std::fs::read_dir(root.join(dir)).expect("bundled traces") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|e| e == ext) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn json(args: &[&str], trace: &PathBuf) -> Value {
    let out = lockscope()
        .args(args)
        .arg(trace)
        .output()
        .expect("lockscope runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?} {}: {}",
        trace.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out.stdout)
}

fn sorted(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let set: BTreeSet<String> = names.into_iter().collect();
    set.into_iter().collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The graph's cycles, split into thread and other nodes.
fn graph_cycles(graph: &Value) -> BTreeSet<Cycle> {
    let nodes = graph["nodes"].as_array().expect("nodes");
    let mut out = BTreeSet::new();
    for cycle in graph["cycles"].as_array().expect("cycles") {
        let (mut threads, mut others) = (Vec::new(), Vec::new());
        for i in cycle.as_array().expect("a cycle") {
            let node = &nodes[i.as_u64().expect("a node index") as usize];
            let name = node["name"].as_str().expect("a name").to_owned();
            if node["kind"] == "thread" {
                threads.push(name);
            } else {
                others.push(name);
            }
        }
        out.insert((sorted(threads), sorted(others)));
    }
    out
}

/// The report's findings of `kind` that the trace's events show (not the
/// runtime's live reports alone, whose steps are no trace events), that
/// `keep` accepts.
fn findings<'a>(
    report: &'a Value,
    kind: &str,
    keep: impl Fn(&Value) -> bool + 'a,
) -> impl Iterator<Item = &'a Value> + 'a {
    let kind = kind.to_owned();
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(move |f| f["kind"] == kind.as_str() && from_events(f) && keep(f))
}

#[test]
fn graph_cycles_are_the_cycles_analyze_reports() {
    let (mut order_cycles, mut wait_cycles) = (0, 0);
    for trace in bundled() {
        let report = json(&["analyze", "--format", "json", "--no-config"], &trace);
        let order = json(&["graph", "--format", "json"], &trace);
        let wait = json(&["graph", "--wait-for", "--format", "json"], &trace);

        let reported: BTreeSet<Cycle> = findings(&report, "potential_deadlock", |_| true)
            .map(|f| (Vec::new(), sorted(strings(&f["primitives"]))))
            .collect();
        let drawn = graph_cycles(&order);
        assert_eq!(drawn, reported, "{}: lock-order cycles", trace.display());
        order_cycles += drawn.len();

        let hung = |f: &Value| f["detail"]["shape"] == "deadlock" && f["detail"]["end"] == "hung";
        let reported: BTreeSet<Cycle> = findings(&report, "deadlock", hung)
            .map(|f| {
                (
                    sorted(strings(&f["threads"])),
                    sorted(strings(&f["primitives"])),
                )
            })
            .collect();
        let drawn = graph_cycles(&wait);
        assert_eq!(drawn, reported, "{}: wait-for cycles", trace.display());
        wait_cycles += drawn.len();
    }
    // Neither comparison is of empty sets only.
    assert!(order_cycles >= 10, "{order_cycles} lock-order cycles");
    assert!(wait_cycles >= 1, "{wait_cycles} wait-for cycles");
}

/// Whether some step of `f` is a trace event.
fn from_events(f: &Value) -> bool {
    f["steps"]
        .as_array()
        .is_some_and(|steps| steps.iter().any(|s| s.get("event").is_some()))
}
