//! Per-thread recorder state: the thread's ring, its clock and its
//! declaration.
//!
//! Survives thread-local teardown: once the state is destroyed, events go
//! straight to the sink under its mutex (slow, but nothing is lost).
//!
//! With feature `tokio`, an event recorded while a tokio task is current is
//! the task's: the thread's state keeps the task of its latest event and
//! pushes a switch before an event of another (see `task`).
//!
//! # Performance
//! The hot path is one thread-local access, the clock, and a push of a
//! 32-byte [`Raw`] event into the ring; call sites travel as `Location`
//! addresses, interned by the sink when it collects the ring. The global
//! sink mutex is taken only when the thread declares itself in a
//! recording, its ring is full, or an event carries a backtrace (those go
//! to the sink directly: capturing one costs far more than the lock).

use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use lockscope_detector::trace::{BacktraceId, Event, EventKind, ThreadId, ThreadInfo};

use super::ring::{Raw, Ring};
use super::{clock, sink};
use crate::thread_id;

/// What a spawned thread and its [`JoinHandle`](crate::thread::JoinHandle)
/// share: whether the child is declared in the open recording, and the
/// clock value of its exit (a join follows it).
#[derive(Debug, Default)]
pub(crate) struct ThreadLink {
    declared: AtomicU32,
    exit_time: AtomicU64,
}

/// How a thread came to be, when lockscope's spawn helper started it.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub parent: u64,
    /// The recording the parent recorded the fork in (0: none).
    pub fork_session: u32,
    pub site: &'static Location<'static>,
    /// Clock value of the parent's `fork` event.
    pub fork_time: u64,
    pub link: Arc<ThreadLink>,
}

struct Local {
    ring: Arc<Ring>,
    tid: u32,
    last: Cell<u64>,
    /// The recording this thread is declared in.
    session: Cell<u32>,
    origin: RefCell<Option<Origin>>,
    /// `thread_exit` is recorded (see [`exit_thread`]).
    exited: Cell<bool>,
    /// The task of the latest event, if any.
    #[cfg(feature = "tokio")]
    task: super::task::Current,
}

thread_local! {
    static LOCAL: Local = Local::new();
    /// The address of this thread's [`LOCAL`] once it is initialised and
    /// until its destructor starts; null otherwise. `const`-initialised with
    /// no destructor, so reading it is one load and no call (see
    /// [`emit_fast`]).
    static READY: Cell<*const Local> = const { Cell::new(std::ptr::null()) };
}

impl Local {
    fn new() -> Self {
        let tid = thread_index(thread_id::current());
        let ring = Arc::new(Ring::new(ThreadId(tid)));
        sink::register(ring.clone());
        Local {
            ring,
            tid,
            last: Cell::new(0),
            session: Cell::new(0),
            origin: RefCell::new(None),
            exited: Cell::new(false),
            #[cfg(feature = "tokio")]
            task: super::task::Current::default(),
        }
    }

    /// The thread the next event belongs to: the task of the latest one,
    /// else this OS thread.
    fn thread(&self) -> ThreadId {
        #[cfg(feature = "tokio")]
        return self.task.thread(self.tid);
        #[cfg(not(feature = "tokio"))]
        ThreadId(self.tid)
    }

    /// Switches to the current task if the latest event was another's (or
    /// not a task's); see `task`.
    #[inline(always)]
    fn follow_task(&self, session: u32) {
        self.follow(session, task_now());
    }

    /// [`follow_task`](Self::follow_task) with the current task as the
    /// caller read it.
    #[inline(always)]
    fn follow(&self, session: u32, task: TaskNow) {
        #[cfg(feature = "tokio")]
        if !self.task.is(task, self.last.get()) {
            let switch = self.task.switch(session, self.tid, self.last.get(), task);
            self.last.set(switch.time);
            self.push(switch);
        }
        #[cfg(not(feature = "tokio"))]
        let _ = (session, task);
    }

    /// Back to this OS thread's own code if the latest event was a task's.
    fn leave_task(&self, session: u32) {
        #[cfg(feature = "tokio")]
        if let Some(switch) = self.task.switch_own(session, self.tid, self.last.get()) {
            self.last.set(switch.time);
            self.push(switch);
        }
        #[cfg(not(feature = "tokio"))]
        let _ = session;
    }

    /// The latest event, of the current task if any, is timed `time`.
    #[inline(always)]
    fn timed(&self, time: u64) {
        self.last.set(time);
        #[cfg(feature = "tokio")]
        self.task.record_time(time);
    }

    /// Records the event `kind` builds; see [`emit_with`].
    #[inline(always)]
    fn emit_with(
        &self,
        session: u32,
        kind: impl FnOnce() -> EventKind,
        site: Option<&'static Location<'static>>,
        after: u64,
    ) -> u64 {
        self.emit_as(session, kind, site, after, task_now())
    }

    /// [`emit_with`](Self::emit_with) for an event of `task`, the current
    /// task as the caller read it.
    #[inline(always)]
    fn emit_as(
        &self,
        session: u32,
        kind: impl FnOnce() -> EventKind,
        site: Option<&'static Location<'static>>,
        after: u64,
        task: TaskNow,
    ) -> u64 {
        if self.session.get() != session {
            self.declare(session);
        }
        self.follow(session, task);
        let time = clock::next(self.last.get(), after);
        self.timed(time);
        let ev = || Raw {
            time,
            kind: kind(),
            site,
        };
        if site.is_some() && super::config::backtraces() {
            self.push_with_backtrace(session, ev());
        } else {
            // SAFETY: this thread owns `ring`; only it pushes.
            if let Err(ev) = unsafe { self.ring.push_with(ev) } {
                self.push_full(ev());
            }
        }
        time
    }

    #[inline(always)]
    fn push(&self, ev: Raw) {
        // SAFETY: this thread owns `ring`; only it pushes.
        if let Err(ev) = unsafe { self.ring.push(ev) } {
            self.push_full(ev);
        }
    }

    /// The ring is full: collect every ring (ours included), then retry.
    #[cold]
    #[inline(never)]
    fn push_full(&self, ev: Raw) {
        sink::collect();
        // SAFETY: this thread owns `ring`; only it pushes.
        if let Err(ev) = unsafe { self.ring.push(ev) } {
            // Unreachable in practice: the collection empties this ring.
            let thread = match ev.kind {
                EventKind::Scheduled { .. } => ThreadId(self.tid),
                _ => self.thread(),
            };
            sink::with(self.session.get(), |s| s.push_raw(thread, ev));
        }
    }

    /// An event with a backtrace: captured here and handed to the sink
    /// directly (every earlier event of this thread is already published
    /// in its ring, so the sink's next cut takes them too).
    #[cold]
    #[inline(never)]
    fn push_with_backtrace(&self, session: u32, ev: Raw) {
        let backtrace = capture_backtrace(session);
        let thread = self.thread();
        sink::with(session, |s| {
            let site = ev.site.map(|loc| s.site(loc));
            s.push(Event {
                time: ev.time,
                thread,
                site,
                backtrace,
                kind: ev.kind,
            });
        });
    }

    #[cold]
    fn declare(&self, session: u32) {
        let origin = self.origin.borrow().clone();
        let name = std::thread::current().name().map(str::to_string);
        let forked_here = origin.as_ref().filter(|o| o.fork_session == session);
        let declared = sink::with(session, |s| match &origin {
            Some(o) => declare_child(s, session, self.tid, name, None, o.site, &o.link),
            None => {
                let info = ThreadInfo {
                    label: self.tid.to_string(),
                    name: Some(name.unwrap_or_else(|| unnamed(self.tid))),
                    parent: None,
                    spawn_site: None,
                };
                s.thread(ThreadId(self.tid), &info);
            }
        });
        if declared.is_none() {
            return;
        }
        // A new recording starts this thread on its own code (the sink
        // forgot the switches it saw).
        self.leave_task(session);
        self.session.set(session);
        let kind = EventKind::ThreadStart {
            parent: forked_here.map(|o| ThreadId(thread_index(o.parent))),
        };
        let time = clock::next(self.last.get(), forked_here.map_or(0, |o| o.fork_time));
        self.last.set(time);
        self.push(Raw {
            time,
            kind,
            site: None,
        });
    }
}

/// The name a thread without one gets in the trace (`thread-7`, as std's
/// panic messages and ThreadSanitizer say it), so reports never show a bare
/// number.
fn unnamed(tid: u32) -> String {
    format!("thread-{tid}")
}

/// Declares a helper-spawned thread unless it already is in `session`.
fn declare_child(
    s: &mut sink::Sink,
    session: u32,
    tid: u32,
    name: Option<String>,
    parent: Option<ThreadId>,
    site: &'static Location<'static>,
    link: &ThreadLink,
) {
    if link.declared.load(Ordering::Relaxed) == session {
        return;
    }
    let info = ThreadInfo {
        label: tid.to_string(),
        name: Some(name.unwrap_or_else(|| unnamed(tid))),
        parent,
        spawn_site: Some(s.site(site)),
    };
    s.thread(ThreadId(tid), &info);
    link.declared.store(session, Ordering::Relaxed);
}

impl Local {
    /// Records `thread_exit` (once) and publishes its time for the join.
    fn exit(&self) {
        if self.exited.replace(true) {
            return;
        }
        let session = self.session.get();
        if super::active() == Some(session) {
            self.leave_task(session);
            let time = clock::next(self.last.get(), 0);
            self.last.set(time);
            self.push(Raw {
                time,
                kind: EventKind::ThreadExit,
                site: None,
            });
        }
        if let Some(o) = self.origin.borrow().as_ref() {
            o.link.exit_time.store(self.last.get(), Ordering::Release);
        }
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        // First: from here on the fast path sees no state.
        READY.with(|r| r.set(std::ptr::null()));
        self.exit();
        self.ring.close();
    }
}

/// Ends the calling thread's recorded life once its work is done, before
/// its thread-locals are destroyed: records `thread_exit` and publishes its
/// time, so that a join is ordered after every event of the thread.
/// `std::thread::scope` returns once each thread's closure has returned,
/// possibly before that thread's thread-local destructors have run.
pub(crate) fn exit_thread() {
    let _ = LOCAL.try_with(Local::exit);
}

/// The trace's thread id for lockscope thread id `id`.
pub(crate) fn thread_index(id: u64) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

/// Records `kind` on the calling thread at `site`, after an event at clock
/// value `after` (0 for none); returns the event's clock value.
#[inline]
pub(crate) fn emit(
    session: u32,
    kind: EventKind,
    site: Option<&'static Location<'static>>,
    after: u64,
) -> u64 {
    emit_with(session, || kind, site, after)
}

/// [`emit`] with the event built by `kind` as late as possible: after the
/// declaration checks (whose calls would otherwise make the compiler spill
/// a ready event to the stack), right before it is written to the ring.
#[inline(always)]
pub(crate) fn emit_with(
    session: u32,
    kind: impl FnOnce() -> EventKind,
    site: Option<&'static Location<'static>>,
    after: u64,
) -> u64 {
    emit_as(session, kind, site, after, task_now())
}

/// The task an event belongs to: the current tokio task
/// (`tokio::task::try_id()`), or nothing without the `tokio` feature.
#[cfg(feature = "tokio")]
pub(crate) type TaskNow = Option<tokio::task::Id>;
/// The task an event belongs to: none without the `tokio` feature.
#[cfg(not(feature = "tokio"))]
#[derive(Clone, Copy)]
pub(crate) struct TaskNow;

/// The current task (see [`TaskNow`]).
#[inline(always)]
pub(crate) fn task_now() -> TaskNow {
    #[cfg(feature = "tokio")]
    return tokio::task::try_id();
    #[cfg(not(feature = "tokio"))]
    TaskNow
}

/// [`emit_with`] for an event of `task`, the current task as the caller
/// read it (a caller that needs it for itself too reads it once).
#[inline(always)]
pub(crate) fn emit_as(
    session: u32,
    kind: impl FnOnce() -> EventKind,
    site: Option<&'static Location<'static>>,
    after: u64,
    task: TaskNow,
) -> u64 {
    // Only the address is taken inside `try_with`: a trivial closure the
    // compiler inlines, where one holding `emit` stayed out of line.
    match LOCAL.try_with(|l| l as *const Local) {
        Ok(local) => {
            if READY.with(Cell::get).is_null() {
                publish_ready(local);
            }
            // SAFETY: `try_with` succeeded, so the state is alive until
            // this thread runs its thread-local destructors, which cannot
            // start while this call is on its stack; the reference ends
            // with it.
            unsafe { &*local }.emit_as(session, kind, site, after, task)
        }
        Err(_) => emit_detached(session, kind(), site, after),
    }
}

/// Makes [`emit_fast`] see the initialised state (once per thread).
#[cold]
#[inline(never)]
fn publish_ready(local: *const Local) {
    READY.with(|r| r.set(local));
}

/// [`emit_with`] for the lock fast path, which must make no call: records
/// the event only if that needs nothing but the ring push (the thread is
/// declared in `session`, backtraces are decided off, the ring has room,
/// the state is initialised). Returns the event's clock value, or `None`
/// having recorded nothing: the caller then takes [`emit_with`].
#[inline(always)]
pub(crate) fn emit_fast(
    session: u32,
    kind: impl FnOnce() -> EventKind,
    site: Option<&'static Location<'static>>,
    after: u64,
) -> Option<u64> {
    emit_fast_if(session, kind, site, after, |_local| {
        #[cfg(feature = "tokio")]
        return _local.task.is_current(_local.last.get());
        #[cfg(not(feature = "tokio"))]
        true
    })
}

/// [`emit_fast`] for an event of `task`, the current task as the caller
/// read it (an async lock's fast path).
#[cfg(feature = "tokio")]
#[inline(always)]
pub(crate) fn emit_fast_as(
    session: u32,
    kind: impl FnOnce() -> EventKind,
    site: Option<&'static Location<'static>>,
    after: u64,
    task: TaskNow,
) -> Option<u64> {
    emit_fast_if(session, kind, site, after, |local| {
        local.task.is(task, local.last.get())
    })
}

/// [`emit_fast`], which records only if `same_task` says the thread's
/// latest event is the current task's (no switch to push).
#[inline(always)]
fn emit_fast_if(
    session: u32,
    kind: impl FnOnce() -> EventKind,
    site: Option<&'static Location<'static>>,
    after: u64,
    same_task: impl FnOnce(&Local) -> bool,
) -> Option<u64> {
    // SAFETY: non-null only between the state's initialisation and the
    // start of its destructor, which cannot begin while this call is on the
    // thread's stack; the reference ends with this call.
    let local = unsafe { READY.with(Cell::get).as_ref() }?;
    if local.session.get() != session
        || (site.is_some() && super::config::backtraces_if_decided() != Some(false))
        || !same_task(local)
    {
        return None;
    }
    let time = clock::next(local.last.get(), after);
    // SAFETY: this thread owns `ring`; only it pushes.
    let pushed = unsafe {
        local.ring.push_with(|| Raw {
            time,
            kind: kind(),
            site,
        })
    };
    pushed.ok()?;
    local.timed(time);
    Some(time)
}

/// Records the event `op` returns, timed before `op` runs: the time is
/// published to `clock` first, so whatever `op` wakes is recorded later
/// (a notify and the wake-ups it causes).
pub(crate) fn emit_around(
    session: u32,
    site: Option<&'static Location<'static>>,
    clock: &std::sync::atomic::AtomicU64,
    op: &mut dyn FnMut() -> EventKind,
) {
    /// Withdraws the announcement when dropped: after the push, or if `op`
    /// unwinds (an announcement left behind would hold back every later
    /// drain).
    struct Announced(Arc<Ring>);
    impl Drop for Announced {
        fn drop(&mut self) {
            // SAFETY: created on the ring's own thread, and never sent.
            unsafe { self.0.withdraw() };
        }
    }
    let timed = LOCAL.try_with(|l| {
        if l.session.get() != session {
            l.declare(session);
        }
        l.follow_task(session);
        let time = clock::next(l.last.get(), 0);
        l.timed(time);
        // SAFETY: this thread owns `ring`. Before the time is published:
        // what `op` wakes is timed after it and may be pushed first.
        unsafe { l.ring.announce(time) };
        (time, l.thread(), Announced(l.ring.clone()))
    });
    match timed {
        Ok((time, tid, announced)) => {
            clock.fetch_max(time, std::sync::atomic::Ordering::Relaxed);
            let kind = op();
            let ev = Raw { time, kind, site };
            if LOCAL.try_with(|l| l.push(ev)).is_err() {
                sink::with(session, |s| s.push_raw(tid, ev));
            }
            drop(announced);
        }
        Err(_) => {
            let kind = op();
            emit_detached(session, kind, site, 0);
        }
    }
}

/// The parent's side of a spawn: declares the child (named `name`) and
/// records `fork`; returns the origin to hand to the child.
pub(crate) fn fork(child: u64, name: Option<&str>, site: &'static Location<'static>) -> Origin {
    let link = Arc::new(ThreadLink::default());
    let parent = thread_id::current();
    let mut origin = Origin {
        parent,
        fork_session: 0,
        site,
        fork_time: 0,
        link,
    };
    let Some(session) = super::active() else {
        return origin;
    };
    let forked = LOCAL.try_with(|l| {
        if l.session.get() != session {
            l.declare(session);
        }
        // The parent is the calling task, if one is current.
        l.follow_task(session);
        let parent_id = l.thread();
        let name = name.map(str::to_string);
        let tid = thread_index(child);
        sink::with(session, |s| {
            declare_child(s, session, tid, name, Some(parent_id), site, &origin.link)
        })?;
        let time = l.emit_with(
            session,
            || EventKind::Fork {
                child: ThreadId(tid),
            },
            Some(site),
            0,
        );
        Some((parent_id, time))
    });
    if let Ok(Some((parent_id, time))) = forked {
        origin.parent = u64::from(parent_id.0);
        origin.fork_session = session;
        origin.fork_time = time;
    }
    origin
}

/// The thread the calling code's events belong to in `session` (its task,
/// if one is current), declared there; `None` once the thread's state is
/// destroyed.
#[cfg(feature = "tokio")]
pub(crate) fn current_thread(session: u32) -> Option<ThreadId> {
    LOCAL
        .try_with(|l| {
            if l.session.get() != session {
                l.declare(session);
            }
            l.follow_task(session);
            l.thread()
        })
        .ok()
}

/// A task's poll ended on this thread: if it recorded events, the thread's
/// own code takes over now (a `scheduled` of this thread), so the trace
/// shows where the poll ended instead of at this thread's next event.
#[cfg(feature = "tokio")]
pub(crate) fn poll_ended() {
    let Some(session) = super::active() else {
        return;
    };
    let _ = LOCAL.try_with(|l| {
        if l.session.get() == session {
            l.leave_task(session);
        }
    });
}

/// The child's side of a spawn, first thing on the new thread: adopts the
/// id, remembers the origin and records `thread_start`.
pub(crate) fn start_thread(child: u64, origin: Origin) {
    thread_id::adopt(child);
    let _ = LOCAL.try_with(|l| {
        *l.origin.borrow_mut() = Some(origin);
        if let Some(session) = super::active() {
            if l.session.get() != session {
                l.declare(session);
            }
        }
    });
}

/// Records `join_request` (`joined == false`) or `join` of `child`, a join
/// following the child's exit.
pub(crate) fn join(child: u64, link: &ThreadLink, joined: bool, site: &'static Location<'static>) {
    let Some(session) = super::active() else {
        return;
    };
    let tid = thread_index(child);
    let declared = sink::with(session, |s| {
        if link.declared.load(Ordering::Relaxed) != session {
            declare_child(s, session, tid, None, None, site, link);
        }
    });
    if declared.is_none() {
        return;
    }
    let child = ThreadId(tid);
    let (kind, after) = if joined {
        (
            EventKind::Join { child },
            link.exit_time.load(Ordering::Acquire),
        )
    } else {
        (EventKind::JoinRequest { child }, 0)
    };
    emit(session, kind, Some(site), after);
}

/// Emission for a thread whose thread-locals are destroyed: straight into
/// the sink's pending events.
#[cold]
fn emit_detached(
    session: u32,
    kind: EventKind,
    site: Option<&'static Location<'static>>,
    after: u64,
) -> u64 {
    let time = clock::next(after, 0).max(clock::precise());
    let thread = ThreadId(thread_index(thread_id::current()));
    sink::with(session, |s| {
        let site = site.map(|loc| s.site(loc));
        s.push(Event {
            time,
            thread,
            site,
            backtrace: None,
            kind,
        });
    });
    time
}

/// A backtrace of the calling thread, interned in the sink (backtraces on).
#[cold]
#[inline(never)]
fn capture_backtrace(session: u32) -> Option<BacktraceId> {
    let bt = backtrace::Backtrace::new();
    let frames: Vec<String> = bt
        .frames()
        .iter()
        .flat_map(|f| f.symbols())
        .map(|sym| match (sym.name(), sym.filename(), sym.lineno()) {
            (Some(n), Some(f), Some(l)) => format!("{n} at {}:{l}", f.display()),
            (Some(n), _, _) => n.to_string(),
            _ => "<unknown>".to_string(),
        })
        .collect();
    sink::with(session, |s| s.backtrace(frames))
}
