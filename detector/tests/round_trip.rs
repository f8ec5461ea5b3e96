//! Writers and readers against each other: JSON Lines, JSON documents and
//! the binary encoding round-trip every event kind and every table, and
//! random valid traces convert between each pair of them without a loss;
//! STD -> JSON or binary -> STD keeps every bundled trace line for line;
//! STD output drops what it cannot say.

mod common;

use std::io::Cursor;

use common::{drain, every_kind_events, every_kind_meta};
use lockscope_detector::trace::{
    from_reader, write_trace, write_trace_summary, Event, EventKind, EventSource, MemorySource,
    OutputFormat, SourceFormat, TestId, TraceMeta,
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
fn binary_round_trip_keeps_events_and_tables() {
    let (meta, events) = (every_kind_meta(), every_kind_events());
    round_trip(&meta, &events, OutputFormat::Binary, SourceFormat::Binary);
}

#[test]
fn a_header_test_with_only_its_binary_round_trips() {
    let mut meta = every_kind_meta();
    meta.header.test = Some(TestId {
        binary: "pl012-fixture".into(),
        ..TestId::default()
    });
    let events = every_kind_events();
    round_trip(&meta, &events, OutputFormat::Binary, SourceFormat::Binary);
    round_trip(
        &meta,
        &events,
        OutputFormat::JsonLines,
        SourceFormat::JsonLines,
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
fn std_to_json_or_binary_to_std_keeps_every_line() {
    for entry in std::fs::read_dir(STD_DIR).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "std") {
            continue;
        }
        let original = std::fs::read_to_string(&path).unwrap();
        // The document form of the two largest traces adds time, not cover.
        let formats: &[OutputFormat] = if original.len() > 1 << 20 {
            &[OutputFormat::JsonLines, OutputFormat::Binary]
        } else {
            &[
                OutputFormat::JsonLines,
                OutputFormat::JsonDocument,
                OutputFormat::Binary,
            ]
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

/// The tables of a random valid trace: labels are distinct canonical
/// integers (what a reader of lockscope's own encodings gives back), names
/// and sites optional, every primitive kind and optional field possible.
fn arb_meta() -> impl Strategy<Value = TraceMeta> {
    use lockscope_detector::trace::{
        ClockUnit, Header, Note, PrimitiveInfo, PrimitiveKind, Site, SiteId, ThreadId, ThreadInfo,
        VarInfo, FORMAT_VERSION,
    };
    let text = || "\\PC{0,10}";
    let file = prop::sample::select(vec!["src/a.rs", "src/b.rs", "é/ü.rs"]);
    let site = prop_oneof![
        text().prop_map(Site::Label),
        (file, 0u32..500, any::<u32>()).prop_map(|(f, line, column)| Site::Source {
            file: f.into(),
            line,
            column
        }),
    ];
    let test = prop::option::of(
        (
            text(),
            prop::option::of(text()),
            prop::option::of(text()),
            any::<Option<u32>>(),
        )
            .prop_map(|(binary, name, run_id, attempt)| TestId {
                binary,
                name,
                run_id,
                attempt,
            }),
    );
    let header = (
        prop::collection::vec(text(), 0..3),
        any::<Option<u32>>(),
        prop::option::of(text()),
        any::<bool>(),
        test,
    )
        .prop_map(|(command, pid, start_time, seq, test)| Header {
            version: FORMAT_VERSION,
            command,
            pid,
            start_time,
            clock: if seq {
                ClockUnit::Sequence
            } else {
                ClockUnit::Nanoseconds
            },
            test,
        });
    (
        header,
        prop::collection::vec(site, 1..6),
        1usize..5,
        prop::collection::vec(prop_oneof![0u64..100, any::<u64>()], 8),
    )
        .prop_flat_map(move |(header, sites, n_threads, labels)| {
            let n_sites = sites.len() as u32;
            let site_ref = move || prop::option::of((0..n_sites).prop_map(SiteId));
            let threads = prop::collection::vec(
                (
                    prop::option::of(text()),
                    prop::option::of((0..n_threads as u32).prop_map(ThreadId)),
                    site_ref(),
                ),
                n_threads,
            );
            let kind = prop::sample::select(PrimitiveKind::ALL.to_vec());
            let prims = prop::collection::vec(
                (
                    kind,
                    prop::option::of(text()),
                    site_ref(),
                    any::<Option<u32>>(),
                    any::<Option<u64>>(),
                    prop::option::of(text()),
                ),
                1..6,
            );
            let vars = prop::collection::vec((prop::option::of(text()), site_ref()), 1..4);
            let backtraces = prop::collection::vec(prop::collection::vec(text(), 0..4), 0..3);
            let notes = prop::collection::vec((text(), text()), 0..3);
            let fixed = (header.clone(), sites.clone(), labels.clone());
            (Just(fixed), threads, prims, vars, backtraces, notes)
        })
        .prop_map(
            |((header, sites, labels), threads, prims, vars, backtraces, notes)| {
                // Distinct labels per table (a file id names one entry): the
                // low 3 bits are the index (below 8), the rest random.
                let label = |i: usize, salt: usize| {
                    let base = labels[(i + salt) % labels.len()];
                    ((base & !7) | i as u64).to_string()
                };
                let mut meta = TraceMeta::new(SourceFormat::JsonLines);
                meta.header = header;
                meta.sites = sites;
                meta.threads = threads
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, parent, spawn_site))| ThreadInfo {
                        label: label(i, 1),
                        name,
                        parent,
                        spawn_site,
                    })
                    .collect();
                meta.primitives = prims
                    .into_iter()
                    .enumerate()
                    .map(
                        |(i, (kind, name, site, permits, rank, class))| PrimitiveInfo {
                            label: label(i, 2),
                            kind,
                            name,
                            site,
                            permits,
                            rank,
                            class,
                        },
                    )
                    .collect();
                meta.vars = vars
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, site))| VarInfo {
                        label: label(i, 3),
                        name,
                        site,
                    })
                    .collect();
                meta.backtraces = backtraces;
                meta.notes = notes
                    .into_iter()
                    .map(|(kind, text)| Note { kind, text })
                    .collect();
                meta
            },
        )
}

/// Random events over `meta`'s tables, times never decreasing.
fn arb_events_over(meta: &TraceMeta) -> impl Strategy<Value = Vec<Event>> {
    use lockscope_detector::trace::{
        BacktraceId, LockMode, NoteId, ObjId, SiteId, ThreadId, VarId,
    };
    let (nt, no, nv) = (
        meta.threads.len() as u32,
        meta.primitives.len() as u32,
        meta.vars.len() as u32,
    );
    let (ns, nb, nn) = (
        meta.sites.len() as u32,
        meta.backtraces.len() as u32,
        meta.notes.len() as u32,
    );
    let mode = prop::sample::select(vec![
        LockMode::Exclusive,
        LockMode::Shared,
        LockMode::Upgradable,
    ]);
    let t = move || (0..nt).prop_map(ThreadId);
    let o = move || (0..no).prop_map(ObjId);
    let kind = (
        0..lockscope_detector::trace::EventType::COUNT,
        t(),
        o(),
        o(),
        (0..nv).prop_map(VarId),
        mode,
        any::<u32>(),
        any::<bool>(),
        prop::option::of(t()),
        (0..nn.max(1)).prop_map(NoteId),
    )
        .prop_map(move |(ty, child, a, b, var, mode, n, flag, parent, note)| {
            use EventKind as K;
            let small = n % 4;
            match ty {
                0 => K::ThreadStart { parent },
                1 => K::ThreadExit,
                2 => K::Fork { child },
                3 => K::JoinRequest { child },
                4 => K::Join { child },
                5 => K::Request { obj: a, mode },
                6 => K::Acquired {
                    obj: a,
                    mode,
                    depth: small,
                },
                7 => K::TryFailed { obj: a, mode },
                8 => K::Released { obj: a, mode },
                9 => K::Upgraded { obj: a },
                10 => K::Downgraded { obj: a, to: mode },
                11 => K::CondWait {
                    condvar: a,
                    mutex: b,
                    timed: flag,
                },
                12 => K::CondWoken {
                    condvar: a,
                    mutex: b,
                    timed_out: flag,
                },
                13 => K::Notify {
                    condvar: a,
                    all: flag,
                    woken: n,
                },
                14 => K::SemAcquired {
                    obj: a,
                    permits: small,
                },
                15 => K::SemReleased { obj: a, permits: n },
                16 => K::EventSet { obj: a },
                17 => K::EventClear { obj: a },
                18 => K::EventWait {
                    obj: a,
                    timed: flag,
                },
                19 => K::EventWoken {
                    obj: a,
                    timed_out: flag,
                },
                20 => K::BarrierWait { obj: a },
                21 => K::BarrierPassed {
                    obj: a,
                    leader: flag,
                },
                22 => K::Read { var },
                23 => K::Write { var },
                24 => K::Update { var },
                25 => K::Begin,
                26 if nn > 0 => K::Note { note },
                27 => K::Scheduled { worker: child },
                _ => K::End,
            }
        });
    let dt = prop_oneof![Just(0u64), 0u64..1000, 0u64..(1 << 50)];
    prop::collection::vec(
        (
            kind,
            t(),
            dt,
            prop::option::of((0..ns).prop_map(SiteId)),
            prop::option::of((0..nb.max(1)).prop_map(BacktraceId)),
        ),
        0..80,
    )
    .prop_map(move |evs| {
        let mut time = 0u64;
        evs.into_iter()
            .map(|(kind, thread, dt, site, backtrace)| {
                time += dt;
                Event {
                    time,
                    thread,
                    site,
                    backtrace: backtrace.filter(|_| nb > 0),
                    kind,
                }
            })
            .collect()
    })
}

fn arb_trace() -> impl Strategy<Value = (TraceMeta, Vec<Event>)> {
    arb_meta().prop_flat_map(|meta| {
        let events = arb_events_over(&meta);
        (Just(meta), events)
    })
}

/// `meta` as a reader of `format` gives it back.
fn read_as(meta: &TraceMeta, format: SourceFormat) -> TraceMeta {
    let mut want = meta.clone();
    want.format = format;
    want
}

const OURS: [(OutputFormat, SourceFormat); 3] = [
    (OutputFormat::JsonLines, SourceFormat::JsonLines),
    (OutputFormat::JsonDocument, SourceFormat::JsonDocument),
    (OutputFormat::Binary, SourceFormat::Binary),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// JSON Lines -> binary -> JSON Lines gives the same events and tables.
    #[test]
    fn json_lines_to_binary_and_back_loses_nothing((meta, events) in arb_trace()) {
        let jsonl = convert(&mut MemorySource::new(meta.clone(), events.clone()), OutputFormat::JsonLines);
        let (meta1, events1) = read(jsonl.clone());
        prop_assert_eq!(&events1, &events);
        prop_assert_eq!(&meta1, &read_as(&meta, SourceFormat::JsonLines));

        let mut src = from_reader("mem", Box::new(Cursor::new(jsonl.clone()))).unwrap();
        let binary = convert(&mut *src, OutputFormat::Binary);
        let (meta2, events2) = read(binary.clone());
        prop_assert_eq!(&events2, &events);
        prop_assert_eq!(&meta2, &read_as(&meta, SourceFormat::Binary));

        let mut src = from_reader("mem", Box::new(Cursor::new(binary))).unwrap();
        let (meta3, events3) = read(convert(&mut *src, OutputFormat::JsonLines));
        prop_assert_eq!(events3, events);
        prop_assert_eq!(meta3, meta1);
    }

    /// Every pair of lockscope's own encodings converts without a loss.
    #[test]
    fn every_pair_of_encodings_converts_without_loss(
        (meta, events) in arb_trace(),
        from in 0..OURS.len(),
        to in 0..OURS.len(),
    ) {
        let (from, from_read) = OURS[from];
        let (to, to_read) = OURS[to];
        let first = convert(&mut MemorySource::new(meta.clone(), events.clone()), from);
        let mut src = from_reader("mem", Box::new(Cursor::new(first))).unwrap();
        let second = convert(&mut *src, to);
        prop_assert!(src.meta().warnings.is_empty(), "{:?}", src.meta().warnings);
        prop_assert_eq!(src.meta(), &read_as(&meta, from_read));
        let (got_meta, got_events) = read(second);
        prop_assert_eq!(got_events, events);
        prop_assert_eq!(got_meta, read_as(&meta, to_read));
    }
}
