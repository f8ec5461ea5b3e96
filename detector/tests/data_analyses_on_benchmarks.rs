//! The data analyses (contention, lost updates, races) over every RAPID STD
//! benchmark trace in `tests/data/std`, with the counts they give and why
//! those counts are right.
//!
//! STD traces have a sequence clock, so no long wait or long hold is ever
//! reported on them, and none of them has a thread bypassed 20 times
//! (`Config::starvation_bypass`): the longest lock wait in any of them is a
//! handful of events. None has a lost update either: where two threads
//! read-modify-write one variable (Account, Deadlock), one finishes its
//! write before the other reads.

use std::path::Path;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::FindingKind;
use lockscope_detector::report::Report;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std");

fn run(name: &str) -> Report {
    let path = Path::new(DIR).join(format!("{name}.std"));
    let source = lockscope_detector::trace::open(&path).expect("benchmark trace reads");
    let input = Input {
        name: name.to_owned(),
        source,
    };
    analyze(vec![input], &Config::default()).expect("benchmark trace analyzes")
}

/// (trace, data races, fork/join found untrustworthy), with the reason.
const EXPECTED: &[(&str, usize, bool)] = &[
    // T4 and T5 read-modify-write two balances (V14, V38) with no lock and
    // no order between them, and T4's V14 update races with T1's and T5's
    // earlier ones too: every site pair exact happens-before has (12 pairs
    // of sites over both variables; `races_vs_exact_hb.rs` checks them pair
    // by pair).
    ("Account", 12, false),
    // Every access of T0 precedes its forks; the children's accesses to
    // shared variables are ordered by the fork edges and by lock L0..L3.
    ("Bensalem", 0, false),
    // DeadlockFuzzer: fork(T1), fork(T3), fork(T4) name threads that never
    // run, the real children T2, T5, T6 have no fork, so T0's writes of
    // V0, V1, V2 race with each later read site of them: 10 site pairs.
    ("Bensalem_dlf", 10, true),
    ("Bensalem_dlf_textual_variant", 10, true),
    // Shared accesses are lock-protected or ordered by fork.
    ("Dbcp1", 0, false),
    ("Dbcp2", 0, false),
    // T2 reads and writes V2 before taking any lock (locs 16/17); T1 did
    // so before taking its locks (4/5) and inside them (10/11), and nothing
    // orders T1's four accesses before T2's two: the six pairs with a
    // write.
    ("Deadlock", 6, false),
    ("DiningPhil", 0, false),
    ("StringBuffer", 0, false),
    ("Transfer", 0, false),
    // fork(T1) while the child runs as T2: nothing orders T0's accesses of
    // V828..V832 before T2's: 10 racy site pairs.
    ("cache4j_dlf", 10, true),
    // 20 forked workers; 25 site pairs on unprotected fields. T1..T3 run
    // little more than begin/end markers, which still counts as running.
    ("jigsaw", 25, false),
    // No variable accesses at all (locks only), so no race can exist;
    // fork(314) names a thread whose label is T314.
    ("jigsaw_dlf_textual_variant", 0, true),
];

#[test]
fn every_benchmark_trace_gives_the_expected_data_findings() {
    let mut checked = 0;
    for &(name, races, distrusted) in EXPECTED {
        let report = run(name);
        assert_eq!(
            report.count(FindingKind::DataRace),
            races,
            "{name}: data races"
        );
        assert_eq!(
            report.count(FindingKind::LostUpdate),
            0,
            "{name}: lost updates"
        );
        assert_eq!(
            report.count(FindingKind::Starvation),
            0,
            "{name}: starvation"
        );
        assert_eq!(report.count(FindingKind::LongHold), 0, "{name}: long holds");
        let noted = report
            .limits
            .iter()
            .any(|l| l.contains("fork/join operands"));
        assert_eq!(
            noted, distrusted,
            "{name}: fork/join trust: {:?}",
            report.limits
        );
        checked += 1;
    }
    let on_disk = std::fs::read_dir(DIR)
        .expect("tests/data/std exists")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "std"))
        })
        .count();
    assert_eq!(
        checked, on_disk,
        "every trace in tests/data/std has an expectation"
    );
}

#[test]
fn string_buffer_statistics_show_the_contended_lock() {
    // T1 requests L2 while T2 holds it (the trace's final deadlock is on
    // L1/L2; earlier, one acquisition of L2 waited 2 events).
    let report = run("StringBuffer");
    let l2 = report
        .stats
        .iter()
        .find(|s| s.name == "L2")
        .expect("L2 stats");
    assert_eq!((l2.acquisitions, l2.contended, l2.wait_max), (3, 1, 2));
    assert_eq!(l2.contention_sites.len(), 1);
    assert!(report.stats.iter().all(|s| &*s.trace == "StringBuffer"));
}
