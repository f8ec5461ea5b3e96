//! A conversion keeps what a trace means: every bundled RAPID benchmark
//! trace (`tests/data/std`), converted to each of lockscope's own encodings
//! and read back, gives the same findings as the STD trace itself (kinds,
//! how many of each, fingerprints). Java monitors are re-entrant, and an
//! STD trace's locks stay re-entrant through the conversion.

use std::io::Cursor;
use std::path::Path;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::trace::{self, from_reader, write_trace, EventSource, OutputFormat};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std");

/// The findings of one trace as (kind, fingerprint), sorted.
fn findings(name: &str, source: Box<dyn EventSource + Send>) -> Vec<(String, String)> {
    let input = Input {
        name: name.to_owned(),
        source,
    };
    let report = analyze(vec![input], &Config::default()).expect("the trace reads cleanly");
    let mut found: Vec<(String, String)> = report
        .findings
        .iter()
        .map(|f| (format!("{:?}", f.kind), f.fingerprint.clone()))
        .collect();
    found.sort();
    found
}

#[test]
fn every_benchmark_trace_means_the_same_in_every_encoding() {
    let mut traces: Vec<_> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "std"))
        .collect();
    traces.sort();
    assert_eq!(traces.len(), 13, "{traces:?}");
    for path in traces {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let want = findings(&name, trace::open(&path).unwrap());
        for format in [
            OutputFormat::JsonLines,
            OutputFormat::JsonDocument,
            OutputFormat::Binary,
        ] {
            let mut bytes = Vec::new();
            write_trace(&mut *trace::open(&path).unwrap(), format, &mut bytes).unwrap();
            let source = from_reader(&name, Box::new(Cursor::new(bytes))).unwrap();
            let got = findings(&name, source);
            assert_eq!(got, want, "{} via {format:?}", Path::new(&name).display());
        }
    }
}
