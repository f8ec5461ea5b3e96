//! Writer throughput: what encoding one lock event costs, which is what
//! bounds a recording that runs for long (the recorder's background thread
//! writes every event through [`BinaryWriter`], or [`JsonLinesWriter`] for
//! a `*.jsonl` trace).
//!
//! Rows, all over the same 100 000 events (acquisitions and releases by 8
//! threads of 64 locks, with call sites, as the recorder writes them) into
//! `io::sink()`:
//! - `binary_writer`: lockscope's [`BinaryWriter`], the recorder's default;
//! - `jsonl_writer`: lockscope's [`JsonLinesWriter`];
//! - `serde_derive`: the same records from a `#[derive(Serialize)]` struct
//!   through `serde_json::to_writer` into a `BufWriter`, the usual way to
//!   write JSON Lines in Rust;
//! - `copy_prerendered`: the same bytes, rendered before the timer starts,
//!   copied line by line into a `BufWriter`: the floor of any encoder that
//!   hands its output to a buffered writer.
//!
//! Run: `cargo bench -p lockscope-detector --bench writers`.

use std::hint::black_box;
use std::io::{self, BufWriter, Write};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lockscope_detector::trace::{
    BinaryWriter, Event, EventKind, JsonLinesWriter, LockMode, ObjId, SiteId, ThreadId,
};
use serde::Serialize;

const EVENTS: usize = 100_000;

/// Lock events as a recording writes them: each of 8 threads takes one of
/// 64 locks and releases it, timestamps a few hundred ns apart.
fn events() -> Vec<Event> {
    let mut out = Vec::with_capacity(EVENTS);
    let mut time = 1_000_000u64;
    let mut i = 0u32;
    while out.len() < EVENTS {
        let thread = ThreadId(i % 8);
        let obj = ObjId((i.wrapping_mul(2_654_435_761) >> 7) % 64);
        let site = Some(SiteId(obj.0 % 40));
        time += 137;
        out.push(Event {
            time,
            thread,
            site,
            backtrace: None,
            kind: EventKind::Acquired {
                obj,
                mode: LockMode::Exclusive,
                depth: 1,
            },
        });
        time += 211;
        out.push(Event {
            time,
            thread,
            site: None,
            backtrace: None,
            kind: EventKind::Released {
                obj,
                mode: LockMode::Exclusive,
            },
        });
        i += 1;
    }
    out
}

/// The same record as a serde struct (field order as the wire spec's).
#[derive(Serialize)]
struct SerdeRecord {
    #[serde(rename = "type")]
    ty: &'static str,
    t: u64,
    thread: u32,
    obj: u32,
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    site: Option<u32>,
}

fn serde_record(ev: &Event) -> SerdeRecord {
    let (ty, obj, depth) = match ev.kind {
        EventKind::Acquired { obj, depth, .. } => ("acquired", obj, Some(depth)),
        EventKind::Released { obj, .. } => ("released", obj, None),
        _ => unreachable!("the workload has lock events only"),
    };
    SerdeRecord {
        ty,
        t: ev.time,
        thread: ev.thread.0,
        obj: obj.0,
        mode: "exclusive",
        depth,
        site: ev.site.map(|s| s.0),
    }
}

fn writers(c: &mut Criterion) {
    let evs = events();
    let mut g = c.benchmark_group("write_100k_lock_events");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("binary_writer", |b| {
        b.iter(|| {
            let mut w = BinaryWriter::new(io::sink());
            for ev in &evs {
                w.event(ev).expect("write to sink");
            }
            w.flush().expect("flush to sink");
        })
    });
    g.bench_function("jsonl_writer", |b| {
        b.iter(|| {
            let mut w = JsonLinesWriter::new(io::sink());
            for ev in &evs {
                w.event(ev).expect("write to sink");
            }
            w.flush().expect("flush to sink");
        })
    });
    g.bench_function("serde_derive", |b| {
        b.iter(|| {
            let mut w = BufWriter::with_capacity(64 * 1024, io::sink());
            for ev in &evs {
                serde_json::to_writer(&mut w, &serde_record(ev)).expect("write to sink");
                w.write_all(b"\n").expect("write to sink");
            }
            w.flush().expect("flush to sink");
        })
    });
    let lines: Vec<Vec<u8>> = {
        let mut w = JsonLinesWriter::new(Vec::new());
        let mut lines = Vec::with_capacity(EVENTS);
        for ev in &evs {
            w.event(ev).expect("write to memory");
        }
        let bytes = w.into_inner().expect("flush to memory");
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            lines.push(line.to_vec());
        }
        lines
    };
    assert_eq!(lines.len(), EVENTS, "one line per event");
    g.bench_function("copy_prerendered", |b| {
        b.iter(|| {
            let mut w = BufWriter::with_capacity(64 * 1024, io::sink());
            for line in &lines {
                w.write_all(black_box(line)).expect("write to sink");
            }
            w.flush().expect("flush to sink");
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = writers
}
criterion_main!(benches);
