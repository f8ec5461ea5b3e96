//! The Chrome trace-event JSON that Perfetto's UI and chrome://tracing open
//! (`lockscope timeline`).
//!
//! Layout:
//! - one process per trace (`pid` 1, 2, ...), named after the trace; one
//!   thread track per traced thread (`M` `thread_name` records);
//! - every lock hold and every wait is an async slice (`b`/`e`, category
//!   `hold` or `wait`). Holds of different locks are released in any order,
//!   so they cannot nest as `B`/`E` slices on one track. The id is the lock,
//!   qualified by the thread and by hold or wait, so no two slices that
//!   overlap share an id (readers of one rwlock hold it at once; a thread
//!   may wait for a lock it holds);
//! - a wait is also a complete slice (`X`) on its thread's own track: a
//!   thread waits for one thing at a time, so these nest, show when the
//!   thread was blocked, and anchor the flow arrows;
//! - thread starts and exits, notifications, event and semaphore
//!   operations, failed `try_lock`s and variable accesses are instant events
//!   (`i`) on their thread;
//! - each finding whose last step is in the window is an instant event
//!   whose args carry its kind, fingerprint and message;
//! - in a deadlock, a flow arrow (`s` → `f`) runs from each waiter to the
//!   thread holding the lock it waits for.
//!
//! Times: `ts` is in microseconds. A nanosecond trace clock is converted
//! (`ts = ns / 1000`, fractions kept); a trace with no clock (STD) uses its
//! event positions, one microsecond per event, and says so once, in the
//! process name and in `otherData`. Records are sorted by time, so every
//! track's timestamps are non-decreasing.

use lockscope_detector::finding::{Finding, FindingKind};
use lockscope_detector::report::Report;
use lockscope_detector::timeline::{Span, SpanKind, Timeline, Timelines};
use std::collections::HashMap;

use lockscope_detector::trace::{ClockUnit, EventKind, ObjId, ThreadId, TraceMeta};
use serde::Serialize;
use serde_json::{json, Value};

use super::events::{describe, obj, site, span, thread};
use crate::sites::Root;

/// One trace's timelines, as built for its name in the report.
#[derive(Debug)]
pub struct TraceTimelines<'a> {
    pub name: &'a str,
    pub built: &'a Timelines,
}

/// One trace-event record.
#[derive(Debug, Serialize)]
struct Record {
    name: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    cat: &'static str,
    ph: &'static str,
    ts: f64,
    pid: u32,
    tid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// Instant scope: `t` (thread).
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'static str>,
    /// Flow binding point: `e` (the enclosing slice).
    #[serde(skip_serializing_if = "Option::is_none")]
    bp: Option<&'static str>,
    #[serde(skip_serializing_if = "Value::is_null")]
    args: Value,
}

/// The whole document, as a string.
pub fn render(traces: &[TraceTimelines<'_>], report: &Report, root: &Root) -> String {
    let mut records = Vec::new();
    let mut clocks = serde_json::Map::new();
    let mut flows = 0u64;
    for (i, t) in traces.iter().enumerate() {
        let mut w = Writer {
            pid: u32::try_from(i + 1).unwrap_or(u32::MAX),
            meta: &t.built.meta,
            root,
            out: &mut records,
        };
        w.metadata(t);
        clocks.insert(
            t.name.to_owned(),
            Value::String(clock_note(w.clock()).into()),
        );
        for (s, end) in distinct_spans(&t.built.views) {
            w.span(s, end);
        }
        for view in &t.built.views {
            w.instants(view);
        }
        let findings = report
            .findings
            .iter()
            .filter(|f| f.steps_trace().is_none_or(|n| n == t.name));
        for f in findings {
            w.finding(f, &t.built.views, &mut flows);
        }
    }
    // Metadata first, then by time; the sort is stable, so records of one
    // time keep the order they were written in (a slice's begin before its
    // end).
    records.sort_by(|a, b| {
        let meta = |r: &Record| r.ph != "M";
        meta(a).cmp(&meta(b)).then(a.ts.total_cmp(&b.ts))
    });
    let doc = json!({
        "traceEvents": records,
        "displayTimeUnit": "ns",
        "otherData": {
            "generator": concat!("lockscope ", env!("CARGO_PKG_VERSION")),
            "time_axis": clocks,
        },
    });
    let mut s = serde_json::to_string(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// What one microsecond on the time axis is, for a trace's clock.
fn clock_note(clock: ClockUnit) -> &'static str {
    match clock {
        ClockUnit::Nanoseconds => "real time: 1 us on the axis is 1 us of the run",
        ClockUnit::Sequence => "no clock in this trace: 1 us on the axis is 1 event",
    }
}

struct Writer<'a> {
    pid: u32,
    meta: &'a TraceMeta,
    root: &'a Root,
    out: &'a mut Vec<Record>,
}

impl Writer<'_> {
    fn clock(&self) -> ClockUnit {
        self.meta.header.clock
    }

    fn ts(&self, time: u64) -> f64 {
        match self.clock() {
            ClockUnit::Nanoseconds => time as f64 / 1000.0,
            ClockUnit::Sequence => time as f64,
        }
    }

    fn tid(t: ThreadId) -> u32 {
        t.0.saturating_add(1)
    }

    fn push(
        &mut self,
        ph: &'static str,
        name: String,
        ts: f64,
        tid: u32,
        args: Value,
    ) -> &mut Record {
        self.out.push(Record {
            name,
            cat: "",
            ph,
            ts,
            pid: self.pid,
            tid,
            dur: None,
            id: None,
            s: None,
            bp: None,
            args,
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }

    fn metadata(&mut self, t: &TraceTimelines<'_>) {
        let mut process = t.name.to_owned();
        if self.clock() == ClockUnit::Sequence {
            process.push_str(" (no clock: 1 us = 1 event)");
        }
        self.push(
            "M",
            "process_name".into(),
            0.0,
            0,
            json!({ "name": process }),
        );
        let threads: Vec<ThreadId> = (0..self.meta.threads.len())
            .map(|i| ThreadId(u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        for t in threads {
            let name = thread(self.meta, t);
            let tid = Self::tid(t);
            self.push("M", "thread_name".into(), 0.0, tid, json!({ "name": name }));
            self.push(
                "M",
                "thread_sort_index".into(),
                0.0,
                tid,
                json!({ "sort_index": tid }),
            );
        }
    }

    fn instants(&mut self, view: &Timeline) {
        for e in &view.events {
            if instant(&e.event.kind) {
                let args = json!({
                    "event": e.index,
                    "site": site(self.meta, self.root, e.event.site),
                });
                let name = describe(self.meta, &e.event.kind);
                let ts = self.ts(e.event.time);
                self.push("i", name, ts, Self::tid(e.event.thread), args).s = Some("t");
            }
        }
    }

    /// A span as `b`/`e` (and, for a wait, an `X` on the thread's track);
    /// a span still open where the window ends ends at `window_end`.
    fn span(&mut self, s: &Span, window_end: u64) {
        let (cat, name) = match s.kind {
            SpanKind::Hold { .. } => ("hold", format!("hold {}", span(self.meta, s))),
            SpanKind::Wait { .. } => ("wait", span(self.meta, s)),
        };
        let end_time = s.end.map_or(window_end, |e| e.time).max(s.start.time);
        let args = json!({
            "thread": thread(self.meta, s.thread),
            "lock": s.obj().map(|o| obj(self.meta, o)),
            "from_event": s.start.index,
            "to_event": s.end.map(|e| e.index),
            "site": site(self.meta, self.root, s.start.site),
            "open_at_window_end": s.end.is_none(),
        });
        let id = self.slice_id(s);
        let (start, stop) = (self.ts(s.start.time), self.ts(end_time));
        let tid = Self::tid(s.thread);
        let begin = self.push("b", name.clone(), start, tid, args);
        begin.cat = cat;
        begin.id = Some(id.clone());
        let finish = self.push("e", name.clone(), stop, tid, Value::Null);
        finish.cat = cat;
        finish.id = Some(id);
        if !s.is_hold() {
            let dur = self.ts(end_time - s.start.time);
            let blocked = self.push("X", name, start, tid, Value::Null);
            blocked.cat = "blocked";
            blocked.dur = Some(dur);
        }
    }

    /// The lock, qualified by thread and by hold or wait, as a hex id.
    fn slice_id(&self, s: &Span) -> String {
        let obj = s.obj().map_or(u64::from(u32::MAX), |o| u64::from(o.0));
        let wait = u64::from(!s.is_hold());
        let thread = u64::from(s.thread.0) & 0x7f_ffff;
        let pid = u64::from(self.pid) & 0xff;
        format!("0x{:x}", pid << 56 | wait << 55 | thread << 32 | obj)
    }

    /// The finding's instant at its last step in the window, and for a
    /// deadlock the arrows from each waiter to the holder it waits for.
    fn finding(&mut self, f: &Finding, views: &[Timeline], flows: &mut u64) {
        let Some((view, step)) = last_step_in(f, views) else {
            return;
        };
        let Some(e) = view.event(step) else { return };
        let args = json!({
            "kind": f.kind.as_str(),
            "fingerprint": f.fingerprint,
            "message": f.title(),
            "severity": f.severity.as_str(),
            "event": step,
        });
        let ts = self.ts(e.event.time);
        let instant = self.push(
            "i",
            f.kind.as_str().to_owned(),
            ts,
            Self::tid(e.event.thread),
            args,
        );
        instant.cat = "finding";
        instant.s = Some("t");
        if f.kind == FindingKind::Deadlock {
            self.deadlock_flows(f, view, flows);
        }
    }

    fn deadlock_flows(&mut self, f: &Finding, view: &Timeline, flows: &mut u64) {
        let waits: Vec<&Span> = f
            .steps
            .iter()
            .filter_map(|s| s.event)
            .flat_map(|e| view.started_at(e))
            .filter(|s| !s.is_hold())
            .collect();
        for w in &waits {
            for &holder in &w.blocked_by {
                let held = waits.iter().find(|h| h.thread == holder);
                let at = held.map_or(w.start.time, |h| h.start.time.max(w.start.time));
                *flows += 1;
                let id = format!("0x{:x}", *flows);
                let name = "waits for".to_owned();
                let start = self.ts(w.start.time);
                let s = self.push("s", name.clone(), start, Self::tid(w.thread), Value::Null);
                s.cat = "deadlock";
                s.id = Some(id.clone());
                let end = self.ts(at);
                let f = self.push("f", name, end, Self::tid(holder), Value::Null);
                f.cat = "deadlock";
                f.id = Some(id);
                f.bp = Some("e");
            }
        }
    }
}

/// Every span of `views` once, with the end time of the window it is
/// drawn to when it is still open there. A hold or wait that crosses from
/// one window into a later one is in both; the later copy, which saw more
/// of it, is kept.
fn distinct_spans(views: &[Timeline]) -> Vec<(&Span, u64)> {
    let mut at: HashMap<(ThreadId, bool, Option<ObjId>, u64), usize> = HashMap::new();
    let mut out: Vec<(&Span, u64)> = Vec::new();
    for view in views {
        let end = view.end_time().unwrap_or(0);
        for s in &view.spans {
            let key = (s.thread, s.is_hold(), s.obj(), s.start.index);
            match at.get(&key) {
                Some(&i) => out[i] = (s, end),
                None => {
                    at.insert(key, out.len());
                    out.push((s, end));
                }
            }
        }
    }
    out
}

/// The view holding the finding's last step event in trace order, and that
/// event.
fn last_step_in<'v>(f: &Finding, views: &'v [Timeline]) -> Option<(&'v Timeline, u64)> {
    let last = f.steps.iter().filter_map(|s| s.event).max()?;
    views.iter().find(|v| v.covers(last)).map(|v| (v, last))
}

/// Whether an event is drawn as an instant (holds and waits are slices).
fn instant(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::ThreadStart { .. }
            | EventKind::ThreadExit
            | EventKind::Fork { .. }
            | EventKind::Join { .. }
            | EventKind::TryFailed { .. }
            | EventKind::Upgraded { .. }
            | EventKind::Downgraded { .. }
            | EventKind::Notify { .. }
            | EventKind::SemAcquired { .. }
            | EventKind::SemReleased { .. }
            | EventKind::EventSet { .. }
            | EventKind::EventClear { .. }
            | EventKind::BarrierPassed { .. }
            | EventKind::Read { .. }
            | EventKind::Write { .. }
            | EventKind::Update { .. }
            | EventKind::Note { .. }
    )
}
