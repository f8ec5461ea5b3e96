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
//! # Performance
//! An access costs one comparison per remembered entry of its variable
//! (entries: access sites x threads), unless the fast path skips it.
//! Memory: one 24-byte entry per (variable, access site, thread), at most
//! [`MAX_THREADS_PER_SITE`] threads per site and kind of access; past that
//! the oldest entry of the site is forgotten and the report's limits say
//! how often.

use super::shb::Snapshot;
use crate::clock::Epoch;
use crate::finding::Grade;
use crate::trace::{SiteId, ThreadId};

/// Most threads remembered per variable and access site.
pub(super) const MAX_THREADS_PER_SITE: usize = 256;

/// Where an access happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct At {
    pub(super) index: u64,
    pub(super) site: Option<SiteId>,
}

/// A remembered access: its happens-before epoch and where it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct Access {
    pub(super) epoch: Epoch,
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
    hb: u32,
    shb: u32,
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
pub(super) struct Now<F: Fn(u32) -> u32, G: Fn(u32) -> u32> {
    pub(super) thread: ThreadId,
    pub(super) at: At,
    /// It writes (a write or an update).
    pub(super) writes: bool,
    /// The thread's happens-before entry for each thread.
    pub(super) hb: F,
    /// The thread's SHB entry for each thread, before a read joins its
    /// writer.
    pub(super) shb: G,
}

/// One variable's remembered accesses, in one vector (one heap block per
/// variable keeps an access to one cache miss or two), and its last
/// write's SHB clock.
#[derive(Clone, Debug, Default)]
pub(super) struct Summary {
    entries: Vec<Entry>,
    pub(super) last_write: Option<Snapshot>,
}

impl Summary {
    /// Checks `now` against every remembered access, pushes one conflict
    /// per racing site (the best graded) to `out`, and remembers `now`.
    /// Returns whether an entry was forgotten to make room.
    pub(super) fn access<F, G>(&mut self, now: &Now<F, G>, out: &mut Vec<Conflict>) -> bool
    where
        F: Fn(u32) -> u32,
        G: Fn(u32) -> u32,
    {
        let t = now.thread.0;
        let (hb, shb) = ((now.hb)(t), (now.shb)(t));
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
        for e in &self.entries {
            if (e.wrote() || now.writes) && e.thread() != t && e.hb > (now.hb)(e.thread()) {
                merge(out, conflict(e, now));
            }
        }
        let entry = Entry {
            site,
            thread: key,
            hb,
            shb,
            index: now.at.index,
        };
        if let Some(i) = mine {
            self.entries[i] = entry;
            return false;
        }
        let same = |e: &Entry| e.site == site && e.wrote() == now.writes;
        if self.entries.iter().filter(|e| same(e)).count() < MAX_THREADS_PER_SITE {
            self.entries.push(entry);
            return false;
        }
        let oldest = (0..self.entries.len())
            .filter(|&i| same(&self.entries[i]))
            .min_by_key(|&i| self.entries[i].index)
            .unwrap_or(0);
        self.entries[oldest] = entry;
        true
    }
}

/// The race of `now` with entry `e` (which happens-before does not order
/// before it), graded by SHB.
fn conflict<F: Fn(u32) -> u32, G: Fn(u32) -> u32>(e: &Entry, now: &Now<F, G>) -> Conflict {
    let grade = if e.shb > (now.shb)(e.thread()) {
        Grade::Sound
    } else {
        Grade::HbOnly
    };
    Conflict {
        previous: Access {
            epoch: Epoch {
                thread: e.thread(),
                clock: e.hb,
            },
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

    /// An access by `t` at site `s` whose clocks know `known` of every
    /// other thread (happens-before and SHB alike unless `shb` says).
    fn check(
        sum: &mut Summary,
        (t, s, writes): (u32, u32, bool),
        own: u32,
        hb: &[u32],
        shb: &[u32],
    ) -> Vec<Conflict> {
        let get = |c: &[u32], u: u32| if u == t { own } else { c[u as usize] };
        let now = Now {
            thread: ThreadId(t),
            at: At {
                index: u64::from(s),
                site: Some(SiteId(s)),
            },
            writes,
            hb: |u| get(hb, u),
            shb: |u| get(shb, u),
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
    fn the_oldest_thread_of_a_full_site_is_forgotten() {
        let mut sum = Summary::default();
        let none = vec![0; MAX_THREADS_PER_SITE + 1];
        for t in 0..MAX_THREADS_PER_SITE as u32 {
            check(&mut sum, (t, 1, false), 1, &none, &none);
        }
        let now = Now {
            thread: ThreadId(MAX_THREADS_PER_SITE as u32),
            at: At {
                index: 999,
                site: Some(SiteId(1)),
            },
            writes: false,
            hb: |_| 1,
            shb: |_| 1,
        };
        assert!(sum.access(&now, &mut Vec::new()));
    }
}
