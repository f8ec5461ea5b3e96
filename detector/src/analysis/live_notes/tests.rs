//! Live notes in both forms, and what the trace's events already show.

use crate::analysis::testkit::{of_kind, titles, TraceBuilder};
use crate::finding::build::{self, At, SeenEdge};
use crate::finding::{Finding, FindingKind, OrderEdge};
use crate::trace::{EventKind, Note};

fn note(b: &mut TraceBuilder, thread: &str, kind: &str, text: &str) {
    let note = b.note(Note {
        kind: kind.to_owned(),
        text: text.to_owned(),
    });
    b.push(thread, "", EventKind::Note { note });
}

#[test]
fn notes_that_are_not_findings_are_left_alone() {
    let mut b = TraceBuilder::lockscope();
    for (kind, text) in [
        ("deadlock", "lockscope: deadlock: a plain-text report"),
        ("progress", "not a live check"),
        ("potential_deadlock", "{\"kind\": \"not a finding\"}"),
    ] {
        note(&mut b, "main", kind, text);
    }
    let report = b.analyze();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// The runtime's learned inversion between `a` and `b`, on one thread.
fn learned_inversion() -> Finding {
    let edge = |from: &str, to: &str, line: u32| SeenEdge {
        edge: OrderEdge {
            thread: "main".into(),
            from: from.into(),
            to: to.into(),
            site_from: Some(format!("src/x.rs:{line}:1")),
            site_to: Some(format!("src/x.rs:{}:1", line + 1)),
            mode_from: None,
            mode_to: None,
            count: 1,
        },
        acquired: None,
        requested: None,
    };
    build::potential_deadlock(vec![edge("a", "b", 1), edge("b", "a", 5)])
}

#[test]
fn json_reports_become_the_findings_they_serialize() {
    let f = learned_inversion();
    let mut b = TraceBuilder::lockscope();
    let json = serde_json::to_string(&f).unwrap();
    note(&mut b, "main", "potential_deadlock", &json);
    let held = crate::finding::build::Taken {
        lock: "m".into(),
        mode: None,
        at: At::site("src/y.rs:1:1"),
    };
    let selfd = build::self_deadlock(
        "w",
        held,
        None,
        At::site("src/y.rs:2:1"),
        crate::finding::End::Hung,
    );
    note(
        &mut b,
        "w",
        "deadlock",
        &serde_json::to_string(&selfd).unwrap(),
    );
    let report = b.analyze();
    // The trace has no acquisitions: the runtime's report stands, and
    // fails the gate like any error.
    let found = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    assert!(found[0].live && found[0].fingerprint == f.fingerprint);
    assert_eq!(found[0].steps, f.steps);
    assert_eq!(
        titles(&report, FindingKind::Deadlock),
        ["deadlock: w holds m and waits for m (self-deadlock) (reported live by the runtime)"]
    );
}

#[test]
fn live_inversion_the_trace_shows_is_reported_once() {
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "a", "1")
        .lock("T1", "b", "2")
        .rel("T1", "b")
        .rel("T1", "a");
    b.lock("T2", "b", "3")
        .lock("T2", "a", "4")
        .rel("T2", "a")
        .rel("T2", "b");
    let live = serde_json::to_string(&learned_inversion()).unwrap();
    note(&mut b, "T2", "potential_deadlock", &live);
    let report = b.analyze();
    let found = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    // The trace's own finding, with its sites and grade, marked live.
    assert!(found[0].live);
    assert_eq!(found[0].grade, Some(crate::finding::Grade::Feasible));
}

#[test]
fn live_inversion_the_trace_grades_unconfirmed_is_still_an_error() {
    // T2 reads what T1 wrote inside its nested section: no reordering
    // reaches the deadlock, so alone it would only warn.
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "a", "1").lock("T1", "b", "2").write("T1", "x");
    b.rel("T1", "b").rel("T1", "a");
    b.read("T2", "x").lock("T2", "b", "3").lock("T2", "a", "4");
    let alone = b.analyze();
    let found = of_kind(&alone, FindingKind::PotentialDeadlock);
    assert_eq!(found[0].severity, crate::finding::Severity::Warning);
    let live = serde_json::to_string(&learned_inversion()).unwrap();
    note(&mut b, "T2", "potential_deadlock", &live);
    let report = b.analyze();
    let found = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    assert_eq!(found[0].grade, Some(crate::finding::Grade::Unconfirmed));
    assert_eq!(found[0].severity, crate::finding::Severity::Error);
    assert!(found[0].live);
}

/// The example in docs/trace-format.md (`note_text`) is what the builder
/// makes, and a trace carrying it reports it.
#[test]
fn the_documented_note_is_a_finding_the_analyzer_reads() {
    let spec = include_str!("../../../../docs/trace-format.md");
    let start = spec
        .find("```json\n{\n  \"kind\": \"potential_deadlock\"")
        .expect("the live finding example")
        + "```json\n".len();
    let text = &spec[start..start + spec[start..].find("```").expect("its end")];
    let documented: Finding = serde_json::from_str(text).expect("a finding");
    let edge = |thread: &str, from: &str, to: &str, sites: (&str, &str)| SeenEdge {
        edge: OrderEdge {
            thread: thread.into(),
            from: from.into(),
            to: to.into(),
            site_from: Some(sites.0.into()),
            site_to: Some(sites.1.into()),
            mode_from: None,
            mode_to: None,
            count: 1,
        },
        acquired: None,
        requested: None,
    };
    let built = build::potential_deadlock(vec![
        edge(
            "task1",
            "plate",
            "chopsticks",
            ("src/dine.rs:8:20", "src/dine.rs:10:21"),
        ),
        edge(
            "task2",
            "chopsticks",
            "plate",
            ("src/dine.rs:18:20", "src/dine.rs:20:21"),
        ),
    ]);
    assert_eq!(documented, built);
    let mut b = TraceBuilder::lockscope();
    note(&mut b, "task1", "potential_deadlock", text);
    assert_eq!(
        titles(&b.analyze(), FindingKind::PotentialDeadlock),
        [
            "potential deadlock: chopsticks -> plate -> chopsticks (task2 at src/dine.rs:18:20 -> \
          src/dine.rs:20:21, task1 at src/dine.rs:8:20 -> src/dine.rs:10:21) (reported live by \
          the runtime)"
        ]
    );
}

/// The watchdog's deadlock of `T1` (holds `a`, waits for `b`) and `T2`
/// (holds `b`, waits for `a`).
fn watchdog_deadlock() -> Finding {
    use crate::finding::build::{Taken, Waiter};
    use crate::finding::WaitOn;
    let waiter = |thread: &str, holds: &str, wants: &str, line: u32| Waiter {
        thread: thread.into(),
        holds: Some(Taken {
            lock: holds.into(),
            mode: None,
            at: At::site(format!("src/x.rs:{line}:1")),
        }),
        waits_for: WaitOn::Lock {
            lock: wants.into(),
            mode: None,
        },
        blocked: At::site(format!("src/x.rs:{}:1", line + 1)),
    };
    build::deadlock(
        vec![waiter("T1", "a", "b", 1), waiter("T2", "b", "a", 5)],
        crate::finding::End::Hung,
    )
}

#[test]
fn a_watchdog_deadlock_stands_for_the_inversion_noted_before_it() {
    let mut b = TraceBuilder::lockscope();
    let inversion = serde_json::to_string(&learned_inversion()).unwrap();
    note(&mut b, "T2", "potential_deadlock", &inversion);
    let deadlock = serde_json::to_string(&watchdog_deadlock()).unwrap();
    note(&mut b, "T1", "deadlock", &deadlock);
    let report = b.analyze();
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    assert_eq!(report.findings[0].kind, FindingKind::Deadlock);
    // The same when the trace shows the inversion: both threads requested
    // the other lock, and the verdict ended the requests.
    let mut b = TraceBuilder::lockscope();
    b.lock("T1", "a", "1").lock("T2", "b", "5");
    b.req("T1", "b", "2").req("T2", "a", "6");
    note(&mut b, "T2", "potential_deadlock", &inversion);
    note(&mut b, "T1", "deadlock", &deadlock);
    let mode = crate::trace::LockMode::Exclusive;
    for (t, lock, site) in [("T1", "b", "2"), ("T2", "a", "6")] {
        let obj = b.obj(lock);
        b.push(t, site, EventKind::TryFailed { obj, mode });
    }
    b.rel("T1", "a").rel("T2", "b");
    let report = b.analyze();
    let kinds: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FindingKind::Deadlock], "{:#?}", report.findings);
    // An inversion of other locks is still its own finding.
    let mut b = TraceBuilder::lockscope();
    note(&mut b, "T2", "potential_deadlock", &inversion);
    let mut other = watchdog_deadlock();
    other.primitives = vec!["a".into(), "c".into()];
    note(
        &mut b,
        "T1",
        "deadlock",
        &serde_json::to_string(&other).unwrap(),
    );
    assert_eq!(b.analyze().findings.len(), 2);
}
