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
use std::time::{Duration, Instant};

use lockscope_detector::trace::LockMode;

use crate::held::{Held, LockInfo};
use crate::raw::Mutex;
use crate::service_threads;

/// What a blocked thread waits for (an owned copy of [`crate::live::Wait`]).
#[derive(Clone, Copy, Debug)]
pub enum WaitDesc {
    Lock { lock: LockInfo, mode: LockMode },
    Condvar { condvar: LockInfo },
    Semaphore(LockInfo),
    Event(LockInfo),
    Barrier(LockInfo),
    Join(u64),
}

/// The condvar a thread waits on and the mutex it waits with: how the
/// watchdog wakes a thread out of a condvar wait to act on a verdict (a
/// condvar wakes by condvar, not by thread, and a condvar wait is not cut
/// into slices: the waiter would be out of the condvar's queue between
/// two, and a notify sent then would be lost).
#[derive(Clone, Copy, Debug)]
pub struct CondvarWait {
    condvar: *const crate::raw::RawCondvar,
    mutex: *const crate::raw::RawMutex,
}

// SAFETY: the pointers are dereferenced only by `Slot::wake_condvar_wait`,
// under the slot's `condvar_wait` lock, which the waiting thread takes to
// clear them before its wait returns (see `CondvarWait::new`).
unsafe impl Send for CondvarWait {}

impl CondvarWait {
    /// A wait on `condvar` with `mutex`.
    ///
    /// # Safety
    /// Both must stay alive until the calling thread has withdrawn the wait
    /// from its slot ([`Slot::set_condvar_wait`] with `None`), which it must
    /// do before its wait on them returns.
    #[cfg(feature = "record")]
    pub unsafe fn new(condvar: &crate::raw::RawCondvar, mutex: &crate::raw::RawMutex) -> Self {
        CondvarWait { condvar, mutex }
    }
}

/// A published block.
#[derive(Clone, Debug)]
pub struct Blocked {
    pub on: WaitDesc,
    pub site: &'static std::panic::Location<'static>,
    pub epoch: u64,

    /// For a timed wait: when it gives up by itself (never a deadlock).
    pub deadline: Option<Instant>,
    pub held: Vec<Held>,
    pub backtrace: Option<Arc<std::backtrace::Backtrace>>,
    /// The tokio task the thread was running when it blocked, if any
    /// (features `tokio` and `record`): the task waits with it
    /// (`tokio_sync`'s scan of mixed cycles).
    #[cfg(all(feature = "tokio", feature = "record"))]
    pub task: Option<tokio::task::Id>,
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
    /// The condvar wait the thread is in, if any.
    condvar_wait: Mutex<Option<CondvarWait>>,
}

impl Slot {
    /// Publishes a block and returns its epoch.
    pub fn publish(&self, mut b: Blocked) {
        b.epoch = self.epoch.fetch_add(1, Ordering::Relaxed) as u64 + 1;
        *self.blocked.lock() = Some(b);
        BLOCKED.fetch_add(1, Ordering::Release);
    }

    /// Marks the thread to panic with `verdict` when it next checks, if it
    /// is still blocked; false, marking nothing, if its wait has ended
    /// since the scan. Decided under the published block's lock, so a
    /// wait ending meanwhile (which withdraws the block, then clears the
    /// mark) either comes first and is seen, or clears the mark after.
    pub fn doom_if_blocked(&self, verdict: &str) -> bool {
        let blocked = self.blocked.lock();
        if blocked.is_none() {
            return false;
        }
        *self.verdict.lock() = Some(verdict.to_owned());
        self.doomed.store(true, Ordering::Release);
        true
    }

    /// Publishes (`Some`) or withdraws (`None`) the condvar wait the
    /// thread is in.
    #[cfg(feature = "record")]
    pub fn set_condvar_wait(&self, wait: Option<CondvarWait>) {
        *self.condvar_wait.lock() = wait;
    }

    /// Wakes the thread if it is in a condvar wait, by waking every waiter
    /// of that condvar: the others see a spurious wake-up (only ever after a
    /// deadlock verdict). The mutex is taken first, if it can be within a
    /// few ms: the waiter holds it until it is queued on the condvar, so a
    /// notify sent under it cannot come too early.
    pub fn wake_condvar_wait(&self) {
        let wait = self.condvar_wait.lock();
        if let Some(w) = *wait {
            // SAFETY: the waiter withdraws `w` under this lock before its
            // wait returns, so both primitives are alive while it is held.
            let (condvar, mutex) = unsafe { (&*w.condvar, &*w.mutex) };
            let locked = mutex.try_lock_until(Instant::now().checked_add(Duration::from_millis(5)));
            condvar.notify_all();
            if locked {
                // SAFETY: taken just above, by this thread.
                unsafe { mutex.unlock() };
            }
        }
    }

    /// Withdraws the published block, if any.
    pub fn unpublish(&self) {
        if self.blocked.lock().take().is_some() {
            BLOCKED.fetch_sub(1, Ordering::Release);
        }
    }
}

static SLOTS: Mutex<Vec<Arc<Slot>>> = Mutex::new(Vec::new());
static BLOCKED: AtomicUsize = AtomicUsize::new(0);

/// Registers the calling thread (lockscope id `thread`).
pub fn register(thread: u64) -> Arc<Slot> {
    let slot = Arc::new(Slot {
        thread,
        os_tid: service_threads::os_tid(),
        name: std::thread::current().name().map(Arc::from),
        blocked: Mutex::new(None),
        epoch: AtomicUsize::new(0),
        doomed: AtomicBool::new(false),
        verdict: Mutex::new(None),
        condvar_wait: Mutex::new(None),
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
    let internal = service_threads::internal();
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

/// Whether the process has threads that are neither in `slots` nor
/// lockscope's own (`true` when the platform cannot tell).
pub fn unregistered_threads(slots: &[Arc<Slot>]) -> bool {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return true;
    };
    let mut known: std::collections::HashSet<u64> = slots.iter().filter_map(|s| s.os_tid).collect();
    known.extend(service_threads::internal());
    tasks
        .filter_map(|t| t.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .any(|tid| !known.contains(&tid))
}
