//! Replay state: who holds which lock (and how often), who is blocked on
//! what, which events are set, how many permits each semaphore has out.
//!
//! [`Replay::apply`] advances the state by one event. It is forgiving: input
//! that breaks lock semantics (releasing a lock not held, a second exclusive
//! holder) is applied as well as it can be and never panics; the discipline
//! analysis reports such events, reading the state as it was *before* them.
//!
//! # Performance
//! Per-thread held sets are small vectors scanned linearly (threads rarely
//! hold more than a handful of locks), and per-object state is a dense
//! vector indexed by [`ObjId`], so `apply` is O(locks held) with no hashing.

use crate::trace::{Event, EventKind, LockMode, ObjId, SiteId, ThreadId};

/// One lock a thread holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub obj: ObjId,
    pub mode: LockMode,
    /// Re-entrancy depth: 1 after the first acquisition.
    pub depth: u32,
    /// Trace index of the outermost acquisition.
    pub since: u64,
    /// Time of the outermost acquisition.
    pub time: u64,
    /// Site of the outermost acquisition.
    pub site: Option<SiteId>,
}

/// What a blocked thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitTarget {
    /// A lock (or a semaphore permit) in `mode`.
    Lock { obj: ObjId, mode: LockMode },
    /// A notification on `condvar` (the thread released `mutex`).
    Condvar { condvar: ObjId, mutex: ObjId },
    /// Event `obj` to be set.
    Event { obj: ObjId },
    /// The other parties of barrier `obj`.
    Barrier { obj: ObjId },
    /// Thread `child` to exit.
    Join { child: ThreadId },
}

/// A thread's pending blocking operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub on: WaitTarget,
    /// Trace index of the request.
    pub since: u64,
    pub time: u64,
    pub site: Option<SiteId>,
    /// The wait has a timeout: it ends by itself (a timed condvar or event
    /// wait).
    pub timed: bool,
}

/// One thread's replay state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadState {
    /// Locks held, in acquisition order (outermost first).
    pub held: Vec<Held>,
    /// The blocking operation in progress, if any.
    pub blocked: Option<Blocked>,
    /// Whether the thread has had any event.
    pub seen: bool,
    /// Whether the thread has had an event other than a `begin`/`end`
    /// marker.
    pub ran: bool,
    /// Whether a `thread_exit` was seen.
    pub exited: bool,
}

impl ThreadState {
    /// The entry for `obj` in the held set, if held.
    pub fn holding(&self, obj: ObjId) -> Option<&Held> {
        self.held.iter().find(|h| h.obj == obj)
    }
}

/// One primitive's replay state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjState {
    /// Threads holding it and how (several only for shared modes).
    pub holders: Vec<(ThreadId, LockMode)>,
    /// Semaphore permits taken and not yet returned (may go negative on
    /// over-release).
    pub permits_out: i64,
    /// Event primitive: whether it is set.
    pub is_set: bool,
}

/// The whole replay state.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    threads: Vec<ThreadState>,
    objs: Vec<ObjState>,
}

impl Replay {
    pub fn new() -> Self {
        Replay::default()
    }

    /// Thread `t`'s state (an empty one if `t` never appeared).
    pub fn thread(&self, t: ThreadId) -> &ThreadState {
        static EMPTY: ThreadState = ThreadState {
            held: Vec::new(),
            blocked: None,
            seen: false,
            ran: false,
            exited: false,
        };
        self.threads.get(t.index()).unwrap_or(&EMPTY)
    }

    /// Object `o`'s state (an empty one if `o` never appeared).
    pub fn obj(&self, o: ObjId) -> &ObjState {
        static EMPTY: ObjState = ObjState {
            holders: Vec::new(),
            permits_out: 0,
            is_set: false,
        };
        self.objs.get(o.index()).unwrap_or(&EMPTY)
    }

    /// Every thread that has appeared, with its state.
    pub fn threads(&self) -> impl Iterator<Item = (ThreadId, &ThreadState)> {
        self.threads
            .iter()
            .enumerate()
            .filter(|(_, s)| s.seen)
            .map(|(i, s)| (ThreadId(i as u32), s))
    }

    /// Advances the state by `ev`, the event at trace index `index`.
    pub fn apply(&mut self, index: u64, ev: &Event) {
        let t = ev.thread;
        let state = self.thread_mut(t);
        state.seen = true;
        state.ran |= !matches!(ev.kind, EventKind::Begin | EventKind::End);
        match ev.kind {
            EventKind::Request { obj, mode } => {
                self.block(ev, index, WaitTarget::Lock { obj, mode })
            }
            EventKind::Acquired { obj, mode, .. } => self.acquire(index, ev, obj, mode),
            EventKind::SemAcquired { obj, permits } => {
                self.thread_mut(t).blocked = None;
                self.obj_mut(obj).permits_out += i64::from(permits);
            }
            EventKind::SemReleased { obj, permits } => {
                self.obj_mut(obj).permits_out -= i64::from(permits);
            }
            EventKind::TryFailed { .. } => self.thread_mut(t).blocked = None,
            EventKind::Released { obj, .. } => self.release(t, obj),
            EventKind::Upgraded { obj } => self.set_mode(t, obj, LockMode::Exclusive),
            EventKind::Downgraded { obj, to } => self.set_mode(t, obj, to),
            EventKind::CondWait {
                condvar,
                mutex,
                timed,
            } => {
                self.release_fully(t, mutex);
                self.block(ev, index, WaitTarget::Condvar { condvar, mutex });
                self.mark_timed(t, timed);
            }
            EventKind::CondWoken { mutex, .. } => {
                self.thread_mut(t).blocked = None;
                self.acquire(index, ev, mutex, LockMode::Exclusive);
            }
            EventKind::EventSet { obj } => self.obj_mut(obj).is_set = true,
            EventKind::EventClear { obj } => self.obj_mut(obj).is_set = false,
            EventKind::EventWait { obj, timed } => {
                self.block(ev, index, WaitTarget::Event { obj });
                self.mark_timed(t, timed);
            }
            EventKind::BarrierWait { obj } => self.block(ev, index, WaitTarget::Barrier { obj }),
            EventKind::JoinRequest { child } => self.block(ev, index, WaitTarget::Join { child }),
            EventKind::EventWoken { .. } | EventKind::BarrierPassed { .. } => {
                self.thread_mut(t).blocked = None;
            }
            EventKind::Join { child } => {
                self.thread_mut(t).blocked = None;
                self.ended(child);
            }
            EventKind::ThreadExit => {
                self.thread_mut(t).exited = true;
                self.ended(t);
            }
            EventKind::ThreadStart { .. }
            | EventKind::Fork { .. }
            | EventKind::Notify { .. }
            | EventKind::Read { .. }
            | EventKind::Write { .. }
            | EventKind::Update { .. }
            | EventKind::Begin
            | EventKind::End
            | EventKind::Note { .. }
            | EventKind::Scheduled { .. } => {}
        }
    }

    /// `t` ran to its end (it exited or was joined): a test suite runs
    /// hundreds of thousands of threads, so its held list's memory is given
    /// back.
    fn ended(&mut self, t: ThreadId) {
        if let Some(state) = self.threads.get_mut(t.index()) {
            if state.held.is_empty() {
                state.held = Vec::new();
            }
        }
    }

    fn thread_mut(&mut self, t: ThreadId) -> &mut ThreadState {
        crate::dense::grow(&mut self.threads, t.index(), ThreadState::default);
        &mut self.threads[t.index()]
    }

    fn obj_mut(&mut self, o: ObjId) -> &mut ObjState {
        crate::dense::grow(&mut self.objs, o.index(), ObjState::default);
        &mut self.objs[o.index()]
    }

    fn block(&mut self, ev: &Event, index: u64, on: WaitTarget) {
        self.thread_mut(ev.thread).blocked = Some(Blocked {
            on,
            since: index,
            time: ev.time,
            site: ev.site,
            timed: false,
        });
    }

    /// Marks `t`'s current wait as timed when `timed`.
    fn mark_timed(&mut self, t: ThreadId, timed: bool) {
        if let Some(b) = self.thread_mut(t).blocked.as_mut() {
            b.timed = timed;
        }
    }

    fn acquire(&mut self, index: u64, ev: &Event, obj: ObjId, mode: LockMode) {
        let t = ev.thread;
        let state = self.thread_mut(t);
        state.blocked = None;
        if let Some(h) = state.held.iter_mut().find(|h| h.obj == obj) {
            h.depth += 1;
            return;
        }
        state.held.push(Held {
            obj,
            mode,
            depth: 1,
            since: index,
            time: ev.time,
            site: ev.site,
        });
        self.obj_mut(obj).holders.push((t, mode));
    }

    fn release(&mut self, t: ThreadId, obj: ObjId) {
        let state = self.thread_mut(t);
        let Some(pos) = state.held.iter().rposition(|h| h.obj == obj) else {
            return;
        };
        state.held[pos].depth -= 1;
        if state.held[pos].depth == 0 {
            state.held.remove(pos);
            self.drop_holder(t, obj);
        }
    }

    fn release_fully(&mut self, t: ThreadId, obj: ObjId) {
        let state = self.thread_mut(t);
        if let Some(pos) = state.held.iter().rposition(|h| h.obj == obj) {
            state.held.remove(pos);
            self.drop_holder(t, obj);
        }
    }

    fn drop_holder(&mut self, t: ThreadId, obj: ObjId) {
        let holders = &mut self.obj_mut(obj).holders;
        if let Some(pos) = holders.iter().position(|&(h, _)| h == t) {
            holders.swap_remove(pos);
        }
    }

    fn set_mode(&mut self, t: ThreadId, obj: ObjId, mode: LockMode) {
        if let Some(h) = self.thread_mut(t).held.iter_mut().find(|h| h.obj == obj) {
            h.mode = mode;
        }
        if let Some(entry) = self.obj_mut(obj).holders.iter_mut().find(|(h, _)| *h == t) {
            entry.1 = mode;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(thread: u32, kind: EventKind) -> Event {
        Event {
            time: 0,
            thread: ThreadId(thread),
            site: None,
            backtrace: None,
            kind,
        }
    }

    fn acq(obj: u32) -> EventKind {
        EventKind::Acquired {
            obj: ObjId(obj),
            mode: LockMode::Exclusive,
            depth: 1,
        }
    }

    fn rel(obj: u32) -> EventKind {
        EventKind::Released {
            obj: ObjId(obj),
            mode: LockMode::Exclusive,
        }
    }

    #[test]
    fn reentrant_acquisitions_count_depth_and_release_at_zero() {
        let mut r = Replay::new();
        for (i, k) in [acq(0), acq(0), rel(0)].into_iter().enumerate() {
            r.apply(i as u64, &ev(0, k));
        }
        assert_eq!(
            r.thread(ThreadId(0)).holding(ObjId(0)).map(|h| h.depth),
            Some(1)
        );
        r.apply(3, &ev(0, rel(0)));
        assert!(r.thread(ThreadId(0)).held.is_empty());
        assert!(r.obj(ObjId(0)).holders.is_empty());
    }

    #[test]
    fn request_blocks_until_acquired() {
        let mut r = Replay::new();
        let req = EventKind::Request {
            obj: ObjId(1),
            mode: LockMode::Exclusive,
        };
        r.apply(0, &ev(2, req));
        assert!(matches!(
            r.thread(ThreadId(2)).blocked,
            Some(Blocked {
                on: WaitTarget::Lock { obj: ObjId(1), .. },
                since: 0,
                ..
            })
        ));
        r.apply(1, &ev(2, acq(1)));
        assert_eq!(r.thread(ThreadId(2)).blocked, None);
        assert_eq!(
            r.obj(ObjId(1)).holders,
            vec![(ThreadId(2), LockMode::Exclusive)]
        );
    }

    #[test]
    fn condvar_wait_releases_the_mutex_and_woken_retakes_it() {
        let mut r = Replay::new();
        r.apply(0, &ev(0, acq(0)));
        let wait = EventKind::CondWait {
            condvar: ObjId(1),
            mutex: ObjId(0),
            timed: false,
        };
        r.apply(1, &ev(0, wait));
        assert!(r.obj(ObjId(0)).holders.is_empty());
        let woken = EventKind::CondWoken {
            condvar: ObjId(1),
            mutex: ObjId(0),
            timed_out: false,
        };
        r.apply(2, &ev(0, woken));
        assert_eq!(r.thread(ThreadId(0)).held.len(), 1);
        assert_eq!(r.thread(ThreadId(0)).blocked, None);
    }

    #[test]
    fn releasing_a_lock_not_held_is_ignored() {
        let mut r = Replay::new();
        r.apply(0, &ev(0, rel(5)));
        assert!(r.thread(ThreadId(0)).held.is_empty());
    }
}
