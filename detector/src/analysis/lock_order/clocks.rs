//! Fork/join happens-before, and the check that a trace's fork/join can be
//! trusted at all.
//!
//! Vector clocks that advance only at fork and join: thread `t`'s own
//! component starts at 1 and grows after each fork it performs; a child
//! starts with its parent's clock; a join takes the child's clock. Event
//! `a` of thread `ta` happens before event `b` of another thread iff
//! `clock(a)[ta] <= clock(b)[ta]`. Lock-order edges keep the id of a
//! [`snapshot`](ForkJoin::snapshot) of their thread's clock.
//!
//! DeadlockFuzzer-recorded (`*_dlf`) STD traces name fork/join children
//! that are not the threads that run; [`ForkJoin::distrust`] says why a
//! trace's fork/join looks like that: a forked child that never appears,
//! or one that did real work (anything but `begin()`/`end()`) before its
//! fork.
//!
//! # Performance
//! O(threads) per fork or join, O(1) otherwise. Snapshots are taken only
//! when a clock changed since the last one, so there are at most
//! threads + forks + joins of them.

use crate::finding::Distrust;
use crate::trace::{Event, EventKind, ThreadId, TraceMeta};

const NONE: u32 = u32::MAX;

/// Fork/join clocks of one trace.
#[derive(Clone, Debug, Default)]
pub struct ForkJoin {
    /// Each thread's current clock.
    clocks: Vec<Vec<u32>>,
    /// The snapshot of each thread's current clock, if taken.
    current: Vec<u32>,
    snaps: Vec<Vec<u32>>,
    /// Whether the thread had any event / a real (non-marker) event.
    seen: Vec<(bool, bool)>,
    forks: Vec<(ThreadId, u64)>,
    early_child: Option<(ThreadId, u64)>,
}

impl ForkJoin {
    fn grow(&mut self, t: ThreadId) {
        let n = t.index() + 1;
        if self.clocks.len() < n {
            let start = self.clocks.len();
            self.clocks.resize_with(n, Vec::new);
            self.current.resize(n, NONE);
            self.seen.resize(n, (false, false));
            for (i, c) in self.clocks.iter_mut().enumerate().skip(start) {
                c.resize(i + 1, 0);
                c[i] = 1;
            }
        }
    }

    /// Advances by `ev`, event `index` of the trace.
    pub fn on_event(&mut self, index: u64, ev: &Event) {
        let t = ev.thread;
        self.grow(t);
        let real = !matches!(ev.kind, EventKind::Begin | EventKind::End);
        let seen = &mut self.seen[t.index()];
        *seen = (true, seen.1 || real);
        match ev.kind {
            EventKind::Fork { child } => {
                self.grow(child);
                if self.seen[child.index()].1 && self.early_child.is_none() {
                    self.early_child = Some((child, index));
                }
                self.forks.push((child, index));
                let parent = self.clocks[t.index()].clone();
                join_into(&mut self.clocks[child.index()], &parent);
                self.current[child.index()] = NONE;
                self.clocks[t.index()][t.index()] += 1;
                self.current[t.index()] = NONE;
            }
            EventKind::Join { child } => {
                self.grow(child);
                let done = self.clocks[child.index()].clone();
                join_into(&mut self.clocks[t.index()], &done);
                self.current[t.index()] = NONE;
            }
            _ => {}
        }
    }

    /// The id of a snapshot of `t`'s current clock.
    pub fn snapshot(&mut self, t: ThreadId) -> u32 {
        self.grow(t);
        if self.current[t.index()] == NONE {
            self.current[t.index()] = self.snaps.len() as u32;
            self.snaps.push(self.clocks[t.index()].clone());
        }
        self.current[t.index()]
    }

    /// Whether an event of `a.0` with snapshot `a.1` happens before an
    /// event of another thread `b.0` with snapshot `b.1`.
    pub fn happens_before(&self, a: (ThreadId, u32), b: (ThreadId, u32)) -> bool {
        let component = |snap: u32, t: ThreadId| {
            self.snaps
                .get(snap as usize)
                .and_then(|c| c.get(t.index()))
                .copied()
                .unwrap_or(0)
        };
        a.0 != b.0 && component(a.1, a.0) <= component(b.1, a.0)
    }

    /// Why this trace's fork/join cannot be trusted, if it cannot.
    pub fn distrust(&self, meta: &TraceMeta) -> Option<Distrust> {
        let name = |t: ThreadId| meta.thread(t).display_name().to_owned();
        if let Some((child, index)) = self.early_child {
            return Some(Distrust::RanBeforeFork {
                thread: name(child),
                event: index,
            });
        }
        let missing = self
            .forks
            .iter()
            .find(|(c, _)| !self.seen.get(c.index()).is_some_and(|s| s.0))?;
        Some(Distrust::NeverAppears {
            thread: name(missing.0),
            event: missing.1,
        })
    }
}

fn join_into(into: &mut Vec<u32>, from: &[u32]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, &b) in into.iter_mut().zip(from) {
        *a = (*a).max(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{SourceFormat, ThreadInfo};

    fn ev(t: u32, kind: EventKind) -> Event {
        Event {
            time: 0,
            thread: ThreadId(t),
            site: None,
            backtrace: None,
            kind,
        }
    }

    #[test]
    fn fork_orders_parent_prefix_before_child_and_join_orders_child_before_rest() {
        let (p, c) = (ThreadId(0), ThreadId(1));
        let mut fj = ForkJoin::default();
        let before_fork = fj.snapshot(p);
        fj.on_event(0, &ev(0, EventKind::Fork { child: c }));
        let after_fork = fj.snapshot(p);
        let child = fj.snapshot(c);
        assert!(fj.happens_before((p, before_fork), (c, child)));
        assert!(!fj.happens_before((p, after_fork), (c, child)));
        assert!(!fj.happens_before((c, child), (p, after_fork)));
        fj.on_event(1, &ev(0, EventKind::Join { child: c }));
        let after_join = fj.snapshot(p);
        assert!(fj.happens_before((c, child), (p, after_join)));
    }

    #[test]
    fn distrusts_children_that_never_appear_or_run_early() {
        let mut meta = TraceMeta::new(SourceFormat::Std);
        for label in ["T0", "T1", "T2"] {
            meta.push_thread(ThreadInfo {
                label: label.to_owned(),
                ..ThreadInfo::default()
            });
        }
        let mut fj = ForkJoin::default();
        fj.on_event(0, &ev(1, EventKind::Begin));
        fj.on_event(1, &ev(0, EventKind::Fork { child: ThreadId(1) }));
        fj.on_event(2, &ev(1, EventKind::ThreadExit));
        assert_eq!(fj.distrust(&meta), None);
        fj.on_event(3, &ev(0, EventKind::Fork { child: ThreadId(2) }));
        assert_eq!(
            fj.distrust(&meta),
            Some(Distrust::NeverAppears {
                thread: "T2".into(),
                event: 3
            })
        );
        let mut fj = ForkJoin::default();
        fj.on_event(0, &ev(1, EventKind::ThreadExit));
        fj.on_event(1, &ev(0, EventKind::Fork { child: ThreadId(1) }));
        assert_eq!(
            fj.distrust(&meta),
            Some(Distrust::RanBeforeFork {
                thread: "T1".into(),
                event: 1
            })
        );
    }
}
