//! A drop-in for `std::sync`: code written for std's locks compiles and
//! behaves unchanged after replacing `use std::sync::{...}` by
//! `use lockscope_sync::stdsync::{...}` (through the facade,
//! `use lockscope::sync::stdsync::{...}`), and every acquisition and wait
//! is recorded and checked live like those of lockscope's other
//! primitives.
//!
//! ```
//! // was: use std::sync::{Arc, Condvar, Mutex};
//! use lockscope_sync::stdsync::{Arc, Condvar, Mutex};
//!
//! let pair = Arc::new((Mutex::new(false), Condvar::new()));
//! let pair2 = Arc::clone(&pair);
//! std::thread::spawn(move || {
//!     let (lock, cvar) = &*pair2;
//!     *lock.lock().unwrap() = true;
//!     cvar.notify_one();
//! });
//! let (lock, cvar) = &*pair;
//! let mut started = lock.lock().unwrap();
//! while !*started {
//!     started = cvar.wait(started).unwrap();
//! }
//! ```
//!
//! # What it promises
//! - [`Mutex`], [`RwLock`], [`Condvar`], [`Barrier`], [`OnceLock`],
//!   [`LazyLock`] and their guards and results have std's stable API on the
//!   toolchain that builds them (1.95): the same methods with the same
//!   signatures, `const` constructors where std's are, std's `Debug`
//!   output, and the `Send`, `Sync`, `UnwindSafe`, `RefUnwindSafe` and
//!   `Unpin` implementations std has (`tests/stdsync_traits.rs` compares
//!   them when compiling). Their errors are std's own [`PoisonError`],
//!   [`TryLockError`], [`LockResult`] and [`TryLockResult`].
//! - Poisoning is std's: a guard that can write, dropped while its thread
//!   panics (and taken before the panic began), poisons its lock; `lock`,
//!   `read`, `write`, the `try_*` methods, `get_mut`, `into_inner` and the
//!   condvar waits report it; `clear_poison` clears it. Readers never
//!   poison. A `LazyLock` whose function panicked panics on every later
//!   access, with std's message.
//! - Every acquisition, wait and notify is recorded at the caller's site
//!   (`#[track_caller]` down to the raw lock; `wait_while` and
//!   `wait_timeout_while` record each of their waits at their caller's
//!   site), and goes through the live lock-order check and the watchdog.
//!   A `OnceLock` or `LazyLock` initialisation is a wait too: the
//!   initialiser holds a recorded lock while it runs, taken at the site of
//!   the first access, so a thread holding `L` that waits for a value whose
//!   initialiser takes `L` is a lock-order inversion like any other.
//! - The rest of `std::sync` ([`Arc`], [`Weak`], [`mpsc`], [`atomic`],
//!   [`Once`], [`OnceState`], [`ONCE_INIT`]) is re-exported unchanged, so
//!   any `use std::sync::{...}` line keeps compiling.
//! - With the `record` feature off every name here is std's own item
//!   (`tests/stdsync_record_off.rs`).
//!
//! std's documented examples of these types run against this module in
//! `tests/stdsync_*.rs`, and `tests/stdsync_same_as_std.rs` runs the same
//! test bodies against both and compares what they observe.
//!
//! # Performance
//! An acquisition costs what the lockscope lock underneath costs
//! (`docs/performance.md`: [`crate::Mutex`], [`crate::RwLock`]), plus what
//! std's own poisoning costs: a relaxed load of the poison flag and of the
//! global panic count when the lock is taken, the panic count again when a
//! writing guard is dropped. Reading an initialised `OnceLock` or
//! `LazyLock` is std's (one load); only a first access, or a wait for it,
//! takes the recorded lock. A `OnceLock` carries a lockscope mutex and
//! condvar, a `LazyLock` a mutex, beside std's cell.
//!
//! # Limitations
//! - std's unstable API is not here (`MutexGuard::map` and the mapped
//!   guards, `get_cloned` / `set` / `replace`, `data_ptr`,
//!   `OnceLock::try_insert` / `get_or_try_init`, `LazyLock::into_inner`,
//!   `nonpoison`, `ReentrantLock`): it cannot be used on a stable
//!   toolchain, and it may still change.
//! - The locks are parking_lot's underneath: which waiter gets a contended
//!   lock, and whether readers or writers go first, can differ from std's
//!   (std specifies neither). Locking a mutex the thread already holds, or
//!   initialising a `OnceLock` from its own initialiser, is a self-deadlock
//!   that the live checks report (by default with a panic, see
//!   [`policy`](crate::policy)) where std's hangs.
//! - The `const` constructors cannot see their caller: a `Mutex` or
//!   `RwLock`'s creation site, in the trace, is its first use, and a
//!   `Barrier`'s recorded barrier is created by its first `wait`.
//! - `Debug` of a `Mutex` or `RwLock` tries the lock, as std's does; that
//!   `try_lock` is recorded at this module's site, not the caller's.
//! - `Once` is std's own and not recorded.
//! - A `OnceLock` read on the fast path records nothing, so the trace has
//!   no happens-before edge from its initialisation to that read.

#[cfg(feature = "record")]
mod barrier;
#[cfg(feature = "record")]
mod condvar;
#[cfg(feature = "record")]
mod lazy_lock;
#[cfg(feature = "record")]
mod mutex;
#[cfg(feature = "record")]
mod once_lock;
#[cfg(feature = "record")]
mod poison;
#[cfg(feature = "record")]
mod rwlock;

#[cfg(feature = "record")]
pub use self::barrier::{Barrier, BarrierWaitResult};
#[cfg(feature = "record")]
pub use self::condvar::{Condvar, WaitTimeoutResult};
#[cfg(feature = "record")]
pub use self::lazy_lock::LazyLock;
#[cfg(feature = "record")]
pub use self::mutex::{Mutex, MutexGuard};
#[cfg(feature = "record")]
pub use self::once_lock::OnceLock;
#[cfg(feature = "record")]
pub use self::rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(not(feature = "record"))]
pub use std::sync::{
    Barrier, BarrierWaitResult, Condvar, LazyLock, Mutex, MutexGuard, OnceLock, RwLock,
    RwLockReadGuard, RwLockWriteGuard, WaitTimeoutResult,
};

// The rest of `std::sync`, as std's own items, so that any `use
// std::sync::{...}` line keeps compiling with the new path: the error and
// result types (the locks above return std's `PoisonError` and
// `TryLockError`), what is not a lock, and `Once` (not recorded).
#[allow(deprecated)]
pub use std::sync::ONCE_INIT;
pub use std::sync::{
    atomic, mpsc, Arc, LockResult, Once, OnceState, PoisonError, TryLockError, TryLockResult, Weak,
};
