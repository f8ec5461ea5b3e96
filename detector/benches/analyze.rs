//! Throughput of the offline analyses over the 5M-event synthetic trace
//! (8 threads, 64 locks, 20k variables, fixed seed; see `support/synth.rs`).
//!
//! The headline pair reads the trace as STD text from a temp file: the STD
//! reader alone (parse-only baseline), then the whole `analyze` over
//! `default_analyses` through that reader. A second group streams the
//! events from the generator, to show each analysis's own cost: generating
//! alone, generating plus replay state, each data analysis alone, all
//! default analyses.
//!
//! `cargo bench -p lockscope-detector --bench analyze -- --measurement-time 10`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lockscope_detector::analysis::contention::Contention;
use lockscope_detector::analysis::lost_update::LostUpdates;
use lockscope_detector::analysis::race::Races;
use lockscope_detector::analysis::{analyze, analyze_trace, Analysis, Config, Input};
use lockscope_detector::finding::Findings;
use lockscope_detector::trace::EventSource;

#[path = "support/synth.rs"]
mod synth;

const EVENTS: u64 = 5_000_000;

fn source() -> synth::Synth {
    synth::Synth::new(synth::Params::benchmark(EVENTS))
}

/// Streams the source through replay and `analyses`, as `analyze` does.
fn drive(mut src: impl EventSource, analyses: &mut [Box<dyn Analysis>]) -> u64 {
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

fn std_file(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("synth.std");
    let file = std::fs::File::create(&path).expect("temp file");
    let written = synth::write_std(synth::Params::benchmark(EVENTS), file).expect("write STD");
    let mut g = c.benchmark_group("std_5M");
    g.sample_size(10);
    g.throughput(Throughput::Elements(written));
    g.bench_function("baseline: STD reader alone", |b| {
        b.iter(|| {
            let mut src = lockscope_detector::trace::open(&path).expect("open");
            let mut n = 0u64;
            while src.next_event().expect("read").is_some() {
                n += 1;
            }
            n
        })
    });
    g.bench_function("STD reader + analyze (default_analyses)", |b| {
        b.iter(|| {
            let input = Input {
                name: "synth.std".to_owned(),
                source: lockscope_detector::trace::open(&path).expect("open"),
            };
            analyze(vec![input], &Config::default()).expect("read")
        })
    });
    g.finish();
}

fn in_memory(c: &mut Criterion) {
    let mut g = c.benchmark_group("generated_5M");
    g.sample_size(10);
    g.throughput(Throughput::Elements(EVENTS));
    g.bench_function("baseline: generate only", |b| {
        b.iter(|| {
            let mut src = source();
            let mut n = 0u64;
            while src.next_event().expect("generator").is_some() {
                n += 1;
            }
            n
        })
    });
    g.bench_function("baseline: generate + replay", |b| {
        b.iter(|| drive(source(), &mut []))
    });
    g.bench_function("contention alone", |b| {
        b.iter(|| drive(source(), &mut [Box::new(Contention::new())]))
    });
    g.bench_function("lost_update alone", |b| {
        b.iter(|| drive(source(), &mut [Box::new(LostUpdates::new())]))
    });
    g.bench_function("race alone", |b| {
        b.iter(|| drive(source(), &mut [Box::new(Races::new())]))
    });
    g.bench_function("data analyses together", |b| {
        b.iter(|| {
            let mut data: [Box<dyn Analysis>; 3] = [
                Box::new(Contention::new()),
                Box::new(LostUpdates::new()),
                Box::new(Races::new()),
            ];
            drive(source(), &mut data)
        })
    });
    g.bench_function("analyze: default_analyses", |b| {
        b.iter(|| {
            let input = Input {
                name: "synth".to_owned(),
                source: Box::new(source()),
            };
            analyze(vec![input], &Config::default()).expect("generator")
        })
    });
    g.finish();
}

criterion_group!(benches, std_file, in_memory);
criterion_main!(benches);
