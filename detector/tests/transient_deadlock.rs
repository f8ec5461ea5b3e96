//! Data-driven tests of the broken-deadlock analysis through the JSON Lines
//! reader: each fixture in `tests/data/transient/` and the findings it must
//! give, next to those of the other analyses.

use std::path::Path;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::{wording, Finding, FindingKind};
use lockscope_detector::report::Report;
use lockscope_detector::trace;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/transient");

fn run(name: &str) -> Report {
    let source = trace::open(&Path::new(DIR).join(name)).unwrap_or_else(|e| panic!("{e}"));
    let input = Input {
        name: name.to_owned(),
        source,
    };
    analyze(vec![input], &Config::default()).expect("fixture reads")
}

fn find(report: &Report, kind: FindingKind) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.kind == kind).collect()
}

fn sites(f: &Finding) -> Vec<Option<&str>> {
    f.steps.iter().map(|s| s.site.as_deref()).collect()
}

#[test]
fn abba_that_timed_out_is_a_broken_deadlock_with_both_sites() {
    let report = run("broken_by_timeout.jsonl");
    let deadlocks = find(&report, FindingKind::Deadlock);
    assert_eq!(deadlocks.len(), 1, "{report:#?}");
    let f = deadlocks[0];
    assert_eq!(
        f.title(),
        "deadlock (broken by a timeout): task1 holds plate and waits for chopsticks; \
         task2 holds chopsticks and waits for plate"
    );
    assert_eq!(f.threads, ["task1", "task2"]);
    assert_eq!(f.primitives, ["chopsticks", "plate"]);
    assert_eq!(
        sites(f),
        [
            Some("src/eat.rs:16:20"),
            Some("src/eat.rs:16:20"),
            Some("src/eat.rs:18:18"),
            Some("src/eat.rs:18:18")
        ]
    );
    let scenario = f.scenario.as_ref().expect("a scenario");
    assert_eq!(scenario.threads, ["task1", "task2"]);
    assert_eq!(scenario.rows.len(), 4);
    // The predicted inversion is still reported, with its own fingerprint.
    let predicted = find(&report, FindingKind::PotentialDeadlock);
    assert_eq!(predicted.len(), 1);
    assert_ne!(predicted[0].fingerprint, f.fingerprint);
}

#[test]
fn abba_the_watchdog_broke_is_reported_once_from_the_runtime_note() {
    let report = run("broken_by_watchdog.jsonl");
    let deadlocks = find(&report, FindingKind::Deadlock);
    assert_eq!(deadlocks.len(), 1, "{report:#?}");
    assert!(
        deadlocks[0]
            .title()
            .ends_with("(reported live by the runtime)"),
        "{}",
        deadlocks[0].title()
    );
    assert!(report
        .findings
        .iter()
        .all(|f| !f.title().contains("broken by")));
}

#[test]
fn join_of_a_worker_waiting_for_the_joiners_lock_then_timed_out() {
    let report = run("join_timed_out.jsonl");
    let deadlocks = find(&report, FindingKind::Deadlock);
    assert_eq!(deadlocks.len(), 1, "{report:#?}");
    let f = deadlocks[0];
    assert_eq!(
        f.title(),
        "deadlock (broken by a timeout): main holds config and waits for thread worker to exit; \
         worker waits for config"
    );
    assert_eq!(
        sites(f),
        [
            Some("src/main.rs:10:5"),
            Some("src/worker.rs:30:13"),
            Some("src/main.rs:12:9")
        ]
    );
    let rows: Vec<String> = f
        .scenario
        .as_ref()
        .expect("a scenario")
        .rows
        .iter()
        .map(|r| wording::op(&r.op))
        .collect();
    assert_eq!(rows, ["lock(config);", "lock(config);", "join(worker);"]);
}
