//! The closure of a set of thread prefixes: the smallest set of events
//! that contains them and is closed under program order, reads-from (a
//! read brings its writer), the trace order of synchronisation objects, a
//! join bringing the child's events before it, a forked thread's events
//! bringing the fork, and a lock rule:
//! - [`Policy::SyncPreserving`] (SPDOffline's): of the critical sections of
//!   one lock in the set, every one but the latest in the trace is
//!   complete;
//! - [`Policy::Pinned`]: where a stop holds a lock (its section is
//!   *pinned* open), every other section of that lock in the set is
//!   complete and the pinned one runs last; other locks as above.
//!
//! Prefixes only grow ([`Closure::raise`]), so one closure serves a whole
//! walk over occurrences ([`walk`](super::walk)). Stops may be exceeded;
//! the caller reads [`Closure::frontier`] to see which were.

use super::log::{Op, Section, View, NO_EVENT};

/// Which critical sections must be complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    SyncPreserving,
    Pinned,
}

/// Per lock: the threads that took it, each with its sections (ids into
/// [`View::sections`]) in order.
#[derive(Debug)]
pub struct Locks {
    per_lock: Vec<Vec<(u32, Vec<u32>)>>,
}

impl Locks {
    pub fn new(view: &View<'_>) -> Self {
        let per_lock = view
            .lock_sections
            .iter()
            .map(|ids| {
                let mut by_thread: Vec<(u32, Vec<u32>)> = Vec::new();
                for &s in ids {
                    let t = view.sections[s as usize].thread;
                    match by_thread.iter_mut().find(|(u, _)| *u == t) {
                        Some((_, v)) => v.push(s),
                        None => by_thread.push((t, vec![s])),
                    }
                }
                by_thread
            })
            .collect();
        Locks { per_lock }
    }

    /// Thread `t`'s sections of `lock`.
    pub fn of(&self, lock: u32, t: u32) -> &[u32] {
        self.per_lock
            .get(lock as usize)
            .and_then(|v| v.iter().find(|(u, _)| *u == t))
            .map_or(&[], |(_, s)| s.as_slice())
    }

    fn threads(&self, lock: u32) -> &[(u32, Vec<u32>)] {
        self.per_lock.get(lock as usize).map_or(&[], Vec::as_slice)
    }
}

/// Why a closure failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// It needs an event that does not exist (a release never made), an
    /// event past a hard limit, or an event the search cannot reorder.
    Impossible,
    /// The work budget ran out.
    Budget,
}

/// One closure computation.
#[derive(Debug)]
pub struct Closure<'a> {
    view: &'a View<'a>,
    locks: &'a Locks,
    policy: Policy,
    /// Per thread: prefix length in the set, and how far it was scanned.
    frontier: Vec<u32>,
    scanned: Vec<u32>,
    /// Per thread: the most its prefix may grow (`u32::MAX`: no limit).
    limit: Vec<u32>,
    /// Per lock: its pinned section, or `NO_EVENT`.
    pinned: Vec<u32>,
    work: Vec<u32>,
    dirty: Vec<u32>,
    is_dirty: Vec<bool>,
}

impl<'a> Closure<'a> {
    pub fn new(view: &'a View<'a>, locks: &'a Locks, policy: Policy) -> Self {
        let n = view.threads.len();
        Closure {
            view,
            locks,
            policy,
            frontier: vec![0; n],
            scanned: vec![0; n],
            limit: vec![u32::MAX; n],
            pinned: vec![NO_EVENT; view.lock_sections.len()],
            work: Vec::new(),
            dirty: Vec::new(),
            is_dirty: vec![false; view.lock_sections.len()],
        }
    }

    /// Thread `t` may not grow past `len` events.
    pub fn set_limit(&mut self, t: u32, len: u32) {
        self.limit[t as usize] = len;
    }

    /// Section `s` of `lock` stays open and runs last ([`Policy::Pinned`]).
    pub fn pin(&mut self, lock: u32, s: u32) {
        if let Some(p) = self.pinned.get_mut(lock as usize) {
            *p = s;
        }
    }

    pub fn frontier(&self, t: u32) -> u32 {
        self.frontier[t as usize]
    }

    /// Every thread's prefix length.
    pub fn prefixes(&self) -> &[u32] {
        &self.frontier
    }

    /// Grows thread `t`'s prefix to at least `len` events.
    pub fn raise(&mut self, t: u32, len: u32) -> Result<(), Failure> {
        let i = t as usize;
        if len > self.limit[i] || len > self.view.len(t) {
            return Err(Failure::Impossible);
        }
        if len > self.frontier[i] {
            self.frontier[i] = len;
            self.work.push(t);
        }
        Ok(())
    }

    fn raise_to_event(&mut self, e: u32) -> Result<(), Failure> {
        let t = self.view.events[e as usize].thread;
        self.raise(t, self.view.pos[e as usize] + 1)
    }

    /// Runs to the fixpoint; `budget` is decremented per event scanned.
    pub fn run(&mut self, budget: &mut u64) -> Result<(), Failure> {
        loop {
            while let Some(t) = self.work.pop() {
                self.scan(t, budget)?;
            }
            if self.dirty.is_empty() {
                return Ok(());
            }
            for lock in std::mem::take(&mut self.dirty) {
                self.is_dirty[lock as usize] = false;
                self.preserve(lock)?;
            }
        }
    }

    /// Adds what the newly included events of `t` need.
    fn scan(&mut self, t: u32, budget: &mut u64) -> Result<(), Failure> {
        let (from, to) = (self.scanned[t as usize], self.frontier[t as usize]);
        if from >= to {
            return Ok(());
        }
        *budget = budget
            .checked_sub(u64::from(to - from))
            .ok_or(Failure::Budget)?;
        self.scanned[t as usize] = to;
        if let Some((start, fork)) = self.view.fork_of(t) {
            if to > start {
                self.raise_to_event(fork)?;
            }
        }
        for p in from..to {
            let e = self.view.at(t, p);
            let dep = self.view.dep[e as usize];
            if dep != NO_EVENT {
                self.raise_to_event(dep)?;
            }
            match self.view.events[e as usize].op() {
                Op::Acquire { lock, .. }
                    if self.view.opens[e as usize] != NO_EVENT && !self.is_dirty[lock as usize] =>
                {
                    self.is_dirty[lock as usize] = true;
                    self.dirty.push(lock);
                }
                Op::Unsupported => return Err(Failure::Impossible),
                _ => {}
            }
        }
        Ok(())
    }

    /// Thread `u`'s last section of `lock` in the set, if any.
    fn last_in(&self, u: u32, sections: &[u32]) -> Option<Section> {
        let f = self.frontier[u as usize];
        let n = sections.partition_point(|&s| {
            let acq = self.view.sections[s as usize].acq;
            self.view.pos[acq as usize] < f
        });
        (n > 0).then(|| self.view.sections[sections[n - 1] as usize])
    }

    /// The lock rule for `lock`.
    fn preserve(&mut self, lock: u32) -> Result<(), Failure> {
        let locks = self.locks;
        let last: Vec<Section> = locks
            .threads(lock)
            .iter()
            .filter_map(|(u, s)| self.last_in(*u, s))
            .collect();
        let pinned = match self.policy {
            Policy::Pinned => self.pinned[lock as usize],
            Policy::SyncPreserving => NO_EVENT,
        };
        let open = if pinned != NO_EVENT {
            self.view.sections[pinned as usize].acq
        } else {
            match last.iter().map(|s| s.acq).max() {
                Some(latest) => latest,
                None => return Ok(()),
            }
        };
        for s in last {
            if s.acq != open {
                if !s.released() {
                    return Err(Failure::Impossible);
                }
                self.raise_to_event(s.rel)?;
            }
        }
        Ok(())
    }
}
