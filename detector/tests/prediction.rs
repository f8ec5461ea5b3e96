//! Predicted deadlocks and races on generated traces, scored against the
//! exhaustive ground truth (`ground_truth`): every deadlock and race that
//! any correct reordering of the trace reaches.
//!
//! The default run scores a few hundred traces in seconds. A larger run
//! prints the table that `docs/prediction.md` quotes:
//!
//! ```text
//! LOCKSCOPE_PREDICTION_TRACES=3000 cargo test --release -p lockscope-detector \
//!     --test prediction -- --nocapture
//! ```

mod ground_truth;

use lockscope_detector::analysis::Config;

use ground_truth::score::{run, Tally};

/// Traces scored by default, and the state budget of the exhaustive
/// search per trace.
const TRACES: u64 = 240;
const MAX_STATES: usize = 200_000;

fn traces() -> u64 {
    std::env::var("LOCKSCOPE_PREDICTION_TRACES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(TRACES)
}

fn total(per_size: &[Tally]) -> Tally {
    let mut all = Tally::default();
    for t in per_size {
        all.add(t);
    }
    all
}

fn print(label: &str, per_size: &[Tally]) {
    for (i, t) in per_size.iter().enumerate() {
        println!("{label} size {i}: {t}");
    }
    println!("{label} all: {}", total(per_size));
}

#[test]
fn predicted_deadlocks_are_real_and_races_are_exact() {
    let per_size = run(0, traces(), &Config::default(), MAX_STATES);
    print("lockscope", &per_size);
    let all = total(&per_size);
    assert!(
        all.partial * 10 < all.traces,
        "too many partial searches: {all}"
    );
    assert!(all.wrong.is_empty(), "false positives: {:#?}", all.wrong);
    assert_eq!(all.precision(), 1.0, "{all}");
    assert!(all.race_wrong.is_empty(), "{:#?}", all.race_wrong);
    assert_eq!(all.hb_found, all.hb_pairs, "every exact-HB race: {all}");
    assert_eq!(all.sound, all.shb_pairs, "sound races are SHB's: {all}");
}
