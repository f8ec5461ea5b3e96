//! parking_lot 0.13's public API over lockscope's recorded locks.
//!
//! A substitute for parking_lot 0.13, put into a build without editing it
//! through cargo's `[patch.crates-io]` (`cargo lockscope test` does that
//! through `--config`), next to the 0.12 one if the build has both. Every
//! program and dependency that uses parking_lot 0.13 then records its lock
//! operations into the lockscope trace (`LOCKSCOPE_TRACE`) at its own lines.
//!
//! ```
//! use parking_lot::{Condvar, Mutex, RwLock};
//!
//! let accounts = Mutex::new(vec![100, 50]);
//! accounts.lock()[0] -= 10;
//! let config = RwLock::new("debug");
//! assert_eq!(*config.read(), "debug");
//! let ready = (Mutex::new(true), Condvar::new());
//! ready.1.wait_while(&mut ready.0.lock(), |ready| !*ready);
//! assert_eq!(accounts.into_inner(), vec![90, 50]);
//! ```
//!
//! # What is here, and how
//! parking_lot 0.13 is built on lock_api 0.5, as lockscope's locks are, so
//! most types are lockscope-sync's own: [`Mutex`] and [`RwLock`] with their
//! guards are lock_api 0.5 types over lockscope's [`RawMutex`] and
//! [`RawRwLock`], and [`Condvar`] is lockscope's condvar for those guards.
//! The rest of 0.13's API is built here on the same raw locks:
//! [`FairMutex`] ([`RawFairMutex`]: every unlock fair), [`RecursiveRwLock`]
//! ([`RawRwLockRecursive`]), [`RawCondvar`] for `lock_api::Condvar`,
//! [`ReentrantMutex`] (lock_api's, with [`RawThreadId`]), [`Once`] (its
//! initialisation a recorded lock) and [`deadlock`], whose
//! `check_deadlock` finds nothing: lockscope's watchdog does that job.
//!
//! # Limitations
//! - A recursive read ([`RecursiveRwLock::read`]) is an ordinary shared
//!   acquisition: it waits behind a waiting writer.
//! - `send_guard` is accepted, but the guards of lockscope's locks are
//!   never `Send`.
//! - lockscope's rwlock has no fair unlock of an upgradable read, and
//!   lockscope's condvar no `raw()`.
//! - A `ReentrantMutex` and a `lock_api::Condvar<RawCondvar>` record
//!   lock_api's line instead of the caller's (lock_api 0.5 calls the raw
//!   lock from a closure, and its condvar is not `#[track_caller]`).
//! - Fairness, spinning and parking are lockscope's, not parking_lot's.

#![warn(missing_docs)]

mod fair;
mod once;
mod raw_condvar;
mod recursive;
mod remutex;

#[cfg(feature = "deadlock_detection")]
pub mod deadlock;

#[cfg(all(feature = "send_guard", feature = "deadlock_detection"))]
compile_error!("the `send_guard` and `deadlock_detection` features cannot be used together");

pub use self::fair::{FairMutex, FairMutexGuard, MappedFairMutexGuard, RawFairMutex};
pub use self::once::{Once, OnceState};
pub use self::raw_condvar::RawCondvar;
pub use self::recursive::{
    MappedRecursiveRwLockReadGuard, MappedRecursiveRwLockWriteGuard, RawRwLockRecursive,
    RecursiveRwLock, RecursiveRwLockReadGuard, RecursiveRwLockUpgradableReadGuard,
    RecursiveRwLockWriteGuard,
};
pub use self::remutex::{
    MappedReentrantMutexGuard, RawThreadId, ReentrantMutex, ReentrantMutexGuard,
};
pub use ::lock_api;
pub use lockscope_sync::{
    Condvar, MappedMutexGuard, MappedRwLockReadGuard, MappedRwLockWriteGuard, Mutex, MutexGuard,
    RawMutex, RawRwLock, RwLock, RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard,
    WaitTimeoutResult,
};

#[cfg(feature = "arc_lock")]
pub use self::lock_api::{
    ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard,
    ArcRwLockWriteGuard,
};
