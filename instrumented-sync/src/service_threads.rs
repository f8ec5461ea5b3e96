//! lockscope's own service threads (the watchdog, the recorder's flusher,
//! and any thread a program declares as one): they never wake a user
//! thread, so the watchdog does not let them keep a stall of every other
//! thread from being reported.
//!
//! A leaf: the recorder and the live checks both mark their threads here.

use crate::raw::Mutex;

/// OS ids of the service threads.
static INTERNAL: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Marks the calling thread as a service thread (where the platform names
/// OS threads: Linux).
pub(crate) fn mark_internal() {
    if let Some(tid) = os_tid() {
        INTERNAL.lock().push(tid);
    }
}

/// The OS ids of the service threads.
pub(crate) fn internal() -> Vec<u64> {
    INTERNAL.lock().clone()
}

/// The calling thread's OS id: Linux's `/proc/thread-self` names it.
pub(crate) fn os_tid() -> Option<u64> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}
