//! Async locks and tasks (feature `tokio`): tokio's `Mutex`, `RwLock`,
//! `Semaphore` and `Notify` with their API, recorded, and a `spawn` that
//! records a task's fork, start, exit and join. See `docs/async.md`.
//!
//! ```
//! # #[cfg(feature = "record")] {
//! use std::sync::Arc;
//! use lockscope_sync::tokio_sync::{self, Mutex};
//!
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! rt.block_on(async {
//!     let m = Arc::new(Mutex::named("balance", 0u64));
//!     let task = tokio_sync::spawn({
//!         let m = m.clone();
//!         async move { *m.lock().await += 1 }
//!     });
//!     task.await.unwrap();
//!     assert_eq!(*m.lock().await, 1);
//! });
//! # }
//! ```
//!
//! What is recorded: a lock `request` when the lock future is first polled
//! and pending (the task waits), `acquired` when it is ready, `released`
//! when the guard drops, and `try_failed` when a pending lock future is
//! dropped (cancelled), so no wait is left behind. The primitives are
//! declared as `async_mutex`, `async_rwlock`, `semaphore` and `event` (a
//! `Notify`). Every event of a task is the task's (see
//! `recorder::task`), so the analyses see tasks as threads.
//!
//! The live checks (`live`): each mutex and rwlock keeps its holders and
//! each pending lock future publishes its wait, so the watchdog reports a
//! cycle of pending tasks; each task's held async locks feed the learned
//! lock order, so an inversion between two tasks is reported the first
//! time it is taken (`live::order`); lockscope's spawn reports a poll that
//! ends holding a blocking lock (`held_across_await`). [`acquire`] is the
//! sorted-id helper for async locks.
//!
//! Without the `record` feature these are tokio's own types, re-exported.
//!
//! # Performance
//! An uncontended lock and unlock adds to tokio's own the live checks'
//! bookkeeping (one `tokio::task::try_id()` per acquisition and release,
//! shared with the recorder) and two recorded events (see
//! `docs/performance.md`, "Async locks").
//!
//! # Limitations
//! Owned guards need `T: 'static`. The watchdog sees a cycle of tasks
//! pending on async mutexes and rwlocks (`live`). The learned order keeps
//! async and blocking locks apart: an edge between an async lock and a
//! blocking one is not learned (the offline analyses see it).

mod acquire;
#[cfg(feature = "record")]
mod guard;
#[cfg(feature = "record")]
mod live;
#[cfg(feature = "record")]
mod mutex;
#[cfg(feature = "record")]
mod notify;
#[cfg(feature = "record")]
mod recorded;
#[cfg(feature = "record")]
mod rwlock;
#[cfg(feature = "record")]
mod semaphore;
#[cfg(feature = "record")]
mod task;

#[cfg(feature = "record")]
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};
#[cfg(feature = "record")]
pub use notify::{Notified, Notify};
#[cfg(feature = "record")]
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
#[cfg(feature = "record")]
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
#[cfg(all(feature = "record", tokio_unstable))]
pub use task::hooks;
#[cfg(feature = "record")]
pub use task::{spawn, spawn_local, spawn_named, JoinHandle};

#[cfg(not(feature = "record"))]
pub use tokio::sync::{
    futures::Notified, MappedMutexGuard, Mutex, MutexGuard, Notify, OwnedMappedMutexGuard,
    OwnedMutexGuard, OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard,
    OwnedSemaphorePermit, RwLock, RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
    Semaphore, SemaphorePermit,
};
#[cfg(not(feature = "record"))]
pub use tokio::task::{spawn, spawn_local, JoinHandle};

/// `tokio::spawn` (the name is for the trace, which is not recorded).
#[cfg(not(feature = "record"))]
pub fn spawn_named<F>(_name: &str, future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future)
}

pub use tokio::sync::{AcquireError, TryAcquireError, TryLockError};

pub use acquire::{acquire, acquire_or_panic, AcquirableAsync, Acquired};
