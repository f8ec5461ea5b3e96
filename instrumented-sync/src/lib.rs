//! Drop-in instrumented locks and primitives that record a lockscope trace.
//!
//! Swap `use parking_lot::{Mutex, RwLock, Condvar};` for
//! `use lockscope_sync::{Mutex, RwLock, Condvar};`, run the program with
//! `LOCKSCOPE_TRACE=trace.jsonl`, then `lockscope analyze trace.jsonl`.
//!
//! ```
//! use lockscope_sync::{Mutex, Condvar, prelude::*};
//! let accounts = Mutex::named("accounts", vec![100, 50]);
//! accounts.lock()[0] -= 10;
//! assert_eq!(accounts.into_inner(), vec![90, 50]);
//! ```
//!
//! # What is here
//! - [`Mutex`], [`RwLock`]: `lock_api` types over instrumented raw locks,
//!   so every parking_lot method, guard, mapped guard and Arc guard works.
//!   `Mutex::new` is `const`; [`prelude::Named`] adds `Mutex::named`.
//! - [`ReentrantMutex`] (Python's `RLock`), [`Condvar`] (works with these
//!   mutex guards), [`Semaphore`], [`Event`] (Python's `threading.Event`),
//!   [`Barrier`], [`Tracked`] shared variables, [`thread`] spawning.
//! - [`recorder`]: where the trace goes and when it is flushed.
//! - Live checks: [`order`] (the sorted-id [`acquire`](order::acquire) helper
//!   and the learned lock order), [`watchdog`] (actual deadlocks), configured
//!   in one place, [`policy`].
//!
//! Each primitive has a process-wide id from a counter (never an address),
//! an optional name, its kind and creation site ([`meta::PrimitiveMeta`]);
//! each operation records the caller's site (`#[track_caller]`), and with
//! `LOCKSCOPE_BACKTRACE=1` a full backtrace. No poisoning: a panic while a
//! lock is held still records the release when the guard unwinds.
//!
//! # The `record` feature
//! On by default. Without it (`--no-default-features`) [`Mutex`],
//! [`RwLock`], [`ReentrantMutex`] and [`Condvar`] are lock_api's types over
//! the same uninstrumented raw locks the recorded ones delegate to
//! ([`RawMutex`], [`RawRwLock`]: lockscope's own, on `parking_lot_core`, not
//! parking_lot's): nothing is recorded or checked, and a lock costs what its
//! raw lock does. The other primitives record nothing and run no live
//! checks. Checked by `cargo test -p lockscope-sync --no-default-features
//! --lib --tests` (`tests/record_off.rs`).
//!
//! # Performance
//! See `docs/performance.md`: with recording compiled in but no trace open
//! an operation pays one relaxed load; recording adds a thread-local ring
//! push per event.
//!
//! # Limitations
//! - `Mutex::new` / `RwLock::new` (the `const` constructors) cannot see
//!   their caller: such a primitive's creation site is its first use. Use
//!   `named` for a real creation site.
//! - No `read_recursive`; no mapped or Arc guards for `ReentrantMutex`.
//! - A global allocator must not itself use lockscope's locks (the live
//!   checks' per-thread list may allocate while it is in use).

pub mod meta;
pub mod order;
pub mod policy;
pub mod recorder;
pub mod stdsync;
pub mod thread;
pub mod thread_id;
#[cfg(feature = "tokio")]
pub mod tokio_sync;

// The live checks, floors from the ground up (ARCHITECTURE.md): leaves
// (settings, trace sink, service threads), the held list, the watchdog's
// registry, the thread state, the lock-order checks and the watchdog,
// the entry points, then `policy` and the `hook` the primitives call.
mod held;
mod hook;
mod live;
mod live_config;
mod names;
mod service_threads;
mod thread_state;
mod trace_sink;
mod watchdog;

mod barrier;
mod blocked;
mod event;
mod primitive;
mod raw;
mod semaphore;
mod tracked;

mod acquirable;
#[cfg(feature = "record")]
mod bench_support;
#[cfg(feature = "record")]
mod condvar;
#[cfg(feature = "record")]
mod fast_path;
#[cfg(feature = "record")]
mod raw_mutex;
#[cfg(feature = "record")]
mod raw_rwlock;
#[cfg(feature = "record")]
mod reentrant;

pub use barrier::{Barrier, BarrierWaitResult};
pub use event::Event;
pub use recorder::{flush, record_default, record_to, Recording, RecordingStats};
pub use semaphore::{Semaphore, SemaphorePermit};
pub use tracked::Tracked;

/// Files whose `const` initialisers create primitives: their creation site
/// says nothing about the user's code.
#[cfg(feature = "record")]
pub(crate) const CONST_INIT_FILES: [&str; 3] = [raw_mutex::HERE, raw_rwlock::HERE, condvar::HERE];
#[cfg(not(feature = "record"))]
pub(crate) const CONST_INIT_FILES: [&str; 0] = [];

#[cfg(feature = "record")]
mod types {
    pub use crate::condvar::{Condvar, WaitTimeoutResult};
    pub use crate::raw_mutex::RawMutex;
    pub use crate::raw_rwlock::RawRwLock;
    pub use crate::reentrant::{
        ArcReentrantMutexGuard, MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard,
    };

    /// A mutual exclusion lock: parking_lot's API, recorded.
    pub type Mutex<T> = lock_api::Mutex<RawMutex, T>;
    pub type MutexGuard<'a, T> = lock_api::MutexGuard<'a, RawMutex, T>;
    pub type MappedMutexGuard<'a, T> = lock_api::MappedMutexGuard<'a, RawMutex, T>;
    pub type ArcMutexGuard<T> = lock_api::ArcMutexGuard<RawMutex, T>;

    /// A reader-writer lock: parking_lot's API, recorded.
    pub type RwLock<T> = lock_api::RwLock<RawRwLock, T>;
    pub type RwLockReadGuard<'a, T> = lock_api::RwLockReadGuard<'a, RawRwLock, T>;
    pub type RwLockWriteGuard<'a, T> = lock_api::RwLockWriteGuard<'a, RawRwLock, T>;
    pub type RwLockUpgradableReadGuard<'a, T> =
        lock_api::RwLockUpgradableReadGuard<'a, RawRwLock, T>;
    pub type MappedRwLockReadGuard<'a, T> = lock_api::MappedRwLockReadGuard<'a, RawRwLock, T>;
    pub type MappedRwLockWriteGuard<'a, T> = lock_api::MappedRwLockWriteGuard<'a, RawRwLock, T>;
    pub type ArcRwLockReadGuard<T> = lock_api::ArcRwLockReadGuard<RawRwLock, T>;
    pub type ArcRwLockWriteGuard<T> = lock_api::ArcRwLockWriteGuard<RawRwLock, T>;
    pub type ArcRwLockUpgradableReadGuard<T> = lock_api::ArcRwLockUpgradableReadGuard<RawRwLock, T>;
}

/// Without the `record` feature: lock_api's types over lockscope's
/// uninstrumented raw locks (`raw/`), which record and check nothing.
#[cfg(not(feature = "record"))]
mod types {
    pub use crate::raw::{
        ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard,
        ArcRwLockWriteGuard, Condvar, MappedMutexGuard, MappedReentrantMutexGuard,
        MappedRwLockReadGuard, MappedRwLockWriteGuard, Mutex, MutexGuard, RawCondvar, RawMutex,
        RawRwLock, RawThreadId, ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockReadGuard,
        RwLockUpgradableReadGuard, RwLockWriteGuard, WaitTimeoutResult,
    };
}

pub use types::*;

/// Constructors with names, for the `lock_api` aliases (and, without the
/// `record` feature, for the uninstrumented locks, where the name is
/// ignored).
pub mod prelude {
    /// `Mutex::named("accounts", value)` and friends.
    pub trait Named<T>: Sized {
        /// A primitive called `name` holding `value`, created here.
        #[track_caller]
        fn named(name: &'static str, value: T) -> Self;
    }

    #[cfg(feature = "record")]
    impl<T> Named<T> for crate::Mutex<T> {
        #[track_caller]
        fn named(name: &'static str, value: T) -> Self {
            crate::Mutex::from_raw(crate::RawMutex::new(Some(name)), value)
        }
    }

    #[cfg(feature = "record")]
    impl<T> Named<T> for crate::RwLock<T> {
        #[track_caller]
        fn named(name: &'static str, value: T) -> Self {
            crate::RwLock::from_raw(crate::RawRwLock::new(Some(name)), value)
        }
    }

    /// The identity (id, name, kind, rank, creation site) of a `Mutex` or
    /// `RwLock`, whose raw lock lock_api only hands out unsafely.
    #[cfg(feature = "record")]
    pub trait Identity {
        fn identity(&self) -> &crate::meta::PrimitiveMeta;
    }

    #[cfg(feature = "record")]
    impl<T: ?Sized> Identity for crate::Mutex<T> {
        fn identity(&self) -> &crate::meta::PrimitiveMeta {
            // SAFETY: the raw lock is only read for its identity.
            unsafe { self.raw() }.meta()
        }
    }

    #[cfg(feature = "record")]
    impl<T: ?Sized> Identity for crate::RwLock<T> {
        fn identity(&self) -> &crate::meta::PrimitiveMeta {
            // SAFETY: the raw lock is only read for its identity.
            unsafe { self.raw() }.meta()
        }
    }

    #[cfg(not(feature = "record"))]
    impl<T> Named<T> for crate::Mutex<T> {
        fn named(_name: &'static str, value: T) -> Self {
            crate::Mutex::new(value)
        }
    }

    #[cfg(not(feature = "record"))]
    impl<T> Named<T> for crate::RwLock<T> {
        fn named(_name: &'static str, value: T) -> Self {
            crate::RwLock::new(value)
        }
    }

    #[cfg(not(feature = "record"))]
    impl<T> Named<T> for crate::ReentrantMutex<T> {
        fn named(_name: &'static str, value: T) -> Self {
            crate::ReentrantMutex::new(value)
        }
    }

    /// `Condvar::named("ready")` without the `record` feature.
    #[cfg(not(feature = "record"))]
    pub trait NamedCondvar {
        fn named(name: &'static str) -> Self;
    }

    #[cfg(not(feature = "record"))]
    impl NamedCondvar for crate::Condvar {
        fn named(_name: &'static str) -> Self {
            crate::Condvar::new()
        }
    }
}

/// lockscope's uninstrumented raw locks, for the benches' `lockscope_raw`
/// rows (with the `record` feature off they are the crate's `RawMutex` and
/// `RawRwLock`), and the live checks without the recorder (`LiveMutex`).
#[doc(hidden)]
pub mod __bench {
    #[cfg(feature = "record")]
    pub use crate::bench_support::{LiveGuard, LiveMutex};
    pub use crate::raw::{RawMutex, RawRwLock};
}

/// Internals exposed to the loom models in `tests/loom_*.rs` only.
#[cfg(lockscope_loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::raw::loom_lot::{LoomCondvar, LoomMutex, LoomRwLock};
    pub use crate::recorder::ring::{cut, Raw, Ring, CAPACITY};
    pub use crate::{Barrier, Event, Semaphore};
}
