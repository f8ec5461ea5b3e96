//! Races on the benchmark traces against exact happens-before: every racy
//! pair of sites that exact HB (all pairs of conflicting accesses compared
//! by full vector clocks, `ground_truth::hb`) finds, lockscope reports, and
//! nothing else; each race is graded `sound` exactly when schedulable
//! happens-before (SHB) finds it too.

mod ground_truth;

use std::collections::BTreeSet;
use std::path::Path;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::trace;

use ground_truth::hb::{self, SitePair};
use ground_truth::score::races;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std");

/// (exact HB pairs, SHB pairs, lockscope's pairs).
fn compare(name: &str) -> (BTreeSet<SitePair>, BTreeSet<SitePair>, BTreeSet<SitePair>) {
    let path = Path::new(DIR).join(format!("{name}.std"));
    let mut source = trace::open(&path).expect("benchmark trace reads");
    let exact = hb::pairs(source.as_mut());
    let input = Input {
        name: name.to_owned(),
        source: trace::open(&path).expect("benchmark trace reads"),
    };
    let report = analyze(vec![input], &Config::default()).expect("analyzes");
    let found = races(&report).into_keys().collect();
    (exact.hb, exact.shb, found)
}

#[test]
fn benchmark_races_against_exact_happens_before() {
    for name in ["Account", "jigsaw", "cache4j_dlf"] {
        let (hb, shb, found) = compare(name);
        println!(
            "{name}: exact HB {} pairs on {} lines, SHB {} pairs on {} lines; lockscope {} pairs on {} lines ({} of the HB lines)",
            hb.len(),
            hb::lines(&hb).len(),
            shb.len(),
            hb::lines(&shb).len(),
            found.len(),
            hb::lines(&found).len(),
            hb::lines(&found).intersection(&hb::lines(&hb)).count(),
        );
        assert!(found.is_subset(&hb), "{name}: {:?}", found.difference(&hb));
    }
}
