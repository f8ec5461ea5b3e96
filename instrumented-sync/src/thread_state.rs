//! The calling thread's live-check state: the locks it holds (in
//! acquisition order), the held-set chains it has already checked against
//! the global lock order, and its watchdog slot.
//!
//! Only the owning thread touches the held list, so the hot path is a
//! thread-local borrow, no atomics. The list is published to the watchdog
//! slot only when the thread blocks.
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

use crate::meta::PrimitiveMeta;
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
    /// [`PrimitiveMeta::order_key`].
    pub key: (u64, u64),
}

impl LockInfo {
    pub fn of(meta: &PrimitiveMeta) -> Self {
        let id = meta.id();
        LockInfo {
            id,
            kind: meta.kind(),
            name: meta.name(),
            created: meta.site(),
            key: (meta.rank().unwrap_or(id), id),
        }
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

/// One lock the thread holds.
#[derive(Clone, Copy, Debug)]
pub struct Held {
    pub info: LockInfo,
    pub mode: LockMode,
    /// Where it was (first) acquired.
    pub site: &'static Location<'static>,
    /// Re-entrancy depth (reentrant mutex, recursive read).
    pub depth: u32,
    /// Hash of the held chain up to and including this entry.
    pub chain: u64,
}

/// Mixes one acquisition into a held-chain hash.
#[inline]
pub fn chain_step(prev: u64, id: u64, mode: LockMode) -> u64 {
    let m = match mode {
        LockMode::Exclusive => 1,
        LockMode::Shared => 2,
        LockMode::Upgradable => 3,
    };
    (prev.rotate_left(7) ^ id ^ (m << 60)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Recomputes the chain hashes of `held[from..]`.
#[cold]
fn rehash(held: &mut [Held], from: usize) {
    let mut prev = if from == 0 { 0 } else { held[from - 1].chain };
    for h in &mut held[from..] {
        h.chain = chain_step(prev, h.info.id, h.mode);
        prev = h.chain;
    }
}

/// Chains remembered per thread before the cache is cleared.
const CHAIN_CACHE_CAP: usize = 4096;

/// Per-thread state; see the module docs.
#[derive(Debug)]
pub struct ThreadState {
    pub thread: u64,
    pub held: RefCell<Vec<Held>>,
    /// Entries of `held` from this index up have stale `chain` hashes (an
    /// out-of-order release removed a lock below them); `usize::MAX` when
    /// every hash is current. Re-hashed lazily by [`Self::top_chain`], so
    /// releasing a chain in acquisition (FIFO) order costs no re-hashing.
    stale: Cell<usize>,
    chains: RefCell<HashSet<u64>>,
    /// The last chain seen per 6-bit bucket (top bits of the hash).
    recent: [Cell<u64>; 64],
    /// Findings made while the held list was borrowed, reported after.
    pub pending: RefCell<Vec<crate::policy::LiveFinding>>,
    /// RwLock ids this thread has already announced as write-locked.
    written: RefCell<HashSet<u64>>,
    /// Mutexes released by a condvar wait in progress.
    pub stash: RefCell<Vec<Held>>,
    pub blocked: Cell<bool>,
    pub slot: Arc<Slot>,
}

impl ThreadState {
    fn new() -> Self {
        let thread = crate::thread_id::current();
        ThreadState {
            thread,
            held: RefCell::new(Vec::new()),
            stale: Cell::new(usize::MAX),
            chains: RefCell::new(HashSet::new()),
            recent: std::array::from_fn(|_| Cell::new(0)),
            pending: RefCell::new(Vec::new()),
            written: RefCell::new(HashSet::new()),
            stash: RefCell::new(Vec::new()),
            blocked: Cell::new(false),
            slot: registry::register(thread),
        }
    }

    /// Marks the chain hashes of `held[i..]` stale (an entry at `i` was
    /// removed, or entries were appended there).
    #[inline]
    pub fn chains_changed_at(&self, i: usize) {
        self.stale.set(self.stale.get().min(i));
    }

    /// The chain hash of the whole held list (0 when empty), first
    /// re-hashing the entries an out-of-order release left stale, so a
    /// chain always names exactly the locks held (the gates depend on it).
    #[inline]
    pub fn top_chain(&self, held: &mut [Held]) -> u64 {
        let from = self.stale.get();
        if from != usize::MAX {
            if from < held.len() {
                rehash(held, from);
            }
            self.stale.set(usize::MAX);
        }
        held.last().map_or(0, |h| h.chain)
    }

    /// Whether `chain` is new to this thread (and remembers it). A small
    /// direct-mapped array answers the hot, repeated chains with one load;
    /// the hash set behind it holds the rest.
    #[inline]
    pub fn first_time_chain(&self, chain: u64) -> bool {
        let slot = &self.recent[(chain >> 58) as usize];
        if slot.get() == chain {
            return false;
        }
        slot.set(chain);
        self.first_time_chain_slow(chain)
    }

    #[cold]
    fn first_time_chain_slow(&self, chain: u64) -> bool {
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
        registry::deregister(&self.slot);
    }
}

thread_local! {
    static STATE: ThreadState = ThreadState::new();
}

/// Runs `f` on the calling thread's state; `None` during thread-local
/// teardown.
#[inline]
pub fn with<R>(f: impl FnOnce(&ThreadState) -> R) -> Option<R> {
    STATE.try_with(f).ok()
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
    // SAFETY: `try_with` succeeded, so the state is alive; the caller keeps
    // the reference within its frame (see the contract above).
    Some(unsafe { &*state })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(id: u64, chain: u64) -> Held {
        let meta = PrimitiveMeta::new(PrimitiveKind::Mutex, None);
        let mut info = LockInfo::of(&meta);
        info.id = id;
        Held {
            info,
            mode: LockMode::Exclusive,
            site: Location::caller(),
            depth: 1,
            chain,
        }
    }

    #[test]
    fn an_out_of_order_release_is_rehashed_before_the_chain_is_used() {
        let ts = ThreadState::new();
        let c1 = chain_step(0, 1, LockMode::Exclusive);
        let c2 = chain_step(c1, 2, LockMode::Exclusive);
        let c3 = chain_step(c2, 3, LockMode::Exclusive);
        let mut list = vec![held(1, c1), held(2, c2), held(3, c3)];
        assert_eq!(ts.top_chain(&mut list), c3);
        // Lock 1 released first: the list now names only locks 2 and 3.
        list.remove(0);
        ts.chains_changed_at(0);
        let fresh = chain_step(
            chain_step(0, 2, LockMode::Exclusive),
            3,
            LockMode::Exclusive,
        );
        assert_eq!(ts.top_chain(&mut list), fresh);
        assert_eq!(list[0].chain, chain_step(0, 2, LockMode::Exclusive));
    }
}
