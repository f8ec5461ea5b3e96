//! End-to-end: every seed scenario (the seeds' table of what lockscope must
//! say: lost updates, the classic deadlock, self-deadlock, semaphores,
//! sorted-id acquisition, events, conditions, queues, pools, join versus
//! lock) runs as its example binary with the instrumented locks, and the
//! analysis of the trace it wrote must say what the table says.
//!
//! "Nothing" for a clean scenario means: no finding of a correctness kind
//! (every kind but [`Starvation`](FindingKind::Starvation) and
//! [`LongHold`](FindingKind::LongHold)), so no error and no
//! blocked/deadlock/misuse warning. Contention findings are measurements of
//! how the machine scheduled the run (a 100-thread pile-up on one lock is
//! starvation on a busy 2-core box) and stay allowed.

mod harness;

use std::process::Command;
use std::time::Duration;

use harness::{
    analyze_run, assert_no_errors, assert_none_of, at, of_kind, profile_dir, read_trace,
    run_bounded, run_example, site_of,
};
use lockscope::detector::finding::{FindingKind, Role};
use lockscope::detector::report::Report;
use lockscope::detector::trace::EventKind;

/// Every kind that says the program is wrong (not just slow).
const CORRECTNESS: [FindingKind; 11] = [
    FindingKind::Deadlock,
    FindingKind::BlockedForever,
    FindingKind::PotentialDeadlock,
    FindingKind::LockOrderViolation,
    FindingKind::RecursiveRead,
    FindingKind::BadRelease,
    FindingKind::HeldAtExit,
    FindingKind::SemaphoreOverRelease,
    FindingKind::WaitWhileHolding,
    FindingKind::LostUpdate,
    FindingKind::DataRace,
];

fn assert_clean(report: &Report) {
    assert_no_errors(report);
    assert_none_of(report, &CORRECTNESS);
}

// ---- 1, 2, 5: lost updates ----

/// The tutorial's run: every worker reads 100 before any writes, so the
/// program prints 99 and 99 writes are lost. A worker that starts after
/// the 50 ms sleep of the first ones (a loaded machine) reads a later value
/// and changes the count, so the example is re-run (at most 3 times) until
/// it prints 99; if it never does, only the shape of the findings is
/// checked, and the test says so.
#[test]
fn s1_lost_update_reports_99_lost_writes_with_read_and_both_writes() {
    let mut run = run_example("lost_update");
    for _ in 0..2 {
        if run.stdout.contains("x = 99 ") {
            break;
        }
        run = run_example("lost_update");
    }
    let report = analyze_run(&run);
    let lost = report.occurrences(FindingKind::LostUpdate);
    if run.stdout.contains("x = 99 ") {
        assert_eq!(lost, 99, "one lost update per overwritten write");
    } else {
        eprintln!("no run printed x = 99 (late workers): {}", run.stdout);
        assert!((1..=99).contains(&lost), "{lost}");
    }
    let (read, write) = (
        site_of("lost_update", "let temp = x.get()"),
        site_of("lost_update", "x.set("),
    );
    for f in of_kind(&report, FindingKind::LostUpdate) {
        assert_eq!(f.vars, ["x"]);
        let [r, other, mine] = &f.steps[..] else {
            panic!("read, interleaved write, overwriting write: {f:#?}");
        };
        assert!(
            matches!(&r.role, Role::Read { var } if var == "x") && at(r.site.as_deref(), &read),
            "{f:#?}"
        );
        assert!(
            matches!(&other.role, Role::Wrote { var, .. } if var == "x")
                && other.thread != r.thread,
            "{f:#?}"
        );
        assert!(
            mine.thread == r.thread && at(mine.site.as_deref(), &write),
            "{f:#?}"
        );
    }
}

#[test]
fn s2_lost_update_fixed_with_a_lock_reports_nothing() {
    let run = run_example("lost_update_locked");
    assert!(run.stdout.contains("x = 0"), "{}", run.stdout);
    let report = analyze_run(&run);
    assert_eq!(report.count(FindingKind::LostUpdate), 0);
    assert_clean(&report);
}

#[test]
fn s5_semaphore_of_five_still_loses_updates() {
    let run = run_example("semaphore_not_a_mutex");
    // Concurrency was limited to 5 (and reached more than 1).
    let (events, _) = read_trace(&run);
    let (mut out, mut most) = (0i64, 0i64);
    for e in &events {
        match e.kind {
            EventKind::SemAcquired { permits, .. } => out += i64::from(permits),
            EventKind::SemReleased { permits, .. } => out -= i64::from(permits),
            _ => {}
        }
        most = most.max(out);
    }
    assert!(
        (2..=5).contains(&most),
        "at most {most} permits out at once"
    );
    let report = analyze_run(&run);
    assert!(
        report.count(FindingKind::LostUpdate) > 0,
        "{:#?}",
        report.findings
    );
    assert!(!run.stdout.contains("num = 0 "), "{}", run.stdout);
}

// ---- 3: the classic deadlock ----

#[test]
fn s3_opposite_order_reports_the_deadlock_with_both_sites_and_the_inversion() {
    let run = run_example("deadlock_opposite_order");
    let report = analyze_run(&run);
    let first = site_of("deadlock_opposite_order", "first.lock()");
    let second = site_of("deadlock_opposite_order", "second.try_lock_for");
    // Both orders ran, so the inversion is predicted whether or not it hung.
    let predicted = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(predicted.len(), 1, "{:#?}", report.findings);
    assert_eq!(predicted[0].primitives.len(), 2);
    if !run.stdout.contains("deadlocked, gave up") {
        eprintln!("this run did not deadlock (a thread started late): inversion only");
        return;
    }
    let deadlocks = of_kind(&report, FindingKind::Deadlock);
    assert_eq!(deadlocks.len(), 1, "{:#?}", report.findings);
    let f = deadlocks[0];
    assert!(
        f.title().starts_with("deadlock (broken by a timeout): "),
        "{}",
        f.title()
    );
    assert_eq!(f.threads, ["task1", "task2"]);
    assert_eq!(f.primitives, ["chopsticks", "plate"]);
    for t in ["task1", "task2"] {
        let sites: Vec<_> = f.steps.iter().filter(|s| s.thread == t).collect();
        assert!(
            sites.iter().any(|s| at(s.site.as_deref(), &first)),
            "{f:#?}"
        );
        assert!(
            sites.iter().any(|s| at(s.site.as_deref(), &second)),
            "{f:#?}"
        );
    }
    assert!(f.scenario.is_some());
    assert_ne!(f.fingerprint, predicted[0].fingerprint);
}

#[test]
fn s3_run_that_did_not_hang_predicts_the_inversion_with_both_sites() {
    let run = run_example("deadlock_lucky");
    let report = analyze_run(&run);
    assert_eq!(
        report.count(FindingKind::Deadlock),
        0,
        "{:#?}",
        report.findings
    );
    let predicted = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(predicted.len(), 1, "{:#?}", report.findings);
    let f = predicted[0];
    let mut threads = f.threads.clone();
    threads.sort();
    assert_eq!(threads, ["task1", "task2"]);
    let first = site_of("deadlock_lucky", "first.lock()");
    let second = site_of("deadlock_lucky", "second.lock()");
    for t in ["task1", "task2"] {
        let sites: Vec<_> = f.steps.iter().filter(|s| s.thread == t).collect();
        assert!(
            sites.iter().any(|s| at(s.site.as_deref(), &first)),
            "{f:#?}"
        );
        assert!(
            sites.iter().any(|s| at(s.site.as_deref(), &second)),
            "{f:#?}"
        );
    }
}

#[test]
fn s3_real_hang_is_broken_by_the_watchdog_within_a_second() {
    let run = run_example("deadlock_hang");
    // It really deadlocks; the watchdog's panics end it, not the timeout.
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    assert!(run.stdout.contains("panicked"), "{}", run.stdout);
    assert!(run.stderr.contains("deadlock"), "{}", run.stderr);
    let (events, meta) = read_trace(&run);
    let requests: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Request { .. }))
        .collect();
    let requesters: Vec<&str> = requests
        .iter()
        .map(|e| meta.thread(e.thread).display_name())
        .collect();
    assert!(requesters.contains(&"task1") && requesters.contains(&"task2"));
    let note = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::Note { note } if meta.note(note).kind == "deadlock"))
        .expect("the runtime's deadlock note is in the trace");
    let formed = requests.iter().map(|e| e.time).max().unwrap_or(0);
    let detected = Duration::from_nanos(note.time.saturating_sub(formed));
    assert!(
        detected < Duration::from_secs(1),
        "detected after {detected:?}"
    );
    // Reported once, from the watchdog's note (the events show a cycle the
    // panics broke; the note is the runtime's own account of it, a finding
    // with the threads, locks and sites). The stall of every thread (main
    // joins task1) is that cycle's doing and is not a second report.
    let report = analyze_run(&run);
    let deadlocks = of_kind(&report, FindingKind::Deadlock);
    assert_eq!(deadlocks.len(), 1, "{:#?}", report.findings);
    let f = deadlocks[0];
    assert!(f.live, "{f:#?}");
    assert!(
        f.title().contains("task1") && f.title().contains("task2"),
        "{}",
        f.title()
    );
    let mut locks = f.primitives.clone();
    locks.sort();
    assert_eq!(locks, ["chopsticks", "plate"]);
    for needle in ["first.lock()", "second.lock()"] {
        let site = site_of("deadlock_hang", needle);
        assert!(
            f.steps.iter().any(|s| at(s.site.as_deref(), &site)),
            "{site}: {:#?}",
            f.steps
        );
    }
}

// ---- 4: self-deadlock and the recursive lock ----

#[test]
fn s4_self_deadlock_on_a_plain_lock() {
    let run = run_example("self_deadlock");
    let report = analyze_run(&run);
    let deadlocks = of_kind(&report, FindingKind::Deadlock);
    assert_eq!(deadlocks.len(), 1, "{:#?}", report.findings);
    let f = deadlocks[0];
    // The trace shows it, and the runtime reported it while it ran.
    assert!(
        f.title()
            .ends_with("(self-deadlock) (reported live by the runtime)"),
        "{}",
        f.title()
    );
    assert_eq!(f.primitives, ["lock"]);
    let held = site_of("self_deadlock", "let first = lock.lock()");
    let again = site_of("self_deadlock", "lock.try_lock_for");
    assert!(
        f.steps.iter().any(|s| at(s.site.as_deref(), &held)),
        "{f:#?}"
    );
    assert!(
        f.steps.iter().any(|s| at(s.site.as_deref(), &again)),
        "{f:#?}"
    );
}

#[test]
fn s4_reentrant_lock_taken_twice_reports_nothing() {
    let run = run_example("rlock");
    // Each thread holds it twice: the second acquisition is counted.
    let (events, _) = read_trace(&run);
    let reentries = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Acquired { depth: 2, .. }))
        .count();
    assert_eq!(reentries, 2);
    assert_clean(&analyze_run(&run));
}

// ---- 6: sorted-id acquisition ----

#[test]
fn s6_sorted_acquire_never_deadlocks_and_a_broken_rule_is_a_violation_with_sites() {
    let report = analyze_run(&run_example("sorted_acquire"));
    assert_none_of(
        &report,
        &[FindingKind::Deadlock, FindingKind::PotentialDeadlock],
    );
    let violations = of_kind(&report, FindingKind::LockOrderViolation);
    assert_eq!(violations.len(), 1, "{:#?}", report.findings);
    // From the helper's note: nothing was locked, so no event shows it.
    // Its steps: the held lock where it was taken, the request where the
    // helper was called.
    let f = violations[0];
    assert!(f.live);
    let held = site_of("sorted_acquire", "let _y_first = y.lock()");
    let call = site_of("sorted_acquire", "acquire(&[&*x])");
    let sites: Vec<Option<&str>> = f.steps.iter().map(|s| s.site.as_deref()).collect();
    assert!(at(sites[0], &held), "{sites:?}");
    assert!(at(sites[1], &call), "{sites:?}");
}

// ---- 7: events ----

#[test]
fn s7_event_handoff_reports_nothing() {
    assert_clean(&analyze_run(&run_example("event_handoff")));
}

#[test]
fn s7_client_waiting_on_an_event_never_set_is_blocked_forever() {
    let report = analyze_run(&run_example("event_never_set"));
    let blocked = of_kind(&report, FindingKind::BlockedForever);
    assert_eq!(blocked.len(), 1, "{:#?}", report.findings);
    assert_eq!(blocked[0].threads, ["client"]);
    assert_eq!(blocked[0].primitives, ["server_started"]);
    let wait = site_of("event_never_set", "started.wait()");
    assert!(at(blocked[0].steps[0].site.as_deref(), &wait));
    assert_no_errors(&report);
}

// ---- 8: conditions ----

#[test]
fn s8_condition_letting_n_through_reports_nothing() {
    assert_clean(&analyze_run(&run_example("condition")));
}

#[test]
fn s8_wait_never_notified_and_wait_while_holding() {
    let report = analyze_run(&run_example("condition_never_notified"));
    let blocked = of_kind(&report, FindingKind::BlockedForever);
    assert_eq!(blocked.len(), 1, "{:#?}", report.findings);
    assert_eq!(blocked[0].threads, ["forgotten"]);
    assert_eq!(blocked[0].primitives, ["gate_open"]);
    let holding = of_kind(&report, FindingKind::WaitWhileHolding);
    assert_eq!(holding.len(), 1, "{:#?}", report.findings);
    assert_eq!(holding[0].threads, ["holder"]);
    assert!(holding[0].primitives.contains(&"config".to_owned()));
    assert_no_errors(&report);
}

// ---- 9: producer/consumer ----

#[test]
fn s9_producer_consumer_reports_nothing() {
    let run = run_example("producer_consumer");
    assert!(run.stdout.contains("all 100 items processed"));
    assert_clean(&analyze_run(&run));
}

#[test]
fn s9_consumer_that_never_gets_an_item_is_blocked_forever() {
    let report = analyze_run(&run_example("consumer_starved"));
    let blocked = of_kind(&report, FindingKind::BlockedForever);
    assert_eq!(blocked.len(), 1, "{:#?}", report.findings);
    assert!(blocked[0].threads[0].starts_with("consumer-"));
    assert_eq!(blocked[0].primitives, ["not_empty"]);
    assert_no_errors(&report);
}

// ---- 10, 11: pools; join versus lock ----

#[test]
fn s10_thread_pool_with_callbacks_reports_nothing() {
    let run = run_example("thread_pool");
    assert!(run.stdout.contains("sum of squares 1..=20 = 2870"));
    let report = analyze_run(&run);
    assert_clean(&report);
    assert!(report.stats.iter().any(|s| s.name == "pool_queue"));
}

#[test]
fn s11_lock_statistics_show_a_small_critical_section_passed_between_threads() {
    let run = run_example("join_vs_lock");
    assert!(run.stdout.contains("counter = 8"), "{}", run.stdout);
    let report = analyze_run(&run);
    assert_clean(&report);
    let stats = report
        .stats
        .iter()
        .find(|s| s.name == "counter_lock")
        .expect("statistics for counter_lock");
    assert_eq!(stats.acquisitions, 4);
    assert_eq!(stats.owner_changes, 3, "four workers, one acquisition each");
    // The lock covers the 1 ms section, not the 20 ms of work around it:
    // were the work inside, every hold would last 20 ms or more. (The
    // recorder's clock has about 1 ms resolution: no lower bound.)
    assert!(stats.hold_mean < 20e6, "{stats:#?}");
    assert!(stats.hold_total > 0, "{stats:#?}");
    assert!(stats.contended == 0 || stats.wait_total > 0, "{stats:#?}");
}

// ---- the command ----

/// The `lockscope` binary next to the examples, if this test run built
/// it: `cargo test --workspace` does, `cargo test -p lockscope` alone does
/// not (the callers then check through the library and say so).
fn lockscope_bin() -> Option<std::path::PathBuf> {
    let bin = profile_dir().join(format!("lockscope{}", std::env::consts::EXE_SUFFIX));
    if bin.is_file() {
        return Some(bin);
    }
    eprintln!(
        "{} not built (run `cargo test --workspace`): checked through the library",
        bin.display()
    );
    None
}

#[test]
fn lockscope_analyze_fails_the_gate_on_the_self_deadlock_trace() {
    let run = run_example("self_deadlock");
    let Some(bin) = lockscope_bin() else {
        let report = analyze_run(&run);
        assert_eq!(report.count(FindingKind::Deadlock), 1);
        return;
    };
    let mut cmd = Command::new(&bin);
    cmd.arg("analyze").arg(&run.trace).env("NO_COLOR", "1");
    let (status, stdout, stderr) = run_bounded(cmd, "lockscope analyze");
    assert_eq!(
        status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"1 deadlock in 1 trace"), "{stdout}");
    assert!(lines.contains(&"gate: FAILED (1 denied)"), "{stdout}");
}

/// `lockscope run` end to end: it traces the example through
/// `LOCKSCOPE_TRACE`, analyzes what it wrote and fails the gate on the
/// helper's lock-order violation.
#[test]
fn lockscope_run_gates_the_sorted_acquire_example() {
    let Some(bin) = lockscope_bin() else {
        let report = analyze_run(&run_example("sorted_acquire"));
        assert_eq!(report.count(FindingKind::LockOrderViolation), 1);
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut cmd = Command::new(&bin);
    cmd.args(["run", "--quiet", "--timeout", "60", "--trace-dir"])
        .arg(dir.path())
        .arg("--")
        .arg(harness::example_bin("sorted_acquire"))
        .env("NO_COLOR", "1")
        .env_remove("LOCKSCOPE_TRACE");
    let (status, stdout, stderr) = run_bounded(cmd, "lockscope run");
    assert_eq!(
        status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("1 lock-order violation")),
        "{stdout}"
    );
    let traces = std::fs::read_dir(dir.path())
        .expect("the trace directory")
        .count();
    assert_eq!(traces, 1, "one trace for one process");
}

/// Regression test for the recorder's start-up race (fixed on main): with
/// `LOCKSCOPE_TRACE` set, `record_default` opened the trace while the
/// background flusher it had just spawned found no session yet and opened a
/// second one from the environment; the example then failed with "the
/// recording was already replaced by another" in 2 runs of 3.
#[test]
fn lockscope_trace_env_with_record_default_records_one_trace() {
    for attempt in 1..=5 {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("trace.jsonl");
        let mut cmd = Command::new(harness::example_bin("event_handoff"));
        cmd.env("LOCKSCOPE_TRACE", &path);
        let (status, stdout, stderr) = run_bounded(cmd, "example `event_handoff`");
        assert!(status.success(), "attempt {attempt}: {stderr}");
        assert!(
            stdout.contains(&format!("trace: {}", path.display())),
            "{stdout}"
        );
    }
}
