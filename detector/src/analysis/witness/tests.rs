//! The witness search through the lock-order analysis: deadlocks that need
//! critical sections moved, moves that would change a read, the move
//! budget, every occurrence of an edge, both directions of a lock set.

use crate::analysis::testkit::{notes, of_kind, TraceBuilder};
use crate::analysis::witness::Budget;
use crate::analysis::Config;
use crate::finding::{Detail, Finding, FindingKind::PotentialDeadlock, Grade, Reordered};
use crate::report::Report;

fn found(report: &Report) -> Vec<&Finding> {
    of_kind(report, PotentialDeadlock)
}

fn reordered(f: &Finding) -> &[Reordered] {
    match &f.detail {
        Detail::LockCycle { reordered, .. } => reordered,
        _ => panic!("a potential deadlock is a lock cycle"),
    }
}

/// T1 nests A then B; T2 takes A alone (after T1 in the trace), then
/// nests B then A. Deadlocking needs T2's section of A to run before
/// T1's; `between` runs inside T2's first section of A.
fn swap_trace(between: impl Fn(&mut TraceBuilder)) -> TraceBuilder {
    let mut b = TraceBuilder::std();
    b.lock("T1", "A", "1")
        .read("T1", "x")
        .lock("T1", "B", "2")
        .rel("T1", "B")
        .rel("T1", "A");
    b.lock("T2", "A", "5");
    between(&mut b);
    b.rel("T2", "A");
    b.lock("T2", "B", "3").lock("T2", "A", "4");
    b
}

#[test]
fn a_deadlock_that_needs_one_section_moved_is_feasible_and_says_which() {
    let b = swap_trace(|_| {});
    let report = b.analyze();
    let f = found(&report)[0];
    assert_eq!(f.grade, Some(Grade::Feasible));
    let moved = reordered(f);
    assert_eq!(moved.len(), 1);
    assert_eq!(
        (moved[0].lock.as_str(), moved[0].moved.thread.as_str()),
        ("A", "T2")
    );
    assert_eq!(moved[0].moved.site.as_deref(), Some("loc 5"));
    assert_eq!(moved[0].before.thread, "T1");
    assert!(
        notes(f).contains(
            &"the reordering runs T2's critical section of A (acquired at loc 5, event 8) \
              before T1's (acquired at loc 1, event 1)"
                .to_owned()
        ),
        "{:?}",
        notes(f)
    );
    // Sync-preserving reorderings keep the sections in trace order.
    let config = Config {
        witness: Some(Budget::SYNC_PRESERVING),
        ..Config::default()
    };
    let sp = b.analyze_with(&config);
    assert_eq!(found(&sp)[0].grade, Some(Grade::Unconfirmed));
    assert!(reordered(found(&sp)[0]).is_empty());
}

#[test]
fn a_move_that_would_change_what_a_read_sees_is_no_witness() {
    // T2 writes x inside the section that would move before T1's, and T1
    // reads x's initial value inside its section: moving it changes that
    // read.
    let b = swap_trace(|b| {
        b.write("T2", "x");
    });
    assert_eq!(found(&b.analyze())[0].grade, Some(Grade::Unconfirmed));
}

#[test]
fn writes_no_read_of_the_reordering_sees_may_swap() {
    // T1 and T2 both write x inside their sections of A and nothing reads
    // x: moving T2's section first swaps the two writes, which no read can
    // tell.
    let mut b = TraceBuilder::std();
    b.lock("T1", "A", "1")
        .write("T1", "x")
        .lock("T1", "B", "2")
        .rel("T1", "B")
        .rel("T1", "A");
    b.lock("T2", "A", "5").write("T2", "x").rel("T2", "A");
    b.lock("T2", "B", "3").lock("T2", "A", "4");
    assert_eq!(found(&b.analyze())[0].grade, Some(Grade::Feasible));
}

#[test]
fn moves_beyond_the_budget_are_cut_and_reported() {
    let b = swap_trace(|b| {
        for _ in 0..3 {
            b.rel("T2", "A").lock("T2", "A", "6");
        }
    });
    let with = |swaps, states| Config {
        witness: Some(Budget {
            swaps,
            states,
            ..Budget::DEFAULT
        }),
        ..Config::default()
    };
    let report = b.analyze_with(&with(3, 0));
    assert_eq!(found(&report)[0].grade, Some(Grade::Unconfirmed));
    assert!(
        report
            .limits
            .iter()
            .any(|l| l.contains("needed more than 3 critical-section moves")),
        "{:?}",
        report.limits
    );
    let report = b.analyze_with(&with(4, 0));
    assert_eq!(found(&report)[0].grade, Some(Grade::Feasible));
    assert_eq!(reordered(found(&report)[0]).len(), 4);
    // Past the moves, the exploration finds the same deadlock.
    let report = b.analyze_with(&with(3, Budget::DEFAULT.states));
    assert_eq!(found(&report)[0].grade, Some(Grade::Feasible));
    assert!(!reordered(found(&report)[0]).is_empty());
}

#[test]
fn a_middle_occurrence_of_an_edge_is_found_past_the_sampled_ones() {
    // T1 takes A then B ten times (the analysis samples the first three
    // and the last). T2 reads x, written by T1 in its eighth section, so
    // T1 is past its first eight; T1 reads y, written by T2 after its
    // request, before its tenth. Only the ninth deadlocks.
    let mut b = TraceBuilder::std();
    for i in 0..9 {
        b.lock("T1", "A", "1").lock("T1", "B", "2");
        if i < 8 {
            b.write("T1", "x");
        }
        b.rel("T1", "B").rel("T1", "A");
    }
    b.read("T2", "x");
    b.lock("T2", "B", "3").lock("T2", "A", "4").write("T2", "y");
    b.rel("T2", "A").rel("T2", "B");
    b.read("T1", "y");
    b.lock("T1", "A", "1").lock("T1", "B", "2");
    let report = b.analyze();
    let f = found(&report)[0];
    assert_eq!(f.grade, Some(Grade::Feasible));
    // The steps show T1's ninth request.
    let ninth = f
        .steps
        .iter()
        .find(|s| s.thread == "T1" && s.event > Some(40));
    assert!(ninth.is_some_and(|s| s.event < Some(70)), "{:?}", f.steps);
}

#[test]
fn both_directions_over_one_lock_set_are_graded() {
    // A -> B -> C -> A on T1..T3, and A -> C -> B -> A on T4..T6.
    let mut b = TraceBuilder::std();
    for (t, x, y) in [
        ("T1", "A", "B"),
        ("T2", "B", "C"),
        ("T3", "C", "A"),
        ("T4", "A", "C"),
        ("T5", "C", "B"),
        ("T6", "B", "A"),
    ] {
        b.lock(t, x, &format!("{t} {x}"))
            .lock(t, y, &format!("{t} {y}"))
            .rel(t, y)
            .rel(t, x);
    }
    let report = b.analyze();
    let mut cycles: Vec<String> = found(&report)
        .iter()
        .map(|f| match &f.detail {
            Detail::LockCycle { edges, .. } => {
                edges.iter().map(|e| e.from.as_str()).collect::<String>()
            }
            _ => unreachable!(),
        })
        .filter(|c| c.len() == 3)
        .collect();
    cycles.sort();
    assert_eq!(cycles, ["ABC", "ACB"]);
}

#[test]
fn the_child_a_join_brings_can_move_its_section() {
    // T3's section moves before T1's.
    let report = crate::analysis::testkit::join_then_fork_inversion().analyze();
    let f = found(&report)[0];
    assert_eq!(f.grade, Some(Grade::Feasible));
    assert_eq!(reordered(f)[0].moved.thread, "T3");
}
