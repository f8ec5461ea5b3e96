//! Exact happens-before race detection by pairs of sites.
//!
//! For each variable the analysis remembers, per *access site* (the site,
//! and whether the access writes) and per thread, that thread's latest
//! access there: its happens-before epoch, its schedulable-happens-before
//! (SHB) epoch and its trace index. An access by thread `t` races with an
//! earlier access of another thread `u` at site `s` exactly when `u`'s
//! latest access at `s` is not ordered before it (an earlier access of
//! `u` at `s` is ordered before the latest one, so it is ordered before
//! the current access whenever the latest is). So checking the current
//! access against every remembered entry finds every racy pair of sites
//! that exact happens-before finds: nothing like FastTrack's last-write
//! and same-epoch shortcuts hides a later racy pair. Each race found is
//! graded [`Sound`](Grade::Sound) when the entry is not SHB-ordered before
//! the current access either, else [`HbOnly`](Grade::HbOnly) (see `shb`).
//!
//! The fast path: an access whose thread already made one at the same site
//! in the same epochs (both happens-before and SHB) is skipped: every entry
//! it could race with was checked by that access, or checked itself
//! against it when it came.
//!
//! An entry of another thread at the same access site that is ordered
//! before the current access by both happens-before and SHB is replaced by
//! it: every later access it is not ordered before, the current access is
//! not ordered before either (by both relations), so the later access
//! races with the same site pair, graded at least as well. So entries at
//! one site are the accesses there that no other one there is ordered
//! after, and a site accessed by many short-lived threads one after
//! another keeps one entry, not one per thread.
//!
//! Epochs are over clock slots ([`crate::clock`]), which a thread hands on
//! when it ends. An entry that outlives its thread keeps its slot's epoch:
//! a slot is handed on exactly when the new owner knows the old owner's
//! end, and the new owner's entries continue past the old one's, so a
//! clock that covers the old epoch through the new owner is ordered after
//! the old access, as with FastTrack's epochs. A slot handed on inexactly
//! is a cut the race analysis reports in its limits.
//!
//! # Performance
//! An access costs one comparison per remembered entry of its variable
//! (entries: access sites x the site's accesses not ordered before a later
//! one there), unless the fast path skips it. Memory: one 32-byte entry
//! per entry, at most [`MAX_THREADS_PER_SITE`] per site and kind of
//! access and [`MAX_PER_VAR`] per variable; past that the oldest entry of
//! the site (or the variable) is forgotten and the report's limits say how
//! often.

use crate::clock::{Epoch, Slot, VectorClock};
use crate::finding::Grade;
use crate::trace::{SiteId, ThreadId};

/// Most accesses remembered per variable and access site.
pub(super) const MAX_THREADS_PER_SITE: usize = 256;
/// Most accesses remembered per variable, over all its sites.
pub(super) const MAX_PER_VAR: usize = 64;

/// Where an access happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct At {
    pub(super) index: u64,
    pub(super) site: Option<SiteId>,
}

/// A remembered access: its thread and where it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Access {
    pub(super) thread: ThreadId,
    pub(super) at: At,
}

/// An earlier access the current one races with, and how sure the race is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Conflict {
    pub(super) previous: Access,
    pub(super) previous_was_write: bool,
    pub(super) grade: Grade,
}

const NO_SITE: u32 = u32::MAX;

/// The bit of [`Entry::thread`] that says the access wrote.
const WROTE: u32 = 1 << 31;

/// One thread's latest access at one access site.
#[derive(Clone, Copy, Debug)]
struct Entry {
    site: u32,
    /// The thread, with [`WROTE`] set for a write.
    thread: u32,
    hb: Epoch,
    shb: Epoch,
    index: u64,
}

impl Entry {
    fn thread(&self) -> u32 {
        self.thread & !WROTE
    }

    fn wrote(&self) -> bool {
        self.thread & WROTE != 0
    }
}

/// The current access.
pub(super) struct Now<'a> {
    pub(super) thread: ThreadId,
    pub(super) at: At,
    /// It writes (a write or an update).
    pub(super) writes: bool,
    /// The thread's happens-before slot and clock.
    pub(super) hb: (Slot, &'a VectorClock),
    /// The thread's SHB slot and clock, before a read joins its writer.
    pub(super) shb: (Slot, &'a VectorClock),
}

impl Now<'_> {
    fn hb_epoch(&self) -> Epoch {
        self.hb.1.epoch(self.hb.0)
    }

    fn shb_epoch(&self) -> Epoch {
        self.shb.1.epoch(self.shb.0)
    }
}

/// One variable's remembered accesses, in one vector (one heap block per
/// variable keeps an access to one cache miss or two), and its last
/// write's SHB clock.
#[derive(Clone, Debug, Default)]
pub(super) struct Summary {
    entries: Vec<Entry>,
    pub(super) last_write: Option<(Epoch, VectorClock)>,
}

impl Summary {
    /// Checks `now` against every remembered access, pushes one conflict
    /// per racing site (the best graded) to `out`, and remembers `now`.
    /// Returns whether an entry was forgotten to make room.
    pub(super) fn access(&mut self, now: &Now<'_>, out: &mut Vec<Conflict>) -> bool {
        let t = now.thread.0;
        let (hb, shb) = (now.hb_epoch(), now.shb_epoch());
        let site = now.at.site.map_or(NO_SITE, |s| s.0);
        let key = t | if now.writes { WROTE } else { 0 };
        let mine = self
            .entries
            .iter()
            .position(|e| e.site == site && e.thread == key);
        if let Some(i) = mine {
            let e = &self.entries[i];
            if e.hb == hb && e.shb == shb {
                return false;
            }
        }
        // One pass: the races, the entries the current access stands in
        // for (ordered before it by both relations at its access site, see
        // the module docs; its own thread's too) and the site's count.
        let stands_in = |e: &Entry, hb_before: bool| {
            e.site == site
                && e.wrote() == now.writes
                && hb_before
                && e.shb.happens_before(now.shb.1)
        };
        let (mut first_replaced, mut replaced, mut same_site) = (None, 0, 0);
        for (i, e) in self.entries.iter().enumerate() {
            let hb_before = e.hb.happens_before(now.hb.1);
            if (e.wrote() || now.writes) && e.thread() != t && !hb_before {
                merge(out, conflict(e, now));
            }
            if e.site == site && e.wrote() == now.writes {
                same_site += 1;
            }
            if stands_in(e, hb_before) {
                first_replaced.get_or_insert(i);
                replaced += 1;
            }
        }
        let entry = Entry {
            site,
            thread: key,
            hb,
            shb,
            index: now.at.index,
        };
        if let Some(i) = first_replaced.or(mine) {
            self.entries[i] = entry;
            if replaced > 1 {
                let mut k = 0;
                self.entries.retain(|e| {
                    k += 1;
                    k - 1 == i || !stands_in(e, e.hb.happens_before(now.hb.1))
                });
            }
            return false;
        }
        let site_full = same_site >= MAX_THREADS_PER_SITE;
        if !site_full && self.entries.len() < MAX_PER_VAR {
            self.entries.push(entry);
            return false;
        }
        let same = |e: &Entry| e.site == site && e.wrote() == now.writes;
        let oldest = (0..self.entries.len())
            .filter(|&i| !site_full || same(&self.entries[i]))
            .min_by_key(|&i| self.entries[i].index)
            .unwrap_or(0);
        self.entries[oldest] = entry;
        true
    }

    /// Asks for the memory [`Summary::access`] and the SHB check of an
    /// access will read: the remembered accesses and the last write's
    /// clock (see [`crate::prefetch`]).
    pub(super) fn prefetch(&self) {
        crate::prefetch::lines(&self.entries, 512);
        if let Some((_, vc)) = &self.last_write {
            vc.prefetch();
        }
    }

    /// Entries remembered (for tests of the memory bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The race of `now` with entry `e` (which happens-before does not order
/// before it), graded by SHB.
fn conflict(e: &Entry, now: &Now<'_>) -> Conflict {
    let grade = if e.shb.happens_before(now.shb.1) {
        Grade::HbOnly
    } else {
        Grade::Sound
    };
    Conflict {
        previous: Access {
            thread: ThreadId(e.thread()),
            at: At {
                index: e.index,
                site: (e.site != NO_SITE).then_some(SiteId(e.site)),
            },
        },
        previous_was_write: e.wrote(),
        grade,
    }
}

/// Adds `c` to `out`, keeping one conflict per site: the best graded, then
/// the latest.
fn merge(out: &mut Vec<Conflict>, c: Conflict) {
    let site = c.previous.at.site;
    match out.iter_mut().find(|o| o.previous.at.site == site) {
        Some(o) if (c.grade, c.previous.at.index) > (o.grade, o.previous.at.index) => *o = c,
        Some(_) => {}
        None => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock for thread `t` (slot `t`, own entry `own`) that knows
    /// `known[u]` of every other slot `u`.
    fn clock(t: u32, own: u32, known: &[u32]) -> VectorClock {
        let mut vc = VectorClock::default();
        for (u, &c) in known.iter().enumerate() {
            vc.set(Slot(u as u32), c);
        }
        vc.set(Slot(t), own);
        vc
    }

    /// An access by `t` at site `s` whose clocks know `hb` (happens-before)
    /// and `shb` (SHB) of every other thread.
    fn check(
        sum: &mut Summary,
        (t, s, writes): (u32, u32, bool),
        own: u32,
        hb: &[u32],
        shb: &[u32],
    ) -> Vec<Conflict> {
        let (hb, shb) = (clock(t, own, hb), clock(t, own, shb));
        let now = Now {
            thread: ThreadId(t),
            at: At {
                index: u64::from(s),
                site: Some(SiteId(s)),
            },
            writes,
            hb: (Slot(t), &hb),
            shb: (Slot(t), &shb),
        };
        let mut out = Vec::new();
        sum.access(&now, &mut out);
        out
    }

    #[test]
    fn a_write_before_the_last_write_still_races_with_a_later_read() {
        // T0 writes at site 1, T1 writes at site 2 after learning T0's
        // write, T2 reads at site 3 knowing only T1's write: both writes
        // race with the read (FastTrack sees only the last write).
        let mut sum = Summary::default();
        assert!(check(&mut sum, (0, 1, true), 1, &[0, 0, 0], &[0, 0, 0]).is_empty());
        assert!(check(&mut sum, (1, 2, true), 1, &[1, 0, 0], &[1, 0, 0]).is_empty());
        let found = check(&mut sum, (2, 3, false), 1, &[0, 1, 0], &[0, 1, 0]);
        let sites: Vec<_> = found.iter().map(|c| c.previous.at.site).collect();
        assert_eq!(sites, [Some(SiteId(1))]);
        assert_eq!(found[0].grade, Grade::Sound);
    }

    #[test]
    fn an_shb_ordered_race_is_hb_only() {
        let mut sum = Summary::default();
        check(&mut sum, (0, 1, true), 1, &[0, 0], &[0, 0]);
        let found = check(&mut sum, (1, 2, true), 1, &[0, 0], &[1, 0]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].grade, Grade::HbOnly);
    }

    #[test]
    fn same_epoch_repeats_are_skipped_and_reads_do_not_race() {
        let mut sum = Summary::default();
        check(&mut sum, (0, 1, false), 1, &[0, 0], &[0, 0]);
        assert!(check(&mut sum, (1, 2, false), 1, &[0, 0], &[0, 0]).is_empty());
        assert_eq!(check(&mut sum, (1, 3, true), 1, &[0, 0], &[0, 0]).len(), 1);
        assert!(check(&mut sum, (1, 3, true), 1, &[0, 0], &[0, 0]).is_empty());
    }

    #[test]
    fn threads_ordered_one_after_another_at_a_site_keep_one_entry() {
        // Thread t writes at site 1 knowing every earlier thread's write
        // there: each write replaces the one before, and a thread that
        // knows none of them still races with the site.
        let mut sum = Summary::default();
        let n = 2 * MAX_THREADS_PER_SITE as u32;
        for t in 0..n {
            let known: Vec<u32> = (0..t).map(|_| 1).collect();
            assert!(check(&mut sum, (t, 1, true), 1, &known, &known).is_empty());
        }
        assert_eq!(sum.len(), 1);
        let found = check(&mut sum, (n, 2, false), 1, &[], &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].previous.thread, ThreadId(n - 1));
    }

    #[test]
    fn a_variable_remembers_a_bounded_number_of_sites() {
        let mut sum = Summary::default();
        let mut forgot = false;
        for s in 0..2 * MAX_PER_VAR as u32 {
            let t = s % 2;
            let hb = clock(t, 1, &[0, 0]);
            let now = Now {
                thread: ThreadId(t),
                at: At {
                    index: u64::from(s),
                    site: Some(SiteId(s)),
                },
                writes: true,
                hb: (Slot(t), &hb),
                shb: (Slot(t), &hb),
            };
            forgot |= sum.access(&now, &mut Vec::new());
        }
        assert!(forgot);
        assert_eq!(sum.len(), MAX_PER_VAR);
    }

    #[test]
    fn the_oldest_thread_of_a_full_site_is_forgotten() {
        let mut sum = Summary::default();
        let none = vec![0; MAX_THREADS_PER_SITE + 1];
        for t in 0..MAX_THREADS_PER_SITE as u32 {
            check(&mut sum, (t, 1, false), 1, &none, &none);
        }
        let t = MAX_THREADS_PER_SITE as u32;
        let vc = clock(t, 1, &none);
        let now = Now {
            thread: ThreadId(t),
            at: At {
                index: 999,
                site: Some(SiteId(1)),
            },
            writes: false,
            hb: (Slot(t), &vc),
            shb: (Slot(t), &vc),
        };
        assert!(sum.access(&now, &mut Vec::new()));
    }
}
