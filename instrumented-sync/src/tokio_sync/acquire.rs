//! The sorted-id `acquire` helper for async locks: take several async
//! mutexes (or rwlocks, for write) in one global order, so two tasks
//! taking the same locks can never deadlock on them. The blocking helper
//! (`order::acquire`) awaits nothing, so this is its async twin with the
//! same order, the same [`LockOrderViolation`] and the same note in the
//! trace.
//!
//! ```
//! # #[cfg(feature = "record")] {
//! use lockscope_sync::tokio_sync::{acquire, Mutex};
//!
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! rt.block_on(async {
//!     let x = Mutex::named("x", 1);
//!     let y = Mutex::named("y", 2);
//!     let mut both = acquire(&[&y, &x]).await.unwrap(); // x, then y
//!     *both[0] += *both[1];                             // in the order given
//!     drop(both);                                       // y, then x
//!
//!     let _held = y.lock().await;
//!     let err = acquire(&[&x]).await.unwrap_err(); // y is held, sorts after x
//!     assert!(err.to_string().starts_with("Lock Order Violation"));
//! });
//! # }
//! ```
//!
//! # The order
//! As the blocking helper's: by [`LockInfo::key`], creation order unless a
//! rank was set. The locks held that must sort before the request are the
//! calling task's async locks (every async lock it holds, taken through
//! the helper or not; see `live::order`), not the blocking locks of the
//! worker it runs on. With the `record` feature off the types are tokio's,
//! a lock's key is its address, and only the request itself is checked
//! (no task's held locks are tracked).
//!
//! # Limitations
//! RwLocks are taken for write; all the locks of one call are of one type.

use std::fmt;
use std::future::Future;
use std::ops::{Index, IndexMut};
use std::panic::Location;

use crate::order::acquire::{LockInfo, LockOrderViolation};

/// An async lock [`acquire`] can take: lockscope's (or, without `record`,
/// tokio's) async mutex, and rwlock for write.
pub trait AcquirableAsync {
    /// The guard of an exclusive acquisition.
    type Guard<'a>: 'a
    where
        Self: 'a;
    /// The lock's identity and order key.
    fn info(&self) -> LockInfo;
    /// Takes the lock exclusively, recorded at `site` (the `acquire` call).
    fn lock_for_acquire<'a>(
        &'a self,
        site: &'static Location<'static>,
    ) -> impl Future<Output = Self::Guard<'a>> + 'a;
}

/// The guards of one [`acquire`] call, indexed in the order the locks were
/// given; dropping it releases the locks in reverse acquisition order.
pub struct Acquired<'a, L: AcquirableAsync + 'a> {
    guards: Vec<Option<L::Guard<'a>>>,
    order: Vec<usize>,
}

impl<'a, L: AcquirableAsync + 'a> Index<usize> for Acquired<'a, L> {
    type Output = L::Guard<'a>;
    fn index(&self, i: usize) -> &Self::Output {
        self.guards[i]
            .as_ref()
            .expect("guards are present until drop")
    }
}

impl<'a, L: AcquirableAsync + 'a> IndexMut<usize> for Acquired<'a, L> {
    fn index_mut(&mut self, i: usize) -> &mut Self::Output {
        self.guards[i]
            .as_mut()
            .expect("guards are present until drop")
    }
}

impl<'a, L: AcquirableAsync + 'a> Drop for Acquired<'a, L> {
    fn drop(&mut self) {
        for &i in self.order.iter().rev() {
            drop(self.guards[i].take());
        }
    }
}

impl<'a, L: AcquirableAsync + 'a> fmt::Debug for Acquired<'a, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquired")
            .field("order", &self.order)
            .finish()
    }
}

/// Locks all of `locks` in order-key order, or returns the violation
/// without locking anything (checked when first polled, against the
/// polling task's held async locks). See the module docs.
#[track_caller]
pub fn acquire<'a, L: AcquirableAsync>(
    locks: &[&'a L],
) -> impl Future<Output = Result<Acquired<'a, L>, LockOrderViolation>> + 'a {
    let site = Location::caller();
    let locks: Vec<&'a L> = locks.to_vec();
    async move {
        let infos: Vec<LockInfo> = locks.iter().map(|l| l.info()).collect();
        let order = plan(&infos, site)?;
        let mut acquired = Acquired {
            guards: locks.iter().map(|_| None).collect(),
            order: Vec::with_capacity(locks.len()),
        };
        for &i in &order {
            acquired.guards[i] = Some(locks[i].lock_for_acquire(site).await);
            acquired.order.push(i);
        }
        Ok(acquired)
    }
}

/// [`acquire`], panicking with the seeds' `Lock Order Violation` message.
#[track_caller]
pub fn acquire_or_panic<'a, L: AcquirableAsync>(
    locks: &[&'a L],
) -> impl Future<Output = Acquired<'a, L>> + 'a {
    let acquiring = acquire(locks);
    async move { acquiring.await.unwrap_or_else(|v| panic!("{v}")) }
}

/// The acquisition order of `infos`, or the violation (noted in the
/// trace as the calling task's).
#[cfg(feature = "record")]
fn plan(
    infos: &[LockInfo],
    site: &'static Location<'static>,
) -> Result<Vec<usize>, LockOrderViolation> {
    let task = tokio::task::try_id();
    let key = super::live::key_of(task);
    crate::order::acquire::plan_against(
        infos,
        site,
        || super::live::order::held(key),
        || super::live::order::actor(task),
    )
}

/// The acquisition order of `infos`, or the violation (a lock requested
/// twice: nothing else is tracked without `record`).
#[cfg(not(feature = "record"))]
fn plan(
    infos: &[LockInfo],
    site: &'static Location<'static>,
) -> Result<Vec<usize>, LockOrderViolation> {
    crate::order::acquire::plan_against(infos, site, Vec::new, || (0, None))
}

#[cfg(feature = "record")]
mod impls {
    use super::*;
    use crate::tokio_sync::{Mutex, MutexGuard, RwLock, RwLockWriteGuard};

    impl<T> AcquirableAsync for Mutex<T> {
        type Guard<'a>
            = MutexGuard<'a, T>
        where
            T: 'a;

        fn info(&self) -> LockInfo {
            LockInfo::of(self.meta())
        }

        fn lock_for_acquire<'a>(
            &'a self,
            site: &'static Location<'static>,
        ) -> impl Future<Output = MutexGuard<'a, T>> + 'a {
            self.lock_at(site)
        }
    }

    impl<T> AcquirableAsync for RwLock<T> {
        type Guard<'a>
            = RwLockWriteGuard<'a, T>
        where
            T: 'a;

        fn info(&self) -> LockInfo {
            LockInfo::of(self.meta())
        }

        fn lock_for_acquire<'a>(
            &'a self,
            site: &'static Location<'static>,
        ) -> impl Future<Output = RwLockWriteGuard<'a, T>> + 'a {
            self.write_at(site)
        }
    }
}

#[cfg(not(feature = "record"))]
mod impls {
    use super::*;
    use lockscope_detector::trace::PrimitiveKind;
    use tokio::sync::{Mutex, MutexGuard, RwLock, RwLockWriteGuard};

    impl<T> AcquirableAsync for Mutex<T> {
        type Guard<'a>
            = MutexGuard<'a, T>
        where
            T: 'a;

        #[track_caller]
        fn info(&self) -> LockInfo {
            let addr = std::ptr::from_ref(self).cast::<()>() as usize;
            LockInfo::unrecorded(addr, PrimitiveKind::AsyncMutex)
        }

        fn lock_for_acquire<'a>(
            &'a self,
            _site: &'static Location<'static>,
        ) -> impl Future<Output = MutexGuard<'a, T>> + 'a {
            self.lock()
        }
    }

    impl<T> AcquirableAsync for RwLock<T> {
        type Guard<'a>
            = RwLockWriteGuard<'a, T>
        where
            T: 'a;

        #[track_caller]
        fn info(&self) -> LockInfo {
            let addr = std::ptr::from_ref(self).cast::<()>() as usize;
            LockInfo::unrecorded(addr, PrimitiveKind::AsyncRwLock)
        }

        fn lock_for_acquire<'a>(
            &'a self,
            _site: &'static Location<'static>,
        ) -> impl Future<Output = RwLockWriteGuard<'a, T>> + 'a {
            self.write()
        }
    }
}
