//! Builds one window's [`Timeline`] from the replay state at its start and
//! the changes each event in it makes.

use std::collections::HashMap;

use crate::state::{Blocked, Held, Replay, WaitTarget};
use crate::trace::{Event, EventKind, ObjId, ThreadId};

use super::diff::Change;
use super::model::{Bound, IndexedEvent, Span, SpanKind, Timeline, WaitEnd};
use super::window::Window;

/// Where a window is in the pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No event of the window seen yet.
    Before,
    /// Recording.
    Open,
    /// Past its end (or cut short).
    Closed,
}

/// One window under construction.
#[derive(Debug)]
pub struct ViewBuilder {
    view: Timeline,
    phase: Phase,
    open_holds: HashMap<(ThreadId, ObjId), usize>,
    open_waits: HashMap<ThreadId, usize>,
}

impl ViewBuilder {
    pub fn new(window: Window) -> Self {
        ViewBuilder {
            view: Timeline {
                window,
                first: 0,
                end: 0,
                events: Vec::new(),
                spans: Vec::new(),
                truncated: false,
            },
            phase: Phase::Before,
            open_holds: HashMap::new(),
            open_waits: HashMap::new(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Opens or closes the window at the event `index`, at `time`, before
    /// the event is applied to `replay`. Opening costs its open spans from
    /// `budget`; returns `false` when the budget ran out.
    pub fn advance(&mut self, index: u64, time: u64, replay: &Replay, budget: &mut usize) -> bool {
        let window = self.view.window;
        if self.phase == Phase::Open && window.is_past(index, time) {
            self.close(index);
        } else if self.phase == Phase::Before && window.contains(index, time) {
            self.phase = Phase::Open;
            self.view.first = index;
            return self.open_from(replay, budget);
        } else if self.phase == Phase::Before && window.is_past(index, time) {
            self.close(index);
        }
        true
    }

    /// Ends the window before event `end`.
    pub fn close(&mut self, end: u64) {
        if self.phase == Phase::Before {
            self.view.first = end;
        }
        self.view.end = end;
        self.phase = Phase::Closed;
    }

    /// Ends the window before event `end` because the budget ran out:
    /// whatever event `end` had begun to store is dropped.
    pub fn cut(&mut self, end: u64) {
        self.close(end);
        self.view.truncated = true;
        self.view.events.retain(|e| e.index < end);
        self.view.spans.retain(|s| s.start.index < end);
        for s in &mut self.view.spans {
            if s.end.is_some_and(|e| e.index >= end) {
                s.end = None;
                s.outcome = None;
            }
        }
    }

    /// Spans already open where the window starts, from the replay state.
    fn open_from(&mut self, replay: &Replay, budget: &mut usize) -> bool {
        for (t, state) in replay.threads() {
            for (i, h) in state.held.iter().enumerate() {
                let held = state.held[..i].iter().map(|h| h.obj).collect();
                if !self.start_hold(t, h, held, budget) {
                    return false;
                }
            }
            if let Some(b) = state.blocked {
                if !self.start_wait(t, &b, replay, budget) {
                    return false;
                }
            }
        }
        true
    }

    /// Records event `index` and the `changes` it made (`replay` is the
    /// state after it). Returns `false` when the budget ran out.
    pub fn record(
        &mut self,
        index: u64,
        ev: &Event,
        changes: &[Change],
        replay: &Replay,
        budget: &mut usize,
    ) -> bool {
        if !spend(budget) {
            return false;
        }
        self.view.events.push(IndexedEvent { index, event: *ev });
        let t = ev.thread;
        let here = Bound {
            index,
            time: ev.time,
            site: ev.site,
        };
        for change in changes {
            let ok = match change {
                Change::WaitEnded(_) => {
                    if let Some(at) = self.open_waits.remove(&t) {
                        self.view.spans[at].end = Some(here);
                        self.view.spans[at].outcome = Some(outcome(&ev.kind));
                    }
                    true
                }
                Change::HoldEnded(h) => {
                    if let Some(at) = self.open_holds.remove(&(t, h.obj)) {
                        self.view.spans[at].end = Some(here);
                    }
                    true
                }
                Change::HoldStarted(h) => {
                    let held = replay.thread(t).held.iter();
                    let held = held.map(|x| x.obj).filter(|&o| o != h.obj).collect();
                    self.start_hold(t, h, held, budget)
                }
                Change::WaitStarted(b) => self.start_wait(t, b, replay, budget),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    fn start_hold(&mut self, t: ThreadId, h: &Held, held: Vec<ObjId>, budget: &mut usize) -> bool {
        if !spend(budget) {
            return false;
        }
        self.open_holds.insert((t, h.obj), self.view.spans.len());
        self.view.spans.push(Span {
            thread: t,
            kind: SpanKind::Hold {
                obj: h.obj,
                mode: h.mode,
            },
            start: Bound {
                index: h.since,
                time: h.time,
                site: h.site,
            },
            end: None,
            outcome: None,
            held,
            blocked_by: Vec::new(),
        });
        true
    }

    fn start_wait(
        &mut self,
        t: ThreadId,
        b: &Blocked,
        replay: &Replay,
        budget: &mut usize,
    ) -> bool {
        if !spend(budget) {
            return false;
        }
        let blocked_by = match b.on {
            WaitTarget::Lock { obj, .. } => {
                let holders = replay.obj(obj).holders.iter();
                holders.map(|&(h, _)| h).filter(|&h| h != t).collect()
            }
            _ => Vec::new(),
        };
        self.open_waits.insert(t, self.view.spans.len());
        self.view.spans.push(Span {
            thread: t,
            kind: SpanKind::Wait { on: b.on },
            start: Bound {
                index: b.since,
                time: b.time,
                site: b.site,
            },
            end: None,
            outcome: None,
            held: replay.thread(t).held.iter().map(|h| h.obj).collect(),
            blocked_by,
        });
        true
    }

    /// The finished timeline.
    pub fn finish(self) -> Timeline {
        self.view
    }
}

/// How the event `kind` that ended a wait ended it.
fn outcome(kind: &EventKind) -> WaitEnd {
    match *kind {
        EventKind::CondWoken {
            timed_out: true, ..
        }
        | EventKind::EventWoken {
            timed_out: true, ..
        } => WaitEnd::TimedOut,
        EventKind::Acquired { .. }
        | EventKind::SemAcquired { .. }
        | EventKind::CondWoken { .. }
        | EventKind::EventWoken { .. }
        | EventKind::BarrierPassed { .. }
        | EventKind::Join { .. } => WaitEnd::Granted,
        _ => WaitEnd::GaveUp,
    }
}

/// Takes one item from `budget`; `false` when none is left.
fn spend(budget: &mut usize) -> bool {
    match budget.checked_sub(1) {
        Some(left) => {
            *budget = left;
            true
        }
        None => false,
    }
}
