//! The instrumented raw mutex: `lock_api::RawMutex` implemented by delegation
//! to lockscope's own raw mutex (`raw/`), recording every acquisition and release and
//! calling the live checks. `lock_api::Mutex<RawMutex, T>` on top of it gives
//! parking_lot's whole API (guards, mapping, `unlocked`, timed locks, Arc
//! guards) with the user's call site, since lock_api's methods are
//! `#[track_caller]`.
//!
//! Order of operations: the fast path tries the real lock first (then spins
//! briefly, as the raw mutex's own `lock` does) and records only
//! `acquired`; only a lock that would block takes the one blocking path
//! ([`crate::blocked`]: `request`, the live checks, watchdog slices).
//! `acquired` is recorded after the real lock succeeds and `released`
//! before the real unlock, so the recorded order is a legal one.
//!
//! # Performance
//! One compare-exchange (the raw mutex's `try_lock_spinning`), one
//! relaxed load to see whether a trace is open, the live checks, and when
//! recording, a ring push per event.

use std::panic::Location;
use std::time::{Duration, Instant};

use lock_api::GuardNoSend;
use lockscope_detector::trace::{EventKind, LockMode, ObjId, PrimitiveKind};

use crate::blocked::LockRef;
use crate::fast_path::{self, Done};
use crate::hook as live;
use crate::meta::PrimitiveMeta;
use crate::recorder::{ObjRec, Sync};

/// This file, whose `const` initialiser site says nothing about the user's
/// primitive.
pub(crate) const HERE: &str = file!();

type InnerGuard = GuardNoSend;

const MODE: LockMode = LockMode::Exclusive;

fn acquired_event(obj: ObjId) -> EventKind {
    EventKind::Acquired {
        obj,
        mode: MODE,
        depth: 1,
    }
}

fn released_event(obj: ObjId) -> EventKind {
    EventKind::Released { obj, mode: MODE }
}

/// Releases a mutex whose acquisition unwinds before lock_api made its
/// guard; forgotten once the acquisition returns.
struct ReleaseOnUnwind<'a>(&'a RawMutex);

impl Drop for ReleaseOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.released();
        // SAFETY: the acquisition that is unwinding took the inner lock,
        // and nothing else will release it.
        unsafe { self.0.inner.unlock() }
    }
}

/// A raw mutex that records itself; use it through [`Mutex`](crate::Mutex).
// The identity first, then the recorder's clock, then the lock word, which
// `lock_api::Mutex` follows with the protected data: the lock word, the
// clock (written by every releaser, read by the next acquirer) and the data
// are all touched on every hand-off between threads, so they sit within 24
// bytes, usually one cache line. With the lock word first and the 48-byte
// identity after it, the data was always on the next line, and every
// contended hand-off moved two lines between the cores (parking_lot's own
// mutex measured 60 -> 100 ns per contended operation with its data pushed
// to another line). Checked below at compile time.
#[repr(C)]
pub struct RawMutex {
    meta: PrimitiveMeta,
    rec: ObjRec,
    inner: crate::raw::RawMutex,
}

// The layout above, checked when compiling: the clock right before the lock
// word, and the lock word in the last 8 bytes, where the data follows.
const _: () = assert!(
    std::mem::offset_of!(RawMutex, rec) + crate::recorder::CLOCK_OFFSET + 8
        == std::mem::offset_of!(RawMutex, inner)
        && std::mem::offset_of!(RawMutex, inner) + 8 == std::mem::size_of::<RawMutex>()
);

impl RawMutex {
    /// A raw mutex created here, with an optional name.
    #[track_caller]
    pub fn new(name: Option<&'static str>) -> Self {
        RawMutex {
            inner: crate::raw::RawMutex::new(),
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::Mutex, name),
        }
    }

    /// A raw mutex with an explicit lock-order rank (lower ranks are taken
    /// first by the `acquire` helper).
    #[track_caller]
    pub fn ranked(name: Option<&'static str>, rank: u64) -> Self {
        RawMutex {
            inner: crate::raw::RawMutex::new(),
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::Mutex, name).with_rank(rank),
        }
    }

    /// The mutex's identity (id, name, rank, creation site).
    pub fn meta(&self) -> &PrimitiveMeta {
        &self.meta
    }

    /// The uninstrumented lock underneath (for the condvar).
    pub(crate) fn inner(&self) -> &crate::raw::RawMutex {
        &self.inner
    }

    pub(crate) fn rec(&self) -> &ObjRec {
        &self.rec
    }

    /// Out of line: one call from the user's code to the fast path
    /// ([`fast_path::acquired`]), which makes no call; what it leaves
    /// undone goes to [`Self::acquired_slow`] (a tail call).
    #[inline(never)]
    fn acquired(&self, site: &'static Location<'static>, blocking: bool) {
        let done = fast_path::acquired(
            PrimitiveKind::Mutex,
            &self.meta,
            &self.rec,
            MODE,
            blocking,
            site,
            Sync::Acquire,
            acquired_event,
        );
        if !done.all() {
            self.acquired_slow(site, blocking, done);
        }
    }

    /// The general path of an acquisition: the halves the fast path did
    /// not do.
    #[cold]
    #[inline(never)]
    fn acquired_slow(&self, site: &'static Location<'static>, blocking: bool, done: Done) {
        if !done.recorded {
            if let Some(session) = crate::recorder::active() {
                self.record_acquired(session, site);
            }
        }
        if !done.checked {
            // A finding whose policy is `panic` unwinds from here with the
            // lock taken and no guard made yet: release it on the way out
            // (recorded, its held entry dropped), as the guard would.
            let release = ReleaseOnUnwind(self);
            live::acquired_as(PrimitiveKind::Mutex, &self.meta, MODE, blocking, site);
            std::mem::forget(release);
        }
    }

    /// The recording half of [`Self::acquired`], out of line so the path
    /// with no trace open keeps a small frame.
    #[inline(never)]
    fn record_acquired(&self, session: u32, site: &'static Location<'static>) {
        self.rec.record_in(
            session,
            &self.meta,
            acquired_event,
            Some(site),
            Sync::Acquire,
        );
    }

    /// What the blocking path records against.
    fn lock_ref(&self) -> LockRef<'_> {
        LockRef {
            meta: &self.meta,
            rec: &self.rec,
        }
    }

    /// Out of line, as [`Self::acquired`].
    #[inline(never)]
    fn released(&self) {
        let done = fast_path::released(
            PrimitiveKind::Mutex,
            &self.meta,
            &self.rec,
            Sync::Release,
            released_event,
        );
        if !done.all() {
            self.released_slow(done);
        }
    }

    /// The general path of a release, as [`Self::acquired_slow`].
    #[cold]
    #[inline(never)]
    fn released_slow(&self, done: Done) {
        if !done.checked {
            live::released_as(PrimitiveKind::Mutex, &self.meta);
        }
        if !done.recorded {
            if let Some(session) = crate::recorder::active() {
                self.rec
                    .record_in(session, &self.meta, released_event, None, Sync::Release);
            }
        }
    }

    /// The lock was not free (for `lock`, after the raw mutex's brief
    /// spin): the one blocking path, then the acquisition recorded.
    #[cold]
    fn lock_blocking(
        &self,
        site: &'static Location<'static>,
        deadline: Option<Instant>,
    ) -> Option<InnerGuard> {
        let taken = self.lock_ref().block(MODE, site, deadline, |until| {
            self.inner.try_lock_until(until).then(GuardNoSend::new)
        })?;
        self.acquired(site, true);
        Some(taken)
    }

    /// `lock`'s blocking path, out of line so every call site of `lock`
    /// keeps only the compare-exchange and the call.
    #[cold]
    #[inline(never)]
    fn lock_slow(&self, site: &'static Location<'static>) -> InnerGuard {
        self.lock_blocking(site, None)
            .expect("an untimed lock always succeeds")
    }

    fn lock_timed(
        &self,
        site: &'static Location<'static>,
        deadline: Option<Instant>,
    ) -> Option<InnerGuard> {
        if self.inner.try_lock() {
            self.acquired(site, true);
            return Some(GuardNoSend::new());
        }
        self.lock_blocking(site, deadline)
    }
}

impl std::fmt::Debug for RawMutex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawMutex")
            .field("id", &self.meta.id())
            .field("name", &self.meta.name())
            .field("locked", &self.inner.is_locked())
            .finish()
    }
}

impl Drop for RawMutex {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}

// SAFETY: mutual exclusion and acquire/release semantics are the raw
// mutex's, delegated unchanged; guards are stateless; the recording around
// the calls never touches the lock state.
unsafe impl lock_api::RawMutex for RawMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawMutex {
        inner: crate::raw::RawMutex::new(),
        rec: ObjRec::new(),
        meta: PrimitiveMeta::new_const(PrimitiveKind::Mutex),
    };

    type Guard = InnerGuard;

    #[inline]
    #[track_caller]
    fn lock(&self) -> InnerGuard {
        let site = Location::caller();
        // A lock released within the raw mutex's brief spin is taken like
        // an uncontended one, without the request event, the exact clock
        // read and the watchdog publication that blocking costs; with
        // threads already parked it does not spin, as the raw `lock` does
        // not.
        if self.inner.try_lock_spinning() {
            self.acquired(site, true);
            GuardNoSend::new()
        } else {
            self.lock_slow(site)
        }
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> Option<InnerGuard> {
        let site = Location::caller();
        if self.inner.try_lock() {
            self.acquired(site, false);
            Some(GuardNoSend::new())
        } else {
            self.lock_ref().try_failed(MODE, site);
            None
        }
    }

    #[inline]
    unsafe fn unlock(&self, _guard: InnerGuard) {
        self.released();
        // SAFETY: the caller holds this lock, which is the inner lock.
        unsafe { self.inner.unlock() }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }
}

// SAFETY: delegates to the raw mutex's fair unlock and bump.
unsafe impl lock_api::RawMutexFair for RawMutex {
    unsafe fn unlock_fair(&self, _guard: InnerGuard) {
        self.released();
        // SAFETY: as for `unlock`.
        unsafe { self.inner.unlock_fair() }
    }

    #[track_caller]
    unsafe fn bump(&self, _guard: &mut InnerGuard) {
        let site = Location::caller();
        self.released();
        // SAFETY: as for `unlock`; the inner bump re-locks before returning.
        unsafe { self.inner.bump() };
        self.acquired(site, true);
    }
}

// SAFETY: delegates to the raw mutex's timed locks.
unsafe impl lock_api::RawMutexTimed for RawMutex {
    type Duration = Duration;
    type Instant = Instant;

    #[track_caller]
    fn try_lock_for(&self, timeout: Duration) -> Option<InnerGuard> {
        let site = Location::caller();
        self.lock_timed(site, Instant::now().checked_add(timeout))
    }

    #[track_caller]
    fn try_lock_until(&self, timeout: Instant) -> Option<InnerGuard> {
        let site = Location::caller();
        self.lock_timed(site, Some(timeout))
    }
}
