//! The instrumented raw reader-writer lock: lock_api's raw rwlock traits
//! (shared, exclusive, upgradable, upgrade, downgrade, timed, fair)
//! implemented by delegation to lockscope's own raw rwlock (`raw/`), recording each
//! acquisition in its mode, each release, upgrade and downgrade.
//!
//! Same discipline as [`raw_mutex`](crate::raw_mutex): try first, take the
//! one blocking path ([`crate::blocked`]) only when blocking (an upgrade
//! too), `acquired` after the real lock, `released` before the real unlock.
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

use lock_api::GuardNoSend as Guard;
use lockscope_detector::trace::{EventKind, LockMode, ObjId, PrimitiveKind};

use crate::blocked::LockRef;
use crate::fast_path::{self, Done};
use crate::hook as live;
use crate::meta::PrimitiveMeta;
use crate::recorder::{obj_id, ObjRec, ReadersClock, Sync};

pub(crate) const HERE: &str = file!();

type Inner = crate::raw::RawRwLock;

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
            inner: Inner::new(),
            rec: ObjRec::new(),
            readers: ReadersClock::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::RwLock, name),
        }
    }

    /// A raw rwlock with an explicit lock-order rank.
    #[track_caller]
    pub fn ranked(name: Option<&'static str>, rank: u64) -> Self {
        RawRwLock {
            inner: Inner::new(),
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
            // A finding whose policy is `panic` unwinds from here with the
            // lock taken and no guard made yet: release it on the way out
            // (recorded, its held entry dropped), as the guard would.
            let release = ReleaseOnUnwind { lock: self, mode };
            live::acquired_as(PrimitiveKind::RwLock, &self.meta, mode, blocking, site);
            std::mem::forget(release);
        }
    }

    /// What the blocking path records against.
    fn lock_ref(&self) -> LockRef<'_> {
        LockRef {
            meta: &self.meta,
            rec: &self.rec,
        }
    }

    /// Records the release of a hold in `mode` and releases the lock
    /// (not fairly): what every unlock in `mode` does.
    ///
    /// # Safety
    /// The caller holds the lock in `mode`.
    #[inline]
    unsafe fn release(&self, mode: LockMode) {
        self.released(mode);
        // SAFETY: the caller holds the lock in `mode`.
        unsafe {
            match mode {
                LockMode::Shared => self.inner.unlock_shared(),
                LockMode::Exclusive => self.inner.unlock_exclusive(false),
                LockMode::Upgradable => self.inner.unlock_upgradable(false),
            }
        }
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

    /// Try, then block until `deadline` (the one blocking path): the shape
    /// of every acquisition. `wait(inner, until)` blocks until `until`, or
    /// without limit for `None`; both say whether they took the lock.
    #[inline]
    fn acquire(
        &self,
        mode: LockMode,
        site: &'static Location<'static>,
        deadline: Option<Instant>,
        try_now: impl FnOnce(&Inner) -> bool,
        wait: impl Fn(&Inner, Option<Instant>) -> bool,
    ) -> Option<Guard> {
        if !try_now(&self.inner) {
            self.lock_ref().block(mode, site, deadline, |until| {
                wait(&self.inner, until).then(Guard::new)
            })?;
        }
        self.acquired(mode, site, true);
        Some(Guard::new())
    }

    #[inline]
    fn try_acquire(
        &self,
        mode: LockMode,
        site: &'static Location<'static>,
        took: bool,
    ) -> Option<Guard> {
        if took {
            self.acquired(mode, site, false);
            Some(Guard::new())
        } else {
            self.lock_ref().try_failed(mode, site);
            None
        }
    }

    /// Upgrades at `site` until `deadline`: at once if no other reader is
    /// in, else through the one blocking path (which records a give-up);
    /// the upgrade itself is left to [`Self::upgraded`].
    ///
    /// # Safety
    /// The calling context holds the upgradable lock.
    unsafe fn upgrade_until(
        &self,
        site: &'static Location<'static>,
        deadline: Option<Instant>,
    ) -> bool {
        // SAFETY: the caller holds the upgradable lock, which a failed
        // attempt leaves held.
        unsafe {
            self.inner.try_upgrade()
                || self
                    .lock_ref()
                    .block(LockMode::Exclusive, site, deadline, |until| {
                        self.inner.upgrade_until(until).then_some(())
                    })
                    .is_some()
        }
    }

    /// A timed upgrade's outcome (a give-up is already recorded); the
    /// guard as `Ok` if it upgraded.
    fn timed_upgrade(
        &self,
        upgraded: bool,
        site: &'static Location<'static>,
        guard: Guard,
    ) -> Result<Guard, Guard> {
        if upgraded {
            self.upgraded(site);
            Ok(guard)
        } else {
            Err(guard)
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

/// Releases an rwlock taken in `mode` whose acquisition unwinds before
/// lock_api made its guard; forgotten once the acquisition returns.
struct ReleaseOnUnwind<'a> {
    lock: &'a RawRwLock,
    mode: LockMode,
}

impl Drop for ReleaseOnUnwind<'_> {
    fn drop(&mut self) {
        // SAFETY: the acquisition that is unwinding took the lock in
        // `mode`, and nothing else will release it.
        unsafe { self.lock.release(self.mode) }
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

fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

// SAFETY: every lock operation is the raw rwlock's, delegated unchanged;
// guards are stateless; recording never touches the lock state.
unsafe impl lock_api::RawRwLock for RawRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawRwLock {
        inner: Inner::new(),
        rec: ObjRec::new(),
        readers: ReadersClock::new(),
        meta: PrimitiveMeta::new_const(PrimitiveKind::RwLock),
    };

    type SharedGuard = Guard;
    type ExclusiveGuard = Guard;

    #[inline]
    #[track_caller]
    fn lock_shared(&self) -> Guard {
        let site = Location::caller();
        let g = self.acquire(
            LockMode::Shared,
            site,
            None,
            Inner::try_lock_shared,
            Inner::lock_shared_until,
        );
        g.expect("an untimed shared lock always succeeds")
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared(&self) -> Option<Guard> {
        let site = Location::caller();
        self.try_acquire(LockMode::Shared, site, self.inner.try_lock_shared())
    }

    #[inline]
    unsafe fn unlock_shared(&self, _guard: Guard) {
        // SAFETY: the caller holds a shared lock of this lock.
        unsafe { self.release(LockMode::Shared) }
    }

    #[inline]
    #[track_caller]
    fn lock_exclusive(&self) -> Guard {
        let site = Location::caller();
        let g = self.acquire(
            LockMode::Exclusive,
            site,
            None,
            Inner::try_lock_exclusive,
            Inner::lock_exclusive_until,
        );
        g.expect("an untimed exclusive lock always succeeds")
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive(&self) -> Option<Guard> {
        let site = Location::caller();
        self.try_acquire(LockMode::Exclusive, site, self.inner.try_lock_exclusive())
    }

    #[inline]
    unsafe fn unlock_exclusive(&self, _guard: Guard) {
        // SAFETY: the caller holds this lock exclusively.
        unsafe { self.release(LockMode::Exclusive) }
    }

    fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    fn is_locked_exclusive(&self) -> bool {
        self.inner.is_locked_exclusive()
    }
}

// SAFETY: delegates to the raw rwlock's fair unlocks; the bumps are
// lock_api's (a fair unlock and a recorded lock).
unsafe impl lock_api::RawRwLockFair for RawRwLock {
    unsafe fn unlock_shared_fair(&self, _guard: Guard) {
        self.released(LockMode::Shared);
        // SAFETY: as for `unlock_shared` (a reader has nothing to hand over).
        unsafe { self.inner.unlock_shared() }
    }

    unsafe fn unlock_exclusive_fair(&self, _guard: Guard) {
        self.released(LockMode::Exclusive);
        // SAFETY: as for `unlock_exclusive`.
        unsafe { self.inner.unlock_exclusive(true) }
    }
}

// SAFETY: delegates to the raw rwlock's downgrade.
unsafe impl lock_api::RawRwLockDowngrade for RawRwLock {
    #[track_caller]
    unsafe fn downgrade(&self, _guard: Guard) -> Guard {
        let kind = EventKind::Downgraded {
            obj: obj_id(&self.meta),
            to: LockMode::Shared,
        };
        self.changed(kind, LockMode::Exclusive, LockMode::Shared);
        // SAFETY: the caller holds this lock exclusively.
        unsafe { self.inner.downgrade() };
        Guard::new()
    }
}

// SAFETY: delegates to the raw rwlock's timed locks.
unsafe impl lock_api::RawRwLockTimed for RawRwLock {
    type Duration = Duration;
    type Instant = Instant;

    #[track_caller]
    fn try_lock_shared_for(&self, timeout: Duration) -> Option<Guard> {
        let site = Location::caller();
        self.acquire(
            LockMode::Shared,
            site,
            deadline_after(timeout),
            Inner::try_lock_shared,
            Inner::lock_shared_until,
        )
    }

    #[track_caller]
    fn try_lock_shared_until(&self, timeout: Instant) -> Option<Guard> {
        let site = Location::caller();
        self.acquire(
            LockMode::Shared,
            site,
            Some(timeout),
            Inner::try_lock_shared,
            Inner::lock_shared_until,
        )
    }

    #[track_caller]
    fn try_lock_exclusive_for(&self, timeout: Duration) -> Option<Guard> {
        let site = Location::caller();
        self.acquire(
            LockMode::Exclusive,
            site,
            deadline_after(timeout),
            Inner::try_lock_exclusive,
            Inner::lock_exclusive_until,
        )
    }

    #[track_caller]
    fn try_lock_exclusive_until(&self, timeout: Instant) -> Option<Guard> {
        let site = Location::caller();
        self.acquire(
            LockMode::Exclusive,
            site,
            Some(timeout),
            Inner::try_lock_exclusive,
            Inner::lock_exclusive_until,
        )
    }
}

// SAFETY: delegates to the raw rwlock's upgradable locks.
unsafe impl lock_api::RawRwLockUpgrade for RawRwLock {
    type UpgradableGuard = Guard;

    #[track_caller]
    fn lock_upgradable(&self) -> Guard {
        let site = Location::caller();
        let g = self.acquire(
            LockMode::Upgradable,
            site,
            None,
            Inner::try_lock_upgradable,
            Inner::lock_upgradable_until,
        );
        g.expect("an untimed upgradable lock always succeeds")
    }

    #[track_caller]
    fn try_lock_upgradable(&self) -> Option<Guard> {
        let site = Location::caller();
        self.try_acquire(LockMode::Upgradable, site, self.inner.try_lock_upgradable())
    }

    unsafe fn unlock_upgradable(&self, _guard: Guard) {
        // SAFETY: the caller holds the upgradable lock.
        unsafe { self.release(LockMode::Upgradable) }
    }

    #[track_caller]
    unsafe fn upgrade(&self, guard: Guard) -> Guard {
        let site = Location::caller();
        // SAFETY: the caller holds the upgradable lock.
        let upgraded = unsafe { self.upgrade_until(site, None) };
        assert!(upgraded, "an untimed upgrade always succeeds");
        self.upgraded(site);
        guard
    }

    #[track_caller]
    unsafe fn try_upgrade(&self, guard: Guard) -> Result<Guard, Guard> {
        let site = Location::caller();
        // SAFETY: the caller holds the upgradable lock.
        let upgraded = unsafe { self.inner.try_upgrade() };
        if !upgraded {
            self.lock_ref().try_failed(LockMode::Exclusive, site);
        }
        self.timed_upgrade(upgraded, site, guard)
    }
}

// SAFETY: delegates to the raw rwlock's fair upgradable unlock; the bump
// is lock_api's (a fair unlock and a recorded lock).
unsafe impl lock_api::RawRwLockUpgradeFair for RawRwLock {
    unsafe fn unlock_upgradable_fair(&self, _guard: Guard) {
        self.released(LockMode::Upgradable);
        // SAFETY: the caller holds the upgradable lock.
        unsafe { self.inner.unlock_upgradable(true) }
    }
}

// SAFETY: delegates to the raw rwlock's downgrades of upgradable locks.
unsafe impl lock_api::RawRwLockUpgradeDowngrade for RawRwLock {
    #[track_caller]
    unsafe fn downgrade_upgradable(&self, _guard: Guard) -> Guard {
        let kind = EventKind::Downgraded {
            obj: obj_id(&self.meta),
            to: LockMode::Shared,
        };
        self.changed(kind, LockMode::Upgradable, LockMode::Shared);
        // SAFETY: the caller holds the upgradable lock.
        unsafe { self.inner.downgrade_upgradable() };
        Guard::new()
    }

    #[track_caller]
    unsafe fn downgrade_to_upgradable(&self, _guard: Guard) -> Guard {
        let kind = EventKind::Downgraded {
            obj: obj_id(&self.meta),
            to: LockMode::Upgradable,
        };
        self.changed(kind, LockMode::Exclusive, LockMode::Upgradable);
        // SAFETY: the caller holds this lock exclusively.
        unsafe { self.inner.downgrade_to_upgradable() };
        Guard::new()
    }
}

// SAFETY: delegates to the raw rwlock's timed upgradable locks.
unsafe impl lock_api::RawRwLockUpgradeTimed for RawRwLock {
    #[track_caller]
    fn try_lock_upgradable_for(&self, timeout: Duration) -> Option<Guard> {
        let site = Location::caller();
        self.acquire(
            LockMode::Upgradable,
            site,
            deadline_after(timeout),
            Inner::try_lock_upgradable,
            Inner::lock_upgradable_until,
        )
    }

    #[track_caller]
    fn try_lock_upgradable_until(&self, timeout: Instant) -> Option<Guard> {
        let site = Location::caller();
        self.acquire(
            LockMode::Upgradable,
            site,
            Some(timeout),
            Inner::try_lock_upgradable,
            Inner::lock_upgradable_until,
        )
    }

    #[track_caller]
    unsafe fn try_upgrade_for(&self, guard: Guard, timeout: Duration) -> Result<Guard, Guard> {
        let site = Location::caller();
        // SAFETY: the caller holds the upgradable lock.
        let upgraded = unsafe { self.upgrade_until(site, deadline_after(timeout)) };
        self.timed_upgrade(upgraded, site, guard)
    }

    #[track_caller]
    unsafe fn try_upgrade_until(&self, guard: Guard, timeout: Instant) -> Result<Guard, Guard> {
        let site = Location::caller();
        // SAFETY: the caller holds the upgradable lock.
        let upgraded = unsafe { self.upgrade_until(site, Some(timeout)) };
        self.timed_upgrade(upgraded, site, guard)
    }
}
