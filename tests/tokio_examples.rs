//! End-to-end for the async examples (feature `tokio`): each runs as its
//! example binary, and the analysis of the trace it wrote says what the
//! example's docs say.

// The seed tests' runner; these tests use a part of it.
#[allow(dead_code)]
mod harness;

use std::path::Path;
use std::process::Command;

use harness::{example_bin, of_kind, run_bounded};
use lockscope::detector::analysis::{analyze, Config, Input};
use lockscope::detector::finding::{Detail, FindingKind, Severity};
use lockscope::detector::report::Report;
use lockscope::detector::trace;

/// Runs example `name` with `args`, recording to a fresh trace, and
/// analyzes the trace; returns the report and the example's stdout and
/// stderr (where the live checks report).
fn run(name: &str, args: &[&str]) -> (Report, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.jsonl"));
    run_to(&path, name, args)
}

/// [`run`], recording to `path`.
fn run_to(path: &Path, name: &str, args: &[&str]) -> (Report, String, String) {
    let mut cmd = Command::new(example_bin(name));
    cmd.args(args)
        .env("LOCKSCOPE_TRACE", path)
        .env_remove("LOCKSCOPE_ON_DEADLOCK")
        .env_remove("LOCKSCOPE_ON_LOCK_ORDER")
        .env_remove("LOCKSCOPE_WATCHDOG")
        .env_remove("LOCKSCOPE_ON_TASK_DEADLOCK")
        .env_remove("LOCKSCOPE_ON_HELD_ACROSS_AWAIT");
    let (status, stdout, stderr) = run_bounded(cmd, name);
    assert!(status.success(), "{name} {args:?}: {stdout}\n{stderr}");
    (analyze_file(name, path), stdout, stderr)
}

fn analyze_file(name: &str, path: &Path) -> Report {
    let input = Input {
        name: name.to_owned(),
        source: trace::open(path).unwrap(),
    };
    analyze(vec![input], &Config::default()).unwrap()
}

fn names(threads: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = threads.iter().map(String::as_str).collect();
    v.sort();
    v
}

#[test]
fn async_transfer_that_did_not_hang_predicts_the_deadlock_of_the_two_tasks() {
    let (report, stdout, stderr) = run("async_transfer", &[]);
    assert!(stdout.contains("no deadlock this time"), "{stdout}");
    // The learned lock order saw the inversion as the second task took it,
    // before anything could hang; no deadlock happened.
    assert!(
        stderr.starts_with("lockscope: potential deadlock: alice -> bob -> alice"),
        "{stderr}"
    );
    assert!(!stderr.contains("lockscope: deadlock"), "{stderr}");
    assert!(of_kind(&report, FindingKind::Deadlock).is_empty());
    let predicted = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(predicted.len(), 1, "{:#?}", report.findings);
    assert_eq!(
        names(&predicted[0].threads),
        ["alice -> bob", "bob -> alice"]
    );
}

/// The `lockscope` binary next to the examples, if this test run built
/// it (`cargo test --workspace` does; `cargo test -p lockscope` alone
/// does not, and the caller then checks through the library).
fn lockscope_bin() -> Option<std::path::PathBuf> {
    let bin = harness::profile_dir().join(format!("lockscope{}", std::env::consts::EXE_SUFFIX));
    bin.is_file().then_some(bin)
}

#[test]
fn the_inversion_the_learned_order_reported_live_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("async_transfer.jsonl");
    let (report, _, stderr) = run_to(&path, "async_transfer", &[]);
    assert!(stderr.contains("lockscope: potential deadlock"), "{stderr}");
    let predicted = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(predicted.len(), 1, "{:#?}", report.findings);
    // The trace's note says the runtime reported it: an error, whatever
    // grade the trace's own events give it.
    assert!(predicted[0].live, "{:#?}", predicted[0]);
    assert_eq!(
        predicted[0].severity,
        Severity::Error,
        "{:#?}",
        predicted[0]
    );
    let Some(bin) = lockscope_bin() else {
        eprintln!("the lockscope binary is not built: checked through the library");
        return;
    };
    let mut cmd = Command::new(&bin);
    cmd.arg("analyze").arg(&path).env("NO_COLOR", "1");
    let (status, stdout, stderr) = run_bounded(cmd, "lockscope analyze");
    assert_eq!(
        status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.lines().any(|l| l == "gate: FAILED (1 denied)"),
        "{stdout}"
    );
}

#[test]
fn async_transfer_whose_timing_lines_up_is_a_deadlock_of_two_pending_tasks() {
    let (report, stdout, stderr) = run("async_transfer", &["hang"]);
    assert!(stdout.contains("still pending"), "{stdout}");
    // The watchdog saw the two pending tasks while the program ran on.
    assert!(stderr.contains("*** DEADLOCK ***"), "{stderr}");
    for task in ["alice -> bob", "bob -> alice"] {
        assert!(stderr.contains(task), "{stderr}");
    }
    let deadlocks = of_kind(&report, FindingKind::Deadlock);
    assert_eq!(deadlocks.len(), 1, "{:#?}", report.findings);
    assert_eq!(
        names(&deadlocks[0].threads),
        ["alice -> bob", "bob -> alice"]
    );
}

#[test]
fn guard_across_await_reports_the_held_lock_and_the_fix_does_not() {
    let (report, _, stderr) = run("guard_across_await", &[]);
    assert!(stderr.contains("held across await"), "{stderr}");
    let held = of_kind(&report, FindingKind::HeldAcrossAwait);
    assert_eq!(held.len(), 1, "{:#?}", report.findings);
    let Detail::HeldAcrossAwait { site, .. } = &held[0].detail else {
        panic!("{:#?}", held[0]);
    };
    let line = harness::site_of("guard_across_await", "let mut entries = cache.lock()");
    assert!(harness::at(site.as_deref(), &line), "{site:?} vs {line}");

    let (fixed, _, stderr) = run("guard_across_await", &["fixed"]);
    assert!(of_kind(&fixed, FindingKind::HeldAcrossAwait).is_empty());
    assert!(!stderr.contains("held across await"), "{stderr}");
}
