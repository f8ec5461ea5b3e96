//! Unit tests of the broken-deadlock analysis on traces built in code.

use crate::analysis::testkit::{of_kind, rows, titles, TraceBuilder};
use crate::finding::FindingKind::Deadlock;
use crate::trace::{EventKind, LockMode, PrimitiveKind};

fn try_failed(b: &mut TraceBuilder, t: &str, lock: &str, site: &str) {
    let obj = b.obj(lock);
    b.push(
        t,
        site,
        EventKind::TryFailed {
            obj,
            mode: LockMode::Exclusive,
        },
    );
}

/// T1 holds L1 and requests L2; T2 holds L2 and requests L1; T1 gives
/// up, releases L1, and T2 gets it.
fn abba_timed_out() -> TraceBuilder {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "L1", "1").lock("T2", "L2", "2");
    b.req("T1", "L2", "3").req("T2", "L1", "4");
    try_failed(&mut b, "T1", "L2", "3");
    b.rel("T1", "L1")
        .acq("T2", "L1", "4")
        .rel("T2", "L1")
        .rel("T2", "L2");
    b
}

#[test]
fn abba_broken_by_a_timeout_is_reported_with_both_sites() {
    let report = abba_timed_out().analyze();
    assert_eq!(
        titles(&report, Deadlock),
        ["deadlock (broken by a timeout): T1 holds L1 and waits for L2; T2 holds L2 and waits for L1"]
    );
    let f = of_kind(&report, Deadlock)[0];
    let sites: Vec<_> = f.steps.iter().map(|s| s.site.as_deref()).collect();
    assert_eq!(
        sites,
        [Some("loc 1"), Some("loc 2"), Some("loc 3"), Some("loc 4")]
    );
    assert_eq!(rows(f).len(), 4, "both locks taken, both requested");
    assert!(f.title().contains("(broken by a timeout)"), "{}", f.title());
}

#[test]
fn cycle_still_blocked_at_the_end_is_left_to_the_deadlock_analysis() {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "L1", "1").lock("T2", "L2", "2");
    b.req("T1", "L2", "3").req("T2", "L1", "4");
    let report = b.analyze();
    assert_eq!(
        titles(&report, Deadlock),
        ["deadlock: T1 holds L1 and waits for L2; T2 holds L2 and waits for L1"]
    );
}

#[test]
fn timed_self_request_is_left_to_the_deadlock_analysis() {
    let mut b = TraceBuilder::lockscope();
    b.lock("main", "lock", "1").req("main", "lock", "2");
    try_failed(&mut b, "main", "lock", "2");
    b.rel("main", "lock");
    assert_eq!(
        titles(&b.analyze(), Deadlock),
        ["deadlock: main holds lock and waits for lock (self-deadlock)"]
    );
}

#[test]
fn reentrant_and_uncontended_requests_are_not_deadlocks() {
    let mut b = TraceBuilder::lockscope();
    b.declare("R", PrimitiveKind::ReentrantMutex, None, None);
    b.lock("T1", "R", "1")
        .req("T1", "R", "2")
        .acq("T1", "R", "2");
    b.lock("T2", "M", "3")
        .req("T1", "M", "4")
        .rel("T2", "M")
        .acq("T1", "M", "4");
    assert_eq!(b.analyze().count(Deadlock), 0);
}

#[test]
fn a_thread_releasing_while_blocked_broke_it_by_an_abort() {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "L1", "1").lock("T2", "L2", "2");
    b.req("T1", "L2", "3").req("T2", "L1", "4");
    b.rel("T1", "L1").exit("T1").acq("T2", "L1", "4");
    let report = b.analyze();
    assert_eq!(
        titles(&report, Deadlock),
        ["deadlock (broken by an abort): T1 holds L1 and waits for L2; T2 holds L2 and waits for L1"]
    );
}

#[test]
fn the_same_cycle_twice_is_one_finding_with_two_occurrences() {
    let mut b = abba_timed_out();
    b.lock("T1", "L1", "1").lock("T2", "L2", "2");
    b.req("T1", "L2", "3").req("T2", "L1", "4");
    try_failed(&mut b, "T2", "L1", "4");
    b.rel("T2", "L2").acq("T1", "L2", "3");
    let report = b.analyze();
    let found = of_kind(&report, Deadlock);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].occurrences, 2);
}

#[test]
fn join_of_a_thread_waiting_for_the_joiners_lock_then_timed_out() {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "L", "1");
    let t2 = b.thread("T2");
    b.req("T2", "L", "2");
    b.push("T1", "3", EventKind::JoinRequest { child: t2 });
    try_failed(&mut b, "T2", "L", "2");
    b.exit("T2").push("T1", "3", EventKind::Join { child: t2 });
    assert_eq!(
        titles(&b.analyze(), Deadlock),
        ["deadlock (broken by a timeout): T1 holds L and waits for thread T2 to exit; T2 waits for L"]
    );
}
