//! Data-driven tests of the data analyses: each fixture in
//! `tests/fixtures/data/` (RAPID STD or lockscope JSON Lines, read through
//! the real readers) with the findings it must give.

use std::path::Path;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::FindingKind;
use lockscope_detector::report::Report;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/data");

fn run(file: &str) -> Report {
    let source =
        lockscope_detector::trace::open(&Path::new(DIR).join(file)).expect("fixture reads");
    let input = Input {
        name: file.to_owned(),
        source,
    };
    analyze(vec![input], &Config::default()).expect("fixture analyzes")
}

/// (fixture, lost updates (occurrences), data races, starvation, long
/// holds (findings)).
const EXPECTED: &[(&str, usize, usize, usize, usize)] = &[
    // T1 and T2 each read V1 in one critical section of L1 and write it in
    // another: T2's write overwrites T1's. No race: L1 orders everything.
    ("lost_update_locked_sections.std", 1, 0, 0, 0),
    // V2 is only touched under L1; V1 is written by T1 after its release
    // and read by T2 after its own: unordered.
    ("race_vs_locked.std", 0, 1, 0, 0),
    // fork orders T0's write before T1, join orders T1's before T0's read.
    ("fork_join.std", 0, 0, 0, 0),
    // DeadlockFuzzer-style fork(T1) while the child runs as T2: no order,
    // so T0's write and its read after the join both race with T2's write.
    ("dlf_fork.std", 0, 2, 0, 0),
    // T0 waits for L1 while T1 and T2 take it 20 times in turn.
    ("bypass.std", 0, 0, 1, 0),
    // Seed 5 in small: Semaphore(2), four workers, `temp = x; sleep;
    // x = temp - 1`: one lost update per group of two; the two workers of a
    // group race (read/write, write/write), the groups are ordered by the
    // semaphore.
    ("semaphore_lost_updates.jsonl", 2, 2, 0, 0),
    // 50 holds of 2 µs and one of 40 ms at another site.
    ("long_hold.jsonl", 0, 0, 0, 1),
];

#[test]
fn every_fixture_gives_its_expected_findings() {
    for &(file, lost, races, starved, long) in EXPECTED {
        let report = run(file);
        let got = (
            report.occurrences(FindingKind::LostUpdate) as usize,
            report.count(FindingKind::DataRace),
            report.count(FindingKind::Starvation),
            report.count(FindingKind::LongHold),
        );
        assert_eq!(
            got,
            (lost, races, starved, long),
            "{file}: {:#?}",
            report.findings
        );
    }
}

#[test]
fn the_dlf_fixture_says_fork_join_was_not_trusted() {
    let report = run("dlf_fork.std");
    assert!(report
        .limits
        .iter()
        .any(|l| l.contains("fork(T1)") && l.contains("T1 never runs")));
    assert!(run("fork_join.std").limits.is_empty());
}

#[test]
fn the_long_hold_names_its_site_in_source_form() {
    let report = run("long_hold.jsonl");
    let f = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::LongHold)
        .expect("long hold");
    assert_eq!(f.title(), "long hold: cache held 40.00 ms by main");
    assert_eq!(f.steps[0].site.as_deref(), Some("src/cache.rs:41:13"));
    let stats = report
        .stats
        .iter()
        .find(|s| s.name == "cache")
        .expect("stats");
    assert_eq!((stats.acquisitions, stats.hold_max), (51, 40_000_000));
}
