//! Races on the benchmark traces against exact happens-before: every racy
//! pair of sites that exact HB (all pairs of conflicting accesses compared
//! by full vector clocks, `ground_truth::hb`) finds, lockscope reports, and
//! nothing else; each race is graded `sound` exactly when schedulable
//! happens-before (SHB) finds it too, `hb_only` otherwise.

mod ground_truth;

use std::collections::BTreeSet;
use std::path::Path;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::Grade;
use lockscope_detector::trace;

use ground_truth::hb::{self, SitePair};
use ground_truth::score::races;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std");

/// What exact HB and SHB find, and what lockscope reports and grades.
struct Compared {
    hb: BTreeSet<SitePair>,
    shb: BTreeSet<SitePair>,
    found: BTreeSet<SitePair>,
    sound: BTreeSet<SitePair>,
    graded: bool,
}

fn compare(name: &str) -> Compared {
    let path = Path::new(DIR).join(format!("{name}.std"));
    let mut source = trace::open(&path).expect("benchmark trace reads");
    let exact = hb::pairs(source.as_mut());
    let input = Input {
        name: name.to_owned(),
        source: trace::open(&path).expect("benchmark trace reads"),
    };
    let report = analyze(vec![input], &Config::default()).expect("analyzes");
    let found = races(&report);
    Compared {
        hb: exact.hb,
        shb: exact.shb,
        graded: found
            .values()
            .all(|g| matches!(g, Some(Grade::Sound | Grade::HbOnly))),
        sound: found
            .iter()
            .filter(|(_, g)| **g == Some(Grade::Sound))
            .map(|(p, _)| p.clone())
            .collect(),
        found: found.into_keys().collect(),
    }
}

#[test]
fn account_jigsaw_and_cache4j_report_every_exact_hb_race_graded_by_shb() {
    // (trace, racy site pairs, racy lines, of them sound) under exact HB.
    let expected = [
        ("Account", 12, 10, 3),
        ("jigsaw", 25, 18, 10),
        ("cache4j_dlf", 10, 13, 5),
    ];
    for (name, pairs, lines, sound) in expected {
        let c = compare(name);
        println!(
            "{name}: exact HB {} pairs on {} lines, SHB {} pairs; lockscope {} pairs on {} lines, \
             {} sound",
            c.hb.len(),
            hb::lines(&c.hb).len(),
            c.shb.len(),
            c.found.len(),
            hb::lines(&c.found).len(),
            c.sound.len(),
        );
        assert_eq!(c.found, c.hb, "{name}: reported pairs are exact HB's");
        assert_eq!(c.sound, c.shb, "{name}: sound pairs are SHB's");
        assert!(c.graded, "{name}: every race is graded sound or hb_only");
        let counts = (c.hb.len(), hb::lines(&c.hb).len(), c.shb.len());
        assert_eq!(counts, (pairs, lines, sound), "{name}");
    }
}

#[test]
fn every_benchmark_trace_reports_exactly_the_exact_hb_races() {
    for entry in std::fs::read_dir(DIR).expect("tests/data/std exists") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|x| x != "std") {
            continue;
        }
        let name = path.file_stem().and_then(|s| s.to_str()).expect("a name");
        let c = compare(name);
        assert_eq!(c.found, c.hb, "{name}");
        assert_eq!(c.sound, c.shb, "{name}");
    }
}
