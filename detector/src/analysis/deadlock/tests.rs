//! Unit tests of the actual-deadlock analysis on traces built in code.

use crate::analysis::testkit::{of_kind, rows, titles, TraceBuilder};
use crate::finding::FindingKind::{BlockedForever, Deadlock};
use crate::trace::{EventKind, PrimitiveKind};

/// T1 holds L1 and requests L2; T2 holds L2 and requests L1.
fn abba(b: &mut TraceBuilder) -> &mut TraceBuilder {
    b.lock("T1", "L1", "1").lock("T2", "L2", "2");
    b.req("T1", "L2", "3").req("T2", "L1", "4")
}

#[test]
fn two_thread_cycle_is_a_deadlock_with_scenario() {
    let report = abba(&mut TraceBuilder::std()).analyze();
    assert_eq!(
        titles(&report, Deadlock),
        ["deadlock: T1 holds L1 and waits for L2; T2 holds L2 and waits for L1"]
    );
    let f = of_kind(&report, Deadlock)[0];
    let scenario = f.scenario.as_ref().expect("a deadlock has a scenario");
    assert_eq!(scenario.threads, ["T1", "T2"]);
    assert_eq!(
        rows(f),
        [
            (0, "lock(L1);".to_owned()),
            (1, "lock(L2);".to_owned()),
            (0, "lock(L2);".to_owned()),
            (1, "lock(L1);".to_owned()),
        ]
    );
    let events: Vec<_> = f.steps.iter().map(|s| s.event).collect();
    assert_eq!(events, [Some(1), Some(3), Some(4), Some(5)]);
    assert_eq!(f.steps[0].site.as_deref(), Some("loc 1"));
    assert_eq!(report.count(BlockedForever), 0);
}

#[test]
fn waiter_behind_a_deadlocked_holder_is_blocked_forever() {
    let mut b = TraceBuilder::std();
    abba(&mut b).req("T3", "L2", "9");
    let report = b.analyze();
    assert_eq!(report.count(Deadlock), 1);
    assert_eq!(
        titles(&report, BlockedForever),
        ["blocked forever: T3 waits for L2 held by T2 (which is stuck itself)"]
    );
}

#[test]
fn request_for_a_lock_held_by_a_running_thread_is_not_reported() {
    let mut b = TraceBuilder::std();
    b.lock("T1", "L1", "1").req("T2", "L1", "2");
    assert!(b.analyze().findings.is_empty());
}

#[test]
fn non_reentrant_self_request_is_a_self_deadlock() {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "M", "1").req("T1", "M", "2");
    let report = b.analyze();
    assert_eq!(
        titles(&report, Deadlock),
        ["deadlock: T1 holds M and waits for M (self-deadlock)"]
    );
}

#[test]
fn timed_self_request_that_gave_up_is_still_a_self_deadlock() {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "M", "1").req("T1", "M", "2");
    b.on("T1", "M", |obj| EventKind::TryFailed {
        obj,
        mode: crate::trace::LockMode::Exclusive,
    });
    b.rel("T1", "M");
    let report = b.analyze();
    assert_eq!(
        titles(&report, Deadlock),
        ["deadlock: T1 holds M and waits for M (self-deadlock)"]
    );
    let f = of_kind(&report, Deadlock)[0];
    let events: Vec<_> = f.steps.iter().map(|s| s.event).collect();
    assert_eq!(events, [Some(1), Some(2)]);
}

#[test]
fn reentrant_self_request_is_not_a_deadlock() {
    let mut b = TraceBuilder::lockscope();
    b.declare("R", PrimitiveKind::ReentrantMutex, None, None);
    b.lock("T1", "R", "1").req("T1", "R", "2");
    assert!(b.analyze().findings.is_empty());
    // Java monitors in STD traces re-enter too.
    let mut b = TraceBuilder::std();
    b.lock("T1", "L", "1").req("T1", "L", "2");
    assert!(b.analyze().findings.is_empty());
}

#[test]
fn lock_held_by_an_exited_thread_blocks_forever() {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "M", "1").exit("T1").req("T2", "M", "2");
    assert_eq!(
        titles(&b.analyze(), BlockedForever),
        ["blocked forever: T2 waits for M held by T1 (which exited holding it)"]
    );
}

#[test]
fn condvar_wait_with_nobody_left_to_notify() {
    let mut b = TraceBuilder::lockscope();
    b.declare("cv", PrimitiveKind::Condvar, None, None);
    b.lock("T1", "m", "1");
    let (cv, m) = (b.obj("cv"), b.obj("m"));
    b.push(
        "T1",
        "2",
        EventKind::CondWait {
            condvar: cv,
            mutex: m,
            timed: false,
        },
    );
    b.exit("T2");
    assert_eq!(
        titles(&b.analyze(), BlockedForever),
        ["blocked forever: T1 waits for a notification on cv; no thread that could still signal it is left"]
    );
    // Another thread is still running: it may yet notify.
    b.lock("T3", "m", "3");
    assert_eq!(b.analyze().count(BlockedForever), 0);
}

#[test]
fn threads_waiting_on_one_condvar_are_blocked_not_deadlocked() {
    let mut b = TraceBuilder::lockscope();
    b.declare("cv", PrimitiveKind::Condvar, None, None);
    for (t, site) in [("T1", "1"), ("T2", "2")] {
        b.lock(t, "m", site);
        let (cv, m) = (b.obj("cv"), b.obj("m"));
        b.push(
            t,
            site,
            EventKind::CondWait {
                condvar: cv,
                mutex: m,
                timed: false,
            },
        );
    }
    let report = b.analyze();
    assert_eq!(report.count(Deadlock), 0);
    assert_eq!(report.count(BlockedForever), 2);
}

/// Idle pool workers at the end of a trace, each on its own condvar (a
/// thread pool's workers when its process exits): blocked forever, each,
/// and no cycle among them, although every one of them could in principle
/// have notified another.
#[test]
fn idle_waiters_on_their_own_condvars_form_no_cycle() {
    let mut b = TraceBuilder::lockscope();
    for (t, cv, m) in [
        ("W1", "cv1", "m1"),
        ("W2", "cv2", "m2"),
        ("W3", "cv3", "m3"),
    ] {
        b.declare(cv, PrimitiveKind::Condvar, None, None);
        b.lock(t, m, "1");
        let (cv, m) = (b.obj(cv), b.obj(m));
        b.push(
            t,
            "2",
            EventKind::CondWait {
                condvar: cv,
                mutex: m,
                timed: false,
            },
        );
    }
    let report = b.analyze();
    assert_eq!(report.count(Deadlock), 0, "{:#?}", report.findings);
    assert_eq!(report.count(BlockedForever), 3);
}

/// Timed waits end by themselves: idle workers polling with `wait_until`
/// at the end of a trace are neither stuck nor in a cycle, and a thread in a
/// timed wait can still signal the others.
#[test]
fn timed_waiters_at_the_end_are_not_stuck() {
    let mut b = TraceBuilder::lockscope();
    for (t, cv, m) in [("W1", "cv1", "m1"), ("W2", "cv2", "m2")] {
        b.declare(cv, PrimitiveKind::Condvar, None, None);
        b.lock(t, m, "1");
        let (cv, m) = (b.obj(cv), b.obj(m));
        b.push(
            t,
            "2",
            EventKind::CondWait {
                condvar: cv,
                mutex: m,
                timed: true,
            },
        );
    }
    b.declare("ready", PrimitiveKind::Event, None, None);
    b.on("T1", "ready", |obj| EventKind::EventWait {
        obj,
        timed: true,
    });
    let report = b.analyze();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // An untimed waiter beside them: the timed ones can still notify it.
    b.declare("cv3", PrimitiveKind::Condvar, None, None);
    b.lock("W3", "m3", "3");
    let (cv, m) = (b.obj("cv3"), b.obj("m3"));
    b.push(
        "W3",
        "4",
        EventKind::CondWait {
            condvar: cv,
            mutex: m,
            timed: false,
        },
    );
    assert_eq!(b.analyze().count(BlockedForever), 0);
}

#[test]
fn event_never_set_blocks_forever() {
    let mut b = TraceBuilder::lockscope();
    b.declare("ready", PrimitiveKind::Event, None, None);
    b.on("T1", "ready", |obj| EventKind::EventWait {
        obj,
        timed: false,
    });
    assert_eq!(
        titles(&b.analyze(), BlockedForever),
        ["blocked forever: T1 waits for event ready to be set; no thread that could still signal it is left"]
    );
}

#[test]
fn condvar_waiter_holding_the_lock_its_notifier_needs_deadlocks() {
    let mut b = TraceBuilder::lockscope();
    b.declare("cv", PrimitiveKind::Condvar, None, None);
    b.lock("T1", "L", "1").lock("T1", "m", "2");
    let (cv, m) = (b.obj("cv"), b.obj("m"));
    b.push(
        "T1",
        "3",
        EventKind::CondWait {
            condvar: cv,
            mutex: m,
            timed: false,
        },
    );
    b.req("T2", "L", "4");
    assert_eq!(
        titles(&b.analyze(), Deadlock),
        ["deadlock: T1 holds L and waits for a notification on cv; T2 waits for L"]
    );
}

#[test]
fn join_of_a_thread_waiting_for_the_joiners_lock_deadlocks() {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "L", "1");
    let t2 = b.thread("T2");
    b.req("T2", "L", "2");
    b.push("T1", "3", EventKind::JoinRequest { child: t2 });
    assert_eq!(
        titles(&b.analyze(), Deadlock),
        ["deadlock: T1 holds L and waits for thread T2 to exit; T2 waits for L"]
    );
}
