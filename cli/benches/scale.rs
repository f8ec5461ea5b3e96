//! The analyzer at scale, end to end through the `lockscope` binary: each
//! row runs one command as a process on a generated STD trace, output to
//! `/dev/null`, with the baselines in the same run:
//!
//! - `race_heavy`: `analyze --format json` and `stats` on the race-heavy
//!   trace (many races, lost updates and lock-order cycles), against
//!   `info` (the reader alone), `wc -l` (reading the file) and `analyze`
//!   on one thread (`-j 1`; by default the analyses take the CPUs
//!   available, two threads at most);
//! - `well_synchronized_stdin`: the finding-free trace piped into
//!   `analyze -`, against `info -` and `wc -l` on the same pipe.
//!
//! Throughput is events per second. The events per trace default to 1M;
//! `LOCKSCOPE_BENCH_EVENTS` sets them. docs/performance.md ("Analyzer at
//! scale") quotes the full-size measurements and their commands.
//!
//! `cargo bench -p lockscope-cli --bench scale -- --warm-up-time 1 --measurement-time 10`

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

#[path = "support/traces.rs"]
mod traces;

fn events() -> u64 {
    std::env::var("LOCKSCOPE_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

/// Runs `program args`, stdin from `stdin` when given, and checks its exit
/// code is one of `ok`.
fn run(program: &str, args: &[&str], stdin: Option<&Path>, ok: &[i32]) {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_remove("LOCKSCOPE_TRACE");
    if let Some(path) = stdin {
        cmd.stdin(File::open(path).expect("the generated trace"));
    }
    let status = cmd.status().expect("the command runs");
    assert!(
        status.code().is_some_and(|c| ok.contains(&c)),
        "{program} {args:?} ended with {status}"
    );
}

fn lockscope(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    args: &[&str],
    stdin: Option<&Path>,
) {
    let bin = env!("CARGO_BIN_EXE_lockscope");
    g.bench_function(name, |b| b.iter(|| run(bin, args, stdin, &[0, 1])));
}

fn race_heavy(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("race_heavy.std");
    let n = traces::race_heavy(events(), File::create(&path).expect("temp file"))
        .expect("write the trace");
    let file = path.to_str().expect("a UTF-8 temp path");
    let mut g = c.benchmark_group("race_heavy");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function("baseline: wc -l", |b| {
        b.iter(|| run("wc", &["-l", file], None, &[0]))
    });
    lockscope(&mut g, "baseline: info", &["-q", "info", file], None);
    lockscope(&mut g, "stats", &["-q", "stats", file], None);
    lockscope(
        &mut g,
        "baseline: analyze --format json -j 1",
        &["-q", "-j", "1", "analyze", "--format", "json", file],
        None,
    );
    lockscope(
        &mut g,
        "analyze --format json",
        &["-q", "analyze", "--format", "json", file],
        None,
    );
    g.finish();
}

fn well_synchronized(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("clean.std");
    let n = traces::well_synchronized(events(), File::create(&path).expect("temp file"))
        .expect("write the trace");
    let mut g = c.benchmark_group("well_synchronized_stdin");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function("baseline: wc -l", |b| {
        b.iter(|| run("wc", &["-l"], Some(&path), &[0]))
    });
    lockscope(
        &mut g,
        "baseline: info -",
        &["-q", "info", "-"],
        Some(&path),
    );
    lockscope(&mut g, "stats -", &["-q", "stats", "-"], Some(&path));
    lockscope(&mut g, "analyze -", &["-q", "analyze", "-"], Some(&path));
    g.finish();
}

criterion_group!(benches, race_heavy, well_synchronized);
criterion_main!(benches);
