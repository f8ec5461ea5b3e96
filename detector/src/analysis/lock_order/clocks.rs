//! Fork/join happens-before, and the check that a trace's fork/join can be
//! trusted at all.
//!
//! Vector clocks that advance only at fork and join: a thread's own entry
//! starts when it first takes part in a fork or join and grows after each
//! fork it performs; a child starts with its parent's clock; a join takes
//! the child's clock. Event `a` of thread `ta` happens before event `b` of
//! another thread iff `b`'s clock knows `a`'s entry of `ta`. Lock-order
//! edges keep the id of a [`snapshot`](ForkJoin::snapshot) of their
//! thread's clock.
//!
//! Clocks are [`ThreadClocks`] over slots: a joined thread hands its slot
//! on, so their size follows the threads forked and not yet joined, and a
//! thread that never takes part in a fork or join (a `std::thread`, whose
//! start and end lockscope does not see) has no clock at all: its
//! snapshots are one shared *fresh* id, resolved through the slot it gets
//! if it is joined later.
//!
//! DeadlockFuzzer-recorded (`*_dlf`) STD traces name fork/join children
//! that are not the threads that run; [`ForkJoin::distrust`] says why a
//! trace's fork/join looks like that: a forked child that never appears,
//! or one that did real work (anything but `begin()`/`end()`) before its
//! fork.
//!
//! # Performance
//! One clock copy or join per fork or join, nothing for other events.
//! Snapshots are taken only when a clock changed since the last one, so
//! there are at most forks + joins + threads of them, each sharing its
//! clock's chunks.
//!
//! # Limitations
//! More than [`MAX_SLOTS`] threads forked and not joined at once merge
//! thread histories (see [`ThreadClocks`]), which can order edges that are
//! not ordered and so drop a pattern; [`ForkJoin::cuts`] counts it and the
//! analysis reports it.

use crate::clock::{Cuts, Slot, ThreadClocks, VectorClock};
use crate::finding::Distrust;
use crate::state::Replay;
use crate::trace::{Event, EventKind, ThreadId, TraceMeta};

/// Most threads with a fork/join clock at once.
pub const MAX_SLOTS: usize = 4096;

const NONE: u32 = u32::MAX;
/// The snapshot of a thread that has no clock (took part in no fork or
/// join yet).
const FRESH: u32 = u32::MAX - 1;

/// Fork/join clocks of one trace.
#[derive(Clone, Debug)]
pub struct ForkJoin {
    threads: ThreadClocks,
    /// The snapshot of each thread's current clock, if taken.
    current: Vec<u32>,
    snaps: Vec<(Slot, VectorClock)>,
    forks: Vec<(ThreadId, u64)>,
    early_child: Option<(ThreadId, u64)>,
}

impl Default for ForkJoin {
    fn default() -> Self {
        ForkJoin {
            threads: ThreadClocks::new(MAX_SLOTS),
            current: Vec::new(),
            snaps: Vec::new(),
            forks: Vec::new(),
            early_child: None,
        }
    }
}

impl ForkJoin {
    fn changed(&mut self, t: ThreadId) {
        if let Some(c) = self.current.get_mut(t.index()) {
            *c = NONE;
        }
    }

    /// Advances by `ev`, event `index` of the trace; `state` is the replay
    /// state before it.
    pub fn on_event(&mut self, index: u64, ev: &Event, state: &Replay) {
        let t = ev.thread;
        match ev.kind {
            EventKind::Fork { child } => {
                if state.thread(child).ran && self.early_child.is_none() {
                    self.early_child = Some((child, index));
                }
                self.forks.push((child, index));
                let parent = self.threads.fork(t, index);
                self.threads.learn(child, &parent);
                self.threads.slot(child, index);
                self.changed(child);
                self.changed(t);
            }
            EventKind::Join { child } => {
                self.threads.join(t, child, index);
                self.changed(t);
            }
            EventKind::ThreadExit => self.threads.exit(t),
            _ => {}
        }
    }

    /// The id of a snapshot of `t`'s current clock at trace index `now`.
    pub fn snapshot(&mut self, t: ThreadId, now: u64) -> u32 {
        if self.threads.first(t).is_none() {
            return FRESH;
        }
        crate::dense::grow(&mut self.current, t.index(), || NONE);
        if self.current[t.index()] == NONE {
            let s = self.threads.slot(t, now);
            self.current[t.index()] = self.snaps.len() as u32;
            self.snaps.push((s, self.threads.clock(t).clone()));
        }
        self.current[t.index()]
    }

    /// Whether an event of `a.0` with snapshot `a.1` happens before an
    /// event of another thread `b.0` with snapshot `b.1`.
    pub fn happens_before(&self, a: (ThreadId, u32), b: (ThreadId, u32)) -> bool {
        if a.0 == b.0 {
            return false;
        }
        let own = match a.1 {
            FRESH => self.threads.first(a.0),
            snap => self.snaps.get(snap as usize).map(|(s, c)| (*s, c.get(*s))),
        };
        let knows = self.snaps.get(b.1 as usize).map(|(_, c)| c);
        match (own, knows) {
            (Some((s, v)), Some(c)) => v <= c.get(s),
            _ => false,
        }
    }

    /// What the clocks cut (see [`ThreadClocks`]).
    pub fn cuts(&self) -> Cuts {
        self.threads.cuts()
    }

    /// Why this trace's fork/join cannot be trusted, if it cannot; `state`
    /// is the replay state at the end of the trace.
    pub fn distrust(&self, meta: &TraceMeta, state: &Replay) -> Option<Distrust> {
        let name = |t: ThreadId| meta.thread(t).display_name().to_owned();
        if let Some((child, index)) = self.early_child {
            return Some(Distrust::RanBeforeFork {
                thread: name(child),
                event: index,
            });
        }
        let missing = self.forks.iter().find(|(c, _)| !state.thread(*c).seen)?;
        Some(Distrust::NeverAppears {
            thread: name(missing.0),
            event: missing.1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testkit::event as ev;
    use crate::trace::{SourceFormat, ThreadInfo};

    #[test]
    fn fork_orders_parent_prefix_before_child_and_join_orders_child_before_rest() {
        let (p, c) = (ThreadId(0), ThreadId(1));
        let mut fj = ForkJoin::default();
        let mut state = Replay::new();
        let mut step = |fj: &mut ForkJoin, i: u64, e: Event| {
            fj.on_event(i, &e, &state);
            state.apply(i, &e);
        };
        let before_fork = fj.snapshot(p, 0);
        step(&mut fj, 0, ev(0, EventKind::Fork { child: c }));
        let after_fork = fj.snapshot(p, 0);
        let child = fj.snapshot(c, 0);
        assert!(fj.happens_before((p, before_fork), (c, child)));
        assert!(!fj.happens_before((p, after_fork), (c, child)));
        assert!(!fj.happens_before((c, child), (p, after_fork)));
        step(&mut fj, 1, ev(0, EventKind::Join { child: c }));
        let after_join = fj.snapshot(p, 0);
        assert!(fj.happens_before((c, child), (p, after_join)));
    }

    #[test]
    fn a_thread_without_fork_or_join_is_ordered_once_it_is_joined() {
        let (p, c, other) = (ThreadId(0), ThreadId(1), ThreadId(2));
        let mut fj = ForkJoin::default();
        let state = Replay::new();
        let child = fj.snapshot(c, 0);
        let unrelated = fj.snapshot(other, 0);
        let before = fj.snapshot(p, 0);
        assert!(!fj.happens_before((c, child), (p, before)));
        fj.on_event(0, &ev(0, EventKind::Join { child: c }), &state);
        let after = fj.snapshot(p, 0);
        assert!(fj.happens_before((c, child), (p, after)));
        assert!(!fj.happens_before((other, unrelated), (p, after)));
        assert!(!fj.happens_before((p, after), (c, child)));
    }

    #[test]
    fn joined_children_reuse_slots_so_clocks_stay_small() {
        let main = ThreadId(0);
        let mut fj = ForkJoin::default();
        let state = Replay::new();
        for i in 1..=10_000u32 {
            let child = ThreadId(i);
            fj.on_event(2 * u64::from(i), &ev(0, EventKind::Fork { child }), &state);
            fj.snapshot(child, 0);
            fj.on_event(
                2 * u64::from(i) + 1,
                &ev(0, EventKind::Join { child }),
                &state,
            );
        }
        let snap = fj.snapshot(main, 0);
        assert!(fj.snaps[snap as usize].1.iter().count() <= 2);
        assert_eq!(fj.cuts(), Cuts::default());
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
        let run = |events: &[Event]| {
            let mut fj = ForkJoin::default();
            let mut state = Replay::new();
            for (i, e) in events.iter().enumerate() {
                fj.on_event(i as u64, e, &state);
                state.apply(i as u64, e);
            }
            fj.distrust(&meta, &state)
        };
        let fork = |c: u32| ev(0, EventKind::Fork { child: ThreadId(c) });
        let fine = [
            ev(1, EventKind::Begin),
            fork(1),
            ev(1, EventKind::ThreadExit),
        ];
        assert_eq!(run(&fine), None);
        let never = [fine[0], fine[1], fine[2], fork(2)];
        assert_eq!(
            run(&never),
            Some(Distrust::NeverAppears {
                thread: "T2".into(),
                event: 3
            })
        );
        assert_eq!(
            run(&[ev(1, EventKind::ThreadExit), fork(1)]),
            Some(Distrust::RanBeforeFork {
                thread: "T1".into(),
                event: 1
            })
        );
    }
}
