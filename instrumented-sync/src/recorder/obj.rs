//! What each primitive and tracked variable carries for the recorder: its
//! clock (for a legal order) and the recording it was last declared in.
//!
//! The functions here are small and non-generic: every generic shim calls
//! them, so they are compiled once.

use std::panic::Location;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use lockscope_detector::trace::{EventKind, ObjId, PrimitiveInfo, VarId, VarInfo};

use super::{active, emit, emit_with, sink};
use crate::meta::PrimitiveMeta;

/// How an event synchronises through its object's clock.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sync<'a> {
    /// No synchronisation (a failed try, a request).
    None,
    /// Follows the object's last release (an acquisition, a wake-up).
    Acquire,
    /// Follows the object's last release and every read released through
    /// `readers` (an rwlock's write acquisition or upgrade).
    AcquireAfterReaders(&'a ReadersClock),
    /// Publishes to the next acquirer; the caller holds the object alone.
    Release,
    /// Publishes while others may publish too (shared release, notify,
    /// set, semaphore release, barrier arrival).
    ReleaseShared,
    /// An rwlock's read (or upgradable read) is released: publishes to the
    /// next writer only, through `readers`.
    ReleaseRead(&'a ReadersClock),
}

/// An rwlock's second clock: the time of its latest read release, which
/// only writers (and upgradable reads) follow: readers do not wait for
/// readers, so a read acquisition does not follow other reads' releases.
///
/// A reader raises it to its release time with an atomic read-modify-write
/// only when it is below that time (with many readers, a later one's
/// release often already covers it). The time is published exactly:
/// rounding it up would skip more read-modify-writes, but every write after
/// a read would then jump the writer's clock ahead, and a thread
/// alternating reads and writes would run its trace time ahead of real time
/// without bound.
#[derive(Debug, Default)]
pub(crate) struct ReadersClock(AtomicU64);

impl ReadersClock {
    pub(crate) const fn new() -> Self {
        ReadersClock(AtomicU64::new(0))
    }

    #[inline(always)]
    fn publish(&self, time: u64) {
        if self.0.load(Ordering::Relaxed) < time {
            self.0.fetch_max(time, Ordering::Relaxed);
        }
    }
}

/// Recorder state inside every primitive. `repr(C)` with the clock last:
/// the raw locks place their lock word right after it (see `raw_mutex`).
#[derive(Debug)]
#[repr(C)]
pub(crate) struct ObjRec {
    declared: AtomicU32,
    /// A semaphore's initial permits or a barrier's parties; `u32::MAX` for
    /// none.
    permits: u32,
    clock: AtomicU64,
}

/// Where the clock is inside an [`ObjRec`] (the raw locks' layout checks).
pub(crate) const CLOCK_OFFSET: usize = std::mem::offset_of!(ObjRec, clock);

impl ObjRec {
    pub(crate) const fn new() -> Self {
        Self::with_permits(u32::MAX)
    }

    pub(crate) const fn with_permits(permits: u32) -> Self {
        ObjRec {
            clock: AtomicU64::new(0),
            declared: AtomicU32::new(0),
            permits,
        }
    }

    /// Records `kind` about this object if a trace is open.
    #[inline]
    pub(crate) fn record(
        &self,
        meta: &PrimitiveMeta,
        kind: EventKind,
        site: Option<&'static Location<'static>>,
        sync: Sync<'_>,
    ) {
        if let Some(session) = active() {
            if kind.starts_wait() {
                // The thread is about to block: time the wait exactly.
                precise_now();
            }
            self.record_in(session, meta, |_| kind, site, sync);
        }
    }

    /// [`record`](Self::record) for an event that never starts a wait (an
    /// acquisition, a release), built by `kind` from the object's trace id
    /// only if a trace is open: with none, the hot path pays the one relaxed
    /// load and nothing else.
    #[inline(always)]
    pub(crate) fn record_with(
        &self,
        meta: &PrimitiveMeta,
        kind: impl FnOnce(ObjId) -> EventKind,
        site: Option<&'static Location<'static>>,
        sync: Sync<'_>,
    ) {
        if let Some(session) = active() {
            self.record_in(session, meta, kind, site, sync);
        }
    }

    /// [`record_with`](Self::record_with) for an event of `task`, the
    /// current task as the caller read it (an async lock reads it once for
    /// its own bookkeeping and the event).
    ///
    /// The event goes straight into the ring (no call) when that needs
    /// nothing else (see [`record_fast`](Self::record_fast)).
    #[cfg(feature = "tokio")]
    #[inline(always)]
    pub(crate) fn record_as(
        &self,
        meta: &PrimitiveMeta,
        kind: impl FnOnce(ObjId) -> EventKind + Copy,
        site: Option<&'static Location<'static>>,
        sync: Sync<'_>,
        task: super::local::TaskNow,
    ) {
        let Some(session) = active() else {
            return;
        };
        if self.declared.load(Ordering::Relaxed) == session {
            if let Some(id) = meta.assigned_id() {
                let obj = obj_id_of(id);
                let after = self.after(sync);
                let fast = super::local::emit_fast_as(session, || kind(obj), site, after, task);
                if let Some(time) = fast {
                    self.publish(sync, time);
                    return;
                }
            }
        }
        self.record_as_slow(session, meta, kind, site, sync, task);
    }

    /// [`record_as`](Self::record_as) when the event needs more than the
    /// ring push (a declaration, a switch of task, a full ring).
    #[cfg(feature = "tokio")]
    #[inline(never)]
    fn record_as_slow(
        &self,
        session: u32,
        meta: &PrimitiveMeta,
        kind: impl FnOnce(ObjId) -> EventKind,
        site: Option<&'static Location<'static>>,
        sync: Sync<'_>,
        task: super::local::TaskNow,
    ) {
        if self.declared.load(Ordering::Relaxed) != session {
            self.declare(session, meta, site);
        }
        let after = self.after(sync);
        let time = super::local::emit_as(session, || kind(obj_id(meta)), site, after, task);
        self.publish(sync, time);
    }

    /// [`record_with`](Self::record_with) in recording `session`, for a
    /// caller that already knows it is open. The event is built by `kind`
    /// only once every call that may happen first (declarations) is behind
    /// it, so the compiler writes it from
    /// registers straight into the ring slot: built earlier, it was spilled
    /// to the stack around those calls and copied back with loads wider
    /// than the stores that wrote it, two store-forwarding stalls per event.
    #[inline(always)]
    pub(crate) fn record_in(
        &self,
        session: u32,
        meta: &PrimitiveMeta,
        kind: impl FnOnce(ObjId) -> EventKind,
        site: Option<&'static Location<'static>>,
        sync: Sync<'_>,
    ) {
        if self.declared.load(Ordering::Relaxed) != session {
            self.declare(session, meta, site);
        }
        let time = emit_with(session, || kind(obj_id(meta)), site, self.after(sync));
        self.publish(sync, time);
    }

    /// The clock value an event synchronising as `sync` follows.
    #[inline(always)]
    fn after(&self, sync: Sync<'_>) -> u64 {
        match sync {
            Sync::Acquire => self.clock.load(Ordering::Relaxed),
            Sync::AcquireAfterReaders(readers) => self
                .clock
                .load(Ordering::Relaxed)
                .max(readers.0.load(Ordering::Relaxed)),
            _ => 0,
        }
    }

    /// Publishes an event at `time` synchronising as `sync`.
    #[inline(always)]
    fn publish(&self, sync: Sync<'_>, time: u64) {
        match sync {
            Sync::Release => self.clock.store(time, Ordering::Relaxed),
            Sync::ReleaseShared => {
                self.clock.fetch_max(time, Ordering::Relaxed);
            }
            Sync::ReleaseRead(readers) => readers.publish(time),
            Sync::None | Sync::Acquire | Sync::AcquireAfterReaders(_) => {}
        }
    }

    /// [`record_in`](Self::record_in) for the lock fast path, which must
    /// make no call: records only if that needs nothing but the ring push
    /// (see [`local::emit_fast`](super::local::emit_fast)) and the object
    /// is declared in `session`. `id` is the primitive's id. Returns whether
    /// it recorded; if not, nothing was done and the caller takes
    /// [`record_in`](Self::record_in).
    #[inline(always)]
    pub(crate) fn record_fast(
        &self,
        session: u32,
        id: u64,
        kind: impl FnOnce(ObjId) -> EventKind,
        site: Option<&'static Location<'static>>,
        sync: Sync<'_>,
    ) -> bool {
        if self.declared.load(Ordering::Relaxed) != session {
            return false;
        }
        let obj = obj_id_of(id);
        let Some(time) = super::local::emit_fast(session, || kind(obj), site, self.after(sync))
        else {
            return false;
        };
        self.publish(sync, time);
        true
    }

    /// Runs `op` (a notify) and records the event it returns, timed and
    /// published before `op` runs so that what it wakes follows it.
    pub(crate) fn record_around(
        &self,
        meta: &PrimitiveMeta,
        site: Option<&'static Location<'static>>,
        op: &mut dyn FnMut() -> EventKind,
    ) {
        match active() {
            Some(session) => {
                if self.declared.load(Ordering::Relaxed) != session {
                    self.declare(session, meta, site);
                }
                super::local::emit_around(session, site, &self.clock, op);
            }
            None => {
                op();
            }
        }
    }

    /// Records `kind` after this object's last publication and `other`'s
    /// (a condvar wake-up follows the notify and the mutex's release).
    pub(crate) fn record_after_both(
        &self,
        meta: &PrimitiveMeta,
        other: &ObjRec,
        kind: EventKind,
        site: Option<&'static Location<'static>>,
    ) {
        if let Some(session) = active() {
            if self.declared.load(Ordering::Relaxed) != session {
                self.declare(session, meta, site);
            }
            let after = self
                .clock
                .load(Ordering::Relaxed)
                .max(other.clock.load(Ordering::Relaxed));
            emit(session, kind, site, after);
        }
    }

    /// Declares the object (once per recording) so events may refer to it;
    /// `site` is the operation about to be recorded.
    pub(crate) fn declare_now(&self, meta: &PrimitiveMeta, site: &'static Location<'static>) {
        if let Some(session) = active() {
            if self.declared.load(Ordering::Relaxed) != session {
                self.declare(session, meta, Some(site));
            }
        }
    }

    /// Declares the object in `session`: its creation site, or for an
    /// unnamed one made by a `const` constructor the class of the static
    /// holding it (looked up before the sink is locked: the first lookup
    /// loads the symbol tables) and, outside every static, `first_use` (the
    /// site of its first recorded operation) as its site. An unnamed lock
    /// without a class is named by its kind and site, as the analyzer
    /// names it (`mutex@src/bank.rs:16:38`).
    #[cold]
    fn declare(
        &self,
        session: u32,
        meta: &PrimitiveMeta,
        first_use: Option<&'static Location<'static>>,
    ) {
        let created = created_site(meta);
        let class = (meta.name().is_none() && created.is_none())
            .then(|| super::class::of_static(meta as *const PrimitiveMeta as usize))
            .flatten();
        let created = created.or(if class.is_none() { first_use } else { None });
        match (&class, created) {
            (Some(c), _) => super::class::remember(meta.id(), c),
            (None, Some(at)) if meta.name().is_none() => super::class::remember(
                meta.id(),
                &lockscope_detector::trace::PrimitiveInfo::site_name(meta.kind(), at),
            ),
            _ => {}
        }
        sink::with(session, |s| {
            // Checked again under the sink lock: another thread may have won.
            if self.declared.load(Ordering::Relaxed) == session {
                return;
            }
            let site = created.map(|loc| s.site(loc));
            let id = meta.id();
            let info = PrimitiveInfo {
                label: id.to_string(),
                kind: meta.kind(),
                name: meta.name().map(str::to_string),
                site,
                permits: (self.permits != u32::MAX).then_some(self.permits),
                rank: meta.rank(),
                class,
            };
            s.primitive(obj_id(meta), &info);
            self.declared.store(session, Ordering::Relaxed);
        });
    }
}

/// Raises the clock to the exact time, out of line (waits only).
#[cold]
#[inline(never)]
fn precise_now() {
    super::clock::precise();
}

/// Whether an event kind starts a (possible) wait, whose start is timed
/// exactly.
trait StartsWait {
    fn starts_wait(&self) -> bool;
}

impl StartsWait for EventKind {
    fn starts_wait(&self) -> bool {
        matches!(
            self,
            EventKind::Request { .. }
                | EventKind::CondWait { .. }
                | EventKind::EventWait { .. }
                | EventKind::BarrierWait { .. }
        )
    }
}

/// The trace id of a primitive.
#[inline]
pub(crate) fn obj_id(meta: &PrimitiveMeta) -> ObjId {
    obj_id_of(meta.id())
}

/// The trace id of the primitive with id `id`.
#[inline(always)]
fn obj_id_of(id: u64) -> ObjId {
    ObjId(u32::try_from(id).unwrap_or(u32::MAX))
}

/// The creation site, unless the primitive was made by a `const`
/// initialiser inside this crate (a `static`), whose site says nothing.
fn created_site(meta: &PrimitiveMeta) -> Option<&'static Location<'static>> {
    let site = meta.site();
    let inside = crate::CONST_INIT_FILES.contains(&site.file());
    (!inside).then_some(site)
}

static NEXT_VAR: AtomicU32 = AtomicU32::new(1);

/// Recorder state inside every tracked variable.
#[derive(Debug)]
pub(crate) struct VarRec {
    id: u32,
    name: Option<&'static str>,
    site: &'static Location<'static>,
    declared: AtomicU32,
    /// The time of the variable's last recorded access: every access is
    /// timed after it, so the trace orders one variable's accesses as they
    /// happened (a read after the write it saw).
    clock: AtomicU64,
}

impl VarRec {
    pub(crate) fn new(name: Option<&'static str>, site: &'static Location<'static>) -> Self {
        VarRec {
            id: NEXT_VAR.fetch_add(1, Ordering::Relaxed),
            name,
            site,
            declared: AtomicU32::new(0),
            clock: AtomicU64::new(0),
        }
    }

    pub(crate) fn id(&self) -> VarId {
        VarId(self.id)
    }

    pub(crate) fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// Records an access (`Read`, `Write`, `Update`) at `site`, timed
    /// after the variable's previous one. The caller makes the access and
    /// this call one step (it holds the variable's own lock across both),
    /// so the recorded order of the accesses is the real one.
    #[inline]
    pub(crate) fn record(&self, kind: EventKind, site: &'static Location<'static>) {
        if let Some(session) = active() {
            if self.declared.load(Ordering::Relaxed) != session {
                self.declare(session);
            }
            let time = emit(
                session,
                kind,
                Some(site),
                self.clock.load(Ordering::Relaxed),
            );
            self.clock.fetch_max(time, Ordering::Relaxed);
        }
    }

    #[cold]
    fn declare(&self, session: u32) {
        sink::with(session, |s| {
            if self.declared.load(Ordering::Relaxed) == session {
                return;
            }
            let info = VarInfo {
                label: self.id.to_string(),
                name: self.name.map(str::to_string),
                site: Some(s.site(self.site)),
            };
            s.var(VarId(self.id), &info);
            self.declared.store(session, Ordering::Relaxed);
        });
    }
}
