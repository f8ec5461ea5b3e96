//! Reader throughput: STD, JSON Lines and binary (plain and zstd) over the
//! same generated 5M-event trace, the bundled jigsaw.std, and a
//! line-counting baseline over the STD bytes in the same run (the floor any
//! line-based reader stands on).
//!
//! Before measuring, it prints the size of each encoding in bytes per
//! event: of the generated trace (sequence clock, as STD gives it), of its
//! first 1M events with nanosecond times as the recorder writes them, and
//! of the recorder's traces in `examples/traces`.
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
    open, write_trace, BinaryReader, ClockUnit, EventSource, JsonLinesReader, MemorySource,
    OutputFormat, StdReader,
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

/// The generated trace in every encoding read here.
struct Fixtures {
    dir: tempfile::TempDir,
    std: PathBuf,
    jsonl: PathBuf,
    binary: PathBuf,
    binary_zst: PathBuf,
}

/// Writes `src` to `path` in `format`, zstd-compressed if `zst`.
fn write(src: &mut dyn EventSource, format: OutputFormat, path: &Path, zst: bool) -> u64 {
    let out = BufWriter::new(File::create(path).unwrap());
    if zst {
        let mut enc = zstd::Encoder::new(out, 3).unwrap();
        let n = write_trace(src, format, &mut enc).unwrap();
        enc.finish().unwrap().flush().unwrap();
        n
    } else {
        let mut out = out;
        let n = write_trace(src, format, &mut out).unwrap();
        out.flush().unwrap();
        n
    }
}

fn fixtures() -> Fixtures {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let (std, jsonl, binary, binary_zst) = (
        path("bench.std"),
        path("bench.jsonl"),
        path("bench.lsb"),
        path("bench.lsb.zst"),
    );
    generate_std(&std);
    for (out, format, zst) in [
        (&jsonl, OutputFormat::JsonLines, false),
        (&binary, OutputFormat::Binary, false),
        (&binary_zst, OutputFormat::Binary, true),
    ] {
        assert_eq!(write(&mut *open(&std).unwrap(), format, out, zst), EVENTS);
    }
    Fixtures {
        dir,
        std,
        jsonl,
        binary,
        binary_zst,
    }
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

fn per_event(bytes: u64, events: u64) -> String {
    format!(
        "{bytes:>12} bytes  {:>6.2} bytes/event",
        bytes as f64 / events as f64
    )
}

/// Prints bytes per event of each encoding: the generated trace, the same
/// events timed in nanoseconds, and the recorder's bundled traces.
fn report_sizes(f: &Fixtures) {
    println!("encoding sizes, generated trace ({EVENTS} events, sequence clock):");
    for (name, path) in [
        ("std", &f.std),
        ("jsonl", &f.jsonl),
        ("binary", &f.binary),
        ("binary.zst", &f.binary_zst),
    ] {
        println!("  {name:<12}{}", per_event(size(path), EVENTS));
    }
    // Its first 1M events timed as the recorder times them: gaps of 50 ns
    // to 2 us.
    const TIMED: usize = 1_000_000;
    let mut src = open(&f.std).unwrap();
    let (mut events, mut rng, mut time) = (Vec::with_capacity(TIMED), Rng(7), 0u64);
    while let Some(mut ev) = src.next_event().unwrap() {
        time += 50 + rng.below(1950);
        ev.time = time;
        events.push(ev);
        if events.len() == TIMED {
            break;
        }
    }
    let mut meta = src.meta().clone();
    meta.header.clock = ClockUnit::Nanoseconds;
    println!("same events, first {TIMED}, nanosecond times:");
    for (name, format, zst) in [
        ("jsonl", OutputFormat::JsonLines, false),
        ("binary", OutputFormat::Binary, false),
        ("binary.zst", OutputFormat::Binary, true),
    ] {
        let path = f.dir.path().join("timed");
        let mut src = MemorySource::new(meta.clone(), events.clone());
        write(&mut src, format, &path, zst);
        println!("  {name:<12}{}", per_event(size(&path), TIMED as u64));
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/traces");
    let (mut n, mut jsonl, mut binary) = (0u64, 0u64, 0u64);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let mut out = Vec::new();
        n += write_trace(&mut *open(&path).unwrap(), OutputFormat::Binary, &mut out).unwrap();
        jsonl += size(&path);
        binary += out.len() as u64;
    }
    println!(
        "the recorder's traces in examples/traces ({n} events, headers and declarations included):"
    );
    println!("  {:<12}{}", "jsonl", per_event(jsonl, n));
    println!("  {:<12}{}", "binary", per_event(binary, n));
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

fn readers<M: Measurement>(c: &mut Criterion<M>, clock: &str, f: &Fixtures) {
    let (std_path, jsonl_path) = (&f.std, &f.jsonl);
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
    g.bench_function("binary", |b| {
        b.iter(|| {
            let file = File::open(&f.binary).unwrap();
            let mut r = BinaryReader::new("bench.lsb", file).unwrap();
            assert_eq!(drain(&mut r), EVENTS);
        })
    });
    g.bench_function("binary_zst_open", |b| {
        b.iter(|| assert_eq!(drain(&mut *open(&f.binary_zst).unwrap()), EVENTS))
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
    let f = fixtures();
    report_sizes(&f);
    let mut wall = Criterion::default().configure_from_args();
    readers(&mut wall, "wall", &f);
    let mut cpu = Criterion::default()
        .with_measurement(ThreadCpu)
        .configure_from_args();
    readers(&mut cpu, "cpu", &f);
    cpu.final_summary();
}
