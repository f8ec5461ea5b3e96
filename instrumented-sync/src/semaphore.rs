//! A counting semaphore (Python's `threading.Semaphore`): `acquire` takes a
//! permit, blocking while there is none; the permit goes back when its guard
//! drops, or by an explicit [`Semaphore::release`].
//!
//! Records `request` (only when it will block), `sem_acquired` and
//! `sem_released`, and calls the live checks like a lock. A semaphore
//! limits concurrency; it does not make a read-modify-write atomic, which
//! is what the lost-update analysis shows.
//!
//! # Performance
//! An uncontended acquire/release is a plain mutex lock/unlock each plus
//! the recording.

use std::panic::Location;
use std::time::{Duration, Instant};

use lockscope_detector::trace::{EventKind, LockMode, PrimitiveKind};

use crate::hook::{self as live, Wait};
use crate::meta::PrimitiveMeta;
use crate::primitive::blocking::{self, Condvar, Mutex};
use crate::recorder::{obj_id, ObjRec, Sync};

/// A counting semaphore.
#[derive(Debug)]
pub struct Semaphore {
    permits: Mutex<usize>,
    available: Condvar,
    rec: ObjRec,
    meta: PrimitiveMeta,
}

/// One permit of a [`Semaphore`], given back on drop.
#[derive(Debug)]
#[must_use = "the permit is released immediately if unused"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    #[track_caller]
    pub fn new(permits: usize) -> Self {
        Self::build(None, permits)
    }

    /// A named semaphore.
    #[track_caller]
    pub fn named(name: &'static str, permits: usize) -> Self {
        Self::build(Some(name), permits)
    }

    #[track_caller]
    fn build(name: Option<&'static str>, permits: usize) -> Self {
        Semaphore {
            permits: Mutex::new(permits),
            available: Condvar::new(),
            rec: ObjRec::with_permits(u32::try_from(permits).unwrap_or(u32::MAX - 1)),
            meta: PrimitiveMeta::new(PrimitiveKind::Semaphore, name),
        }
    }

    /// The semaphore's identity.
    pub fn meta(&self) -> &PrimitiveMeta {
        &self.meta
    }

    /// Takes a permit, blocking until one is free.
    #[track_caller]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        let site = Location::caller();
        match self.acquire_inner(None, true, site) {
            Some(p) => p,
            None => unreachable!("an untimed acquire cannot time out"),
        }
    }

    /// Takes a permit if one is free now.
    #[track_caller]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        let site = Location::caller();
        self.acquire_inner(None, false, site)
    }

    /// Takes a permit, waiting at most `timeout`.
    #[track_caller]
    pub fn try_acquire_for(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        let site = Location::caller();
        let deadline = Instant::now().checked_add(timeout);
        self.acquire_inner(deadline, true, site)
    }

    /// Takes a permit, waiting until `deadline` at most.
    #[track_caller]
    pub fn try_acquire_until(&self, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        let site = Location::caller();
        self.acquire_inner(Some(deadline), true, site)
    }

    /// Adds a permit (Python's `release()`; pairs with
    /// [`SemaphorePermit::forget`]).
    #[track_caller]
    pub fn release(&self) {
        let site = Location::caller();
        self.release_inner(Some(site));
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        *blocking::lock(&self.permits)
    }

    fn acquire_inner(
        &self,
        deadline: Option<Instant>,
        may_block: bool,
        site: &'static Location<'static>,
    ) -> Option<SemaphorePermit<'_>> {
        let obj = obj_id(&self.meta);
        let mut permits = blocking::lock(&self.permits);
        if *permits == 0 {
            let failed = EventKind::TryFailed {
                obj,
                mode: LockMode::Exclusive,
            };
            if !may_block {
                self.rec.record(&self.meta, failed, Some(site), Sync::None);
                return None;
            }
            let request = EventKind::Request {
                obj,
                mode: LockMode::Exclusive,
            };
            self.rec.record(&self.meta, request, Some(site), Sync::None);
            live::before_block_until(
                Wait::Semaphore {
                    semaphore: &self.meta,
                },
                site,
                deadline,
            );
            let got = crate::blocked::sliced(deadline, |until| {
                while *permits == 0 {
                    if self.available.wait_deadline(&mut permits, until) {
                        return (*permits > 0).then_some(());
                    }
                }
                Some(())
            });
            if got.is_none() {
                self.rec.record(&self.meta, failed, Some(site), Sync::None);
                drop(permits);
                live::wait_ended();
                return None;
            }
        }
        *permits -= 1;
        let acquired = EventKind::SemAcquired { obj, permits: 1 };
        self.rec
            .record(&self.meta, acquired, Some(site), Sync::Acquire);
        drop(permits);
        live::acquired(&self.meta, LockMode::Exclusive, may_block, site);
        Some(SemaphorePermit { sem: self })
    }

    fn release_inner(&self, site: Option<&'static Location<'static>>) {
        live::released(&self.meta, LockMode::Exclusive);
        let mut permits = blocking::lock(&self.permits);
        let released = EventKind::SemReleased {
            obj: obj_id(&self.meta),
            permits: 1,
        };
        self.rec
            .record(&self.meta, released, site, Sync::ReleaseShared);
        *permits += 1;
        self.available.notify_one();
        drop(permits);
    }
}

impl Drop for Semaphore {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}

impl SemaphorePermit<'_> {
    /// Keeps the permit taken: nothing is released on drop (give it back
    /// later with [`Semaphore::release`]).
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release_inner(None);
    }
}
