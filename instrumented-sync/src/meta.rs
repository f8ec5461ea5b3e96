//! What every instrumented primitive knows about itself: a stable id from a
//! counter (never an address), its kind, optional name and rank, and where it
//! was created.
//!
//! Ids come from one process-wide counter starting at 1. A primitive made
//! with a `const fn` constructor (a `static`) gets its id on first use, every
//! other primitive at creation, so "id order" is creation order (first-use
//! order for statics). A user who wants another order sets an explicit rank
//! (see the `acquire` helper's docs).

use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};

use foldhash::HashSet;
use lockscope_detector::trace::PrimitiveKind;

use crate::raw::Mutex;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The parts of a primitive's identity no lock operation reads: its kind,
/// name and rank. Always `'static`: a `const` item's promoted reference,
/// or interned (see [`About::intern`]), so anything may keep a reference
/// to it after the primitive is gone or moved (a held-list entry does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct About {
    pub kind: PrimitiveKind,
    pub name: Option<&'static str>,
    /// `u64::MAX` means "no explicit rank".
    rank: u64,
}

/// Every `About` interned so far, never freed: bounded by the program's
/// distinct (kind, name, rank) combinations, since names are `'static`
/// strings.
static INTERNED: Mutex<Option<HashSet<&'static About>>> = Mutex::new(None);

impl About {
    /// An unnamed, unranked primitive of `kind` (see [`unnamed_about`]).
    const fn unnamed(kind: PrimitiveKind) -> Self {
        About {
            kind,
            name: None,
            rank: u64::MAX,
        }
    }

    /// The explicit rank, if one was set.
    pub fn rank(&self) -> Option<u64> {
        (self.rank != u64::MAX).then_some(self.rank)
    }

    /// The one `'static` copy of `self` (a global look-up; only runtime
    /// constructors with a name or rank call it).
    fn intern(self) -> &'static About {
        let mut interned = INTERNED.lock();
        let set = interned.get_or_insert_with(HashSet::default);
        match set.get(&self) {
            Some(about) => about,
            None => {
                let about: &'static About = Box::leak(Box::new(self));
                set.insert(about);
                about
            }
        }
    }
}

/// A primitive's identity, stored inline in the primitive: 24 bytes, so a
/// lock and the data it protects usually share a cache line (a lock whose
/// data sat on the next line moved two lines between the cores on every
/// contended hand-off; see `docs/performance.md`).
#[derive(Debug)]
pub struct PrimitiveMeta {
    /// 0 until assigned.
    id: AtomicU64,
    /// Where the primitive was created.
    site: &'static Location<'static>,
    about: &'static About,
}

impl PrimitiveMeta {
    /// Identity for an unnamed, unranked primitive of `kind` created at the
    /// caller's location, usable in `const` contexts; the id is assigned
    /// on first use.
    #[track_caller]
    pub const fn new_const(kind: PrimitiveKind) -> Self {
        PrimitiveMeta {
            id: AtomicU64::new(0),
            site: Location::caller(),
            about: unnamed_about(kind),
        }
    }

    /// Identity with an id assigned now, for a primitive of `kind` named
    /// `name` created at the caller's location.
    #[track_caller]
    pub fn new(kind: PrimitiveKind, name: Option<&'static str>) -> Self {
        let about = match name {
            // Nothing to intern: the same promoted constant for every kind.
            None => unnamed_about(kind),
            Some(_) => About {
                kind,
                name,
                rank: u64::MAX,
            }
            .intern(),
        };
        PrimitiveMeta {
            id: AtomicU64::new(NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            site: Location::caller(),
            about,
        }
    }

    /// The `'static` kind, name and rank.
    #[inline]
    pub fn about(&self) -> &'static About {
        self.about
    }

    /// Sets an explicit lock-order rank (keeping the id, which orders
    /// creation).
    pub fn with_rank(mut self, rank: u64) -> Self {
        self.about = About {
            rank,
            ..*self.about
        }
        .intern();
        self
    }

    /// The process-wide id (assigned on first call for `const` primitives).
    #[inline]
    pub fn id(&self) -> u64 {
        match self.id.load(Ordering::Relaxed) {
            0 => self.assign_id(),
            id => id,
        }
    }

    /// The id if it is assigned already (always, except for a `const`
    /// primitive's first use): no call, for the lock fast path.
    #[inline(always)]
    pub fn assigned_id(&self) -> Option<u64> {
        match self.id.load(Ordering::Relaxed) {
            0 => None,
            id => Some(id),
        }
    }

    #[cold]
    fn assign_id(&self) -> u64 {
        let fresh = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        match self
            .id
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(winner) => winner,
        }
    }

    pub fn kind(&self) -> PrimitiveKind {
        self.about.kind
    }

    pub fn name(&self) -> Option<&'static str> {
        self.about.name
    }

    /// The explicit rank, if one was set.
    pub fn rank(&self) -> Option<u64> {
        self.about.rank()
    }

    /// Where the primitive was created.
    pub fn site(&self) -> &'static Location<'static> {
        self.site
    }

    /// The key the lock-order discipline sorts by: the explicit rank if set,
    /// else the id; ties broken by id.
    pub fn order_key(&self) -> (u64, u64) {
        let id = self.id();
        (self.rank().unwrap_or(id), id)
    }
}

/// The promoted constant for an unnamed, unranked primitive of `kind`:
/// what a `const` constructor knows.
const fn unnamed_about(kind: PrimitiveKind) -> &'static About {
    match kind {
        PrimitiveKind::Mutex => &const { About::unnamed(PrimitiveKind::Mutex) },
        PrimitiveKind::RwLock => &const { About::unnamed(PrimitiveKind::RwLock) },
        PrimitiveKind::ReentrantMutex => &const { About::unnamed(PrimitiveKind::ReentrantMutex) },
        PrimitiveKind::Condvar => &const { About::unnamed(PrimitiveKind::Condvar) },
        PrimitiveKind::Semaphore => &const { About::unnamed(PrimitiveKind::Semaphore) },
        PrimitiveKind::Event => &const { About::unnamed(PrimitiveKind::Event) },
        PrimitiveKind::Barrier => &const { About::unnamed(PrimitiveKind::Barrier) },
        PrimitiveKind::AsyncMutex => &const { About::unnamed(PrimitiveKind::AsyncMutex) },
        PrimitiveKind::AsyncRwLock => &const { About::unnamed(PrimitiveKind::AsyncRwLock) },
    }
}
