//! Cost of the broken-deadlock analysis over the 1M-event
//! synthetic trace (8 threads, 64 locks, every acquisition preceded by a
//! request, some contended; fixed seed; see `support/synth.rs`), against
//! the replay state alone in the same run: the analysis works only at
//! requests (and at the events of a thread in an open cycle), so the
//! difference is the walk at each request.
//!
//! `cargo bench -p lockscope-detector --bench transient -- --measurement-time 5`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lockscope_detector::analysis::transient_deadlock::TransientDeadlocks;
use lockscope_detector::analysis::{analyze_trace, Analysis, Config};
use lockscope_detector::finding::Findings;

#[path = "support/synth.rs"]
#[allow(dead_code)] // Shared with analyze.rs; the STD writer is not used here.
mod synth;

const EVENTS: u64 = 1_000_000;

/// Streams the generated trace through replay and `analyses`, as
/// `analyze` does; returns events plus findings, so nothing is optimised
/// away.
fn drive(analyses: &mut [Box<dyn Analysis>]) -> u64 {
    let mut src = synth::Synth::new(synth::Params::benchmark(EVENTS));
    let mut found = Findings::new();
    let mut refs: Vec<&mut dyn Analysis> = analyses
        .iter_mut()
        .map(|a| {
            let a: &mut dyn Analysis = a.as_mut();
            a
        })
        .collect();
    let config = Config::default();
    let summary = analyze_trace(0, "synth", &mut src, &config, &mut refs, &mut found)
        .expect("the generator never fails");
    summary.events + found.iter().count() as u64
}

fn transient(c: &mut Criterion) {
    let mut g = c.benchmark_group("synth_1M");
    g.sample_size(10);
    g.throughput(Throughput::Elements(EVENTS));
    g.bench_function("baseline: generator + replay", |b| {
        b.iter(|| drive(&mut []))
    });
    g.bench_function("+ transient_deadlock", |b| {
        b.iter(|| drive(&mut [Box::new(TransientDeadlocks::new())]))
    });
    g.finish();
}

criterion_group!(benches, transient);
criterion_main!(benches);
