//! Contention statistics, starvation and long holds.

mod support;

use lockscope_detector::analysis::Config;
use lockscope_detector::finding::{Finding, FindingKind};
use lockscope_detector::report::{LockStats, Report};
use lockscope_detector::trace::{EventKind, LockMode, ObjId, ThreadId};
use support::Trace;

const STARVED: FindingKind = FindingKind::Starvation;

fn stats<'a>(report: &'a Report, lock: &str) -> &'a LockStats {
    report
        .stats
        .iter()
        .find(|s| s.name == lock)
        .expect("stats for the lock")
}

fn of_kind(report: &Report, kind: FindingKind) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.kind == kind).collect()
}

#[test]
fn statistics_count_waits_holds_owners_and_sites() {
    let mut tr = Trace::new();
    let (t1, t2, l) = (tr.thread("T1"), tr.thread("T2"), tr.mutex("L"));
    tr.lock(t1, l, "holder.rs:1"); // times 1, 2
    tr.advance(10).request(t2, l, "waiter.rs:5"); // 13
    tr.advance(85).unlock(t1, l, "holder.rs:2"); // 99: T1 held 97
    tr.acquired(t2, l, "waiter.rs:5"); // 100: T2 waited 87
    tr.advance(49).unlock(t2, l, "waiter.rs:6"); // 150: T2 held 50
    tr.lock(t2, l, "waiter.rs:7").unlock(t2, l, "waiter.rs:8"); // same owner again: held 1
    let report = tr.analyze();
    let s = stats(&report, "L");
    assert_eq!((&*s.trace, &*s.kind), ("test", "mutex"));
    assert_eq!((s.acquisitions, s.contended), (3, 1));
    assert_eq!((s.wait_total, s.wait_max, s.wait_p99), (87, 87, 87));
    assert_eq!(s.wait_mean, 87.0);
    assert_eq!((s.hold_total, s.hold_max), (97 + 50 + 1, 97));
    assert_eq!(s.owner_changes, 1);
    assert_eq!(s.contention_sites.len(), 1);
    let row = &s.contention_sites[0];
    assert_eq!(
        (row.waiter_site.as_str(), row.holder_site.as_str()),
        ("loc waiter.rs:5", "loc holder.rs:1")
    );
    assert_eq!((row.count, row.wait_total), (1, 87));
}

#[test]
fn reentrant_acquisitions_are_not_counted_and_holds_span_the_outermost() {
    let mut tr = Trace::new();
    let t = tr.thread("T");
    let l = tr.prim(
        "R",
        lockscope_detector::trace::PrimitiveKind::ReentrantMutex,
        None,
    );
    tr.lock(t, l, "")
        .lock(t, l, "")
        .unlock(t, l, "")
        .unlock(t, l, "");
    let report = tr.analyze();
    let s = stats(&report, "R");
    // Outermost acquired at time 2, released at 6.
    assert_eq!((s.acquisitions, s.contended, s.hold_total), (1, 0, 4));
}

/// T0 requests L while T1 holds it; T1 and T2 then take it `bypasses`
/// times in turn before T0 gets it (or never, when `ends_waiting`).
fn bypass_trace(bypasses: usize, ends_waiting: bool) -> Trace {
    let mut tr = Trace::std();
    let (t0, t1, t2, l) = (
        tr.thread("T0"),
        tr.thread("T1"),
        tr.thread("T2"),
        tr.mutex("L"),
    );
    tr.lock(t1, l, "10");
    tr.request(t0, l, "20");
    tr.unlock(t1, l, "11");
    for i in 0..bypasses {
        let t = if i % 2 == 0 { t2 } else { t1 };
        tr.lock(t, l, "10").unlock(t, l, "11");
    }
    if !ends_waiting {
        tr.acquired(t0, l, "20").unlock(t0, l, "21");
    }
    tr
}

#[test]
fn a_thread_bypassed_k_times_is_starved() {
    let report = bypass_trace(20, false).analyze();
    let found = of_kind(&report, STARVED);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].title(), "starvation: T0 bypassed 20 times for L");
    assert_eq!(found[0].steps.len(), 2);
    assert_eq!(bypass_trace(19, false).analyze().count(STARVED), 0);
}

/// Regression: 30 threads queue on a lock and are served in arrival order.
/// The last one waits for 29 acquisitions, but nobody overtook it: a fair
/// lock is not starvation (the seeds' locked counter must stay silent).
#[test]
fn waiting_behind_earlier_arrivals_is_not_a_bypass() {
    let mut tr = Trace::std();
    let l = tr.mutex("L");
    let threads: Vec<_> = (0..30).map(|i| tr.thread(&format!("T{i}"))).collect();
    let holder = tr.thread("H");
    tr.lock(holder, l, "1");
    for &t in &threads {
        tr.request(t, l, "2");
    }
    tr.unlock(holder, l, "3");
    for &t in &threads {
        tr.acquired(t, l, "2").unlock(t, l, "3");
    }
    let report = tr.analyze();
    assert_eq!(report.count(STARVED), 0, "{:#?}", of_kind(&report, STARVED));
    let s = stats(&report, "L");
    assert_eq!((s.acquisitions, s.contended), (31, 30));
}

#[test]
fn a_thread_still_waiting_at_the_end_after_k_bypasses_is_starved() {
    let report = bypass_trace(25, true).analyze();
    let found = of_kind(&report, STARVED);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].title().ends_with("and is still waiting"),
        "{}",
        found[0].title()
    );
}

#[test]
fn a_deadlocked_thread_is_left_to_the_deadlock_analysis() {
    let mut tr = Trace::new();
    let (t1, t2, a, b) = (
        tr.thread("T1"),
        tr.thread("T2"),
        tr.mutex("A"),
        tr.mutex("B"),
    );
    tr.lock(t1, a, "").lock(t2, b, "");
    tr.request(t1, b, "").request(t2, a, "");
    tr.advance(10_000_000_000);
    tr.push(t1, EventKind::Begin, "");
    // Long waits, but inside a wait-for cycle: Deadlock, not Starvation.
    let config = Config {
        long_wait_ns: 1,
        starvation_bypass: 0,
        ..Config::default()
    };
    assert_eq!(tr.analyze_with(&config).count(STARVED), 0);
}

/// T1 holds L for `hold` ns while T2 waits for it.
fn long_wait_trace(mut tr: Trace, hold: u64) -> Trace {
    let (t1, t2, l) = (ThreadId(0), ThreadId(1), ObjId(0));
    tr.lock(t1, l, "h")
        .request(t2, l, "w")
        .advance(hold)
        .unlock(t1, l, "h");
    tr.acquired(t2, l, "w").unlock(t2, l, "w");
    tr
}

fn two_threads_one_lock(mut tr: Trace) -> Trace {
    tr.thread("T1");
    tr.thread("T2");
    tr.mutex("L");
    tr
}

#[test]
fn a_wait_longer_than_the_threshold_is_starvation_on_a_nanosecond_clock_only() {
    let ns = long_wait_trace(two_threads_one_lock(Trace::new()), 200_000_000).analyze();
    let found = of_kind(&ns, STARVED);
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .title()
            .starts_with("starvation: T2 waited 200.00 ms for L"),
        "{}",
        found[0].title()
    );
    let short = long_wait_trace(two_threads_one_lock(Trace::new()), 50_000_000).analyze();
    assert_eq!(short.count(STARVED), 0);
    // STD: times are positions; a 2-event wait over a 1-"ns" threshold is
    // still no finding.
    let config = Config {
        long_wait_ns: 1,
        ..Config::default()
    };
    let seq = long_wait_trace(two_threads_one_lock(Trace::std()), 0).analyze_with(&config);
    assert_eq!(seq.count(STARVED), 0);
    assert_eq!(stats(&seq, "L").wait_max, 2); // request at 2, acquired at 4
}

/// 100 holds of 1 µs, then one of `long` ns.
fn holds_trace(mut tr: Trace, long: u64) -> Trace {
    let t = tr.thread("T");
    let l = tr.mutex("L");
    for _ in 0..100 {
        tr.push(
            t,
            EventKind::Acquired {
                obj: l,
                mode: LockMode::Exclusive,
                depth: 1,
            },
            "fast",
        );
        tr.advance(1_000).unlock(t, l, "fast");
    }
    tr.push(
        t,
        EventKind::Acquired {
            obj: l,
            mode: LockMode::Exclusive,
            depth: 1,
        },
        "slow",
    );
    tr.advance(long).unlock(t, l, "slow");
    tr
}

#[test]
fn a_hold_far_longer_than_usual_is_reported() {
    let report = holds_trace(Trace::new(), 50_000_000).analyze();
    let found = of_kind(&report, FindingKind::LongHold);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].title(), "long hold: L held 50.00 ms by T");
    assert_eq!(found[0].steps[0].site.as_deref(), Some("loc slow"));
    // Below the 10 ms floor: not long, however much above the mean.
    assert_eq!(
        holds_trace(Trace::new(), 5_000_000)
            .analyze()
            .count(FindingKind::LongHold),
        0
    );
    // Sequence clock: no time-based findings.
    assert_eq!(
        holds_trace(Trace::std(), 0)
            .analyze()
            .count(FindingKind::LongHold),
        0
    );
}

#[test]
fn p99_of_many_waits_is_within_the_histogram_precision() {
    let mut tr = two_threads_one_lock(Trace::new());
    for i in 1..=200u64 {
        tr = long_wait_trace(tr, i * 1_000);
    }
    let report = tr.analyze();
    let s = stats(&report, "L");
    assert_eq!(s.contended, 200);
    // Waits are i µs + 2 ns; the 198th of 200 is 198.002 µs.
    assert!(
        s.wait_p99 >= 198_002 && s.wait_p99 <= 198_002 + 198_002 / 16,
        "{}",
        s.wait_p99
    );
    assert_eq!(s.wait_max, 200_002);
}

/// The watchdog's case: T1 holds vault and T2 ledger, each requests the
/// other's, 300 ms pass, T1 is made to panic (it releases vault while
/// still blocked) and T2 gets vault. Both locks were held briefly before.
#[test]
fn a_broken_deadlock_explains_its_long_waits_and_holds() {
    let mut tr = Trace::new();
    let (t1, t2) = (tr.thread("T1"), tr.thread("T2"));
    let (vault, ledger) = (tr.mutex("vault"), tr.mutex("ledger"));
    for _ in 0..3 {
        tr.lock(t1, vault, "warm").unlock(t1, vault, "warm");
        tr.lock(t2, ledger, "warm").unlock(t2, ledger, "warm");
    }
    tr.lock(t1, vault, "t1.rs:1").lock(t2, ledger, "t2.rs:1");
    tr.request(t1, ledger, "t1.rs:2")
        .request(t2, vault, "t2.rs:2");
    tr.advance(300_000_000).unlock(t1, vault, "t1.rs:1");
    tr.exit(t1);
    tr.acquired(t2, vault, "t2.rs:2");
    tr.unlock(t2, vault, "t2.rs:2")
        .unlock(t2, ledger, "t2.rs:1");
    let report = tr.analyze();
    assert_eq!(
        report.count(FindingKind::Deadlock),
        1,
        "{:#?}",
        report.findings
    );
    assert_eq!(report.count(STARVED), 0, "{:#?}", report.findings);
    assert_eq!(
        report.count(FindingKind::LongHold),
        0,
        "{:#?}",
        report.findings
    );
    // The statistics still count the deadlocked wait and holds.
    let v = stats(&report, "vault");
    assert_eq!((v.contended, v.acquisitions), (1, 5));
    assert!(
        v.wait_max >= 300_000_000 && v.hold_max >= 300_000_000,
        "{v:?}"
    );
    assert!(stats(&report, "ledger").hold_max >= 300_000_000);
}

/// The same long holds and wait without the cycle are reported.
#[test]
fn the_same_waits_and_holds_without_a_cycle_are_reported() {
    let mut tr = Trace::new();
    let (t1, t2) = (tr.thread("T1"), tr.thread("T2"));
    let vault = tr.mutex("vault");
    for _ in 0..3 {
        tr.lock(t1, vault, "warm").unlock(t1, vault, "warm");
    }
    tr.lock(t1, vault, "t1.rs:1").request(t2, vault, "t2.rs:2");
    tr.advance(300_000_000).unlock(t1, vault, "t1.rs:1");
    tr.acquired(t2, vault, "t2.rs:2")
        .unlock(t2, vault, "t2.rs:2");
    let report = tr.analyze();
    assert_eq!(report.count(FindingKind::Deadlock), 0);
    assert_eq!(report.count(STARVED), 1, "{:#?}", report.findings);
    assert_eq!(
        report.count(FindingKind::LongHold),
        1,
        "{:#?}",
        report.findings
    );
}
