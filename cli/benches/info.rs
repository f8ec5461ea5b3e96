//! `lockscope info` on the largest bundled trace (jigsaw.std, 2.6 MB,
//! 143k events), against the bare reader loop it is built on, measured in
//! the same run: the CLI's counting pass should cost next to nothing over
//! reading.
//!
//! Run: `cargo bench -p lockscope-cli --bench info -- --measurement-time 3`

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use lockscope_cli::cmd::info::inspect;
use lockscope_cli::inputs::InputSpec;
use lockscope_cli::source::Progress;

fn jigsaw() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/std/jigsaw.std"
    ))
}

fn bench(c: &mut Criterion) {
    let path = jigsaw();
    let mut g = c.benchmark_group("info_jigsaw");
    g.sample_size(10);
    g.bench_function("baseline_reader_loop", |b| {
        b.iter(|| {
            let mut source = lockscope_detector::trace::open(&path).expect("bundled trace");
            let mut n = 0u64;
            while source.next_event().expect("valid trace").is_some() {
                n += 1;
            }
            n
        })
    });
    let spec = InputSpec::File(path.clone());
    let progress = Progress::new(std::slice::from_ref(&spec), true);
    g.bench_function("lockscope_info", |b| {
        b.iter(|| inspect(&progress, &spec).expect("bundled trace").events)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
