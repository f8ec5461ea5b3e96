//! The deadlock-side analyses on the largest bundled benchmark trace,
//! `tests/data/std/jigsaw.std` (143k events, 21 threads, 1663 locks), which
//! the lock-order search and the feasibility closures must handle in well
//! under 2 seconds.
//!
//! Three measurements in one run: the STD reader alone (baseline), the
//! reader plus the deadlock, lock-order (with feasibility) and discipline
//! analyses, and the whole `analyze` over `default_analyses`.
//!
//! `cargo bench -p lockscope-detector --bench deadlock -- --measurement-time 5`

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lockscope_detector::analysis::deadlock::Deadlocks;
use lockscope_detector::analysis::discipline::Discipline;
use lockscope_detector::analysis::lock_order::LockOrder;
use lockscope_detector::analysis::{analyze, analyze_trace, Analysis, Config, Input};
use lockscope_detector::finding::Findings;
use lockscope_detector::trace::{self, EventSource};

const JIGSAW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std/jigsaw.std");

fn open() -> Box<dyn EventSource + Send> {
    trace::open(Path::new(JIGSAW)).expect("bundled trace")
}

/// Streams jigsaw through replay and `analyses`, as `analyze` does;
/// returns events plus findings so nothing is optimised away.
fn drive(analyses: &mut [Box<dyn Analysis>]) -> usize {
    let mut src = open();
    let mut found = Findings::new();
    let mut refs: Vec<&mut dyn Analysis> = analyses
        .iter_mut()
        .map(|a| {
            let a: &mut dyn Analysis = a.as_mut();
            a
        })
        .collect();
    let config = Config::default();
    let summary = analyze_trace(
        0,
        "jigsaw.std",
        src.as_mut(),
        &config,
        &mut refs,
        &mut found,
    )
    .expect("bundled trace reads");
    summary.events as usize + found.iter().count()
}

fn jigsaw(c: &mut Criterion) {
    let events = {
        let mut src = open();
        let mut n = 0u64;
        while src.next_event().expect("read").is_some() {
            n += 1;
        }
        n
    };
    let mut g = c.benchmark_group("jigsaw");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events));
    g.bench_function("baseline: STD reader alone", |b| {
        b.iter(|| {
            let mut src = open();
            let mut n = 0u64;
            while src.next_event().expect("read").is_some() {
                n += 1;
            }
            n
        })
    });
    g.bench_function("reader + deadlock, lock_order, discipline", |b| {
        b.iter(|| {
            let mut analyses: Vec<Box<dyn Analysis>> = vec![
                Box::new(Deadlocks::default()),
                Box::new(LockOrder::new()),
                Box::new(Discipline::default()),
            ];
            drive(&mut analyses)
        })
    });
    g.bench_function("reader + analyze (default_analyses)", |b| {
        b.iter(|| {
            let input = Input {
                name: "jigsaw.std".to_owned(),
                source: open(),
            };
            analyze(vec![input], &Config::default())
                .expect("bundled trace reads")
                .findings
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, jigsaw);
criterion_main!(benches);
