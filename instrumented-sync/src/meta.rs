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

use lockscope_detector::trace::PrimitiveKind;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The parts of a primitive's identity no lock operation reads: its kind,
/// name and rank.
#[derive(Debug)]
pub struct About {
    kind: PrimitiveKind,
    name: Option<&'static str>,
    /// `u64::MAX` means "no explicit rank".
    rank: u64,
}

impl About {
    /// An unnamed, unranked primitive of `kind`: what a `const`
    /// constructor knows, as a `const` item a primitive refers to by a
    /// promoted `&'static`.
    pub const fn unnamed(kind: PrimitiveKind) -> Self {
        About {
            kind,
            name: None,
            rank: u64::MAX,
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
    /// The rest of the identity: a `&'static About` (a `const`
    /// constructor's), or with the low bit set a `Box<About>` this
    /// primitive owns (a runtime constructor's).
    about: *const About,
}

/// The tag of an owned `About` pointer (`About` is 8-aligned).
const OWNED: usize = 1;

// SAFETY: `about` points to an immutable `About` (plain `Send + Sync`
// data) that is either `'static` or owned by this value alone and freed
// only by its `Drop`.
unsafe impl Send for PrimitiveMeta {}
// SAFETY: as above; `&PrimitiveMeta` only reads `about`.
unsafe impl Sync for PrimitiveMeta {}

impl PrimitiveMeta {
    /// Identity for a primitive described by a `const` `about` (see
    /// [`About::unnamed`]) created at the caller's location, usable in
    /// `const` contexts; the id is assigned on first use.
    #[track_caller]
    pub const fn new_const(about: &'static About) -> Self {
        PrimitiveMeta {
            id: AtomicU64::new(0),
            site: Location::caller(),
            about: std::ptr::from_ref(about),
        }
    }

    /// Identity with an id assigned now, for a primitive of `kind` named
    /// `name` created at the caller's location.
    #[track_caller]
    pub fn new(kind: PrimitiveKind, name: Option<&'static str>) -> Self {
        let about = About {
            kind,
            name,
            rank: u64::MAX,
        };
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Self::owning(about, id, Location::caller())
    }

    /// Identity `id` owning `about`, created at `site`.
    fn owning(about: About, id: u64, site: &'static Location<'static>) -> Self {
        let about = Box::into_raw(Box::new(about))
            .map_addr(|a| a | OWNED)
            .cast_const();
        PrimitiveMeta {
            id: AtomicU64::new(id),
            site,
            about,
        }
    }

    #[inline]
    fn about(&self) -> &About {
        // SAFETY: untagged, `about` is a `&'static About` or this value's
        // own box, freed only when it drops (see the `Send` impl).
        unsafe { &*self.about.map_addr(|a| a & !OWNED) }
    }

    /// Sets an explicit lock-order rank (keeping the id, which orders
    /// creation).
    pub fn with_rank(self, rank: u64) -> Self {
        let about = self.about();
        let ranked = About {
            kind: about.kind,
            name: about.name,
            rank,
        };
        Self::owning(ranked, self.id.load(Ordering::Relaxed), self.site)
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
        self.about().kind
    }

    pub fn name(&self) -> Option<&'static str> {
        self.about().name
    }

    /// The explicit rank, if one was set.
    pub fn rank(&self) -> Option<u64> {
        let rank = self.about().rank;
        (rank != u64::MAX).then_some(rank)
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

impl Drop for PrimitiveMeta {
    fn drop(&mut self) {
        if self.about.addr() & OWNED != 0 {
            let owned = self.about.map_addr(|a| a & !OWNED).cast_mut();
            // SAFETY: tagged, `about` came from `Box::into_raw` in `owning`
            // and is freed only here.
            drop(unsafe { Box::from_raw(owned) });
        }
    }
}
