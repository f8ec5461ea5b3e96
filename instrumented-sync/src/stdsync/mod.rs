//! A drop-in for `std::sync`: replace `use std::sync::{...}` by
//! `use lockscope_sync::stdsync::{...}` (or `lockscope::sync::stdsync`).

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
