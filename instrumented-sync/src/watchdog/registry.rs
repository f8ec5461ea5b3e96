//! Every live instrumented thread's watchdog slot: what it is blocked on
//! (if anything) and, while blocked, the locks it holds.
//!
//! A thread registers on its first hook call and leaves when its
//! thread-locals are destroyed. It publishes into its slot only when it
//! blocks and when it stops blocking; a blocked thread's held list cannot
//! change, so the published copy is exact for as long as it is blocked.
//! Every block bumps the slot's epoch: a thread seen blocked with the same
//! epoch in two scans was blocked the whole time in between.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use lockscope_detector::trace::LockMode;
use parking_lot::Mutex;

use crate::thread_state::{Held, LockInfo};

/// What a blocked thread waits for (an owned copy of [`crate::live::Wait`]).
#[derive(Clone, Copy, Debug)]
pub enum WaitDesc {
    Lock { lock: LockInfo, mode: LockMode },
    Condvar { condvar: LockInfo, mutex: LockInfo },
    Semaphore(LockInfo),
    Event(LockInfo),
    Barrier(LockInfo),
    Join(u64),
}

/// A published block.
#[derive(Clone, Debug)]
pub struct Blocked {
    pub on: WaitDesc,
    pub site: &'static std::panic::Location<'static>,
    pub epoch: u64,
    pub since: Instant,
    /// For a timed wait: when it gives up by itself (never a deadlock).
    pub deadline: Option<Instant>,
    pub held: Vec<Held>,
    pub backtrace: Option<Arc<std::backtrace::Backtrace>>,
}

/// One thread's slot.
#[derive(Debug)]
pub struct Slot {
    pub thread: u64,
    /// The OS thread id, where the platform tells it (Linux).
    pub os_tid: Option<u64>,
    pub name: Option<Arc<str>>,
    pub blocked: Mutex<Option<Blocked>>,
    epoch: AtomicUsize,
    /// Set by the watchdog when the thread is found deadlocked and the
    /// policy says panic; the report is in `verdict`.
    pub doomed: AtomicBool,
    pub verdict: Mutex<Option<String>>,
}

impl Slot {
    /// Publishes a block and returns its epoch.
    pub fn publish(&self, mut b: Blocked) {
        b.epoch = self.epoch.fetch_add(1, Ordering::Relaxed) as u64 + 1;
        *self.blocked.lock() = Some(b);
        BLOCKED.fetch_add(1, Ordering::Release);
    }

    /// Withdraws the published block, if any.
    pub fn unpublish(&self) {
        if self.blocked.lock().take().is_some() {
            BLOCKED.fetch_sub(1, Ordering::Release);
        }
    }
}

static SLOTS: Mutex<Vec<Arc<Slot>>> = Mutex::new(Vec::new());
/// OS ids of lockscope's own service threads (watchdog, recorder writer).
static INTERNAL: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Marks the calling thread as one of lockscope's own: it never wakes a
/// user thread, so it does not keep a stall from being reported.
pub fn mark_internal() {
    if let Some(tid) = os_tid() {
        INTERNAL.lock().push(tid);
    }
}
static BLOCKED: AtomicUsize = AtomicUsize::new(0);

/// Registers the calling thread (lockscope id `thread`).
pub fn register(thread: u64) -> Arc<Slot> {
    let slot = Arc::new(Slot {
        thread,
        os_tid: os_tid(),
        name: std::thread::current().name().map(Arc::from),
        blocked: Mutex::new(None),
        epoch: AtomicUsize::new(0),
        doomed: AtomicBool::new(false),
        verdict: Mutex::new(None),
    });
    SLOTS.lock().push(slot.clone());
    slot
}

/// Removes a slot (its thread is exiting).
pub fn deregister(slot: &Arc<Slot>) {
    slot.unpublish();
    SLOTS.lock().retain(|s| !Arc::ptr_eq(s, slot));
}

/// How many threads are published as blocked (racy; the watchdog's cheap
/// first check).
pub fn blocked_count() -> usize {
    BLOCKED.load(Ordering::Acquire)
}

/// Every registered slot.
pub fn slots() -> Vec<Arc<Slot>> {
    SLOTS.lock().clone()
}

/// The registered slots of user threads (not lockscope's own service
/// threads, which may have used a primitive in a user callback).
pub fn user_slots() -> Vec<Arc<Slot>> {
    let internal = INTERNAL.lock().clone();
    slots()
        .into_iter()
        .filter(|s| !s.os_tid.is_some_and(|t| internal.contains(&t)))
        .collect()
}

/// Whether some thread other than the caller is blocked acquiring `lock` in
/// `mode`.
pub fn someone_waits_for(lock: u64, mode: LockMode, except: u64) -> bool {
    if blocked_count() == 0 {
        return false;
    }
    slots().iter().any(|s| {
        s.thread != except
            && matches!(
                *s.blocked.lock(),
                Some(Blocked { on: WaitDesc::Lock { lock: l, mode: m }, .. }) if l.id == lock && m == mode
            )
    })
}

/// A thread's label for reports: `thread `name` (3)` or `thread 3`.
pub fn thread_label(thread: u64, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("thread `{n}` ({thread})"),
        None => format!("thread {thread}"),
    }
}

/// The calling thread's OS id: Linux's `/proc/thread-self` names it.
pub fn os_tid() -> Option<u64> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Whether the process has threads that are neither in `slots` nor
/// lockscope's own (`true` when the platform cannot tell).
pub fn unregistered_threads(slots: &[Arc<Slot>]) -> bool {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return true;
    };
    let mut known: std::collections::HashSet<u64> = slots.iter().filter_map(|s| s.os_tid).collect();
    known.extend(INTERNAL.lock().iter().copied());
    tasks
        .filter_map(|t| t.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .any(|tid| !known.contains(&tid))
}
