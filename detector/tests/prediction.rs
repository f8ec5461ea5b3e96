//! Predicted deadlocks and races on generated traces, scored against the
//! exhaustive ground truth (`ground_truth`): every deadlock and race that
//! any correct reordering of the trace reaches.
//!
//! Each trace is scored three ways: the default witness budget (critical
//! sections may move), sync-preserving reorderings only (the witness walk
//! over every occurrence, no moves), and the sync-preserving closure over
//! sampled occurrences alone (no witness search). The default run scores
//! a few hundred traces in about a minute; `LOCKSCOPE_PREDICTION_TRACES`
//! and `LOCKSCOPE_PREDICTION_SEED` (the first seed) choose others. The
//! table in `docs/prediction.md` comes from:
//!
//! ```text
//! LOCKSCOPE_PREDICTION_SEED=100000 LOCKSCOPE_PREDICTION_TRACES=1200 \
//!     cargo test -p lockscope-detector --test prediction -- --nocapture
//! ```

mod ground_truth;

use lockscope_detector::analysis::witness::Budget;
use lockscope_detector::analysis::Config;

use ground_truth::score::{run, Tally};

/// Traces scored by default, and the state budget of the exhaustive
/// search per trace.
const TRACES: u64 = 240;
const MAX_STATES: usize = 200_000;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
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
    let all = total(per_size);
    println!("{label} all: {all}");
    println!("{label} missed: {:?}", all.missed);
}

fn with(witness: Option<Budget>) -> Config {
    Config {
        witness,
        ..Config::default()
    }
}

#[test]
fn predicted_deadlocks_are_real_and_races_are_exact() {
    let configs = [
        with(Some(Budget::DEFAULT)),
        with(Some(Budget::SYNC_PRESERVING)),
        with(None),
    ];
    let first = env("LOCKSCOPE_PREDICTION_SEED", 0);
    let runs = run(
        first,
        env("LOCKSCOPE_PREDICTION_TRACES", TRACES),
        &configs,
        MAX_STATES,
    );
    let labels = ["default", "sync-preserving", "closure-only"];
    for (label, per_size) in labels.iter().zip(&runs) {
        print(label, per_size);
    }
    for per_size in &runs {
        let all = total(per_size);
        assert!(all.wrong.is_empty(), "false positives: {:#?}", all.wrong);
        assert_eq!(all.precision(), 1.0, "{all}");
    }
    let all = total(&runs[0]);
    assert!(
        all.partial * 10 < all.traces,
        "too many partial searches: {all}"
    );
    assert!(all.trace_recall() >= 0.99, "{all}");
    assert!(all.set_recall() >= 0.95, "{all}");
    assert!(all.race_wrong.is_empty(), "{:#?}", all.race_wrong);
    assert_eq!(all.hb_found, all.hb_pairs, "every exact-HB race: {all}");
    assert_eq!(all.sound, all.shb_pairs, "sound races are SHB's: {all}");
}

#[test]
fn with_the_budget_unlimited_every_reachable_deadlock_is_found() {
    // Completeness: on every trace the exhaustive search covers, the
    // witness search with no bound finds every deadlocking lock set, and
    // nothing else.
    let traces = env("LOCKSCOPE_PREDICTION_TRACES", TRACES);
    let first = env("LOCKSCOPE_PREDICTION_SEED", 0);
    let runs = run(first, traces, &[with(Some(Budget::UNLIMITED))], MAX_STATES);
    let all = total(&runs[0]);
    println!("unlimited all: {all}");
    assert!(all.wrong.is_empty(), "false positives: {:#?}", all.wrong);
    assert!(all.missed.is_empty(), "missed: {:#?}", all.missed);
    assert_eq!(all.set_recall(), 1.0, "{all}");
}

#[test]
fn deadlocks_that_need_sections_of_another_lock_reordered_are_found_by_exploring() {
    // These fresh seeds deadlock only if two critical sections of a lock
    // no deadlocked thread holds run out of trace order: the closures
    // (no exploration) miss them, the default budget finds them.
    let closures = with(Some(Budget {
        states: 0,
        ..Budget::DEFAULT
    }));
    for seed in [100248, 100281, 100875] {
        let runs = run(
            seed,
            1,
            &[closures.clone(), with(Some(Budget::DEFAULT))],
            MAX_STATES,
        );
        let (without, default) = (total(&runs[0]), total(&runs[1]));
        assert!(!without.missed.is_empty(), "seed {seed}: {without}");
        assert!(
            default.missed.is_empty(),
            "seed {seed}: {:?}",
            default.missed
        );
        assert!(default.wrong.is_empty(), "seed {seed}: {:?}", default.wrong);
    }
}
