//! `Barrier` with `std::sync::Barrier`'s API (a `const` constructor
//! included), over lockscope's recorded [`crate::Barrier`].
//!
//! std's `Barrier::new` is `const`, lockscope's is not (it takes its id and
//! creation site when built), so the recorded barrier is built on the first
//! `wait`, at that call's site, and kept in a `std::sync::OnceLock`. Each
//! `wait` is recorded (`barrier_wait`, `barrier_passed`) at its caller's
//! site.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::OnceLock;

/// Lets `n` threads wait for each other, with `std::sync::Barrier`'s API,
/// recorded.
///
/// ```
/// use lockscope_sync::stdsync::Barrier;
///
/// let barrier = Barrier::new(3);
/// let leaders = std::thread::scope(|s| {
///     let threads: Vec<_> = (0..3).map(|_| s.spawn(|| barrier.wait())).collect();
///     let results = threads.into_iter().map(|t| t.join().unwrap());
///     results.filter(|r| r.is_leader()).count()
/// });
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier {
    parties: usize,
    recorded: OnceLock<crate::Barrier>,
}

/// What [`Barrier::wait`] returns: whether this thread is the one leader
/// of its generation.
pub struct BarrierWaitResult(bool);

impl UnwindSafe for Barrier {}
impl RefUnwindSafe for Barrier {}

impl Barrier {
    /// A barrier that releases its waiters `n` at a time (`0` acts as `1`).
    pub const fn new(n: usize) -> Barrier {
        Barrier {
            parties: n,
            recorded: OnceLock::new(),
        }
    }

    /// Blocks until `n` threads have called `wait`; exactly one of them is
    /// the leader. The barrier is reusable.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        BarrierWaitResult(self.recorded().wait().is_leader())
    }

    /// The recorded barrier, built by the first `wait` (a racing second
    /// one is dropped unused).
    #[track_caller]
    fn recorded(&self) -> &crate::Barrier {
        match self.recorded.get() {
            Some(barrier) => barrier,
            None => {
                let fresh = crate::Barrier::new(self.parties);
                self.recorded.get_or_init(|| fresh)
            }
        }
    }
}

/// As std's: `Barrier { .. }`.
impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}

impl BarrierWaitResult {
    /// True for exactly one thread of each generation.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

/// As std's: `BarrierWaitResult { is_leader: .. }`.
impl fmt::Debug for BarrierWaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWaitResult")
            .field("is_leader", &self.is_leader())
            .finish()
    }
}
