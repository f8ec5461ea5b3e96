//! Reader throughput: STD and JSON Lines over a generated 5M-event trace,
//! the bundled jigsaw.std, and a line-counting baseline over the same
//! bytes in the same run (the floor any line-based reader stands on).
//!
//! Everything is measured twice: in wall-clock time (`wall/...`) and in
//! the CPU time of the benchmark thread (`cpu/...`, from Linux's
//! `/proc/thread-self/schedstat`), which stays meaningful when other
//! processes compete for the cores.
//!
//! Run: `cargo bench -p lockscope-detector --bench readers`.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput};
use lockscope_detector::trace::{
    open, write_trace, EventSource, JsonLinesReader, OutputFormat, StdReader,
};

const EVENTS: u64 = 5_000_000;
const THREADS: u64 = 8;
const LOCKS: u64 = 64;
const VARS: u64 = 20_000;

/// splitmix64: a fixed-seed generator, enough for a workload mix.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes `EVENTS` STD lines: threads alternate between critical sections
/// (req, acq, a few reads and writes, sometimes a nested lock, rel) and
/// unprotected accesses.
fn generate_std(path: &Path) {
    let mut out = BufWriter::new(File::create(path).unwrap());
    let mut rng = Rng(0x5EED);
    let mut n = 0u64;
    let mut line = |out: &mut BufWriter<File>, t: u64, op: &str, x: &str, loc: u64| {
        writeln!(out, "T{t}|{op}({x})|{loc}").unwrap();
        n += 1;
        n
    };
    'outer: loop {
        let t = rng.below(THREADS);
        if rng.below(3) == 0 {
            for _ in 0..1 + rng.below(3) {
                let op = if rng.below(3) == 0 { "w" } else { "r" };
                let v = format!("V{}", rng.below(VARS));
                if line(&mut out, t, op, &v, 100 + rng.below(400)) >= EVENTS {
                    break 'outer;
                }
            }
            continue;
        }
        let outer = rng.below(LOCKS);
        let nested = (rng.below(4) == 0).then(|| (outer + 1 + rng.below(LOCKS - 1)) % LOCKS);
        let mut ops: Vec<(&str, String)> =
            vec![("req", format!("L{outer}")), ("acq", format!("L{outer}"))];
        for _ in 0..1 + rng.below(4) {
            let op = if rng.below(2) == 0 { "w" } else { "r" };
            ops.push((op, format!("V{}", rng.below(VARS))));
        }
        if let Some(inner) = nested {
            ops.push(("req", format!("L{inner}")));
            ops.push(("acq", format!("L{inner}")));
            ops.push(("w", format!("V{}", rng.below(VARS))));
            ops.push(("rel", format!("L{inner}")));
        }
        ops.push(("rel", format!("L{outer}")));
        for (op, x) in ops {
            if line(&mut out, t, op, &x, rng.below(600)) >= EVENTS {
                break 'outer;
            }
        }
    }
    out.flush().unwrap();
}

fn fixtures() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let std_path = dir.path().join("bench.std");
    let jsonl_path = dir.path().join("bench.jsonl");
    generate_std(&std_path);
    let mut src = open(&std_path).unwrap();
    let mut out = BufWriter::new(File::create(&jsonl_path).unwrap());
    assert_eq!(
        write_trace(&mut *src, OutputFormat::JsonLines, &mut out).unwrap(),
        EVENTS
    );
    out.flush().unwrap();
    (dir, std_path, jsonl_path)
}

fn drain(src: &mut dyn EventSource) -> u64 {
    let mut n = 0;
    while let Some(ev) = src.next_event().unwrap() {
        n += 1;
        std::hint::black_box(ev);
    }
    n
}

/// The baseline: read the file and count lines with memchr-free byte
/// scanning in 256 KiB chunks.
fn count_lines(path: &Path) -> u64 {
    let mut f = File::open(path).unwrap();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0;
    loop {
        let k = f.read(&mut buf).unwrap();
        if k == 0 {
            return n;
        }
        n += buf[..k].iter().filter(|&&b| b == b'\n').count() as u64;
    }
}

/// CPU time of the calling thread, in nanoseconds.
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("the cpu/ benchmarks need Linux's /proc/thread-self/schedstat");
    stat.split_whitespace().next().unwrap().parse().unwrap()
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns() - start
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NanosFormatter
    }
}

/// Formats nanoseconds and elements per second.
struct NanosFormatter;

impl ValueFormatter for NanosFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e-3, "µs"),
            t if t < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(&self, _typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let n = match *t {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => n,
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Bits(n) => n,
        } as f64;
        values.iter_mut().for_each(|v| *v = n * 1e9 / *v / 1e6);
        "Melem/s"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn readers<M: Measurement>(c: &mut Criterion<M>, clock: &str, std_path: &Path, jsonl_path: &Path) {
    let mut g = c.benchmark_group(format!("{clock}/read_5M"));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(EVENTS));
    g.bench_function("baseline_count_lines_std", |b| {
        b.iter(|| assert_eq!(count_lines(std_path), EVENTS))
    });
    g.bench_function("std", |b| {
        b.iter(|| {
            let mut r = StdReader::new("bench.std", File::open(std_path).unwrap());
            assert_eq!(drain(&mut r), EVENTS);
        })
    });
    g.bench_function("jsonl", |b| {
        b.iter(|| {
            let file = File::open(jsonl_path).unwrap();
            let mut r = JsonLinesReader::new("bench.jsonl", file).unwrap();
            assert_eq!(drain(&mut r), EVENTS);
        })
    });
    g.finish();

    let jigsaw = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/std/jigsaw.std");
    let events = count_lines(&jigsaw);
    let mut g = c.benchmark_group(format!("{clock}/jigsaw"));
    g.sample_size(10).throughput(Throughput::Elements(events));
    g.bench_function("open_and_read_all", |b| {
        b.iter(|| assert_eq!(drain(&mut *open(&jigsaw).unwrap()), events))
    });
    g.finish();
}

fn main() {
    // The fixtures live in a temporary directory removed when `main` ends.
    let (_dir, std_path, jsonl_path) = fixtures();
    let mut wall = Criterion::default().configure_from_args();
    readers(&mut wall, "wall", &std_path, &jsonl_path);
    let mut cpu = Criterion::default()
        .with_measurement(ThreadCpu)
        .configure_from_args();
    readers(&mut cpu, "cpu", &std_path, &jsonl_path);
    cpu.final_summary();
}
