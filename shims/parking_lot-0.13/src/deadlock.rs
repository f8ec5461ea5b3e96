//! parking_lot's deadlock detection API (`deadlock_detection` feature),
//! answered by lockscope's watchdog instead.
//!
//! lockscope's watchdog already watches every thread blocked on these locks:
//! it finds wait-for cycles one to two watchdog intervals after they form,
//! reports them on stderr with the threads, locks and lines involved,
//! records them into the trace (where `lockscope analyze` reports them as
//! deadlocks) and acts on them as `LOCKSCOPE_POLICY` says (see
//! lockscope-sync's `policy` and `watchdog` modules). A program's own
//! polling loop therefore has nothing left to find: [`check_deadlock`]
//! always returns an empty list, so such a loop runs and stays quiet while
//! lockscope reports.

/// A thread of a deadlock, as parking_lot describes it.
#[derive(Debug)]
pub struct DeadlockedThread {
    thread_id: usize,
    backtrace: backtrace::Backtrace,
}

impl DeadlockedThread {
    /// The OS thread id of the deadlocked thread.
    pub fn thread_id(&self) -> usize {
        self.thread_id
    }

    /// The backtrace of the deadlocked thread when it blocked.
    pub fn backtrace(&self) -> &backtrace::Backtrace {
        &self.backtrace
    }
}

/// The deadlocks found since the last call, each as its threads: always
/// none, because lockscope's watchdog finds and reports them itself (see
/// the module documentation).
pub fn check_deadlock() -> Vec<Vec<DeadlockedThread>> {
    Vec::new()
}
