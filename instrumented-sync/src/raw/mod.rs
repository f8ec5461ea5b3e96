//! lockscope's own locks, uninstrumented: a mutex, a reader-writer lock
//! and a condition variable written on `parking_lot_core`'s park/unpark
//! (the mechanism parking_lot uses), with lock_api's raw traits.
//!
//! They are what the instrumented locks delegate to, what lockscope's
//! internal state is guarded by (the recorder and the live checks never
//! record themselves), and, with the `record` feature off, the crate's
//! locks themselves: [`Mutex`], [`RwLock`], [`ReentrantMutex`] and
//! [`Condvar`] here are lock_api's types over these raw locks.
//!
//! Each lock's algorithm, fairness guarantee and memory orderings are in
//! its module's docs: `mutex.rs`, `rwlock/`, `condvar.rs`. In short: a
//! state word with locked and parked bits (and a reader count), one
//! compare-exchange to take or release a free lock, barging with a brief
//! spin before parking, and eventual fairness: a waiter that has waited
//! [`FAIR_AFTER`](lot::FAIR_AFTER) and has to park again is handed the
//! lock within one release per thread queued ahead of it.
//!
//! The algorithms are generic over a [`lot::Lot`] so that loom can check
//! them on a model of the parking lot (`loom_lot.rs`, under the private
//! `lockscope_loom` cfg); the real locks use [`lot::Os`].

mod api;
mod condvar;
#[cfg(lockscope_loom)]
pub(crate) mod loom_lot;
pub(crate) mod lot;
mod mutex;
mod rwlock;
mod thread_id;

pub use thread_id::RawThreadId;

/// The raw mutex (see `mutex.rs`).
pub type RawMutex = mutex::RawMutexOn<lot::Os>;
/// The raw reader-writer lock (see `rwlock/`).
pub type RawRwLock = rwlock::RawRwLockOn<lot::Os>;
/// The raw condition variable, for [`RawMutex`] (see `condvar.rs`).
pub type RawCondvar = condvar::RawCondvarOn<lot::Os>;

// The lock_api types over the raw locks: what lockscope's own state uses,
// and, with the `record` feature off, the crate's public locks.

/// A mutex on [`RawMutex`]: parking_lot's `Mutex` API.
pub type Mutex<T> = lock_api::Mutex<RawMutex, T>;
pub type MutexGuard<'a, T> = lock_api::MutexGuard<'a, RawMutex, T>;
/// A condition variable on [`RawCondvar`], for [`Mutex`]: parking_lot's
/// `Condvar` API.
pub type Condvar = lock_api::Condvar<RawCondvar>;
/// A reentrant mutex on [`RawMutex`]: parking_lot's `ReentrantMutex` API.
pub type ReentrantMutex<T> = lock_api::ReentrantMutex<RawMutex, RawThreadId, T>;
pub type ReentrantMutexGuard<'a, T> = lock_api::ReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;
pub type MappedReentrantMutexGuard<'a, T> =
    lock_api::MappedReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;

#[cfg(not(feature = "record"))]
pub use public::*;

/// The rest of parking_lot's lock types, which only the build without the
/// `record` feature uses.
#[cfg(not(feature = "record"))]
mod public {
    use super::{RawMutex, RawRwLock, RawThreadId};

    pub type MappedMutexGuard<'a, T> = lock_api::MappedMutexGuard<'a, RawMutex, T>;
    pub type ArcMutexGuard<T> = lock_api::ArcMutexGuard<RawMutex, T>;

    /// A reader-writer lock on [`RawRwLock`]: parking_lot's `RwLock` API.
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

    pub type ArcReentrantMutexGuard<T> = lock_api::ArcReentrantMutexGuard<RawMutex, RawThreadId, T>;

    pub use lock_api::WaitTimeoutResult;
}

#[cfg(test)]
mod tests;
