//! The calling thread's live-check state: the locks it holds (in
//! acquisition order), the held-set chains it has already checked against
//! the global lock order, and its watchdog slot.
//!
//! Only the owning thread touches the held list, so the hot path is a
//! thread-local access, no atomics: the lock fast path reaches the state
//! through a `const` thread-local pointer ([`ready`]) and the list without
//! the `RefCell`'s flag ([`ThreadState::held_unchecked`]). The list is
//! published to the watchdog slot only when the thread blocks.
//!
//! # Limitations
//! A thread whose thread-locals are being destroyed is not checked (every
//! hook becomes a no-op for it).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use foldhash::{HashSet, HashSetExt};
use lockscope_detector::trace::{LockMode, PrimitiveKind};

use crate::held::{HeldEntry, HeldList};
use crate::meta::{About, PrimitiveMeta};
use crate::watchdog::registry::{self, Slot};

/// A primitive's identity, copied out of its [`PrimitiveMeta`] so reports
/// can name it after it is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockInfo {
    pub id: u64,
    pub kind: PrimitiveKind,
    pub name: Option<&'static str>,
    /// Where the primitive was created.
    pub created: &'static Location<'static>,
    /// The explicit lock-order rank, `u64::MAX` for none (see
    /// [`Self::key`]).
    pub rank: u64,
}

impl LockInfo {
    pub fn of(meta: &PrimitiveMeta) -> Self {
        Self::with_id(meta, meta.id())
    }

    /// [`Self::of`] with the id already loaded (the hot path loads it once).
    #[inline]
    pub fn with_id(meta: &PrimitiveMeta, id: u64) -> Self {
        Self::from_parts(id, meta.about(), meta.site())
    }

    /// The identity of lock `id`, of kind, name and rank `about`, created
    /// at `created` (what a held entry keeps of it).
    #[inline]
    pub fn from_parts(id: u64, about: &About, created: &'static Location<'static>) -> Self {
        LockInfo {
            id,
            kind: about.kind,
            name: about.name,
            created,
            rank: about.rank().unwrap_or(u64::MAX),
        }
    }

    /// A lock nothing records (the `record` feature off), known by its
    /// address `addr`, asked for at the caller's site.
    #[track_caller]
    pub fn unrecorded(addr: usize, kind: PrimitiveKind) -> Self {
        LockInfo {
            id: addr as u64,
            kind,
            name: None,
            created: std::panic::Location::caller(),
            rank: u64::MAX,
        }
    }

    /// [`PrimitiveMeta::order_key`]: the explicit rank if set, else the id;
    /// ties broken by id.
    pub fn key(&self) -> (u64, u64) {
        let rank = if self.rank == u64::MAX {
            self.id
        } else {
            self.rank
        };
        (rank, self.id)
    }

    /// `x` or `#3`: the short label used in scenario columns.
    pub fn label(&self) -> String {
        match self.name {
            Some(n) => n.to_owned(),
            None => format!("#{}", self.id),
        }
    }
}

impl fmt::Display for LockInfo {
    /// `mutex `x` (#3, created at src/main.rs:4:13)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(n) => write!(f, "{} `{n}` (#{}", self.kind, self.id)?,
            None => write!(f, "{} #{} (", self.kind, self.id)?,
        }
        let sep = if self.name.is_some() { ", " } else { "" };
        write!(f, "{sep}created at {})", self.created)
    }
}

/// One lock the thread holds, with the lock's identity (a copy of a
/// [`HeldEntry`](crate::held::HeldEntry) for reports, the lock-order graph
/// and the watchdog).
#[derive(Clone, Copy, Debug)]
pub struct Held {
    pub info: LockInfo,
    pub mode: LockMode,
    /// Where it was (first) acquired.
    pub site: &'static Location<'static>,
    /// Re-entrancy depth (reentrant mutex, recursive read); 0 marks a
    /// released entry inside a [`HeldList`] (never seen outside it).
    pub depth: u32,
    /// Hash of the held chain up to and including this entry (see
    /// [`crate::held`]).
    pub chain: u64,
}

/// Chains remembered per thread before the cache is cleared.
const CHAIN_CACHE_CAP: usize = 4096;

/// Per-thread state; see the module docs.
#[derive(Debug)]
pub struct ThreadState {
    pub thread: u64,
    pub held: RefCell<HeldList>,
    chains: RefCell<HashSet<u64>>,
    /// The last chain seen per 6-bit bucket (top bits of the hash).
    recent: [Cell<u64>; 64],
    /// Findings made while the held list was borrowed, reported after.
    pub pending: RefCell<Vec<lockscope_detector::finding::Finding>>,
    /// RwLock ids this thread has already announced as write-locked.
    written: RefCell<HashSet<u64>>,
    /// Mutexes released by a condvar wait in progress.
    pub stash: RefCell<Vec<HeldEntry>>,
    pub blocked: Cell<bool>,
    pub slot: Arc<Slot>,
}

impl ThreadState {
    fn new() -> Self {
        let thread = crate::thread_id::current();
        ThreadState {
            thread,
            held: RefCell::new(HeldList::new()),
            chains: RefCell::new(HashSet::new()),
            recent: std::array::from_fn(|_| Cell::new(0)),
            pending: RefCell::new(Vec::new()),
            written: RefCell::new(HashSet::new()),
            stash: RefCell::new(Vec::new()),
            blocked: Cell::new(false),
            slot: registry::register(thread),
        }
    }

    /// The held list for the lock fast path, without the `RefCell`'s flag
    /// (two stores per lock event, which every atomic that follows waits
    /// to drain).
    ///
    /// # Safety
    /// No borrow of `held` may be live. The fast path of a lock event
    /// guarantees it: the held list is borrowed only inside the live
    /// checks' own functions, which never take an instrumented lock while
    /// they hold the borrow (checked in debug builds). The one way around
    /// that is a global allocator that itself takes a lockscope lock (the
    /// list may grow while borrowed): not supported, as the crate docs
    /// say.
    #[cfg(feature = "record")]
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn held_unchecked(&self) -> &mut HeldList {
        debug_assert!(
            self.held.try_borrow_mut().is_ok(),
            "a lock event while the held list is borrowed"
        );
        // SAFETY: no borrow is live (the caller's contract), and this
        // thread is the only one that can reach its own state.
        unsafe { &mut *self.held.as_ptr() }
    }

    /// Whether `chain` is new to this thread (and remembers it). A small
    /// direct-mapped array answers the hot, repeated chains with one load
    /// ([`Self::recently_checked`]); the hash set behind it holds the rest.
    #[inline]
    pub fn first_time_chain(&self, chain: u64) -> bool {
        !self.recently_checked(chain) && self.first_time_chain_slow(chain)
    }

    /// Whether `chain` is in the direct-mapped array of recent chains: if
    /// so, it was checked before (one load); if not, ask
    /// [`Self::first_time_chain`].
    #[inline]
    pub fn recently_checked(&self, chain: u64) -> bool {
        self.recent[(chain >> 58) as usize].get() == chain
    }

    #[cold]
    fn first_time_chain_slow(&self, chain: u64) -> bool {
        self.recent[(chain >> 58) as usize].set(chain);
        let mut chains = self.chains.borrow_mut();
        if chains.len() >= CHAIN_CACHE_CAP {
            chains.clear();
        }
        chains.insert(chain)
    }

    /// Whether this thread has not yet announced `id` as write-locked.
    pub fn first_write(&self, id: u64) -> bool {
        let mut w = self.written.borrow_mut();
        if w.len() >= CHAIN_CACHE_CAP {
            w.clear();
        }
        w.insert(id)
    }
}

impl Drop for ThreadState {
    fn drop(&mut self) {
        // First: from here on the fast path sees no state.
        READY.with(|r| r.set(std::ptr::null()));
        registry::deregister(&self.slot);
    }
}

thread_local! {
    static STATE: ThreadState = ThreadState::new();
    /// The address of this thread's [`STATE`] once it is initialised and
    /// until its destructor starts; null otherwise. A `const`-initialised
    /// cell with no destructor, so reading it is one thread-pointer-relative
    /// load, with no initialisation check and no call: the lock fast path
    /// ([`ready`]) must make no call, or the compiler saves registers in
    /// its prologue on every lock.
    static READY: Cell<*const ThreadState> = const { Cell::new(std::ptr::null()) };
}

/// Makes the fast path see the initialised state (once per thread).
#[cold]
#[inline(never)]
fn publish_ready(state: *const ThreadState) {
    READY.with(|r| r.set(state));
}

/// Runs `f` on the calling thread's state; `None` during thread-local
/// teardown.
#[inline]
pub fn with<R>(f: impl FnOnce(&ThreadState) -> R) -> Option<R> {
    STATE.try_with(f).ok()
}

/// The calling thread's state if it is already initialised and not being
/// destroyed: one load, no call (see `READY`). `None` tells the lock fast
/// path to take the general one, which initialises the state.
///
/// # Safety
/// As for [`current`]: the reference must not outlive the caller's frame.
#[cfg(feature = "record")]
#[inline(always)]
pub(crate) unsafe fn ready<'a>() -> Option<&'a ThreadState> {
    let state = READY.with(Cell::get);
    // SAFETY: non-null only between the state's initialisation (see
    // `current`, which publishes it) and the start of its destructor, which
    // cannot begin while the caller's frame is on this thread's stack.
    unsafe { state.as_ref() }
}

/// The calling thread's state without a closure, for the lock hot path:
/// only the address is taken inside `LocalKey::try_with`, a closure the
/// compiler always inlines (with the whole live check inside it, it kept
/// the check out of line behind an extra call, its captures spilled to the
/// stack). `None` during thread-local teardown.
///
/// # Safety
/// The reference must not outlive the caller's own call frame: it is
/// valid until the thread runs its thread-local destructors, which cannot
/// start while that frame is on the thread's stack.
#[inline(always)]
pub(crate) unsafe fn current<'a>() -> Option<&'a ThreadState> {
    let state: *const ThreadState = STATE.try_with(|ts| ts as *const ThreadState).ok()?;
    if READY.with(Cell::get).is_null() {
        publish_ready(state);
    }
    // SAFETY: `try_with` succeeded, so the state is alive; the caller keeps
    // the reference within its frame (see the contract above).
    Some(unsafe { &*state })
}
