//! Soundness and completeness of deadlock prediction on random small
//! traces, checked against a brute-force search of every correct
//! reordering of the trace (`ground_truth::explore`, independent of the
//! analysis):
//! - soundness: every deadlock graded `feasible` or `confirmed`, under the
//!   default and the unlimited witness budget, has a witness, a correct
//!   reordering that ends with exactly the finding's requests blocked;
//! - completeness: with the budget unlimited, every lock set the
//!   brute-force search deadlocks on is graded `feasible` or `confirmed`.
//!
//! Traces whose brute-force search runs out of states are skipped. The
//! cases come from a fixed seed, so the suite is deterministic;
//! `tests/prediction.rs` measures recall under the default budget and
//! `docs/prediction.md` has the figures.

mod ground_truth;

use lockscope_detector::analysis::witness::Budget;
use lockscope_detector::analysis::Config;
use lockscope_detector::finding::Grade;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use ground_truth::explore::{explore, Truth};
use ground_truth::generate::{generate, Size, Trace};
use ground_truth::score::{analyze_std, predicted, Predicted};

/// States the brute-force search may visit per trace.
const MAX_STATES: usize = 100_000;

/// The trace of `seed` at ladder size `size`, with its ground truth when
/// the brute-force search finished.
fn case(seed: u64, size: usize) -> Option<(Trace, Truth)> {
    let trace = generate(seed, Size::LADDER[size]);
    let truth = explore(&trace, MAX_STATES);
    truth.complete.then_some((trace, truth))
}

/// The deadlocks `budget` grades feasible or confirmed on `trace`.
fn found(trace: &Trace, budget: Option<Budget>) -> Vec<Predicted> {
    let config = Config {
        witness: budget,
        ..Config::default()
    };
    let report = analyze_std(&trace.to_std(), &config);
    predicted(trace, &report)
        .into_iter()
        .filter(|p| p.grade >= Grade::Feasible)
        .collect()
}

/// 48 cases from a fixed seed, or `PROPTEST_CASES` cases from
/// `PROPTEST_RNG_SEED`.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48);
    let default = ProptestConfig::default();
    let rng_seed = match std::env::var("PROPTEST_RNG_SEED") {
        Ok(_) => default.rng_seed,
        Err(_) => RngSeed::Fixed(18),
    };
    ProptestConfig {
        cases,
        rng_seed,
        failure_persistence: None,
        ..default
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn predicted_deadlocks_are_exactly_the_reachable_ones(
        seed in any::<u64>(),
        size in 0..Size::LADDER.len(),
    ) {
        let Some((trace, truth)) = case(seed, size) else {
            return Ok(());
        };
        for budget in [Some(Budget::DEFAULT), Some(Budget::UNLIMITED)] {
            for p in found(&trace, budget) {
                prop_assert!(
                    truth.has_pattern(&p.pattern),
                    "seed {seed}, size {size}, {budget:?}: no correct reordering reaches {} {:?}",
                    p.title,
                    p.pattern
                );
            }
        }
        let sets: std::collections::BTreeSet<Vec<u32>> = found(&trace, Some(Budget::UNLIMITED))
            .into_iter()
            .map(|p| p.locks)
            .collect();
        for locks in truth.deadlocks.keys() {
            prop_assert!(
                sets.contains(locks),
                "seed {seed}, size {size}: the deadlock on locks {locks:?} is not found"
            );
        }
    }
}
