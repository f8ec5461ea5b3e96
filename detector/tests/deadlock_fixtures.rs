//! Data-driven tests of the deadlock side through the JSON Lines reader:
//! each fixture in `tests/data/deadlock/` and the findings it must give
//! (kind and title, plus what the title cannot show).

use std::path::Path;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::{Finding, FindingKind, Grade};
use lockscope_detector::report::Report;
use lockscope_detector::trace;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/deadlock");

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

/// `expected` with owned titles, to compare with [`titles`].
fn owned(expected: &[(FindingKind, &str)]) -> Vec<(FindingKind, String)> {
    expected.iter().map(|&(k, t)| (k, t.to_owned())).collect()
}

fn titles(report: &Report) -> Vec<(FindingKind, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.kind, f.title()))
        .collect()
}

#[test]
fn abba_deadlock_is_actual_and_confirmed() {
    let report = run("abba.jsonl");
    assert_eq!(
        titles(&report),
        owned(&[
            (
                FindingKind::Deadlock,
                "deadlock: alice holds checking and waits for savings; bob holds savings and waits for checking"
            ),
            (
                FindingKind::PotentialDeadlock,
                "potential deadlock: checking -> savings -> checking (alice at src/bank.rs:10:5 -> src/bank.rs:11:5, bob at src/bank.rs:20:5 -> src/bank.rs:21:5)"
            ),
        ])
    );
    let predicted = find(&report, FindingKind::PotentialDeadlock)[0];
    assert_eq!(predicted.grade, Some(Grade::Confirmed));
    let deadlock = find(&report, FindingKind::Deadlock)[0];
    let sites: Vec<_> = deadlock.steps.iter().map(|s| s.site.as_deref()).collect();
    assert_eq!(
        sites,
        [
            Some("src/bank.rs:10:5"),
            Some("src/bank.rs:20:5"),
            Some("src/bank.rs:11:5"),
            Some("src/bank.rs:21:5")
        ]
    );
    assert_eq!(deadlock.origins[0].trace, "abba.jsonl");
}

#[test]
fn condvar_wait_after_the_producer_exited_blocks_forever() {
    let report = run("condvar_forever.jsonl");
    assert_eq!(
        titles(&report),
        owned(&[(
            FindingKind::BlockedForever,
            "blocked forever: consumer waits for a notification on not_empty; no thread that could still signal it is left"
        )])
    );
    let f = &report.findings[0];
    assert_eq!(f.steps[0].event, Some(3));
    assert_eq!(f.steps[0].site.as_deref(), Some("src/queue.rs:31:14"));
}

#[test]
fn misuse_findings() {
    let report = run("misuse.jsonl");
    let mut got = titles(&report);
    got.sort();
    assert_eq!(
        got,
        owned(&[
            (
                FindingKind::LockOrderViolation,
                "lock order violation: main requested config (rank 1) at src/lib.rs:6:9 while holding cache (rank 2)"
            ),
            (
                FindingKind::BadRelease,
                "bad release: main released cache at src/lib.rs:9:9, which nobody holds"
            ),
            (
                FindingKind::HeldAtExit,
                "held at exit: main exited holding config (acquired at src/lib.rs:6:9)"
            ),
            (
                FindingKind::SemaphoreOverRelease,
                "semaphore over-release: main released 1 permit(s) of slots (initial permits 2) at src/lib.rs:9:9 with only 0 taken"
            ),
        ])
    );
}
