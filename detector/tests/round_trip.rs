//! Writers and readers against each other: JSON Lines and JSON documents
//! round-trip every event kind and every table; STD -> JSON -> STD keeps
//! every bundled trace line for line; STD output drops what it cannot say.

mod common;

use std::io::Cursor;

use common::{drain, every_kind_events, every_kind_meta};
use lockscope_detector::trace::{
    from_reader, write_trace, write_trace_summary, Event, EventKind, EventSource, MemorySource,
    OutputFormat, SourceFormat, TraceMeta,
};
use proptest::prelude::*;

const STD_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std");

fn convert(src: &mut dyn EventSource, format: OutputFormat) -> Vec<u8> {
    let mut out = Vec::new();
    write_trace(src, format, &mut out).unwrap();
    out
}

fn read(bytes: Vec<u8>) -> (TraceMeta, Vec<Event>) {
    let mut src = from_reader("mem", Box::new(Cursor::new(bytes))).unwrap();
    let events = drain(&mut *src);
    (src.meta().clone(), events)
}

fn round_trip(meta: &TraceMeta, events: &[Event], format: OutputFormat, read_as: SourceFormat) {
    let mut src = MemorySource::new(meta.clone(), events.to_vec());
    let bytes = convert(&mut src, format);
    let (got_meta, got_events) = read(bytes);
    assert_eq!(got_events, events);
    let mut want = meta.clone();
    want.format = read_as;
    assert_eq!(got_meta, want);
}

#[test]
fn json_lines_round_trip_keeps_events_and_tables() {
    let (meta, events) = (every_kind_meta(), every_kind_events());
    round_trip(
        &meta,
        &events,
        OutputFormat::JsonLines,
        SourceFormat::JsonLines,
    );
}

#[test]
fn json_document_round_trip_keeps_events_and_tables() {
    let (meta, events) = (every_kind_meta(), every_kind_events());
    round_trip(
        &meta,
        &events,
        OutputFormat::JsonDocument,
        SourceFormat::JsonDocument,
    );
}

#[test]
fn converting_json_lines_again_is_byte_identical() {
    let mut src = MemorySource::new(every_kind_meta(), every_kind_events());
    let first = convert(&mut src, OutputFormat::JsonLines);
    let mut again = from_reader("mem", Box::new(Cursor::new(first.clone()))).unwrap();
    assert_eq!(convert(&mut *again, OutputFormat::JsonLines), first);
}

#[test]
fn thread_whose_parent_comes_later_round_trips() {
    let mut meta = every_kind_meta();
    meta.threads[0].parent = Some(lockscope_detector::trace::ThreadId(2));
    round_trip(
        &meta,
        &every_kind_events(),
        OutputFormat::JsonLines,
        SourceFormat::JsonLines,
    );
}

#[test]
fn std_to_json_to_std_keeps_every_line() {
    for entry in std::fs::read_dir(STD_DIR).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "std") {
            continue;
        }
        let original = std::fs::read_to_string(&path).unwrap();
        // The document form of the two largest traces adds time, not cover.
        let formats: &[OutputFormat] = if original.len() > 1 << 20 {
            &[OutputFormat::JsonLines]
        } else {
            &[OutputFormat::JsonLines, OutputFormat::JsonDocument]
        };
        for &format in formats {
            let mut std_src = lockscope_detector::trace::open(&path).unwrap();
            let json = convert(&mut *std_src, format);
            let mut json_src = from_reader("mem", Box::new(Cursor::new(json))).unwrap();
            let back = String::from_utf8(convert(&mut *json_src, OutputFormat::Std)).unwrap();
            let want: Vec<&str> = original.lines().filter(|l| !l.is_empty()).collect();
            let got: Vec<&str> = back.lines().collect();
            assert_eq!(got, want, "{} via {format:?}", path.display());
        }
    }
}

#[test]
fn std_output_drops_what_it_cannot_express_and_says_so() {
    let mut src = MemorySource::new(every_kind_meta(), every_kind_events());
    let mut out = Vec::new();
    let summary = write_trace_summary(&mut src, OutputFormat::Std, &mut out).unwrap();
    let expressible = [
        "fork", "join", "request", "acquired", "released", "read", "write", "update", "begin",
        "end",
    ];
    let events = every_kind_events();
    let kept = events
        .iter()
        .filter(|e| expressible.contains(&e.kind.type_name()))
        .count();
    assert_eq!(summary.events_read, events.len() as u64);
    assert_eq!(summary.events_written, kept as u64);
    assert_eq!(
        summary.dropped.values().sum::<u64>(),
        (events.len() - kept) as u64
    );
    assert_eq!(summary.dropped.get("cond_wait"), Some(&1));
    assert!(summary.to_string().starts_with(&format!(
        "wrote {kept} of {} events; dropped what the format cannot express: ",
        events.len()
    )));

    let (meta, back) = read(out);
    // update became a read and a write.
    assert_eq!(back.len(), kept + 1);
    assert!(matches!(back.last().unwrap().kind, EventKind::Join { .. }));
    // Names survive; spaces become underscores.
    let names: Vec<&str> = meta.threads.iter().map(|t| t.label.as_str()).collect();
    assert!(
        names.contains(&"main") && names.contains(&"worker_ü"),
        "{names:?}"
    );
}

/// A random but well-formed trace over the fixture's tables.
fn arb_events() -> impl Strategy<Value = Vec<Event>> {
    let base = every_kind_events();
    proptest::collection::vec((0..base.len(), 0u64..50, 0u32..3, 0u32..7, 0u32..2), 0..60).prop_map(
        move |picks| {
            let mut time = 0;
            picks
                .into_iter()
                .map(|(i, dt, thread, obj, var)| {
                    time += dt;
                    let mut ev = base[i];
                    ev.time = time;
                    ev.thread = lockscope_detector::trace::ThreadId(thread);
                    ev.kind = match ev.kind {
                        EventKind::Acquired { mode, depth, .. } => EventKind::Acquired {
                            obj: lockscope_detector::trace::ObjId(obj),
                            mode,
                            depth,
                        },
                        EventKind::Read { .. } => EventKind::Read {
                            var: lockscope_detector::trace::VarId(var),
                        },
                        other => other,
                    };
                    ev
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_event_sequences_round_trip(events in arb_events(), doc in any::<bool>(), name in "\\PC{0,12}") {
        let mut meta = every_kind_meta();
        meta.threads[2].name = Some(name);
        let (format, read_as) = if doc {
            (OutputFormat::JsonDocument, SourceFormat::JsonDocument)
        } else {
            (OutputFormat::JsonLines, SourceFormat::JsonLines)
        };
        round_trip(&meta, &events, format, read_as);
    }
}
