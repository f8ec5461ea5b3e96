//! The instrumented raw reader-writer lock: lock_api's raw rwlock traits
//! (shared, exclusive, upgradable, upgrade, downgrade, timed, fair)
//! implemented by delegation to `parking_lot::RawRwLock`, recording each
//! acquisition in its mode, each release, upgrade and downgrade.
//!
//! Same discipline as [`raw_mutex`](crate::raw_mutex): try first, record a
//! `request` only when blocking, `acquired` after the real lock, `released`
//! before the real unlock.
//!
//! # Performance
//! As the raw mutex, plus an atomic `fetch_max` on the lock's clock for a
//! shared or upgradable release while recording (readers release
//! concurrently).
//!
//! # Limitations
//! Recursive reads (`read_recursive`) are not offered.

use std::panic::Location;
use std::time::{Duration, Instant};

use lock_api::{
    RawRwLock as _, RawRwLockTimed as _, RawRwLockUpgrade as _, RawRwLockUpgradeTimed as _,
};
use lockscope_detector::trace::{EventKind, LockMode, ObjId, PrimitiveKind};

use crate::fast_path::{self, Done};
use crate::hook::{self as live, Wait};
use crate::meta::PrimitiveMeta;
use crate::recorder::{obj_id, ObjRec, ReadersClock, Sync};

pub(crate) const HERE: &str = file!();

type Inner = parking_lot::RawRwLock;
type Shared = <Inner as lock_api::RawRwLock>::SharedGuard;
type Exclusive = <Inner as lock_api::RawRwLock>::ExclusiveGuard;
type Upgradable = <Inner as lock_api::RawRwLockUpgrade>::UpgradableGuard;

/// A raw rwlock that records itself; use it through [`RwLock`](crate::RwLock).
// As the raw mutex's layout: the identity first, then the readers' clock
// and the recorder's clock, then the lock word, which `lock_api::RwLock`
// follows with the data, so a contended hand-off moves one cache line, not
// two. Checked below at compile time.
#[repr(C)]
pub struct RawRwLock {
    meta: PrimitiveMeta,
    /// The latest read release, which writers follow.
    readers: ReadersClock,
    rec: ObjRec,
    inner: Inner,
}

// The layout above, checked when compiling: the clock right before the lock
// word, and the lock word in the last 8 bytes, where the data follows.
const _: () = assert!(
    std::mem::offset_of!(RawRwLock, rec) + crate::recorder::CLOCK_OFFSET + 8
        == std::mem::offset_of!(RawRwLock, inner)
        && std::mem::offset_of!(RawRwLock, inner) + 8 == std::mem::size_of::<RawRwLock>()
);

impl RawRwLock {
    /// A raw rwlock created here, with an optional name.
    #[track_caller]
    pub fn new(name: Option<&'static str>) -> Self {
        RawRwLock {
            inner: Inner::INIT,
            rec: ObjRec::new(),
            readers: ReadersClock::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::RwLock, name),
        }
    }

    /// A raw rwlock with an explicit lock-order rank.
    #[track_caller]
    pub fn ranked(name: Option<&'static str>, rank: u64) -> Self {
        RawRwLock {
            inner: Inner::INIT,
            rec: ObjRec::new(),
            readers: ReadersClock::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::RwLock, name).with_rank(rank),
        }
    }

    /// The lock's identity.
    pub fn meta(&self) -> &PrimitiveMeta {
        &self.meta
    }

    /// Out of line: one call from the user's code to the fast path
    /// ([`fast_path::acquired`]), which makes no call; what it leaves
    /// undone goes to [`Self::acquired_slow`] (a tail call).
    #[inline(never)]
    fn acquired(&self, mode: LockMode, site: &'static Location<'static>, blocking: bool) {
        let event = |obj| acquired_event(obj, mode);
        let done = fast_path::acquired(
            PrimitiveKind::RwLock,
            &self.meta,
            &self.rec,
            mode,
            blocking,
            site,
            self.acquire_sync(mode),
            event,
        );
        if !done.all() {
            self.acquired_slow(mode, site, blocking, done);
        }
    }

    /// How an acquisition in `mode` follows the lock's clocks: a writer
    /// waits for the readers too, and an upgradable read for the previous
    /// upgradable read (released through the readers' clock).
    #[inline(always)]
    fn acquire_sync(&self, mode: LockMode) -> Sync<'_> {
        match mode {
            LockMode::Exclusive | LockMode::Upgradable => Sync::AcquireAfterReaders(&self.readers),
            LockMode::Shared => Sync::Acquire,
        }
    }

    /// How a release in `mode` publishes: a writer's to everyone after it,
    /// a reader's only to the writers (see [`ReadersClock`]).
    #[inline(always)]
    fn release_sync(&self, mode: LockMode) -> Sync<'_> {
        match mode {
            LockMode::Exclusive => Sync::Release,
            LockMode::Shared | LockMode::Upgradable => Sync::ReleaseRead(&self.readers),
        }
    }

    /// The general path of an acquisition: the halves the fast path did
    /// not do.
    #[cold]
    #[inline(never)]
    fn acquired_slow(
        &self,
        mode: LockMode,
        site: &'static Location<'static>,
        blocking: bool,
        done: Done,
    ) {
        if !done.recorded {
            let event = |obj| acquired_event(obj, mode);
            self.rec
                .record_with(&self.meta, event, Some(site), self.acquire_sync(mode));
        }
        if !done.checked {
            live::acquired_as(PrimitiveKind::RwLock, &self.meta, mode, blocking, site);
        }
    }

    fn request(&self, mode: LockMode, site: &'static Location<'static>, deadline: Option<Instant>) {
        let kind = EventKind::Request {
            obj: obj_id(&self.meta),
            mode,
        };
        self.rec.record(&self.meta, kind, Some(site), Sync::None);
        live::before_block_until(
            Wait::Lock {
                lock: &self.meta,
                mode,
            },
            site,
            deadline,
        );
    }

    fn try_failed(&self, mode: LockMode, site: &'static Location<'static>) {
        let kind = EventKind::TryFailed {
            obj: obj_id(&self.meta),
            mode,
        };
        self.rec.record(&self.meta, kind, Some(site), Sync::None);
    }

    /// Out of line, as [`Self::acquired`].
    #[inline(never)]
    fn released(&self, mode: LockMode) {
        let event = |obj| EventKind::Released { obj, mode };
        let done = fast_path::released(
            PrimitiveKind::RwLock,
            &self.meta,
            &self.rec,
            self.release_sync(mode),
            event,
        );
        if !done.all() {
            self.released_slow(mode, done);
        }
    }

    /// The general path of a release, as [`Self::acquired_slow`].
    #[cold]
    #[inline(never)]
    fn released_slow(&self, mode: LockMode, done: Done) {
        if !done.checked {
            live::released_as(PrimitiveKind::RwLock, &self.meta);
        }
        if !done.recorded {
            let event = |obj| EventKind::Released { obj, mode };
            self.rec
                .record_with(&self.meta, event, None, self.release_sync(mode));
        }
    }

    #[track_caller]
    fn changed(&self, kind: EventKind, from: LockMode, to: LockMode) {
        live::released(&self.meta, from);
        let site = Location::caller();
        self.rec.record(&self.meta, kind, None, Sync::ReleaseShared);
        live::acquired(&self.meta, to, false, site);
    }

    /// Try, then block until `deadline` (in watchdog slices): the shape of
    /// every acquisition. `wait(inner, until)` blocks until `until`, or
    /// without limit for `None`.
    #[inline]
    fn acquire<G>(
        &self,
        mode: LockMode,
        site: &'static Location<'static>,
        deadline: Option<Instant>,
        try_now: impl FnOnce(&Inner) -> Option<G>,
        wait: impl Fn(&Inner, Option<Instant>) -> Option<G>,
    ) -> Option<G> {
        if let Some(g) = try_now(&self.inner) {
            self.acquired(mode, site, true);
            return Some(g);
        }
        self.request(mode, site, deadline);
        match live::sliced(deadline, |until| wait(&self.inner, until)) {
            Some(g) => {
                self.acquired(mode, site, true);
                Some(g)
            }
            None => {
                self.try_failed(mode, site);
                live::wait_ended();
                None
            }
        }
    }

    #[inline]
    fn try_acquire<G>(
        &self,
        mode: LockMode,
        site: &'static Location<'static>,
        g: Option<G>,
    ) -> Option<G> {
        match g {
            Some(g) => {
                self.acquired(mode, site, false);
                Some(g)
            }
            None => {
                self.try_failed(mode, site);
                None
            }
        }
    }

    fn upgraded(&self, site: &'static Location<'static>) {
        let kind = EventKind::Upgraded {
            obj: obj_id(&self.meta),
        };
        let sync = Sync::AcquireAfterReaders(&self.readers);
        self.rec.record(&self.meta, kind, Some(site), sync);
        live::released(&self.meta, LockMode::Upgradable);
        live::acquired(&self.meta, LockMode::Exclusive, true, site);
    }
}

fn acquired_event(obj: ObjId, mode: LockMode) -> EventKind {
    EventKind::Acquired {
        obj,
        mode,
        depth: 1,
    }
}

impl std::fmt::Debug for RawRwLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRwLock")
            .field("id", &self.meta.id())
            .field("name", &self.meta.name())
            .field("locked", &self.inner.is_locked())
            .finish()
    }
}

impl Drop for RawRwLock {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}

fn shared_until(l: &Inner, until: Option<Instant>) -> Option<Shared> {
    match until {
        Some(t) => l.try_lock_shared_until(t),
        None => Some(l.lock_shared()),
    }
}

fn exclusive_until(l: &Inner, until: Option<Instant>) -> Option<Exclusive> {
    match until {
        Some(t) => l.try_lock_exclusive_until(t),
        None => Some(l.lock_exclusive()),
    }
}

fn upgradable_until(l: &Inner, until: Option<Instant>) -> Option<Upgradable> {
    match until {
        Some(t) => l.try_lock_upgradable_until(t),
        None => Some(l.lock_upgradable()),
    }
}

fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

// SAFETY: every lock operation is parking_lot's, delegated unchanged with
// the guard states it returned; recording never touches the lock state.
unsafe impl lock_api::RawRwLock for RawRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawRwLock {
        inner: Inner::INIT,
        rec: ObjRec::new(),
        readers: ReadersClock::new(),
        meta: PrimitiveMeta::new_const(PrimitiveKind::RwLock),
    };

    type SharedGuard = Shared;
    type ExclusiveGuard = Exclusive;

    #[inline]
    #[track_caller]
    fn lock_shared(&self) -> Shared {
        let site = Location::caller();
        let g = self.acquire(
            LockMode::Shared,
            site,
            None,
            Inner::try_lock_shared,
            shared_until,
        );
        g.expect("an untimed shared lock always succeeds")
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared(&self) -> Option<Shared> {
        let site = Location::caller();
        self.try_acquire(LockMode::Shared, site, self.inner.try_lock_shared())
    }

    #[inline]
    unsafe fn unlock_shared(&self, guard: Shared) {
        self.released(LockMode::Shared);
        // SAFETY: the caller's shared acquisition state of this lock.
        unsafe { self.inner.unlock_shared(guard) }
    }

    #[inline]
    #[track_caller]
    fn lock_exclusive(&self) -> Exclusive {
        let site = Location::caller();
        let g = self.acquire(
            LockMode::Exclusive,
            site,
            None,
            Inner::try_lock_exclusive,
            exclusive_until,
        );
        g.expect("an untimed exclusive lock always succeeds")
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive(&self) -> Option<Exclusive> {
        let site = Location::caller();
        self.try_acquire(LockMode::Exclusive, site, self.inner.try_lock_exclusive())
    }

    #[inline]
    unsafe fn unlock_exclusive(&self, guard: Exclusive) {
        self.released(LockMode::Exclusive);
        // SAFETY: the caller's exclusive acquisition state of this lock.
        unsafe { self.inner.unlock_exclusive(guard) }
    }

    fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    fn is_locked_exclusive(&self) -> bool {
        self.inner.is_locked_exclusive()
    }
}

// SAFETY: delegates to parking_lot's fair unlocks.
unsafe impl lock_api::RawRwLockFair for RawRwLock {
    unsafe fn unlock_shared_fair(&self, guard: Shared) {
        self.released(LockMode::Shared);
        // SAFETY: as for `unlock_shared`.
        unsafe { lock_api::RawRwLockFair::unlock_shared_fair(&self.inner, guard) }
    }

    unsafe fn unlock_exclusive_fair(&self, guard: Exclusive) {
        self.released(LockMode::Exclusive);
        // SAFETY: as for `unlock_exclusive`.
        unsafe { lock_api::RawRwLockFair::unlock_exclusive_fair(&self.inner, guard) }
    }
}

// SAFETY: delegates to parking_lot's downgrade.
unsafe impl lock_api::RawRwLockDowngrade for RawRwLock {
    #[track_caller]
    unsafe fn downgrade(&self, guard: Exclusive) -> Shared {
        let kind = EventKind::Downgraded {
            obj: obj_id(&self.meta),
            to: LockMode::Shared,
        };
        self.changed(kind, LockMode::Exclusive, LockMode::Shared);
        // SAFETY: the caller's exclusive acquisition state.
        unsafe { lock_api::RawRwLockDowngrade::downgrade(&self.inner, guard) }
    }
}

// SAFETY: delegates to parking_lot's timed locks.
unsafe impl lock_api::RawRwLockTimed for RawRwLock {
    type Duration = Duration;
    type Instant = Instant;

    #[track_caller]
    fn try_lock_shared_for(&self, timeout: Duration) -> Option<Shared> {
        let site = Location::caller();
        self.acquire(
            LockMode::Shared,
            site,
            deadline_after(timeout),
            Inner::try_lock_shared,
            shared_until,
        )
    }

    #[track_caller]
    fn try_lock_shared_until(&self, timeout: Instant) -> Option<Shared> {
        let site = Location::caller();
        self.acquire(
            LockMode::Shared,
            site,
            Some(timeout),
            Inner::try_lock_shared,
            shared_until,
        )
    }

    #[track_caller]
    fn try_lock_exclusive_for(&self, timeout: Duration) -> Option<Exclusive> {
        let site = Location::caller();
        self.acquire(
            LockMode::Exclusive,
            site,
            deadline_after(timeout),
            Inner::try_lock_exclusive,
            exclusive_until,
        )
    }

    #[track_caller]
    fn try_lock_exclusive_until(&self, timeout: Instant) -> Option<Exclusive> {
        let site = Location::caller();
        self.acquire(
            LockMode::Exclusive,
            site,
            Some(timeout),
            Inner::try_lock_exclusive,
            exclusive_until,
        )
    }
}

// SAFETY: delegates to parking_lot's upgradable locks.
unsafe impl lock_api::RawRwLockUpgrade for RawRwLock {
    type UpgradableGuard = Upgradable;

    #[track_caller]
    fn lock_upgradable(&self) -> Upgradable {
        let site = Location::caller();
        let g = self.acquire(
            LockMode::Upgradable,
            site,
            None,
            Inner::try_lock_upgradable,
            upgradable_until,
        );
        g.expect("an untimed upgradable lock always succeeds")
    }

    #[track_caller]
    fn try_lock_upgradable(&self) -> Option<Upgradable> {
        let site = Location::caller();
        self.try_acquire(LockMode::Upgradable, site, self.inner.try_lock_upgradable())
    }

    unsafe fn unlock_upgradable(&self, guard: Upgradable) {
        self.released(LockMode::Upgradable);
        // SAFETY: the caller's upgradable acquisition state.
        unsafe { self.inner.unlock_upgradable(guard) }
    }

    #[track_caller]
    unsafe fn upgrade(&self, guard: Upgradable) -> Exclusive {
        let site = Location::caller();
        // SAFETY: the caller's upgradable acquisition state.
        let g = unsafe {
            match self.inner.try_upgrade(guard) {
                Ok(g) => g,
                Err(guard) => {
                    self.request(LockMode::Exclusive, site, None);
                    self.inner.upgrade(guard)
                }
            }
        };
        self.upgraded(site);
        g
    }

    #[track_caller]
    unsafe fn try_upgrade(&self, guard: Upgradable) -> Result<Exclusive, Upgradable> {
        let site = Location::caller();
        // SAFETY: the caller's upgradable acquisition state.
        let r = unsafe { self.inner.try_upgrade(guard) };
        match &r {
            Ok(_) => self.upgraded(site),
            Err(_) => self.try_failed(LockMode::Exclusive, site),
        }
        r
    }
}

// SAFETY: delegates to parking_lot's downgrades of upgradable locks.
unsafe impl lock_api::RawRwLockUpgradeDowngrade for RawRwLock {
    #[track_caller]
    unsafe fn downgrade_upgradable(&self, guard: Upgradable) -> Shared {
        let kind = EventKind::Downgraded {
            obj: obj_id(&self.meta),
            to: LockMode::Shared,
        };
        self.changed(kind, LockMode::Upgradable, LockMode::Shared);
        // SAFETY: the caller's upgradable acquisition state.
        unsafe { lock_api::RawRwLockUpgradeDowngrade::downgrade_upgradable(&self.inner, guard) }
    }

    #[track_caller]
    unsafe fn downgrade_to_upgradable(&self, guard: Exclusive) -> Upgradable {
        let kind = EventKind::Downgraded {
            obj: obj_id(&self.meta),
            to: LockMode::Upgradable,
        };
        self.changed(kind, LockMode::Exclusive, LockMode::Upgradable);
        // SAFETY: the caller's exclusive acquisition state.
        unsafe { lock_api::RawRwLockUpgradeDowngrade::downgrade_to_upgradable(&self.inner, guard) }
    }
}

// SAFETY: delegates to parking_lot's timed upgradable locks.
unsafe impl lock_api::RawRwLockUpgradeTimed for RawRwLock {
    #[track_caller]
    fn try_lock_upgradable_for(&self, timeout: Duration) -> Option<Upgradable> {
        let site = Location::caller();
        self.acquire(
            LockMode::Upgradable,
            site,
            deadline_after(timeout),
            Inner::try_lock_upgradable,
            upgradable_until,
        )
    }

    #[track_caller]
    fn try_lock_upgradable_until(&self, timeout: Instant) -> Option<Upgradable> {
        let site = Location::caller();
        self.acquire(
            LockMode::Upgradable,
            site,
            Some(timeout),
            Inner::try_lock_upgradable,
            upgradable_until,
        )
    }

    #[track_caller]
    unsafe fn try_upgrade_for(
        &self,
        guard: Upgradable,
        timeout: Duration,
    ) -> Result<Exclusive, Upgradable> {
        let site = Location::caller();
        // SAFETY: the caller's upgradable acquisition state.
        let r = unsafe { self.inner.try_upgrade_for(guard, timeout) };
        match &r {
            Ok(_) => self.upgraded(site),
            Err(_) => self.try_failed(LockMode::Exclusive, site),
        }
        r
    }

    #[track_caller]
    unsafe fn try_upgrade_until(
        &self,
        guard: Upgradable,
        timeout: Instant,
    ) -> Result<Exclusive, Upgradable> {
        let site = Location::caller();
        // SAFETY: the caller's upgradable acquisition state.
        let r = unsafe { self.inner.try_upgrade_until(guard, timeout) };
        match &r {
            Ok(_) => self.upgraded(site),
            Err(_) => self.try_failed(LockMode::Exclusive, site),
        }
        r
    }
}
