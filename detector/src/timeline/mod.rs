//! What happened over time: each thread's lock holds and waits as spans
//! with a start and an end, and the events around them, for the windows of
//! a trace a caller asks for.
//!
//! [`build`] reads a trace once, streaming, through the same
//! [`Replay`] every analysis uses: a hold is what replay calls a hold
//! (outermost acquisition to last release; a condvar wait ends its mutex's
//! hold), a wait is replay's blocked state (a lock or semaphore request,
//! a condvar, event or barrier wait, a join) from its request to the event
//! that ended it. Several windows are built in the same pass; each knows
//! the spans already open where it starts (from the replay state there),
//! so a hold taken long before the window still shows.
//!
//! ```
//! use lockscope_detector::timeline::{build, Limits, Window};
//! use lockscope_detector::trace::{Event, EventKind, LockMode, MemorySource, ObjId,
//!     PrimitiveInfo, PrimitiveKind, SourceFormat, ThreadId, ThreadInfo, TraceMeta};
//!
//! let mut meta = TraceMeta::new(SourceFormat::JsonLines);
//! let t = meta.push_thread(ThreadInfo { label: "1".into(), ..ThreadInfo::default() });
//! let l = meta.push_primitive(PrimitiveInfo { label: "1".into(), kind: PrimitiveKind::Mutex,
//!     name: Some("plate".into()), site: None, permits: None, rank: None , class: None});
//! let at = |time, kind| Event { time, thread: t, site: None, backtrace: None, kind };
//! let mode = LockMode::Exclusive;
//! let events = vec![
//!     at(10, EventKind::Acquired { obj: l, mode, depth: 1 }),
//!     at(25, EventKind::Released { obj: l, mode }),
//! ];
//! let mut source = MemorySource::new(meta, events);
//! let built = build(&mut source, &[Window::All], Limits::default()).unwrap();
//! let hold = &built.views[0].spans[0];
//! assert_eq!((hold.start.time, hold.end.map(|e| e.time)), (10, Some(25)));
//! ```
//!
//! # Performance
//! Outside every window an event costs what replay costs. Inside, it is
//! stored, and its thread's held list is compared before and after it
//! (O(locks held)).
//!
//! # Limitations
//! - Memory is bounded by [`Limits::max_items`] (events plus spans stored),
//!   not by the trace: a window that reaches the limit ends there, marked
//!   [`Timeline::truncated`].
//! - A hold keeps the mode it was taken in; upgrades and downgrades show as
//!   events inside it.
//! - A time window assumes times never decrease along the trace (the trace
//!   format's rule); it ends at the first event past its end.

mod builder;
mod diff;
mod model;
mod window;

pub use model::{Bound, IndexedEvent, Limits, Span, SpanKind, Timeline, Timelines, WaitEnd};
pub use window::{merge, Window};

use crate::state::Replay;
use crate::trace::{EventSource, TraceError};

use builder::ViewBuilder;
use diff::{Before, Change};

/// Reads `source` to its end once and builds one [`Timeline`] per window of
/// `windows` (they may overlap), storing at most `limits.max_items` events
/// and spans in all.
pub fn build(
    source: &mut dyn EventSource,
    windows: &[Window],
    limits: Limits,
) -> Result<Timelines, TraceError> {
    let mut builders: Vec<ViewBuilder> = windows.iter().map(|&w| ViewBuilder::new(w)).collect();
    let mut replay = Replay::new();
    let mut budget = limits.max_items;
    let mut before = Before::default();
    let mut changes: Vec<Change> = Vec::new();
    let (mut index, mut first_time, mut last_time) = (0u64, None, 0u64);
    while let Some(ev) = source.next_event()? {
        first_time.get_or_insert(ev.time);
        last_time = ev.time;
        let mut ok = true;
        for b in builders.iter_mut().filter(|b| !b.is_closed()) {
            ok &= b.advance(index, ev.time, &replay, &mut budget);
        }
        let recording = builders.iter().any(ViewBuilder::is_open);
        if recording {
            before.take(replay.thread(ev.thread));
        }
        replay.apply(index, &ev);
        if recording && ok {
            before.diff(replay.thread(ev.thread), &mut changes);
            for b in builders.iter_mut().filter(|b| b.is_open()) {
                ok &= b.record(index, &ev, &changes, &replay, &mut budget);
            }
        }
        if !ok {
            cut_open(&mut builders, index);
        }
        index += 1;
    }
    for b in builders.iter_mut().filter(|b| !b.is_closed()) {
        b.close(index);
    }
    Ok(Timelines {
        meta: source.meta().clone(),
        events: index,
        first_time: first_time.unwrap_or(0),
        last_time,
        views: builders.into_iter().map(ViewBuilder::finish).collect(),
    })
}

/// Ends every open window before event `index`: the budget ran out there.
fn cut_open(builders: &mut [ViewBuilder], index: u64) {
    for b in builders.iter_mut().filter(|b| b.is_open()) {
        b.cut(index);
    }
}

#[cfg(test)]
mod tests;
