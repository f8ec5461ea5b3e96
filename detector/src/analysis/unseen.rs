//! Threads lockscope did not see start or join, and the verdicts they may
//! overturn.
//!
//! A thread started through `lockscope::sync::thread` has a `fork` in the
//! trace before its first event and its join recorded, so happens-before
//! through its start and join is known. The recorder writes a
//! `thread_start` without a parent at the first event of every other
//! thread (`std::thread::spawn`, `std::thread::scope`, the test harness's
//! threads). Such a thread is *unseen*: something started it before its
//! first event and may join it after its last, and neither edge is in the
//! trace. The process's `main` thread has no such edges of its own. A
//! thread whose trace says nothing about its start (no `thread_start`: STD
//! traces, which come from instrumentation that records every thread
//! start, and other producers) is taken as the trace shows it.
//!
//! A verdict that two events of threads `A` and `B` are unordered (a data
//! race, a lost update, a feasible lock-order inversion) depends on unseen
//! ordering when one of the two threads is unseen, unless it is an
//! ancestor of the other through recorded forks: a test thread that starts
//! a child through lockscope started before the child existed, and its own
//! start and join only connect it to threads outside that tree.
//!
//! # Limitations
//! A path through a third thread is not considered: two lockscope-started
//! threads whose accesses an unseen thread orders (one releases a lock the
//! unseen thread takes, whose join the other's parent waits for before it
//! signals the other) are reported as unordered. A thread that records no
//! event is not in the trace at all.
//!
//! # Performance
//! O(1) per event; a query walks the recorded fork tree from one thread to
//! its root. Memory: 12 bytes per thread.

use crate::analysis::Context;
use crate::trace::{Event, EventKind, ThreadId};

/// What is known of one thread's start.
#[derive(Clone, Copy, Debug, Default)]
struct Life {
    /// Its first event was seen.
    started: bool,
    /// Its first event says lockscope did not start it.
    unseen: bool,
    /// The thread whose recorded fork started it.
    parent: Option<ThreadId>,
}

/// The unseen threads of one trace, as its events stream by.
#[derive(Debug, Default)]
pub struct Unseen {
    threads: Vec<Life>,
}

/// Longest fork chain walked when asking whether one thread descends from
/// another.
const MAX_DEPTH: usize = 256;

impl Unseen {
    fn life(&mut self, t: ThreadId) -> &mut Life {
        crate::dense::grow(&mut self.threads, t.index(), Life::default);
        &mut self.threads[t.index()]
    }

    fn get(&self, t: ThreadId) -> Life {
        self.threads.get(t.index()).copied().unwrap_or_default()
    }

    /// Takes event `ev` into account.
    pub fn on_event(&mut self, cx: &Context<'_>, ev: &Event) {
        let t = ev.thread;
        if let EventKind::Fork { child } = ev.kind {
            if cx.config.trust_fork_join && !self.get(child).started {
                self.life(child).parent = Some(t);
            }
        }
        let life = self.life(t);
        if life.started {
            return;
        }
        life.started = true;
        let unstarted = matches!(ev.kind, EventKind::ThreadStart { parent: None });
        let main = cx.meta.thread(t).display_name() == "main";
        let life = self.life(t);
        life.unseen = unstarted && !main && life.parent.is_none();
    }

    /// Whether `old` is `young` or one of its ancestors through recorded
    /// forks.
    fn descends(&self, young: ThreadId, old: ThreadId) -> bool {
        let mut t = young;
        for _ in 0..MAX_DEPTH {
            if t == old {
                return true;
            }
            match self.get(t).parent {
                Some(p) => t = p,
                None => return false,
            }
        }
        false
    }

    /// The unseen thread whose start or join may order an event of `a`
    /// and one of `b`; `None` when the trace shows every edge that could.
    /// When both may, the one declared later (a test's `std::thread` child
    /// rather than the harness thread that runs the test: the one the
    /// program can start through lockscope instead).
    pub fn between(&self, a: ThreadId, b: ThreadId) -> Option<ThreadId> {
        if a == b {
            return None;
        }
        [(a, b), (b, a)]
            .into_iter()
            .filter(|&(x, y)| self.get(x).unseen && !self.descends(y, x))
            .map(|(x, _)| x)
            .max()
    }

    /// [`between`](Unseen::between) over every pair of `threads`.
    pub fn among(&self, threads: &[ThreadId]) -> Option<ThreadId> {
        threads
            .iter()
            .enumerate()
            .find_map(|(i, &a)| threads[i + 1..].iter().find_map(|&b| self.between(a, b)))
    }

    /// Forgets the trace (the next one has other thread ids).
    pub fn clear(&mut self) {
        self.threads.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testkit::TraceBuilder;
    use crate::analysis::{analyze_trace, Analysis, Config};
    use crate::finding::Findings;

    /// `b` through an [`Unseen`], then `ask` at the end.
    fn after(b: &TraceBuilder, ask: impl Fn(&Unseen) -> Option<ThreadId>) -> Option<u32> {
        #[derive(Default)]
        struct Probe(Unseen);
        impl Analysis for Probe {
            fn on_event(&mut self, cx: &Context<'_>, ev: &Event, _: &mut Findings) {
                self.0.on_event(cx, ev);
            }
            fn end_trace(&mut self, _: &Context<'_>, _: &mut Findings) {}
        }
        let mut probe = Probe::default();
        let mut source = b.source();
        let mut found = Findings::new();
        let config = Config::default();
        analyze_trace(0, "t", &mut source, &config, &mut [&mut probe], &mut found)
            .expect("in memory");
        ask(&probe.0).map(|t| t.0)
    }

    fn start() -> EventKind {
        EventKind::ThreadStart { parent: None }
    }

    #[test]
    fn main_and_forked_threads_are_seen_and_a_parentless_start_is_not() {
        let mut b = TraceBuilder::lockscope();
        b.push("main", "", start()).fork("main", "C");
        b.push("C", "", start()).push("U", "", start()); // C is 1, U is 2
        b.push(
            "T",
            "",
            EventKind::Read {
                var: crate::trace::VarId(0),
            },
        );
        let (main, c, u, t) = (ThreadId(0), ThreadId(1), ThreadId(2), ThreadId(3));
        assert_eq!(after(&b, |x| x.between(main, c)), None);
        assert_eq!(after(&b, |x| x.between(c, u)), Some(2));
        assert_eq!(after(&b, |x| x.between(u, main)), Some(2));
        // T's trace says nothing about its start: taken as shown.
        assert_eq!(after(&b, |x| x.between(t, main)), None);
    }

    #[test]
    fn an_unseen_thread_is_exact_with_its_own_lockscope_descendants() {
        let mut b = TraceBuilder::lockscope();
        b.push("test", "", start())
            .fork("test", "C")
            .push("C", "", start());
        b.fork("C", "D")
            .push("D", "", start())
            .push("U", "", start());
        let (test, c, d, u) = (ThreadId(0), ThreadId(1), ThreadId(2), ThreadId(3));
        assert_eq!(after(&b, |x| x.between(test, d)), None);
        assert_eq!(after(&b, |x| x.between(c, test)), None);
        // Both unseen: the later one is named.
        assert_eq!(after(&b, |x| x.between(test, u)), Some(3));
        assert_eq!(after(&b, |x| x.among(&[c, d, u])), Some(3));
    }
}
