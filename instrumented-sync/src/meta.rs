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

/// A primitive's identity, stored inline in the primitive.
#[derive(Debug)]
pub struct PrimitiveMeta {
    /// 0 until assigned.
    id: AtomicU64,
    kind: PrimitiveKind,
    name: Option<&'static str>,
    /// `u64::MAX` means "no explicit rank".
    rank: u64,
    site: &'static Location<'static>,
}

impl PrimitiveMeta {
    /// Identity for a primitive of `kind` created at the caller's location,
    /// usable in `const` contexts; the id is assigned on first use.
    #[track_caller]
    pub const fn new_const(kind: PrimitiveKind, name: Option<&'static str>) -> Self {
        PrimitiveMeta {
            id: AtomicU64::new(0),
            kind,
            name,
            rank: u64::MAX,
            site: Location::caller(),
        }
    }

    /// Identity with an id assigned now.
    #[track_caller]
    pub fn new(kind: PrimitiveKind, name: Option<&'static str>) -> Self {
        let meta = Self::new_const(kind, name);
        meta.id
            .store(NEXT_ID.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        meta
    }

    /// Sets an explicit lock-order rank.
    pub const fn with_rank(mut self, rank: u64) -> Self {
        self.rank = rank;
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
        self.kind
    }

    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// The explicit rank, if one was set.
    pub fn rank(&self) -> Option<u64> {
        (self.rank != u64::MAX).then_some(self.rank)
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
