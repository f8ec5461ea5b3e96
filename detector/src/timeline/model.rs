//! The timeline model: per-thread lock holds and waits as spans with a
//! start and an end, and the events of a window in trace order.

use crate::state::WaitTarget;
use crate::trace::{Event, LockMode, ObjId, SiteId, ThreadId, TraceMeta};

use super::window::Window;

/// One end of a span: the event that began or ended it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    /// The event's 0-based index in its trace.
    pub index: u64,
    /// The event's time, in the trace's clock unit.
    pub time: u64,
    pub site: Option<SiteId>,
}

/// What a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// The thread held lock `obj` in `mode`, from its outermost acquisition
    /// to the release that let it go (re-entries do not split a hold; a
    /// condvar wait ends the hold of its mutex and waking starts a new one).
    Hold { obj: ObjId, mode: LockMode },
    /// The thread was blocked: on a lock or a semaphore permit, a condvar,
    /// an event, a barrier or a thread to join.
    Wait { on: WaitTarget },
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEnd {
    /// It got what it waited for (the lock, the permit, the notification,
    /// the event, the barrier, the joined thread).
    Granted,
    /// It timed out (a timed condvar or event wait).
    TimedOut,
    /// It stopped waiting without getting it: a `try_lock` or timed lock
    /// that failed, or a wait given up for another request.
    GaveUp,
}

/// A hold or a wait of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub thread: ThreadId,
    pub kind: SpanKind,
    /// The event that began it; for a span already open where the window
    /// starts, that earlier event (its index is below the window's).
    pub start: Bound,
    /// The event that ended it; `None` while it is still open where the
    /// window (or the trace) ends.
    pub end: Option<Bound>,
    /// How a wait ended (`None` for holds and for waits still open).
    pub outcome: Option<WaitEnd>,
    /// The locks the thread held when the span began, outermost first, the
    /// span's own lock excluded.
    pub held: Vec<ObjId>,
    /// For a wait on a lock: the threads holding it when the wait began (or,
    /// for a wait already open where the window starts, at that point).
    pub blocked_by: Vec<ThreadId>,
}

impl Span {
    /// The primitive the span is about (`None` for a join wait). A condvar
    /// wait names its condvar.
    pub fn obj(&self) -> Option<ObjId> {
        match self.kind {
            SpanKind::Hold { obj, .. } => Some(obj),
            SpanKind::Wait { on } => match on {
                WaitTarget::Lock { obj, .. }
                | WaitTarget::Event { obj }
                | WaitTarget::Barrier { obj } => Some(obj),
                WaitTarget::Condvar { condvar, .. } => Some(condvar),
                WaitTarget::Join { .. } => None,
            },
        }
    }

    pub fn is_hold(&self) -> bool {
        matches!(self.kind, SpanKind::Hold { .. })
    }

    /// Whether the span covers the moment just before event `index`: it
    /// began at an earlier event and had not ended before `index`.
    pub fn open_before(&self, index: u64) -> bool {
        self.start.index < index && self.end.is_none_or(|e| e.index >= index)
    }
}

/// One event with its index in the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexedEvent {
    pub index: u64,
    pub event: Event,
}

/// One window of a trace: its events and the spans that overlap it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// The window asked for.
    pub window: Window,
    /// Index of the window's first event and one past its last; both equal
    /// the trace's event count when no event fell inside.
    pub first: u64,
    pub end: u64,
    /// Every event of `first..end`, in trace order.
    pub events: Vec<IndexedEvent>,
    /// Holds and waits that overlap the window, in the order they began
    /// (spans open where the window starts come first).
    pub spans: Vec<Span>,
    /// Whether the size limit cut the window short at `end`.
    pub truncated: bool,
}

impl Timeline {
    /// The event at `index`, if it is inside the window.
    pub fn event(&self, index: u64) -> Option<&IndexedEvent> {
        let at = self.events.binary_search_by_key(&index, |e| e.index).ok()?;
        self.events.get(at)
    }

    /// Whether event `index` is inside the window.
    pub fn covers(&self, index: u64) -> bool {
        (self.first..self.end).contains(&index)
    }

    /// The locks `thread` held just before event `index`, outermost first.
    pub fn held_before(&self, thread: ThreadId, index: u64) -> Vec<&Span> {
        let mut held: Vec<&Span> = self
            .spans
            .iter()
            .filter(|s| s.thread == thread && s.is_hold() && s.open_before(index))
            .collect();
        held.sort_by_key(|s| s.start.index);
        held
    }

    /// What `thread` was blocked on just before event `index`, if anything.
    pub fn waiting_before(&self, thread: ThreadId, index: u64) -> Option<&Span> {
        self.spans
            .iter()
            .find(|s| s.thread == thread && !s.is_hold() && s.open_before(index))
    }

    /// The spans that event `index` began.
    pub fn started_at(&self, index: u64) -> impl Iterator<Item = &Span> {
        self.spans.iter().filter(move |s| s.start.index == index)
    }

    /// Every thread with an event or a span in the window, by id.
    pub fn threads(&self) -> Vec<ThreadId> {
        let mut threads: Vec<ThreadId> = self
            .events
            .iter()
            .map(|e| e.event.thread)
            .chain(self.spans.iter().map(|s| s.thread))
            .collect();
        threads.sort_unstable();
        threads.dedup();
        threads
    }

    /// The time where the window starts: its first event's, or the earliest
    /// start of a span already open there.
    pub fn start_time(&self) -> Option<u64> {
        let spans = self.spans.iter().map(|s| s.start.time);
        spans.chain(self.events.first().map(|e| e.event.time)).min()
    }

    /// The time of the window's last event.
    pub fn end_time(&self) -> Option<u64> {
        self.events.last().map(|e| e.event.time)
    }
}

/// The timelines of one trace, built in one pass, with the trace's tables.
#[derive(Clone, Debug)]
pub struct Timelines {
    /// The trace's tables (names, sites), as read to its end.
    pub meta: TraceMeta,
    /// How many events the trace has.
    pub events: u64,
    /// The times of its first and last events.
    pub first_time: u64,
    pub last_time: u64,
    /// One timeline per window asked for, in the order asked.
    pub views: Vec<Timeline>,
}

/// How much a build may store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Events plus spans stored over every window together. When it runs
    /// out, every window still open ends there, marked
    /// [`truncated`](Timeline::truncated).
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_items: 4_000_000,
        }
    }
}
