//! Trace events in words, for `lockscope events`, the Perfetto export and
//! the HTML report's timeline: `acquired plate (shared)`, `read x`,
//! `waits for chopsticks`, with names from the trace's tables.
//!
//! These describe single trace events, not findings: what a finding says is
//! the detector's wording.

use std::fmt::Write as _;

use lockscope_detector::state::WaitTarget;
use lockscope_detector::timeline::{Span, SpanKind, Timeline, Timelines};
use lockscope_detector::trace::{
    ClockUnit, EventKind, LockMode, ObjId, SiteId, ThreadId, TraceMeta, VarId,
};

use super::stats::duration;
use crate::sites::Root;

/// A thread's display name (its label when the trace gives no name).
pub fn thread(meta: &TraceMeta, t: ThreadId) -> String {
    meta.threads.get(t.index()).map_or_else(
        || format!("thread #{}", t.0),
        |i| i.display_name().to_owned(),
    )
}

/// A primitive's display name.
pub fn obj(meta: &TraceMeta, o: ObjId) -> String {
    if o.index() < meta.primitives.len() {
        meta.primitive_name(o).into_owned()
    } else {
        format!("#{}", o.0)
    }
}

fn var(meta: &TraceMeta, v: VarId) -> String {
    meta.vars
        .get(v.index())
        .map_or_else(|| format!("var #{}", v.0), |i| i.display_name().to_owned())
}

/// A site as `file:line:col` relative to `root` (or `loc N`).
pub fn site(meta: &TraceMeta, root: &Root, s: Option<SiteId>) -> Option<String> {
    let site = meta.sites.get(s?.index())?;
    Some(root.relative_site(&site.to_string()))
}

fn mode(m: LockMode) -> &'static str {
    match m {
        LockMode::Exclusive => "",
        LockMode::Shared => " (shared)",
        LockMode::Upgradable => " (upgradable)",
    }
}

/// One event in words.
pub fn describe(meta: &TraceMeta, kind: &EventKind) -> String {
    let o = |x| obj(meta, x);
    let t = |x| thread(meta, x);
    match *kind {
        EventKind::ThreadStart { .. } => "started".to_owned(),
        EventKind::ThreadExit => "exited".to_owned(),
        EventKind::Fork { child } => format!("spawned {}", t(child)),
        EventKind::JoinRequest { child } => format!("joins {}", t(child)),
        EventKind::Join { child } => format!("joined {}", t(child)),
        EventKind::Request { obj, mode: m } => format!("requested {}{}", o(obj), mode(m)),
        EventKind::Acquired {
            obj,
            mode: m,
            depth,
        } if depth > 1 => {
            format!("re-acquired {}{} (depth {depth})", o(obj), mode(m))
        }
        EventKind::Acquired { obj, mode: m, .. } => format!("acquired {}{}", o(obj), mode(m)),
        EventKind::TryFailed { obj, mode: m } => format!("failed to get {}{}", o(obj), mode(m)),
        EventKind::Released { obj, mode: m } => format!("released {}{}", o(obj), mode(m)),
        EventKind::Upgraded { obj } => format!("upgraded {} to exclusive", o(obj)),
        EventKind::Downgraded { obj, to } => format!("downgraded {} to {to}", o(obj)),
        EventKind::CondWait {
            condvar,
            mutex,
            timed,
        } => {
            let within = if timed { ", with a timeout" } else { "" };
            format!("waits on {} (releases {}{within})", o(condvar), o(mutex))
        }
        EventKind::CondWoken {
            condvar, timed_out, ..
        } => format!("{} {}", woke(timed_out), o(condvar)),
        EventKind::Notify {
            condvar,
            all,
            woken,
        } => {
            let which = if all { "notify_all" } else { "notify_one" };
            format!("{which} {} (woke {woken})", o(condvar))
        }
        EventKind::SemAcquired { obj, permits } => format!("took {permits} of {}", o(obj)),
        EventKind::SemReleased { obj, permits } => format!("gave {permits} back to {}", o(obj)),
        EventKind::EventSet { obj } => format!("set {}", o(obj)),
        EventKind::EventClear { obj } => format!("cleared {}", o(obj)),
        EventKind::EventWait { obj, timed } => {
            let within = if timed { " with a timeout" } else { "" };
            format!("waits for {}{within}", o(obj))
        }
        EventKind::EventWoken { obj, timed_out } => format!("{} {}", woke(timed_out), o(obj)),
        EventKind::BarrierWait { obj } => format!("waits at {}", o(obj)),
        EventKind::BarrierPassed { obj, .. } => format!("passed {}", o(obj)),
        EventKind::Read { var: v } => format!("read {}", var(meta, v)),
        EventKind::Write { var: v } => format!("wrote {}", var(meta, v)),
        EventKind::Update { var: v } => format!("updated {}", var(meta, v)),
        EventKind::Begin => "begin".to_owned(),
        EventKind::End => "end".to_owned(),
        EventKind::Note { note } => match meta.notes.get(note.index()) {
            Some(n) => format!("note: {}", n.kind),
            None => "note".to_owned(),
        },
        EventKind::Scheduled { worker } => format!("runs on {}", t(worker)),
    }
}

fn woke(timed_out: bool) -> &'static str {
    if timed_out {
        "timed out on"
    } else {
        "woken by"
    }
}

/// What a span is about, in words: `plate` for a hold, `waits for plate`,
/// `waits on ready (releases queue)`, `joins worker`.
pub fn span(meta: &TraceMeta, s: &Span) -> String {
    match s.kind {
        SpanKind::Hold { obj: o, mode: m } => format!("{}{}", obj(meta, o), mode(m)),
        SpanKind::Wait { on } => wait(meta, on),
    }
}

/// A wait target in words.
pub fn wait(meta: &TraceMeta, on: WaitTarget) -> String {
    match on {
        WaitTarget::Lock { obj: o, mode: m } => format!("waits for {}{}", obj(meta, o), mode(m)),
        WaitTarget::Condvar { condvar, mutex } => {
            format!(
                "waits on {} (released {})",
                obj(meta, condvar),
                obj(meta, mutex)
            )
        }
        WaitTarget::Event { obj: o } => format!("waits for {}", obj(meta, o)),
        WaitTarget::Barrier { obj: o } => format!("waits at {}", obj(meta, o)),
        WaitTarget::Join { child } => format!("joins {}", thread(meta, child)),
    }
}

/// A time in the trace's clock for a table cell (`51.14ms`, `340ev`).
pub fn time(clock: ClockUnit, t: u64) -> String {
    duration(t, clock.as_str())
}

/// The table of `lockscope events`: one row per event of `view` (only
/// `only`'s when given), the row of `focus` marked `>`, then every thread's
/// holds and wait just before `focus`.
pub fn table(
    name: &str,
    built: &Timelines,
    view: &Timeline,
    focus: u64,
    only: Option<ThreadId>,
    root: &Root,
) -> String {
    let meta = &built.meta;
    let clock = meta.header.clock;
    // Without a clock a time is the event's index again: no column for it.
    let timed = clock == ClockUnit::Nanoseconds;
    let header = ["", "event", "time", "thread", "what", "holds", "site"];
    let mut rows: Vec<Vec<String>> = vec![header.map(str::to_owned).to_vec()];
    for e in &view.events {
        if only.is_some_and(|t| t != e.event.thread) {
            continue;
        }
        let holds = held_names(meta, view, e.event.thread, e.index);
        rows.push(vec![
            if e.index == focus { ">" } else { "" }.to_owned(),
            e.index.to_string(),
            time(clock, e.event.time),
            thread(meta, e.event.thread),
            describe(meta, &e.event.kind),
            if holds.is_empty() {
                "-".to_owned()
            } else {
                holds
            },
            site(meta, root, e.event.site).unwrap_or_default(),
        ]);
    }
    if !timed {
        for row in &mut rows {
            row.remove(2);
        }
    }
    let mut out = String::new();
    let filter = only.map_or_else(String::new, |t| {
        format!(", thread {} only", thread(meta, t))
    });
    let _ = writeln!(
        out,
        "{name}: events {}..{} of {} around event {focus}{filter} ({})\n",
        view.first,
        view.end,
        built.events,
        clock_words(clock)
    );
    out.push_str(&columns(&rows));
    let _ = writeln!(out, "\njust before event {focus}:");
    for t in view.threads() {
        let _ = writeln!(out, "  {}", thread_state(meta, view, t, focus, root));
    }
    out
}

fn clock_words(clock: ClockUnit) -> &'static str {
    match clock {
        ClockUnit::Nanoseconds => "times since the trace started",
        ClockUnit::Sequence => "the trace has no clock",
    }
}

/// The names of the locks `t` held just before event `index`.
fn held_names(meta: &TraceMeta, view: &Timeline, t: ThreadId, index: u64) -> String {
    let held = view.held_before(t, index);
    held.iter()
        .map(|s| span(meta, s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `task1: holds plate (since event 5 at a.rs:16:20); waits for chopsticks (since event 8)`.
fn thread_state(meta: &TraceMeta, view: &Timeline, t: ThreadId, index: u64, root: &Root) -> String {
    let since = |s: &Span| {
        let at = site(meta, root, s.start.site).map_or_else(String::new, |x| format!(" at {x}"));
        format!("since event {}{at}", s.start.index)
    };
    let mut parts: Vec<String> = view
        .held_before(t, index)
        .iter()
        .map(|s| format!("holds {} ({})", span(meta, s), since(s)))
        .collect();
    if let Some(w) = view.waiting_before(t, index) {
        parts.push(format!("{} ({})", span(meta, w), since(w)));
    }
    if parts.is_empty() {
        parts.push("holds nothing, waits for nothing".to_owned());
    }
    format!("{}: {}", thread(meta, t), parts.join("; "))
}

/// Columns separated by two spaces (numbers right-aligned), trailing space
/// trimmed. The first row is the header.
fn columns(rows: &[Vec<String>]) -> String {
    let cols = rows.first().map_or(0, Vec::len);
    let mut width = vec![0usize; cols];
    for row in rows {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let numeric: Vec<bool> = rows
        .first()
        .map(|h| h.iter().map(|c| c == "event" || c == "time").collect())
        .unwrap_or_default();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for ((c, w), right) in row.iter().zip(&width).zip(&numeric) {
            if *right {
                let _ = write!(line, "{c:>w$}  ");
            } else {
                let _ = write!(line, "{c:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
