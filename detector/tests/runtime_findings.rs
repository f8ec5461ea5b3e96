//! Data-driven tests of the broken-deadlock and runtime-note analyses
//! through the JSON Lines reader: each fixture in `tests/data/runtime/` and
//! the findings it must give.

use std::path::Path;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::report::{Finding, FindingKind, Report};
use lockscope_detector::trace;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/runtime");

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
        f.title,
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
    assert_eq!(scenario.rows.len(), 5);
    // The predicted inversion is still reported, with its own fingerprint.
    let predicted = find(&report, FindingKind::PotentialDeadlock);
    assert_eq!(predicted.len(), 1);
    assert_ne!(predicted[0].fingerprint, f.fingerprint);
}

#[test]
fn abba_the_watchdog_broke_carries_the_runtime_note() {
    let report = run("broken_by_watchdog.jsonl");
    let deadlocks = find(&report, FindingKind::Deadlock);
    assert_eq!(deadlocks.len(), 1, "{report:#?}");
    let f = deadlocks[0];
    assert!(
        f.title.starts_with(
            "deadlock (broken by the watchdog (the threads panicked)): task1 holds plate"
        ),
        "{}",
        f.title
    );
    assert!(f.notes.iter().any(|n| n
        == "the runtime reported it live: lockscope: deadlock: task1 holds plate and waits for \
            chopsticks; task2 holds chopsticks and waits for plate"));
    // Same cycle, same fingerprint as the timed-out run: one bug.
    let timed = run("broken_by_timeout.jsonl");
    assert_eq!(
        find(&timed, FindingKind::Deadlock)[0].fingerprint,
        f.fingerprint
    );
}

#[test]
fn only_the_helpers_violation_notes_become_findings() {
    let report = run("notes.jsonl");
    let kinds: Vec<_> = report.findings.iter().map(|f| f.kind).collect();
    assert!(
        !kinds.contains(&FindingKind::PotentialDeadlock)
            && !kinds.contains(&FindingKind::RecursiveRead),
        "{kinds:?}"
    );
    let violations = find(&report, FindingKind::LockOrderViolation);
    assert_eq!(violations.len(), 1, "{report:#?}");
    let f = violations[0];
    assert!(
        f.title.starts_with(
            "main: Lock Order Violation at src/sorted.rs:43:11: the thread holds mutex `y`"
        ),
        "{}",
        f.title
    );
    assert!(!f.title.contains("take all of them"));
    assert_eq!(f.threads, ["main"]);
    assert_eq!(f.primitives, ["y", "x"]);
    assert_eq!(
        sites(f),
        [Some("src/sorted.rs:42:22"), Some("src/sorted.rs:43:11")]
    );
    assert_eq!(f.steps[0].what, "acquired y");
    assert!(f.notes.iter().any(|n| n == "happened 2 times in the run"));
    assert!(f
        .notes
        .iter()
        .any(|n| n.ends_with("take all of them in one acquire call")));
}
