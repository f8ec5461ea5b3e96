//! What every async primitive records, and the future that records a
//! wait for it.
//!
//! An acquisition records `request` when its future is first polled and
//! pending (the task waits), `acquired` (or `sem_acquired`) when it is
//! ready, and `try_failed` if the future is dropped while pending
//! (cancelled: by `select!`, a timeout, an aborted task), so no wait is
//! left behind. [`Release`], kept in every guard, records `released` (or
//! `sem_released`) before the guard's real unlock.
//!
//! Every acquisition and release of a lock also updates the lock's
//! [`Holders`], and a pending lock future publishes its wait, for the live
//! checks (`live`).
//!
//! The functions here are small and non-generic; the generic futures and
//! guards call them.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use lockscope_detector::trace::{EventKind, LockMode, ObjId, PrimitiveKind};

use super::live::{self, order, Holders, Waiting};
use crate::meta::PrimitiveMeta;
use crate::recorder::{ObjRec, Sync};

/// An async primitive's recorder state and identity.
#[derive(Debug)]
pub(crate) struct Recorded {
    rec: ObjRec,
    meta: PrimitiveMeta,
    /// Who holds it (made on first use, so `const_new` can build one).
    holders: OnceLock<Arc<Holders>>,
    /// It was taken exclusively (an rwlock written: see `first_write`).
    written: AtomicBool,
}

/// What an acquisition takes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Take {
    /// A lock in a mode.
    Lock(LockMode),
    /// Semaphore permits.
    Permits(u32),
}

impl Take {
    fn acquired(self, obj: ObjId) -> EventKind {
        match self {
            Take::Lock(mode) => EventKind::Acquired {
                obj,
                mode,
                depth: 1,
            },
            Take::Permits(permits) => EventKind::SemAcquired { obj, permits },
        }
    }

    fn released(self, obj: ObjId) -> EventKind {
        match self {
            Take::Lock(mode) => EventKind::Released { obj, mode },
            Take::Permits(permits) => EventKind::SemReleased { obj, permits },
        }
    }

    /// The mode a lock is held in (`None` for permits).
    fn lock_mode(self) -> Option<LockMode> {
        match self {
            Take::Lock(mode) => Some(mode),
            Take::Permits(_) => None,
        }
    }

    fn mode(self) -> LockMode {
        match self {
            Take::Lock(mode) => mode,
            Take::Permits(_) => LockMode::Exclusive,
        }
    }

    /// How a release publishes: an exclusive holder alone, others shared.
    fn release_sync(self) -> Sync<'static> {
        match self {
            Take::Lock(LockMode::Exclusive) => Sync::Release,
            _ => Sync::ReleaseShared,
        }
    }
}

impl Recorded {
    /// A primitive of `kind` named `name`, created at the caller.
    #[track_caller]
    pub(crate) fn new(kind: PrimitiveKind, name: Option<&'static str>) -> Self {
        Recorded {
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new(kind, name),
            holders: OnceLock::new(),
            written: AtomicBool::new(false),
        }
    }

    /// A semaphore with `permits` initial permits.
    #[track_caller]
    pub(crate) fn semaphore(name: Option<&'static str>, permits: usize) -> Self {
        Recorded {
            rec: ObjRec::with_permits(u32::try_from(permits).unwrap_or(u32::MAX - 1)),
            meta: PrimitiveMeta::new(PrimitiveKind::Semaphore, name),
            holders: OnceLock::new(),
            written: AtomicBool::new(false),
        }
    }

    /// An unnamed primitive of `kind` made by a `const` initialiser.
    pub(crate) const fn new_const(kind: PrimitiveKind) -> Self {
        Recorded {
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new_const(kind),
            holders: OnceLock::new(),
            written: AtomicBool::new(false),
        }
    }

    /// The primitive's identity.
    pub(crate) fn meta(&self) -> &PrimitiveMeta {
        &self.meta
    }

    /// Who holds it.
    #[inline]
    pub(crate) fn holders(&self) -> &Arc<Holders> {
        self.holders.get_or_init(Arc::default)
    }

    /// The caller took it as `take` at `site`; `check`: a blocking
    /// acquisition (an await that did not pend, `blocking_lock`) whose
    /// lock-order edges are not checked yet.
    #[inline]
    pub(crate) fn acquired(&self, take: Take, site: &'static Location<'static>, check: bool) {
        // Read once for the live checks and the event.
        let task = tokio::task::try_id();
        if let Some(mode) = take.lock_mode() {
            let key = live::key_of(task);
            if mode == LockMode::Exclusive && !self.written.load(Ordering::Relaxed) {
                self.first_write();
            }
            order::acquired(key, task, &self.meta, mode, site, check);
            self.holders().acquired(key, mode, site);
        }
        self.rec.record_as(
            &self.meta,
            |obj| take.acquired(obj),
            Some(site),
            Sync::Acquire,
            task,
        );
    }

    /// The first write of an rwlock: the learned order hears it.
    #[cold]
    #[inline(never)]
    fn first_write(&self) {
        self.written.store(true, Ordering::Relaxed);
        if self.meta.kind().is_rwlock() {
            order::dispatch(order::written(&self.meta));
        }
    }

    #[inline]
    pub(crate) fn released(&self, take: Take) {
        let task = tokio::task::try_id();
        if let Some(mode) = take.lock_mode() {
            let key = live::key_of(task);
            let holder = self.holders().released(key, mode);
            order::released(holder, key, self.meta.id());
        }
        self.rec.record_as(
            &self.meta,
            |obj| take.released(obj),
            None,
            take.release_sync(),
            task,
        );
    }

    /// The exclusive holder now holds it shared (a downgrade).
    pub(crate) fn downgraded(&self) {
        let holder = self.holders().downgraded();
        order::downgraded(holder, live::key(), self.meta.id());
    }

    /// The caller is about to wait for it as `take` at `site`: the
    /// lock-order check (whose `panic` action leaves nothing behind), then
    /// the `request`.
    pub(crate) fn requested(&self, take: Take, site: &'static Location<'static>) {
        let task = tokio::task::try_id();
        if let Some(mode) = take.lock_mode() {
            order::requested(live::key_of(task), task, &self.meta, mode, site);
        }
        let kind = |obj| EventKind::Request {
            obj,
            mode: take.mode(),
        };
        self.rec
            .record_as(&self.meta, kind, Some(site), Sync::None, task);
    }

    pub(crate) fn failed(&self, take: Take, site: &'static Location<'static>) {
        let kind = |obj| EventKind::TryFailed {
            obj,
            mode: take.mode(),
        };
        self.rec
            .record_with(&self.meta, kind, Some(site), Sync::None);
    }

    /// Records the outcome of a `try_` acquisition.
    #[inline]
    pub(crate) fn tried(&self, take: Take, got: bool, site: &'static Location<'static>) {
        if got {
            self.acquired(take, site, false);
        } else {
            self.failed(take, site);
        }
    }

    /// Records `kind` (built from the primitive's trace id) with `sync`.
    pub(crate) fn record(
        &self,
        kind: impl FnOnce(ObjId) -> EventKind,
        site: Option<&'static Location<'static>>,
        sync: Sync<'_>,
    ) {
        self.rec.record_with(&self.meta, kind, site, sync);
    }

    /// Runs a blocking acquisition (`blocking_lock` and friends): `try_`
    /// first, and only if that fails a `request` before `block`.
    pub(crate) fn blocking<G>(
        &self,
        take: Take,
        site: &'static Location<'static>,
        try_now: impl FnOnce() -> Option<G>,
        block: impl FnOnce() -> G,
    ) -> G {
        let (guard, check) = match try_now() {
            Some(g) => (g, true),
            None => {
                self.requested(take, site);
                // Published as a lock future's wait is: the watchdog's
                // scan sees the thread wait (a verdict cannot reach it).
                let mut wait = None;
                if let Some(mode) = take.lock_mode() {
                    let waker = std::task::Waker::noop();
                    live::pending(&mut wait, &self.meta, self.holders(), mode, site, waker);
                }
                let g = block();
                live::ended(&mut wait);
                crate::recorder::tick();
                (g, false)
            }
        };
        self.acquired(take, site, check);
        guard
    }
}

impl Drop for Recorded {
    fn drop(&mut self) {
        // A lock that was taken may be in the learned order's graph.
        if self.holders.get().is_some() {
            crate::order::learned::forget(self.meta.id());
        }
    }
}

/// Records a guard's release when dropped (before the guard's own fields,
/// which hold the real lock, are dropped).
#[derive(Debug)]
pub(crate) struct Release<'a> {
    lock: &'a Recorded,
    take: Take,
}

impl<'a> Release<'a> {
    pub(crate) fn new(lock: &'a Recorded, take: Take) -> Self {
        Release { lock, take }
    }

    /// The same lock, now held as `take` (a downgrade, a split permit).
    pub(crate) fn retake(&mut self, take: Take) {
        self.take = take;
    }

    pub(crate) fn lock(&self) -> &'a Recorded {
        self.lock
    }

    /// Gives up recording the release (the permits were forgotten).
    pub(crate) fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Release<'_> {
    #[inline]
    fn drop(&mut self) {
        self.lock.released(self.take);
    }
}

pin_project_lite::pin_project! {
    /// A wait for `lock` (tokio's future `fut`), recorded, its output
    /// turned into lockscope's by `wrap`; `granted` says whether an output
    /// is an acquisition (a closed semaphore's error is not). Generic over
    /// all three, so none is an indirect call.
    ///
    /// The first poll tries `try_now` (tokio's `try_lock`, ...) under the
    /// task's cooperative budget, as tokio's own lock future does first:
    /// an uncontended acquisition never polls `fut` (tokio's wait-queue
    /// node, copied out of its `async fn`, costs more than the rest of an
    /// uncontended lock). tokio's free permits are only the ones no queued
    /// waiter is owed, so this keeps tokio's fairness.
    pub(crate) struct Acquire<'a, F, T, G, W> {
        #[pin]
        fut: F,
        lock: &'a Recorded,
        take: Take,
        site: &'static Location<'static>,
        try_now: Option<T>,
        granted: G,
        wrap: W,
        waiting: bool,
        // The wait published to the live checks, while pending.
        live: Option<Arc<Waiting>>,
    }

    impl<'a, F, T, G, W> PinnedDrop for Acquire<'a, F, T, G, W> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            live::ended(this.live);
            if *this.waiting {
                this.lock.failed(*this.take, this.site);
            }
        }
    }
}

impl<'a, F, T, G, W> Acquire<'a, F, T, G, W> {
    pub(crate) fn new(
        lock: &'a Recorded,
        take: Take,
        site: &'static Location<'static>,
        fut: F,
        try_now: T,
        granted: G,
        wrap: W,
    ) -> Self {
        Acquire {
            fut,
            lock,
            take,
            site,
            try_now: Some(try_now),
            granted,
            wrap,
            waiting: false,
            live: None,
        }
    }
}

impl<F, T, G, W, O> Future for Acquire<'_, F, T, G, W>
where
    F: Future,
    T: FnOnce() -> Option<F::Output>,
    G: Fn(&F::Output) -> bool,
    W: FnMut(F::Output) -> O,
{
    type Output = O;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        let this = self.project();
        if let Some(try_now) = this.try_now.take() {
            // Spends the budget tokio's own future would (and yields
            // when it is out); given back unless the lock is taken.
            let coop = match tokio::task::coop::poll_proceed(cx) {
                Poll::Ready(coop) => coop,
                Poll::Pending => {
                    *this.try_now = Some(try_now);
                    return Poll::Pending;
                }
            };
            if let Some(out) = try_now() {
                coop.made_progress();
                this.lock.acquired(*this.take, this.site, true);
                return Poll::Ready((this.wrap)(out));
            }
        }
        if let Some(verdict) = live::verdict(this.live) {
            // The watchdog found this wait in a deadlock and the policy
            // says panic: the task panics, dropping what it holds.
            panic!("{verdict}");
        }
        match this.fut.poll(cx) {
            Poll::Ready(out) => {
                // A wait that pended was checked when it began.
                let check = !std::mem::replace(this.waiting, false);
                live::ended(this.live);
                if (this.granted)(&out) {
                    this.lock.acquired(*this.take, this.site, check);
                } else {
                    this.lock.failed(*this.take, this.site);
                }
                Poll::Ready((this.wrap)(out))
            }
            Poll::Pending => {
                if !*this.waiting {
                    crate::recorder::tick();
                    // Before `waiting`: a `panic` action drops this future
                    // with no wait to withdraw.
                    this.lock.requested(*this.take, this.site);
                    *this.waiting = true;
                }
                if let Some(mode) = this.take.lock_mode() {
                    let (lock, holders) = (this.lock.meta(), this.lock.holders());
                    live::pending(this.live, lock, holders, mode, this.site, cx.waker());
                }
                Poll::Pending
            }
        }
    }
}

/// Every output is an acquisition (a lock's guard).
pub(crate) fn always<T>(_: &T) -> bool {
    true
}

/// An `Ok` output is an acquisition (a semaphore's permit).
pub(crate) fn is_ok<T, E>(r: &Result<T, E>) -> bool {
    r.is_ok()
}
