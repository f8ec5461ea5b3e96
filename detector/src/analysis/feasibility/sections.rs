//! Critical sections of the feasibility window, per lock and thread.
//!
//! A section is an outermost acquisition of a lock and its matching
//! release, as positions in its thread (position 0: before the window)
//! and the trace index of the acquisition. Sections that ended before the
//! window are pruned; a lock with sections left remembers the trace index
//! of the latest one pruned, since sync preservation still orders against
//! it.
//!
//! # Performance
//! Opening or closing a section is a hash look-up; the closure finds a
//! thread's last section before a position by binary search. Memory:
//! 16 bytes per section in the window plus one entry per (lock, thread)
//! with a section in it and per lock with one.

use std::collections::VecDeque;

use hashbrown::HashMap;

/// "No position": a section not yet released.
pub(super) const OPEN: u32 = u32::MAX;

/// One critical section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Section {
    /// Position of the acquisition in its thread (0: before the window).
    pub(super) acq: u32,
    /// Position of the release, or [`OPEN`].
    pub(super) rel: u32,
    /// Trace index of the acquisition.
    pub(super) index: u64,
}

/// The sections of one lock.
#[derive(Clone, Debug, Default)]
pub(super) struct LockSections {
    /// Per thread that has a section in the window: its sections in order.
    pub(super) threads: Vec<(u32, VecDeque<Section>)>,
    /// Trace index of the latest section pruned (0 when none).
    pub(super) past: u64,
}

/// Every lock's sections.
#[derive(Clone, Debug, Default)]
pub(super) struct Sections {
    locks: HashMap<u32, LockSections>,
}

impl Sections {
    /// The sections of `lock`, if any.
    pub(super) fn of(&self, lock: u32) -> Option<&LockSections> {
        self.locks.get(&lock)
    }

    fn list(&mut self, lock: u32, thread: u32) -> &mut VecDeque<Section> {
        let per_lock = self.locks.entry(lock).or_default();
        let i = match per_lock.threads.iter().position(|(t, _)| *t == thread) {
            Some(i) => i,
            None => {
                // Most locks are taken by one thread: no room for four.
                per_lock.threads.reserve_exact(1);
                per_lock.threads.push((thread, VecDeque::with_capacity(1)));
                per_lock.threads.len() - 1
            }
        };
        &mut per_lock.threads[i].1
    }

    /// `thread` acquired `lock` (outermost) at position `acq`, trace index
    /// `index`.
    pub(super) fn open(&mut self, lock: u32, thread: u32, acq: u32, index: u64) {
        self.list(lock, thread).push_back(Section {
            acq,
            rel: OPEN,
            index,
        });
    }

    /// `thread` released `lock` at position `rel`.
    pub(super) fn close(&mut self, lock: u32, thread: u32, rel: u32) {
        if let Some(last) = self.list(lock, thread).back_mut() {
            if last.rel == OPEN {
                last.rel = rel;
            }
        }
    }

    /// Drops `lock`'s sections that ended before each thread's window
    /// start (`first(thread)`).
    pub(super) fn prune(&mut self, lock: u32, first: impl Fn(u32) -> u32) {
        let Some(per_lock) = self.locks.get_mut(&lock) else {
            return;
        };
        for (t, list) in &mut per_lock.threads {
            let start = first(*t);
            while list.front().is_some_and(|s| s.rel != OPEN && s.rel < start) {
                if let Some(s) = list.pop_front() {
                    per_lock.past = per_lock.past.max(s.index);
                }
            }
        }
        per_lock.threads.retain(|(_, list)| !list.is_empty());
        // With no section left, a later one starts after every pruned one
        // (two sections of a lock overlap only in shared mode, where the
        // order the closure keeps is stricter than the lock's).
        if per_lock.threads.is_empty() {
            self.locks.remove(&lock);
        }
    }

    /// Sections kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.locks
            .values()
            .flat_map(|l| &l.threads)
            .map(|(_, list)| list.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_sections_before_the_window_are_pruned_and_remembered() {
        let mut s = Sections::default();
        s.open(7, 1, 1, 10);
        s.close(7, 1, 2);
        s.open(7, 1, 5, 20);
        s.open(7, 2, 0, 3); // held since before the window
        s.prune(7, |_| 4);
        assert_eq!(s.len(), 2);
        let lock = s.of(7).expect("kept");
        assert_eq!(lock.past, 10);
        assert_eq!(lock.threads[0].1[0].index, 20);
    }
}
