//! The trace as the witness search needs it: one 8-byte record per event
//! (thread, what it does, one operand), kept while the trace streams by,
//! and the indexes built from it once the trace has ended ([`View`]).
//!
//! Condition-variable waits and wake-ups (a release and a re-acquisition
//! on two objects) are recorded as unsupported: a search whose reordering
//! would contain one gives up, which can lose a witness but never make
//! one up.

use crate::trace::{Event, EventKind, LockMode, SiteId};

const OPERAND_BITS: u32 = 28;
const OPERAND_MASK: u32 = (1 << OPERAND_BITS) - 1;

/// What an event does, as far as reordering is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Nothing another thread can observe.
    Nop,
    /// Acquires (or re-acquires) a lock, exclusively or shared.
    Acquire {
        lock: u32,
        shared: bool,
    },
    Release {
        lock: u32,
    },
    /// About to block acquiring a lock.
    Request {
        lock: u32,
    },
    Read {
        var: u32,
    },
    Write {
        var: u32,
    },
    /// A read and a write in one step.
    Update {
        var: u32,
    },
    Fork {
        child: u32,
    },
    Join {
        child: u32,
    },
    /// An operation on a semaphore, event or barrier (or a notify): kept in
    /// trace order with the other operations on the same object.
    Sync {
        obj: u32,
    },
    /// A try-lock that found the lock held.
    TryFailed {
        lock: u32,
    },
    /// A condition-variable wait or wake-up: not reordered.
    Unsupported,
}

/// One event: its thread and its [`Op`], packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ev {
    pub thread: u32,
    op: u32,
}

impl Ev {
    fn new(thread: u32, code: u32, operand: u32) -> Option<Self> {
        (operand <= OPERAND_MASK).then_some(Ev {
            thread,
            op: code << OPERAND_BITS | operand,
        })
    }

    pub fn op(self) -> Op {
        let x = self.op & OPERAND_MASK;
        match self.op >> OPERAND_BITS {
            1 => Op::Acquire {
                lock: x,
                shared: false,
            },
            2 => Op::Acquire {
                lock: x,
                shared: true,
            },
            3 => Op::Release { lock: x },
            4 => Op::Request { lock: x },
            5 => Op::Read { var: x },
            6 => Op::Write { var: x },
            7 => Op::Update { var: x },
            8 => Op::Fork { child: x },
            9 => Op::Join { child: x },
            10 => Op::Sync { obj: x },
            11 => Op::TryFailed { lock: x },
            12 => Op::Unsupported,
            _ => Op::Nop,
        }
    }
}

/// The events of one trace, in trace order, up to a bound.
#[derive(Clone, Debug, Default)]
pub struct Log {
    pub(super) events: Vec<Ev>,
    /// `(trace index, site)` of each lock request and acquisition with a
    /// site.
    sites: Vec<(u32, u32)>,
    /// Events not kept: from the first with an id too large to pack on.
    pub(super) dropped: u64,
    /// Whether the trace passed the window: nothing is kept.
    over_window: bool,
}

impl Log {
    /// Most events kept per trace (8 bytes each).
    pub const MAX_EVENTS: usize = 1 << 23;

    /// Records `ev`; `is_lock` says whether a primitive is a lock. Past
    /// `window` events (the feasibility window, and never more than
    /// [`Log::MAX_EVENTS`]) the log is emptied and stops: the search then
    /// does not run for the trace ([`Log::over_window`]), as the
    /// feasibility grader keeps only the window's events.
    pub fn on_event(&mut self, ev: &Event, window: u64, is_lock: impl Fn(u32) -> bool) {
        if self.over_window {
            return;
        }
        if self.events.len() as u64 >= window.min(Self::MAX_EVENTS as u64) {
            self.over_window = true;
            self.events = Vec::new();
            self.sites = Vec::new();
            return;
        }
        if self.dropped > 0 {
            self.dropped += 1;
            return;
        }
        let (code, operand) = match ev.kind {
            EventKind::Acquired { obj, mode, .. } if is_lock(obj.0) => {
                (if mode == LockMode::Exclusive { 1 } else { 2 }, obj.0)
            }
            EventKind::Released { obj, .. } if is_lock(obj.0) => (3, obj.0),
            EventKind::Request { obj, .. } if is_lock(obj.0) => (4, obj.0),
            EventKind::Read { var } => (5, var.0),
            EventKind::Write { var } => (6, var.0),
            EventKind::Update { var } => (7, var.0),
            EventKind::Fork { child } => (8, child.0),
            EventKind::Join { child } => (9, child.0),
            EventKind::TryFailed { obj, .. } if is_lock(obj.0) => (11, obj.0),
            EventKind::CondWait { .. } | EventKind::CondWoken { .. } => (12, 0),
            EventKind::Acquired { obj, .. }
            | EventKind::Released { obj, .. }
            | EventKind::Request { obj, .. }
            | EventKind::TryFailed { obj, .. } => (10, obj.0),
            kind => kind.sync_obj().map_or((0, 0), |obj| (10, obj.0)),
        };
        match Ev::new(ev.thread.0, code, operand) {
            Some(e) => {
                if let (1 | 2 | 4, Some(site)) = (code, ev.site) {
                    self.sites.push((self.events.len() as u32, site.0));
                }
                self.events.push(e);
            }
            None => self.dropped += 1,
        }
    }

    /// The site of the lock request or acquisition at trace index `e`.
    pub fn site(&self, e: u32) -> Option<SiteId> {
        let i = self.sites.binary_search_by_key(&e, |s| s.0).ok()?;
        Some(SiteId(self.sites[i].1))
    }

    /// Whether the trace had more events than the window (the log is
    /// empty then).
    pub fn over_window(&self) -> bool {
        self.over_window
    }

    /// Whether every event of the trace was kept.
    pub fn complete(&self) -> bool {
        self.dropped == 0
    }

    /// The indexes the search needs.
    pub fn view(&self) -> View<'_> {
        View::new(&self.events)
    }
}

const NONE: u32 = u32::MAX;

/// One critical section: outermost acquisition to matching release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub thread: u32,
    /// Trace index of the acquisition, and of the release (`NONE`: never
    /// released).
    pub acq: u32,
    pub rel: u32,
}

impl Section {
    pub fn released(&self) -> bool {
        self.rel != NONE
    }
}

/// Indexes over a log: each thread's events, each read's writer, each
/// synchronisation's predecessor, each lock's critical sections.
#[derive(Debug)]
pub struct View<'a> {
    pub events: &'a [Ev],
    /// Per thread: the trace indexes of its events, in order.
    pub threads: Vec<Vec<u32>>,
    /// Per event: its position in its thread.
    pub pos: Vec<u32>,
    /// Per event: the event it must come after besides program order (a
    /// read's writer, the previous operation on a synchronisation object,
    /// a join's child's last event), `NONE` if none.
    pub dep: Vec<u32>,
    /// Per event: the critical section it opens (an outermost
    /// acquisition), `NONE` if none.
    pub opens: Vec<u32>,
    /// Every critical section, by acquisition; per lock, its sections in
    /// trace order.
    pub sections: Vec<Section>,
    pub lock_sections: Vec<Vec<u32>>,
    /// Per thread: `(from, fork)`: its events from position `from` on come
    /// after the fork (trace index) that names it last.
    pub fork: Vec<(u32, u32)>,
    /// Per variable: its writes, in trace order.
    pub writes: Vec<Vec<u32>>,
}

fn grow<T: Clone>(v: &mut Vec<T>, i: usize, fill: T) -> &mut T {
    crate::dense::entry(v, i, || fill.clone())
}

impl<'a> View<'a> {
    fn new(events: &'a [Ev]) -> Self {
        let n = events.len();
        let mut v = View {
            events,
            threads: Vec::new(),
            pos: vec![0; n],
            dep: vec![NONE; n],
            opens: vec![NONE; n],
            sections: Vec::new(),
            lock_sections: Vec::new(),
            fork: Vec::new(),
            writes: Vec::new(),
        };
        let mut last_write: Vec<u32> = Vec::new();
        let mut last_op: Vec<u32> = Vec::new();
        // Per (thread, lock): depth and open section.
        let mut held: Vec<Vec<(u32, u32, u32)>> = Vec::new();
        for (i, e) in events.iter().enumerate() {
            let i32_ = i as u32;
            let t = e.thread as usize;
            let mine = grow(&mut v.threads, t, Vec::new());
            v.pos[i] = mine.len() as u32;
            mine.push(i32_);
            match e.op() {
                Op::Read { var } => v.dep[i] = *grow(&mut last_write, var as usize, NONE),
                Op::Write { var } | Op::Update { var } => {
                    let w = grow(&mut last_write, var as usize, NONE);
                    if matches!(e.op(), Op::Update { .. }) {
                        v.dep[i] = *w;
                    }
                    *w = i32_;
                    grow(&mut v.writes, var as usize, Vec::new()).push(i32_);
                }
                Op::Sync { obj } | Op::TryFailed { lock: obj } => {
                    let last = grow(&mut last_op, obj as usize, NONE);
                    v.dep[i] = *last;
                    *last = i32_;
                }
                Op::Acquire { lock, .. } => {
                    *grow(&mut last_op, lock as usize, NONE) = i32_;
                    let hs = grow(&mut held, t, Vec::new());
                    match hs.iter_mut().find(|h| h.0 == lock) {
                        Some(h) => h.1 += 1,
                        None => {
                            let s = v.sections.len() as u32;
                            v.sections.push(Section {
                                thread: e.thread,
                                acq: i32_,
                                rel: NONE,
                            });
                            grow(&mut v.lock_sections, lock as usize, Vec::new()).push(s);
                            v.opens[i] = s;
                            hs.push((lock, 1, s));
                        }
                    }
                }
                Op::Release { lock } => {
                    let hs = grow(&mut held, t, Vec::new());
                    if let Some(k) = hs.iter().position(|h| h.0 == lock) {
                        hs[k].1 -= 1;
                        if hs[k].1 == 0 {
                            v.sections[hs[k].2 as usize].rel = i32_;
                            hs.remove(k);
                        }
                    }
                }
                Op::Fork { child } => {
                    let from = v.threads.get(child as usize).map_or(0, |c| c.len() as u32);
                    *grow(&mut v.fork, child as usize, (NONE, NONE)) = (from, i32_);
                }
                Op::Join { child } => {
                    v.dep[i] = v
                        .threads
                        .get(child as usize)
                        .and_then(|c| c.last().copied())
                        .unwrap_or(NONE);
                }
                _ => {}
            }
        }
        v
    }

    /// The trace index of thread `t`'s event at `pos`.
    pub fn at(&self, t: u32, pos: u32) -> u32 {
        self.threads[t as usize][pos as usize]
    }

    /// How many events thread `t` has.
    pub fn len(&self, t: u32) -> u32 {
        self.threads.get(t as usize).map_or(0, |v| v.len() as u32)
    }

    /// `(from, fork)`: thread `t`'s events from position `from` on come
    /// after event `fork`.
    pub fn fork_of(&self, t: u32) -> Option<(u32, u32)> {
        self.fork.get(t as usize).copied().filter(|f| f.1 != NONE)
    }
}

/// `NONE` as seen by the other modules.
pub const NO_EVENT: u32 = NONE;

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(thread: u32, code: u32, operand: u32) -> Ev {
        Ev::new(thread, code, operand).expect("small operand")
    }

    #[test]
    fn ops_round_trip_through_the_packed_form() {
        assert_eq!(
            ev(3, 1, 7).op(),
            Op::Acquire {
                lock: 7,
                shared: false
            }
        );
        assert_eq!(ev(0, 9, 2).op(), Op::Join { child: 2 });
        assert_eq!(ev(0, 0, 0).op(), Op::Nop);
        assert!(Ev::new(0, 1, 1 << 28).is_none());
    }

    #[test]
    fn view_indexes_sections_writers_and_forks() {
        // T0: w(x) fork(T1) acq(A) acq(A) rel(A) rel(A); T1: r(x)
        let events = [
            ev(0, 6, 0),
            ev(0, 8, 1),
            ev(0, 1, 0),
            ev(1, 5, 0),
            ev(0, 1, 0),
            ev(0, 3, 0),
            ev(0, 3, 0),
        ];
        let v = View::new(&events);
        assert_eq!(v.threads, [vec![0, 1, 2, 4, 5, 6], vec![3]]);
        assert_eq!(v.dep[3], 0);
        assert_eq!(v.fork_of(1), Some((0, 1)));
        assert_eq!(v.fork_of(0), None);
        assert_eq!(
            v.sections,
            [Section {
                thread: 0,
                acq: 2,
                rel: 6
            }]
        );
        assert_eq!(v.opens[2], 0);
        assert_eq!(v.opens[4], NONE);
    }
}
