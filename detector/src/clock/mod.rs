//! Vector clocks and FastTrack epochs for happens-before analyses, over
//! *slots* rather than threads, in a representation whose memory follows
//! what the clocks know rather than how many threads a trace had.
//!
//! A [`VectorClock`] maps every [`Slot`] to the number of synchronisation
//! steps of that slot known to have happened before the clock's owner; an
//! [`Epoch`] `c@s` is a single entry of one, the cheap stand-in FastTrack
//! (Flanagan and Freund, PLDI 2009) uses for the last write and, while reads
//! are totally ordered, the last read of a variable. `c@s` happened before a
//! thread whose clock is `C` exactly when `c <= C[s]`, an O(1) test.
//!
//! A slot is a vector-clock index that a live thread owns ([`Slots`] hands
//! them out). A thread that ended hands its slot on to a thread that starts
//! after everything it did (FastTrack's and ThreadSanitizer's thread-slot
//! reuse), so clocks range over the threads alive at once, not over every
//! thread of the trace; see `slots` for when that is exact.
//! [`ThreadClocks`] keeps one clock per thread over slots, and only while
//! it can matter (a live thread, an exited one not yet joined).
//!
//! # Representation
//! Entries are grouped in chunks of [`CHUNK`] slots; a clock keeps only its
//! non-zero chunks, sorted, each behind a reference count. Copying a clock
//! (a lock's release clock taking a thread's, a fork) shares the chunks; a
//! chunk is copied when one of its entries changes while shared
//! (copy-on-write), and a join that leaves a chunk as one side had it keeps
//! that side's chunk. So a clock of a thread that knows nothing else is one
//! chunk, and a thousand locks released by threads that all know one big
//! history share that history's chunks.
//!
//! # Example
//! ```
//! use lockscope_detector::clock::{Slot, VectorClock};
//!
//! let (s0, s1) = (Slot(0), Slot(1));
//! let mut c0 = VectorClock::new_for(s0);
//! let write = c0.epoch(s0);
//! let mut lock = VectorClock::default();
//! lock.join(&c0); // the thread of s0 releases a lock...
//! c0.tick(s0);
//! let mut c1 = VectorClock::new_for(s1);
//! assert!(!write.happens_before(&c1));
//! c1.join(&lock); // ...the thread of s1 acquires it
//! assert!(write.happens_before(&c1));
//! ```
//!
//! # Performance
//! [`VectorClock::get`], [`Epoch::happens_before`] and [`VectorClock::tick`]
//! are a binary search over the clock's chunks (one or two for a trace of up
//! to 64 threads alive at once) and an index; a tick copies one chunk
//! (128 bytes) when it is shared. [`join`](VectorClock::join) and
//! [`leq`](VectorClock::leq) are linear in the chunks of both clocks, and a
//! chunk shared by both costs one pointer comparison.
//!
//! # Limitations
//! Entries are `u32`: a slot may perform at most `u32::MAX` synchronisation
//! steps (releases, forks, notifies, ...) in one trace, its owners
//! together; the counter saturates beyond that, which can only hide races,
//! never invent them.

use std::rc::Rc;

mod slots;
mod threads;

pub use slots::{Assigned, Slots};
pub use threads::{Cuts, ThreadClocks, MAX_EXITED};

/// Slots per chunk.
pub const CHUNK: usize = 32;

type Chunk = [u32; CHUNK];

/// A vector-clock index owned by one live thread at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Slot(pub u32);

impl Slot {
    /// The index as `usize`.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    fn chunk(self) -> u32 {
        self.0 / CHUNK as u32
    }

    fn offset(self) -> usize {
        self.index() % CHUNK
    }
}

/// `clock@slot`: one slot's logical time. Clock 0 is "never" and happens
/// before everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Epoch {
    pub slot: Slot,
    pub clock: u32,
}

impl Epoch {
    /// The epoch that happens before every clock (no access yet).
    pub const NONE: Epoch = Epoch {
        slot: Slot(0),
        clock: 0,
    };

    /// Whether this epoch happened before (or is known to) the owner of `vc`.
    #[inline]
    pub fn happens_before(self, vc: &VectorClock) -> bool {
        self.clock <= vc.get(self.slot)
    }
}

/// A vector clock: one logical time per slot, 0 for slots not present.
#[derive(Clone, Debug, Default)]
pub struct VectorClock {
    /// Chunks with a non-zero entry (or that had one), ascending by chunk
    /// number.
    chunks: Vec<(u32, Rc<Chunk>)>,
}

impl PartialEq for VectorClock {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for VectorClock {}

impl VectorClock {
    /// Asks for the memory of the clock's chunk list (see
    /// [`crate::prefetch`]).
    pub(crate) fn prefetch(&self) {
        crate::prefetch::lines(&self.chunks, 64);
    }

    /// The initial clock of the owner of `s`: 1 for `s`, 0 elsewhere (so its
    /// first epoch is distinguishable from [`Epoch::NONE`]).
    pub fn new_for(s: Slot) -> Self {
        let mut vc = VectorClock::default();
        vc.set(s, 1);
        vc
    }

    #[inline]
    fn find(&self, chunk: u32) -> Result<usize, usize> {
        match self.chunks.first() {
            Some((c, _)) if *c == chunk => Ok(0),
            _ => self.chunks.binary_search_by_key(&chunk, |(c, _)| *c),
        }
    }

    /// `s`'s entry.
    #[inline]
    pub fn get(&self, s: Slot) -> u32 {
        match self.find(s.chunk()) {
            Ok(i) => self.chunks[i].1[s.offset()],
            Err(_) => 0,
        }
    }

    /// Sets `s`'s entry.
    pub fn set(&mut self, s: Slot, clock: u32) {
        let i = match self.find(s.chunk()) {
            Ok(i) => i,
            Err(_) if clock == 0 => return,
            Err(i) => {
                self.chunks.insert(i, (s.chunk(), Rc::new([0; CHUNK])));
                i
            }
        };
        Rc::make_mut(&mut self.chunks[i].1)[s.offset()] = clock;
    }

    /// The owner's current epoch, `self[s]@s`.
    #[inline]
    pub fn epoch(&self, s: Slot) -> Epoch {
        Epoch {
            slot: s,
            clock: self.get(s),
        }
    }

    /// Advances `s`'s entry by one (saturating).
    #[inline]
    pub fn tick(&mut self, s: Slot) {
        let next = self.get(s).saturating_add(1);
        self.set(s, next);
    }

    /// Pointwise maximum: afterwards everything `other` knows, `self` knows.
    pub fn join(&mut self, other: &VectorClock) {
        let mut missing = false;
        let mut i = 0;
        for (c, theirs) in &other.chunks {
            while i < self.chunks.len() && self.chunks[i].0 < *c {
                i += 1;
            }
            match self.chunks.get_mut(i) {
                Some((mine_c, mine)) if mine_c == c => join_chunk(mine, theirs),
                _ => missing = true,
            }
        }
        if missing {
            self.chunks = merge(&self.chunks, &other.chunks);
        }
    }

    /// Whether `self <= other` pointwise (everything `self` knows happened
    /// before `other`'s owner).
    pub fn leq(&self, other: &VectorClock) -> bool {
        self.chunks.iter().all(|(c, mine)| match other.find(*c) {
            Ok(j) => {
                let theirs = &other.chunks[j].1;
                Rc::ptr_eq(mine, theirs) || mine.iter().zip(theirs.iter()).all(|(a, b)| a <= b)
            }
            Err(_) => mine.iter().all(|&a| a == 0),
        })
    }

    /// Resets every entry to 0.
    pub fn clear(&mut self) {
        self.chunks.clear();
    }

    /// The non-zero entries as `(slot, clock)`, ascending by slot.
    pub fn iter(&self) -> impl Iterator<Item = (Slot, u32)> + '_ {
        self.chunks.iter().flat_map(|(c, chunk)| {
            let base = c * CHUNK as u32;
            chunk
                .iter()
                .enumerate()
                .filter(|(_, &v)| v > 0)
                .map(move |(k, &v)| (Slot(base + k as u32), v))
        })
    }

    /// How many chunks this clock refers to (for memory accounting).
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }
}

/// Joins `theirs` into `mine`, keeping whichever chunk already is the
/// maximum so shared chunks stay shared.
#[inline]
fn join_chunk(mine: &mut Rc<Chunk>, theirs: &Rc<Chunk>) {
    if Rc::ptr_eq(mine, theirs) {
        return;
    }
    let (mut ge, mut le) = (true, true);
    for (a, b) in mine.iter().zip(theirs.iter()) {
        ge &= a >= b;
        le &= a <= b;
    }
    if ge {
        return;
    }
    if le {
        *mine = Rc::clone(theirs);
        return;
    }
    for (a, b) in Rc::make_mut(mine).iter_mut().zip(theirs.iter()) {
        *a = (*a).max(*b);
    }
}

/// The sorted union of two chunk lists whose common chunks are already
/// joined into `mine`.
fn merge(mine: &[(u32, Rc<Chunk>)], theirs: &[(u32, Rc<Chunk>)]) -> Vec<(u32, Rc<Chunk>)> {
    let mut out = Vec::with_capacity(mine.len() + theirs.len());
    let (mut i, mut j) = (0, 0);
    while i < mine.len() || j < theirs.len() {
        let take_mine = match (mine.get(i), theirs.get(j)) {
            (Some(a), Some(b)) => a.0 <= b.0,
            (Some(_), None) => true,
            _ => false,
        };
        if take_mine {
            if theirs.get(j).is_some_and(|b| b.0 == mine[i].0) {
                j += 1;
            }
            out.push(mine[i].clone());
            i += 1;
        } else {
            out.push(theirs[j].clone());
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S0: Slot = Slot(0);
    const S1: Slot = Slot(1);
    const S2: Slot = Slot(2);

    #[test]
    fn new_clock_knows_only_itself() {
        let c = VectorClock::new_for(S1);
        assert_eq!(c.get(S1), 1);
        assert_eq!(c.get(S0), 0);
        assert_eq!(c.get(Slot(99)), 0);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![(S1, 1)]);
    }

    #[test]
    fn join_is_pointwise_max_and_grows() {
        let mut a = VectorClock::new_for(S0);
        let mut b = VectorClock::new_for(S2);
        b.set(S0, 5);
        a.join(&b);
        assert_eq!((a.get(S0), a.get(S1), a.get(S2)), (5, 0, 1));
        assert!(b.leq(&a));
        assert!(!a.leq(&VectorClock::new_for(S0)));
    }

    #[test]
    fn join_across_chunks_keeps_them_sorted() {
        let far = Slot(5 * CHUNK as u32 + 3);
        let mid = Slot(2 * CHUNK as u32);
        let mut a = VectorClock::new_for(far);
        let mut b = VectorClock::new_for(S1);
        b.set(mid, 7);
        a.join(&b);
        assert_eq!(a.iter().collect::<Vec<_>>(), [(S1, 1), (mid, 7), (far, 1)]);
        assert!(b.leq(&a) && !a.leq(&b));
    }

    #[test]
    fn epoch_happens_before_only_after_a_join() {
        let mut c0 = VectorClock::new_for(S0);
        let e = c0.epoch(S0);
        c0.tick(S0);
        let mut c1 = VectorClock::new_for(S1);
        assert!(!e.happens_before(&c1));
        c1.join(&c0);
        assert!(e.happens_before(&c1));
        // The epoch after the tick is not covered by the old join.
        c0.tick(S0);
        assert!(!c0.epoch(S0).happens_before(&c1));
    }

    #[test]
    fn a_copy_shares_until_written() {
        let mut thread = VectorClock::new_for(S0);
        thread.set(Slot(40), 3);
        let mut lock = VectorClock::default();
        lock.join(&thread);
        assert!(Rc::ptr_eq(&lock.chunks[1].1, &thread.chunks[1].1));
        thread.tick(S0);
        // The written chunk is copied, the other stays shared.
        assert!(!Rc::ptr_eq(&lock.chunks[0].1, &thread.chunks[0].1));
        assert!(Rc::ptr_eq(&lock.chunks[1].1, &thread.chunks[1].1));
        assert_eq!((lock.get(S0), thread.get(S0)), (1, 2));
    }

    #[test]
    fn none_epoch_happens_before_everything() {
        assert!(Epoch::NONE.happens_before(&VectorClock::default()));
    }

    #[test]
    fn tick_saturates() {
        let mut c = VectorClock::default();
        c.set(S0, u32::MAX);
        c.tick(S0);
        assert_eq!(c.get(S0), u32::MAX);
    }

    #[test]
    fn clear_zeroes_every_entry() {
        let mut c = VectorClock::new_for(S2);
        c.clear();
        assert!(c.leq(&VectorClock::default()));
        assert_eq!(c, VectorClock::default());
    }
}
