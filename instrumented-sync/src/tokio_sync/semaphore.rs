//! `Semaphore`: `tokio::sync::Semaphore` with its API, recorded
//! (`sem_acquired` / `sem_released` with the number of permits; a wait is
//! a `request`; `add_permits` is a release of that many permits; a
//! forgotten permit is never released).

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use tokio::sync::{AcquireError, TryAcquireError};

use super::recorded::{is_ok, Acquire, Recorded, Release, Take};
use crate::meta::PrimitiveMeta;
use crate::recorder::Sync;

/// An async counting semaphore: `tokio::sync::Semaphore`, recorded.
#[derive(Debug)]
pub struct Semaphore {
    lock: Recorded,
    inner: tokio::sync::Semaphore,
}

/// Permits of a [`Semaphore`], given back when dropped.
#[derive(Debug)]
#[must_use]
pub struct SemaphorePermit<'a> {
    release: Release<'a>,
    inner: tokio::sync::SemaphorePermit<'a>,
    sem: &'a Semaphore,
}

/// Permits of an `Arc<Semaphore>`, given back when dropped.
#[derive(Debug)]
#[must_use]
pub struct OwnedSemaphorePermit {
    // Borrows `*sem`: dropped before it.
    permit: SemaphorePermit<'static>,
    sem: Arc<Semaphore>,
}

fn take(n: u32) -> Take {
    Take::Permits(n)
}

/// `n` as a trace permit count (saturating: a trace counts in 32 bits).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    pub const MAX_PERMITS: usize = tokio::sync::Semaphore::MAX_PERMITS;

    /// A semaphore with `permits` permits, created here.
    #[track_caller]
    pub fn new(permits: usize) -> Self {
        Semaphore {
            lock: Recorded::semaphore(None, permits),
            inner: tokio::sync::Semaphore::new(permits),
        }
    }

    /// A semaphore called `name` (shown in reports).
    #[track_caller]
    pub fn named(name: &'static str, permits: usize) -> Self {
        Semaphore {
            lock: Recorded::semaphore(Some(name), permits),
            inner: tokio::sync::Semaphore::new(permits),
        }
    }

    /// The semaphore's identity (id, name, creation site).
    pub fn meta(&self) -> &PrimitiveMeta {
        self.lock.meta()
    }

    /// Permits free now.
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits (recorded as a release of `n`).
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        let permits = count(n);
        self.lock.record(
            |obj| lockscope_detector::trace::EventKind::SemReleased { obj, permits },
            Some(Location::caller()),
            Sync::ReleaseShared,
        );
        self.inner.add_permits(n);
    }

    /// Removes up to `n` free permits; returns how many.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.inner.forget_permits(n)
    }

    /// Takes a permit, waiting (pending) while there is none; `Err` once
    /// closed.
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        self.acquire_at(1, Location::caller())
    }

    /// Takes `n` permits at once.
    #[track_caller]
    pub fn acquire_many(
        &self,
        n: u32,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        self.acquire_at(n, Location::caller())
    }

    fn acquire_at(
        &self,
        n: u32,
        site: &'static Location<'static>,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        let wrap = move |r: Result<_, AcquireError>| r.map(|p| self.permit(p, n));
        Acquire::new(
            &self.lock,
            take(n),
            site,
            self.inner.acquire_many(n),
            // A closed semaphore's error comes from the future.
            move || self.inner.try_acquire_many(n).ok().map(Ok),
            is_ok,
            wrap,
        )
    }

    /// Takes a permit if one is free now.
    #[track_caller]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_at(1, Location::caller())
    }

    /// Takes `n` permits if they are free now.
    #[track_caller]
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_at(n, Location::caller())
    }

    fn try_acquire_at(
        &self,
        n: u32,
        site: &'static Location<'static>,
    ) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let r = self.inner.try_acquire_many(n);
        self.lock.tried(take(n), r.is_ok(), site);
        r.map(|p| self.permit(p, n))
    }

    /// Closes the semaphore: pending and later acquisitions fail.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether it is closed.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    fn permit<'a>(
        &'a self,
        inner: tokio::sync::SemaphorePermit<'a>,
        n: u32,
    ) -> SemaphorePermit<'a> {
        SemaphorePermit {
            release: Release::new(&self.lock, take(n)),
            inner,
            sem: self,
        }
    }

    /// [`acquire`](Self::acquire) for a permit that owns the `Arc`.
    #[track_caller]
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        self.acquire_many_owned_at(1, Location::caller())
    }

    /// [`acquire_many`](Self::acquire_many) for a permit that owns the `Arc`.
    #[track_caller]
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        self.acquire_many_owned_at(n, Location::caller())
    }

    async fn acquire_many_owned_at(
        self: Arc<Self>,
        n: u32,
        site: &'static Location<'static>,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        let permit = self.acquire_at(n, site).await?;
        // SAFETY: see `owned`.
        let permit = unsafe { owned(permit) };
        Ok(OwnedSemaphorePermit { permit, sem: self })
    }

    /// [`try_acquire`](Self::try_acquire) for a permit that owns the `Arc`.
    #[track_caller]
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned_at(1, Location::caller())
    }

    /// [`try_acquire_many`](Self::try_acquire_many) for a permit that owns
    /// the `Arc`.
    #[track_caller]
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned_at(n, Location::caller())
    }

    fn try_acquire_many_owned_at(
        self: Arc<Self>,
        n: u32,
        site: &'static Location<'static>,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        let permit = self.try_acquire_at(n, site)?;
        // SAFETY: see `owned`.
        let permit = unsafe { owned(permit) };
        Ok(OwnedSemaphorePermit { permit, sem: self })
    }
}

/// `permit` for an [`OwnedSemaphorePermit`].
///
/// # Safety
/// The caller stores the result beside the `Arc` of the semaphore it
/// borrows, declared first so that it drops first.
unsafe fn owned(permit: SemaphorePermit<'_>) -> SemaphorePermit<'static> {
    // SAFETY: the caller's contract.
    unsafe { super::guard::extend::<SemaphorePermit<'_>, SemaphorePermit<'static>>(permit) }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits taken for good (no release is recorded).
    pub fn forget(self) {
        let SemaphorePermit { release, inner, .. } = self;
        release.forget();
        inner.forget();
    }

    /// Adds `other`'s permits to this one's (from the same semaphore).
    pub fn merge(&mut self, other: Self) {
        let SemaphorePermit { release, inner, .. } = other;
        let n = inner.num_permits();
        release.forget();
        self.inner.merge(inner);
        debug_assert!(self.inner.num_permits() >= n);
        self.release.retake(take(count(self.inner.num_permits())));
    }

    /// Splits `n` permits off into a new permit, if this one has that many.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let inner = self.inner.split(n)?;
        self.release.retake(take(count(self.inner.num_permits())));
        Some(self.sem.permit(inner, count(n)))
    }

    /// How many permits it holds.
    pub fn num_permits(&self) -> usize {
        self.inner.num_permits()
    }

    /// The semaphore the permits are from.
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits taken for good (no release is recorded).
    pub fn forget(self) {
        let OwnedSemaphorePermit { permit, sem } = self;
        permit.forget();
        drop(sem);
    }

    /// Adds `other`'s permits to this one's (from the same semaphore).
    pub fn merge(&mut self, other: Self) {
        let OwnedSemaphorePermit { permit, sem } = other;
        self.permit.merge(permit);
        drop(sem);
    }

    /// Splits `n` permits off into a new permit, if this one has that many.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let permit = self.permit.split(n)?;
        Some(OwnedSemaphorePermit {
            permit,
            sem: self.sem.clone(),
        })
    }

    /// How many permits it holds.
    pub fn num_permits(&self) -> usize {
        self.permit.num_permits()
    }

    /// The semaphore the permits are from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}
