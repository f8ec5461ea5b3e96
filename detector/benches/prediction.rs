//! What the deadlock witness search costs: the whole `analyze` (default
//! analyses) with the default witness budget against the closure-only
//! configuration (`Config::witness = None`: the sync-preserving closure
//! over sampled occurrences, no witness log, no search), in the same run,
//! on three traces:
//!
//! - `jigsaw.std` (143K events, 1,663 locks), read from `tests/data/std`;
//! - `Account.std` (706 events, 6 threads), from the same folder: short
//!   enough for the exploration of every reordering, which spends its
//!   states on three patterns without a witness;
//! - the 5M-event race-heavy synthetic trace (8 threads, 64 locks, 20k
//!   variables, fixed seed; see `support/synth.rs`), streamed from the
//!   generator.
//!
//! `cargo bench -p lockscope-detector --bench prediction`

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lockscope_detector::analysis::witness::Budget;
use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::report::Report;

#[path = "support/synth.rs"]
#[allow(dead_code)] // `write_std` is for the analyze bench
mod synth;

const EVENTS: u64 = 5_000_000;

fn config(witness: Option<Budget>) -> Config {
    Config {
        witness,
        ..Config::default()
    }
}

/// The two configurations compared, with their labels.
fn configs() -> [(&'static str, Config); 2] {
    [
        ("baseline: closure only", config(None)),
        ("default witness budget", config(Some(Budget::DEFAULT))),
    ]
}

/// The two configurations on benchmark trace `name` of `tests/data/std`.
fn benchmark_trace(c: &mut Criterion, name: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/std")
        .join(format!("{name}.std"));
    let run = |config: &Config| -> Report {
        let input = Input {
            name: name.to_owned(),
            source: lockscope_detector::trace::open(&path).expect("the trace opens"),
        };
        analyze(vec![input], config).expect("the trace analyzes")
    };
    let mut g = c.benchmark_group(name);
    g.sample_size(20);
    for (label, config) in configs() {
        g.bench_function(label, |b| b.iter(|| run(&config)));
    }
    g.finish();
}

fn jigsaw(c: &mut Criterion) {
    benchmark_trace(c, "jigsaw");
}

fn account(c: &mut Criterion) {
    benchmark_trace(c, "Account");
}

fn synth_5m(c: &mut Criterion) {
    let run = |config: &Config| -> Report {
        let input = Input {
            name: "synth".to_owned(),
            source: Box::new(synth::Synth::new(synth::Params::benchmark(EVENTS))),
        };
        analyze(vec![input], config).expect("the generator never fails")
    };
    let mut g = c.benchmark_group("synth_5M");
    g.sample_size(10);
    g.throughput(Throughput::Elements(EVENTS));
    for (label, config) in configs() {
        g.bench_function(label, |b| b.iter(|| run(&config)));
    }
    g.finish();
}

criterion_group!(benches, jigsaw, account, synth_5m);
criterion_main!(benches);
