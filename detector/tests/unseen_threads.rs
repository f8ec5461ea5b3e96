//! Threads lockscope did not see start or join (`std::thread`, the test
//! harness's): a verdict that an unseen start or join may overturn is
//! graded unconfirmed (races, lost updates) or capped to sequential
//! (lock-order inversions), names the thread and says how to make it
//! exact; what the trace shows in full stays confirmed.

mod support;

use lockscope_detector::finding::{wording, Finding, FindingKind, Grade, Severity};
use lockscope_detector::report::Report;
use lockscope_detector::trace::{EventKind, ThreadId};
use support::Trace;

fn of_kind(report: &Report, kind: FindingKind) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.kind == kind).collect()
}

/// A test thread (the harness started it) writes `x`, starts `child`,
/// which reads and writes `x`, waits for it, and reads `x`; `through`
/// says whether the child is started and joined through lockscope.
fn join_then_read(through_lockscope: bool) -> Trace {
    let mut tr = Trace::new();
    let (test, child, x) = (tr.thread("join_then_read"), tr.thread("child"), tr.var("x"));
    tr.start(test).write(test, x, "set 1");
    if through_lockscope {
        tr.fork(test, child);
        tr.push(child, EventKind::ThreadStart { parent: Some(test) }, "");
    } else {
        tr.start(child);
    }
    tr.read(child, x, "get")
        .write(child, x, "set 2")
        .exit(child);
    if through_lockscope {
        tr.join(test, child);
    }
    tr.read(test, x, "get after join");
    tr
}

#[test]
fn a_std_child_joined_then_read_is_an_unconfirmed_race_that_says_how_to_fix_it() {
    let report = join_then_read(false).analyze();
    let races = of_kind(&report, FindingKind::DataRace);
    assert!(!races.is_empty());
    for f in &races {
        assert_eq!(f.grade, Some(Grade::Unconfirmed), "{}", f.title());
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.unseen_thread.is_some());
        let notes = wording::notes(f, &wording::Words::PLAIN);
        assert!(
            notes
                .iter()
                .any(|n| n.contains("was not started through lockscope")
                    && n.contains("lockscope::sync::thread::spawn")),
            "{notes:?}"
        );
    }
    assert!(
        report.findings.iter().all(|f| f.severity < Severity::Error),
        "{:#?}",
        report.findings
    );
}

#[test]
fn the_same_child_through_lockscope_is_ordered() {
    let report = join_then_read(true).analyze();
    assert_eq!(
        report.count(FindingKind::DataRace),
        0,
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_race_with_a_lockscope_child_of_a_harness_thread_is_confirmed() {
    // The harness thread stays alive across the race, and its child's
    // start is in the trace: nothing unseen lies between the accesses.
    let mut tr = Trace::new();
    let (test, child, x) = (tr.thread("test"), tr.thread("child"), tr.var("x"));
    tr.start(test).fork(test, child);
    tr.push(child, EventKind::ThreadStart { parent: Some(test) }, "");
    tr.write(test, x, "parent")
        .write(child, x, "child")
        .exit(child);
    tr.join(test, child);
    let report = tr.analyze();
    let races = of_kind(&report, FindingKind::DataRace);
    assert_eq!(races.len(), 1);
    assert_eq!(races[0].grade, Some(Grade::Confirmed));
    assert_eq!(races[0].severity, Severity::Error);
    assert_eq!(races[0].unseen_thread, None);
}

#[test]
fn updates_from_std_threads_then_a_read_after_their_joins_only_warn() {
    let mut tr = Trace::new();
    let (test, x) = (tr.thread("update_is_atomic"), tr.var("counter"));
    tr.start(test);
    let workers: Vec<ThreadId> = (0..100).map(|i| tr.thread(&format!("w{i}"))).collect();
    for &w in &workers {
        tr.start(w).update(w, x, "update").exit(w);
    }
    tr.read(test, x, "get");
    let report = tr.analyze();
    assert_eq!(report.count(FindingKind::LostUpdate), 0);
    for f in of_kind(&report, FindingKind::DataRace) {
        assert_eq!(f.grade, Some(Grade::Unconfirmed), "{}", f.title());
        assert!(f.steps.iter().any(|s| s.site.as_deref() == Some("loc get")));
    }
}

#[test]
fn a_lost_update_across_a_std_thread_end_is_unconfirmed_and_a_concurrent_one_confirmed() {
    // T reads, a std thread U writes and ends, T writes back.
    let mut tr = Trace::new();
    let (test, u, x) = (tr.thread("test"), tr.thread("U"), tr.var("x"));
    tr.start(test).read(test, x, "get");
    tr.start(u).write(u, x, "set").exit(u);
    tr.write(test, x, "set from get");
    let report = tr.analyze();
    let lost = of_kind(&report, FindingKind::LostUpdate);
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].grade, Some(Grade::Unconfirmed));
    // The same with U started through lockscope: the overwrite is
    // concurrent, whatever started the test thread.
    let mut tr = Trace::new();
    let (test, u, x) = (tr.thread("test"), tr.thread("U"), tr.var("x"));
    tr.start(test).fork(test, u);
    tr.push(u, EventKind::ThreadStart { parent: Some(test) }, "");
    tr.read(test, x, "get").write(u, x, "set");
    tr.write(test, x, "set from get").exit(u).join(test, u);
    let report = tr.analyze();
    let lost = of_kind(&report, FindingKind::LostUpdate);
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].grade, Some(Grade::Confirmed));
}

#[test]
fn an_inversion_on_std_threads_joined_in_turn_is_sequential_not_feasible() {
    let mut tr = Trace::new();
    let (test, one, two) = (tr.thread("test"), tr.thread("one"), tr.thread("two"));
    let (a, b) = (tr.mutex("a"), tr.mutex("b"));
    tr.start(test);
    tr.start(one).lock(one, a, "1").lock(one, b, "2");
    tr.unlock(one, b, "").unlock(one, a, "").exit(one);
    tr.start(two).lock(two, b, "3").lock(two, a, "4");
    tr.unlock(two, a, "").unlock(two, b, "").exit(two);
    let report = tr.analyze();
    let found = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].grade, Some(Grade::Sequential));
    assert_eq!(found[0].severity, Severity::Error);
    assert_eq!(found[0].unseen_thread.as_deref(), Some("two"));
    // The same two threads started through lockscope by the test thread,
    // unordered: feasible.
    let mut tr = Trace::new();
    let (test, one, two) = (tr.thread("test"), tr.thread("one"), tr.thread("two"));
    let (a, b) = (tr.mutex("a"), tr.mutex("b"));
    tr.start(test).fork(test, one).fork(test, two);
    for t in [one, two] {
        tr.push(t, EventKind::ThreadStart { parent: Some(test) }, "");
    }
    tr.lock(one, a, "1").lock(one, b, "2");
    tr.unlock(one, b, "").unlock(one, a, "");
    tr.lock(two, b, "3").lock(two, a, "4");
    let report = tr.analyze();
    let found = of_kind(&report, FindingKind::PotentialDeadlock);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].grade, Some(Grade::Feasible));
    assert_eq!(found[0].unseen_thread, None);
}
