//! The lock types and their guards, as parking_lot 0.12 defines them:
//! lock_api 0.4 types over this crate's raw locks, and the `const`
//! constructors.

use crate::raw_mutex::{RawFairMutex, RawMutex};
use crate::raw_rwlock::RawRwLock;
use crate::remutex::RawThreadId;

/// A mutual exclusion primitive, recorded.
pub type Mutex<T> = lock_api::Mutex<RawMutex, T>;
/// A held [`Mutex`]; unlocks when dropped.
pub type MutexGuard<'a, T> = lock_api::MutexGuard<'a, RawMutex, T>;
/// A [`MutexGuard`] mapped to a part of the value.
pub type MappedMutexGuard<'a, T> = lock_api::MappedMutexGuard<'a, RawMutex, T>;

/// A [`Mutex`] in a `const` context.
#[track_caller]
pub const fn const_mutex<T>(val: T) -> Mutex<T> {
    Mutex::const_new(<RawMutex as lock_api::RawMutex>::INIT, val)
}

/// A mutex whose every unlock is fair, recorded.
pub type FairMutex<T> = lock_api::Mutex<RawFairMutex, T>;
/// A held [`FairMutex`].
pub type FairMutexGuard<'a, T> = lock_api::MutexGuard<'a, RawFairMutex, T>;
/// A [`FairMutexGuard`] mapped to a part of the value.
pub type MappedFairMutexGuard<'a, T> = lock_api::MappedMutexGuard<'a, RawFairMutex, T>;

/// A [`FairMutex`] in a `const` context.
#[track_caller]
pub const fn const_fair_mutex<T>(val: T) -> FairMutex<T> {
    FairMutex::const_new(<RawFairMutex as lock_api::RawMutex>::INIT, val)
}

/// A reader-writer lock, recorded.
pub type RwLock<T> = lock_api::RwLock<RawRwLock, T>;
/// A shared hold of an [`RwLock`].
pub type RwLockReadGuard<'a, T> = lock_api::RwLockReadGuard<'a, RawRwLock, T>;
/// The exclusive hold of an [`RwLock`].
pub type RwLockWriteGuard<'a, T> = lock_api::RwLockWriteGuard<'a, RawRwLock, T>;
/// A [`RwLockReadGuard`] mapped to a part of the value.
pub type MappedRwLockReadGuard<'a, T> = lock_api::MappedRwLockReadGuard<'a, RawRwLock, T>;
/// A [`RwLockWriteGuard`] mapped to a part of the value.
pub type MappedRwLockWriteGuard<'a, T> = lock_api::MappedRwLockWriteGuard<'a, RawRwLock, T>;
/// An upgradable read of an [`RwLock`].
pub type RwLockUpgradableReadGuard<'a, T> = lock_api::RwLockUpgradableReadGuard<'a, RawRwLock, T>;

/// An [`RwLock`] in a `const` context.
#[track_caller]
pub const fn const_rwlock<T>(val: T) -> RwLock<T> {
    RwLock::const_new(<RawRwLock as lock_api::RawRwLock>::INIT, val)
}

/// A mutex its owner may lock again, recorded at its outermost acquisition.
pub type ReentrantMutex<T> = crate::remutex::ReentrantMutex<RawMutex, RawThreadId, T>;
/// A held [`ReentrantMutex`].
pub type ReentrantMutexGuard<'a, T> =
    crate::remutex::ReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;
/// A [`ReentrantMutexGuard`] mapped to a part of the value.
pub type MappedReentrantMutexGuard<'a, T> =
    crate::remutex::MappedReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;

/// A [`ReentrantMutex`] in a `const` context.
#[track_caller]
pub const fn const_reentrant_mutex<T>(val: T) -> ReentrantMutex<T> {
    ReentrantMutex::const_new(
        <RawMutex as lock_api::RawMutex>::INIT,
        <RawThreadId as lock_api::GetThreadId>::INIT,
        val,
    )
}
