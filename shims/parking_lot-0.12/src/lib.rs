//! parking_lot 0.12's public API over lockscope's recorded locks.
//!
//! This crate is a substitute for parking_lot 0.12, put into a build
//! without editing it through cargo's `[patch.crates-io]` (`cargo lockscope
//! test` does that through `--config`). Every program and dependency that
//! uses parking_lot 0.12 then records its lock operations into the lockscope
//! trace (`LOCKSCOPE_TRACE`) at its own lines, and gets lockscope's live
//! lock-order check and deadlock watchdog.
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
//! The types are parking_lot 0.12's, built as parking_lot builds them:
//! `Mutex`, `FairMutex` and `RwLock` (with every guard, mapped guard and,
//! under `arc_lock`, Arc guard) are lock_api 0.4 types over this crate's
//! [`RawMutex`], [`RawFairMutex`] and [`RawRwLock`], which implement
//! lock_api 0.4's raw traits by delegating to lockscope's raw locks. So code
//! that names `lock_api::Mutex<parking_lot::RawMutex, T>`, or builds its
//! own lock_api types on these raw locks, compiles unchanged. Every
//! locking method is `#[track_caller]` down to lockscope, which records the
//! caller's line.
//! - [`ReentrantMutex`]: lock_api 0.4's reentrant mutex, copied with the
//!   caller's line kept (see [`remutex`]); the outermost acquisition is
//!   recorded.
//! - [`Condvar`]: waits on this crate's [`MutexGuard`] through lockscope's
//!   condvar.
//! - [`Once`]: its initialisation is a recorded lock that every thread
//!   waiting for it takes, so a deadlock on it is found like any other.
//! - [`deadlock`]: `check_deadlock` compiles and finds nothing: lockscope's
//!   watchdog does that job.
//!
//! The cargo features are parking_lot's: `arc_lock`, `send_guard`, `serde`,
//! `owning_ref`, `nightly` and `deadlock_detection`;
//! `hardware-lock-elision` is accepted and does nothing.
//!
//! # Limitations
//! - A recursive read is an ordinary shared acquisition ([`raw_rwlock`]).
//! - Fairness, spinning and parking are lockscope's (parking_lot 0.13's
//!   mechanism), not 0.12's; the API and the blocking semantics are 0.12's.

#![warn(missing_docs)]

mod condvar;
mod locks;
mod once;
pub mod raw_mutex;
pub mod raw_rwlock;
pub mod remutex;

#[cfg(feature = "deadlock_detection")]
pub mod deadlock;

#[cfg(all(feature = "send_guard", feature = "deadlock_detection"))]
compile_error!("the `send_guard` and `deadlock_detection` features cannot be used together");

/// Whether guards may be sent to another thread (`send_guard`), as in
/// parking_lot.
#[cfg(feature = "send_guard")]
type GuardMarker = lock_api::GuardSend;
#[cfg(not(feature = "send_guard"))]
type GuardMarker = lock_api::GuardNoSend;

pub use self::condvar::{Condvar, WaitTimeoutResult};
pub use self::locks::{
    const_fair_mutex, const_mutex, const_reentrant_mutex, const_rwlock, FairMutex, FairMutexGuard,
    MappedFairMutexGuard, MappedMutexGuard, MappedReentrantMutexGuard, MappedRwLockReadGuard,
    MappedRwLockWriteGuard, Mutex, MutexGuard, ReentrantMutex, ReentrantMutexGuard, RwLock,
    RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use self::once::{Once, OnceState};
pub use self::raw_mutex::{RawFairMutex, RawMutex};
pub use self::raw_rwlock::RawRwLock;
pub use self::remutex::RawThreadId;
pub use ::lock_api;

#[cfg(feature = "arc_lock")]
pub use self::lock_api::{
    ArcMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard, ArcRwLockWriteGuard,
};
#[cfg(feature = "arc_lock")]
pub use self::remutex::ArcReentrantMutexGuard;
