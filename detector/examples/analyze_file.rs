//! Runs every default analysis over one trace and prints throughput and the
//! finding counts; run it under `/usr/bin/time -v` for the peak RSS.
//!
//! ```text
//! analyze_file PATH                     # any trace lockscope reads (STD, JSON Lines, ...)
//! analyze_file --parse-only PATH        # the reader alone: the baseline
//! analyze_file --synth EVENTS           # the benchmark's generated trace, in memory
//! analyze_file --write-std PATH EVENTS  # write that trace as STD text, then exit
//! ```
//!
//! For the benchmark figure: `--write-std /tmp/synth.std 5000000`, then
//! `/usr/bin/time -v analyze_file /tmp/synth.std`. Both the reader and the
//! generator stream, so peak RSS is the analyses' state, not the trace.

use std::time::Instant;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::FindingKind;
use lockscope_detector::trace::EventSource;

#[path = "../benches/support/synth.rs"]
mod synth;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse = |s: &str| -> u64 {
        s.parse()
            .unwrap_or_else(|_| usage(&format!("not an event count: {s}")))
    };
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--synth", n] => {
            let source = synth::Synth::new(synth::Params::benchmark(parse(n)));
            run("synthetic", Box::new(source));
        }
        ["--write-std", path, n] => {
            let file = std::fs::File::create(path)
                .unwrap_or_else(|e| usage(&format!("cannot create {path}: {e}")));
            let written = synth::write_std(synth::Params::benchmark(parse(n)), file)
                .unwrap_or_else(|e| usage(&format!("cannot write {path}: {e}")));
            println!("wrote {written} events to {path}");
        }
        ["--parse-only", path] => {
            let mut source = lockscope_detector::trace::open(std::path::Path::new(path))
                .unwrap_or_else(|e| usage(&e.to_string()));
            let start = Instant::now();
            let mut events = 0u64;
            while let Some(_ev) = source
                .next_event()
                .unwrap_or_else(|e| usage(&e.to_string()))
            {
                events += 1;
            }
            let secs = start.elapsed().as_secs_f64();
            let rate = events as f64 / secs / 1e6;
            println!("parsed {events} events in {secs:.3} s: {rate:.2} M events/s");
        }
        [path] if !path.starts_with("--") => {
            let source = lockscope_detector::trace::open(std::path::Path::new(path))
                .unwrap_or_else(|e| usage(&e.to_string()));
            run(path, source);
        }
        _ => usage("expected PATH, --parse-only PATH, --synth EVENTS or --write-std PATH EVENTS"),
    }
}

fn run(name: &str, source: Box<dyn EventSource + '_>) {
    let start = Instant::now();
    let input = Input {
        name: name.to_owned(),
        source,
    };
    let report = analyze(vec![input], &Config::default())
        .unwrap_or_else(|e| usage(&format!("cannot read the trace: {e}")));
    let secs = start.elapsed().as_secs_f64();
    let events: u64 = report.traces.iter().map(|t| t.events).sum();
    println!(
        "{events} events in {secs:.3} s: {:.2} M events/s",
        events as f64 / secs / 1e6
    );
    for kind in FindingKind::ALL {
        let n = report.count(kind);
        if n > 0 {
            println!("{kind}: {n}");
        }
    }
    println!("lock stats rows: {}", report.stats.len());
    for limit in &report.limits {
        println!("limit: {limit}");
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("analyze_file: {problem}");
    eprintln!(
        "usage: analyze_file PATH | --parse-only PATH | --synth EVENTS | --write-std PATH EVENTS"
    );
    std::process::exit(2)
}
