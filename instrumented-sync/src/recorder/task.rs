//! Tasks as threads of the trace (feature `tokio`): which task an event
//! belongs to, and what the recorder knows of each task.
//!
//! Every event recorded while a tokio task is current
//! (`tokio::task::try_id()`) is an event of that task's trace thread,
//! whichever OS thread ran it; with no task current it is the OS thread's
//! own. A thread's recorder state keeps the task of its last event
//! ([`Current`]); when the next event's task differs, it pushes a *switch*
//! into its ring first: an `EventKind::Scheduled` whose `worker` names the
//! thread the ring's following events belong to. The sink turns a switch
//! into that thread's `scheduled { worker: <the ring's OS thread> }` and
//! assigns the ring's following events to it (`ring::Ring::event`). A ring that
//! never sees a task holds no switch and reads as it always did.
//!
//! A task's trace thread id comes from the same counter as OS threads'
//! (never tokio's id itself, which would collide with them); its name is
//! `task-<tokio id>` unless the spawn gave one. What is known of a task
//! beyond its id (its name, parent and spawn site, its fork) is set before
//! it first runs, by lockscope's spawn or by tokio's task hooks, through
//! [`reserve`] and [`bind`].
//!
//! # Performance
//! One `tokio::task::try_id()` (a thread-local read) and a compare per
//! event, and a relaxed load and store of the task's latest time in its
//! entry (a task moving to another worker continues from it, so its events
//! keep their program order in the trace; one that moved away and back
//! gets a switch, see [`Current::is`]). A switch takes the task table's
//! lock once per change of task on an OS thread.
//!
//! # Limitations
//! Without lockscope's spawn or tokio's terminate hook the recorder never
//! learns that a task ended: its entry (about 100 bytes) stays in the table
//! until the process exits, for every task that recorded an event.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use lockscope_detector::trace::{Event, EventKind, ThreadId, ThreadInfo};
use tokio::task::Id;

use super::ring::Raw;
use super::{clock, sink};
use crate::raw::Mutex;

/// What the recorder knows of one task.
#[derive(Debug)]
pub(crate) struct TaskEntry {
    /// The task's trace thread id.
    tid: u32,
    /// The recording the task is declared in.
    declared: AtomicU32,
    /// The clock value of the task's latest event.
    last: AtomicU64,
    /// The clock value of the task's exit (a join follows it); 0 before.
    exit_time: AtomicU64,
    spawn: Mutex<Spawn>,
}

/// How a task came to be, when lockscope's spawn or tokio's spawn hook saw it.
#[derive(Debug, Default)]
struct Spawn {
    /// The tokio id, once the task ran (or the hook named it).
    id: Option<Id>,
    name: Option<String>,
    parent: Option<u32>,
    site: Option<&'static Location<'static>>,
    /// The recording the parent recorded the fork in (0: none).
    fork_session: u32,
    fork_time: u64,
}

impl TaskEntry {
    fn new(id: Option<Id>) -> Self {
        TaskEntry {
            tid: super::local::thread_index(crate::thread_id::allocate()),
            declared: AtomicU32::new(0),
            last: AtomicU64::new(0),
            exit_time: AtomicU64::new(0),
            spawn: Mutex::new(Spawn {
                id,
                ..Spawn::default()
            }),
        }
    }

    /// The task's trace thread.
    pub(crate) fn thread(&self) -> ThreadId {
        ThreadId(self.tid)
    }

    /// The clock value of the task's exit, 0 before it.
    pub(crate) fn exit_time(&self) -> u64 {
        self.exit_time.load(Ordering::Acquire)
    }

    /// Declares the task in `session` (once) with its `thread_start`,
    /// timed after `after` and its fork; returns the start's time, or
    /// `None` if it was declared already.
    fn declare(&self, session: u32, after: u64) -> Option<u64> {
        if self.declared.load(Ordering::Relaxed) == session {
            return None;
        }
        let spawn = self.spawn.lock();
        let forked = spawn.fork_session == session;
        let time = clock::next(
            after.max(self.last.load(Ordering::Relaxed)),
            spawn.fork_time,
        );
        let name = match (&spawn.name, spawn.id) {
            (Some(name), _) => name.clone(),
            (None, Some(id)) => format!("task-{id}"),
            (None, None) => format!("task-{}", self.tid),
        };
        let parent = spawn.parent.filter(|_| forked).map(ThreadId);
        let site = spawn.site;
        drop(spawn);
        sink::with(session, |s| {
            if self.declared.load(Ordering::Relaxed) == session {
                return None;
            }
            let info = ThreadInfo {
                label: self.tid.to_string(),
                name: Some(name),
                parent,
                spawn_site: site.map(|loc| s.site(loc)),
            };
            s.thread(self.thread(), &info);
            s.push(event(
                time,
                self.thread(),
                EventKind::ThreadStart { parent },
            ));
            self.declared.store(session, Ordering::Relaxed);
            self.last.fetch_max(time, Ordering::Relaxed);
            Some(time)
        })
        .flatten()
    }
}

fn event(time: u64, thread: ThreadId, kind: EventKind) -> Event {
    Event {
        time,
        thread,
        site: None,
        backtrace: None,
        kind,
    }
}

/// Every task the recorder has seen and not seen end, by tokio id.
static TASKS: Mutex<Option<HashMap<Id, Arc<TaskEntry>>>> = Mutex::new(None);

/// The entry of task `id`, made if the task is new.
fn entry(id: Id) -> Arc<TaskEntry> {
    let mut tasks = TASKS.lock();
    tasks
        .get_or_insert_with(HashMap::new)
        .entry(id)
        .or_insert_with(|| Arc::new(TaskEntry::new(Some(id))))
        .clone()
}

/// Task `id`'s name in the trace: the name its spawn gave, else
/// `task-<tokio id>`.
pub(crate) fn name_of(id: Id) -> String {
    let entry = TASKS.lock().as_ref().and_then(|t| t.get(&id).cloned());
    entry
        .and_then(|e| e.spawn.lock().name.clone())
        .unwrap_or_else(|| format!("task-{id}"))
}

/// A new task's entry, before tokio gave it an id (lockscope's spawn):
/// named `name`, spawned at `site`.
pub(crate) fn reserve(name: Option<String>, site: &'static Location<'static>) -> Arc<TaskEntry> {
    let entry = TaskEntry::new(None);
    {
        let mut spawn = entry.spawn.lock();
        spawn.name = name;
        spawn.site = Some(site);
    }
    Arc::new(entry)
}

/// The entry of task `id` as tokio's spawn hook sees it: spawned at `site`.
#[cfg_attr(not(tokio_unstable), allow(dead_code))]
pub(crate) fn spawned(id: Id, site: &'static Location<'static>) -> Arc<TaskEntry> {
    let entry = entry(id);
    entry.spawn.lock().site = Some(site);
    entry
}

/// Makes `entry` the entry of task `id` (the task's first poll under
/// lockscope's spawn), unless that task has one.
pub(crate) fn bind(id: Id, entry: &Arc<TaskEntry>) {
    entry.spawn.lock().id = Some(id);
    let mut tasks = TASKS.lock();
    tasks
        .get_or_insert_with(HashMap::new)
        .entry(id)
        .or_insert_with(|| entry.clone());
}

/// The parent's side of a task's spawn: records `fork` on the calling
/// thread (its task, if one is current) and makes it the task's parent.
#[track_caller]
pub(crate) fn fork(entry: &TaskEntry) {
    let Some(session) = super::active() else {
        return;
    };
    let parent = super::current_thread(session);
    let child = entry.thread();
    let declared = sink::with(session, |s| {
        let spawn = entry.spawn.lock();
        let info = ThreadInfo {
            label: entry.tid.to_string(),
            name: spawn.name.clone(),
            parent,
            spawn_site: spawn.site.map(|loc| s.site(loc)),
        };
        s.thread(child, &info);
    });
    if declared.is_none() {
        return;
    }
    let site = entry.spawn.lock().site;
    let time = super::emit(session, EventKind::Fork { child }, site, 0);
    let mut spawn = entry.spawn.lock();
    spawn.parent = parent.map(|p| p.0);
    spawn.fork_session = session;
    spawn.fork_time = time;
}

/// The current task starts (its first poll): declares it now, with its
/// `thread_start`, instead of at its first event.
pub(crate) fn started() {
    if let Some(session) = super::active() {
        super::current_thread(session);
    }
}

/// Task `id` ended (tokio's terminate hook): see [`exit`].
#[cfg_attr(not(tokio_unstable), allow(dead_code))]
pub(crate) fn terminated(id: Id) {
    let entry = TASKS.lock().as_ref().and_then(|t| t.get(&id).cloned());
    if let Some(entry) = entry {
        exit(&entry);
    }
}

/// Records `kind` (a `join_request` or `join` of the task of `entry`) on
/// the calling thread, after clock value `after`, if the task is declared
/// in the open recording.
pub(crate) fn joined(entry: &TaskEntry, kind: EventKind, after: u64) {
    let Some(session) = super::active() else {
        return;
    };
    if entry.declared.load(Ordering::Relaxed) == session
        || entry.spawn.lock().fork_session == session
    {
        super::emit(session, kind, None, after);
    }
}

/// The task ended: records its `thread_exit` (after its last event) and
/// forgets it.
pub(crate) fn exit(entry: &TaskEntry) {
    let id = entry.spawn.lock().id;
    if let Some(id) = id {
        if let Some(tasks) = TASKS.lock().as_mut() {
            tasks.remove(&id);
        }
    }
    let time = clock::next(entry.last.load(Ordering::Relaxed), 0);
    if let Some(session) = super::active() {
        if entry.declared.load(Ordering::Relaxed) == session {
            sink::with(session, |s| {
                s.push(event(time, entry.thread(), EventKind::ThreadExit))
            });
        }
    }
    entry.last.fetch_max(time, Ordering::Relaxed);
    entry.exit_time.store(time, Ordering::Release);
}

/// An OS thread's view of the task of its latest event.
#[derive(Debug, Default)]
pub(crate) struct Current {
    /// The task of the latest event pushed to the thread's ring (`None`:
    /// the thread's own code).
    id: Cell<Option<Id>>,
    /// Its entry, kept alive by `owner` (null for none): read on the hot
    /// path without a borrow.
    entry: Cell<*const TaskEntry>,
    owner: RefCell<Option<Arc<TaskEntry>>>,
}

impl Current {
    /// Whether the current task is the latest event's and recorded
    /// nothing elsewhere since (no switch needed); `last` is the time of
    /// the thread's latest event.
    #[inline(always)]
    pub(crate) fn is_current(&self, last: u64) -> bool {
        self.is(tokio::task::try_id(), last)
    }

    /// [`is_current`](Self::is_current) for `task`, the current task as
    /// the caller read it.
    ///
    /// A task that ran on another worker since this thread's latest event
    /// (its latest time is not that event's) needs a switch too: its events
    /// here must come after the ones it recorded there.
    #[inline(always)]
    pub(crate) fn is(&self, task: Option<Id>, last: u64) -> bool {
        // SAFETY: as in `record_time`.
        let moved = unsafe { self.entry.get().as_ref() }
            .is_some_and(|entry| entry.last.load(Ordering::Relaxed) != last);
        task == self.id.get() && !moved
    }

    /// Whether the latest event was a task's.
    pub(crate) fn in_task(&self) -> bool {
        self.id.get().is_some()
    }

    /// An event of the current task (if any) is timed `time`.
    #[inline(always)]
    pub(crate) fn record_time(&self, time: u64) {
        // SAFETY: non-null only while `owner` holds the entry; only this
        // thread touches `entry` and `owner`.
        if let Some(entry) = unsafe { self.entry.get().as_ref() } {
            entry.last.store(time, Ordering::Relaxed);
        }
    }

    /// The thread the latest event belongs to: the task's, else `own`.
    pub(crate) fn thread(&self, own: u32) -> ThreadId {
        // SAFETY: as in `record_time`.
        match unsafe { self.entry.get().as_ref() } {
            Some(entry) => entry.thread(),
            None => ThreadId(own),
        }
    }

    /// Switches to `task`, the current task (or back to the thread's own
    /// code): declares the task in `session` if it is new there. Returns
    /// the switch to push, timed after `last` (the OS thread's clock) and
    /// the task's latest event.
    #[cold]
    #[inline(never)]
    pub(crate) fn switch(&self, session: u32, own: u32, last: u64, task: Option<Id>) -> Raw {
        self.switch_to(session, own, last, task)
    }

    /// Switches back to the thread's own code if the latest event was a
    /// task's (before the thread's own `thread_start` or `thread_exit`,
    /// and at the end of a poll).
    pub(crate) fn switch_own(&self, session: u32, own: u32, last: u64) -> Option<Raw> {
        self.in_task()
            .then(|| self.switch_to(session, own, last, None))
    }

    fn switch_to(&self, session: u32, own: u32, last: u64, id: Option<Id>) -> Raw {
        let entry = id.map(entry);
        let (to, after) = match &entry {
            Some(e) => {
                let started = e.declare(session, last);
                let after = started.unwrap_or(0).max(e.last.load(Ordering::Relaxed));
                (e.thread(), after)
            }
            None => (ThreadId(own), 0),
        };
        let time = clock::next(last, after);
        if let Some(e) = &entry {
            e.last.store(time, Ordering::Relaxed);
        }
        self.entry
            .set(entry.as_ref().map_or(std::ptr::null(), Arc::as_ptr));
        *self.owner.borrow_mut() = entry;
        self.id.set(id);
        Raw {
            time,
            kind: EventKind::Scheduled { worker: to },
            site: None,
        }
    }
}
