//! [`HeldAcrossAwait`](FindingKind::HeldAcrossAwait): a task whose poll
//! ended while it held a blocking lock.
//!
//! A trace with async tasks says which OS thread runs which thread of the
//! trace through `scheduled` events (see `docs/async.md`): from a
//! `scheduled { worker }` of thread `T` on, `T` runs on `worker`, until
//! another thread's `scheduled` on `worker`. When that other thread (another
//! task, or the worker's own code) is scheduled while `T` still holds a
//! blocking lock (a mutex, rwlock or reentrant mutex, not an async lock),
//! `T`'s poll ended with the lock held: it yielded across an `.await`, and
//! any task on that worker that takes the lock blocks the worker thread,
//! with it the task that would release it.
//!
//! Each hold is reported once, at the first yield that proves it, with the
//! acquisition, the yield (at the site of the task's last event before it:
//! the await's site when the task yielded at a lockscope async lock) and
//! the event that proves it. Traces without `scheduled` events (no tasks)
//! never produce this finding.
//!
//! # Limitations
//! Without tokio's poll hooks or lockscope's spawn, a yield is seen only
//! when another thread's event follows on the same worker while the lock
//! is held (see `docs/async.md`).

use std::collections::{HashMap, HashSet};

use crate::finding::{Detail, Finding, FindingKind, Findings, Role};
use crate::state::Held;
use crate::trace::{Event, EventKind, SiteId, ThreadId};

use super::{names, Analysis, Context};

/// The held-across-await analysis.
#[derive(Debug, Default)]
pub struct HeldAcrossAwait {
    /// Per OS thread, the thread of the trace it runs now.
    running: HashMap<ThreadId, ThreadId>,
    /// Per thread, its latest event: index, time, site.
    last: HashMap<ThreadId, (u64, u64, Option<SiteId>)>,
    /// Holds already reported: thread, lock, index of the acquisition.
    reported: HashSet<(ThreadId, u32, u64)>,
}

impl Analysis for HeldAcrossAwait {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, found: &mut Findings) {
        if let EventKind::Scheduled { worker } = ev.kind {
            let before = self.running.insert(worker, ev.thread);
            if let Some(yielded) = before.filter(|&t| t != ev.thread) {
                self.yielded(cx, yielded, worker, ev, found);
            }
        } else {
            match ev.kind {
                // A thread that ended awaits nothing more: memory follows
                // the live threads.
                EventKind::ThreadExit => {
                    self.last.remove(&ev.thread);
                }
                EventKind::Join { child } => {
                    self.last.remove(&child);
                    self.last.insert(ev.thread, (cx.index, ev.time, ev.site));
                }
                _ => {
                    self.last.insert(ev.thread, (cx.index, ev.time, ev.site));
                }
            }
        }
    }

    fn end_trace(&mut self, _cx: &Context<'_>, _found: &mut Findings) {
        *self = Self::default();
    }
}

impl HeldAcrossAwait {
    /// `task`'s poll on `worker` ended, proven by `ev` (the next thread
    /// scheduled there): reports each blocking lock it holds.
    fn yielded(
        &mut self,
        cx: &Context<'_>,
        task: ThreadId,
        worker: ThreadId,
        ev: &Event,
        found: &mut Findings,
    ) {
        for h in &cx.state.thread(task).held {
            let kind = cx.meta.primitive(h.obj).kind;
            if !kind.is_lock() || kind.is_async() {
                continue;
            }
            if self.reported.insert((task, h.obj.0, h.since)) {
                found.add(self.finding(cx, task, worker, h, ev));
            }
        }
    }

    fn finding(
        &self,
        cx: &Context<'_>,
        task: ThreadId,
        worker: ThreadId,
        h: &Held,
        ev: &Event,
    ) -> Finding {
        let meta = cx.meta;
        let lock = names::prim(meta, h.obj);
        let site = names::site_or_unknown(meta, h.site);
        // The last event before the yield, unless it is the acquisition
        // itself (then where the task awaited is not in the trace).
        let last = self.last.get(&task).filter(|l| l.0 != h.since);
        let detail = Detail::HeldAcrossAwait {
            task: names::thread(meta, task),
            lock: lock.clone(),
            worker: names::thread(meta, worker),
            next: names::thread(meta, ev.thread),
            site: names::site(meta, h.site),
            last_site: last.and_then(|l| names::site(meta, l.2)),
        };
        let mut f = Finding::new(FindingKind::HeldAcrossAwait, &[&lock, &site], detail);
        f.threads = vec![names::thread(meta, task), names::thread(meta, ev.thread)];
        f.threads.dedup();
        f.primitives = vec![lock.clone()];
        let acquired = Role::Acquired {
            lock: lock.clone(),
            mode: names::mode(meta, h.obj, h.mode),
            waited: None,
        };
        let yielded = Role::Yielded {
            holding: vec![lock],
        };
        let ran = Role::RanOn {
            worker: names::thread(meta, worker),
        };
        f.steps = vec![names::step(
            meta,
            task,
            (h.since, Some(h.time), h.site),
            acquired,
        )];
        let (index, time, site) = match last {
            Some(&(i, t, s)) => (i, Some(t), s),
            None => (cx.index, Some(ev.time), None),
        };
        f.steps
            .push(names::step(meta, task, (index, time, site), yielded));
        f.steps.push(names::step(
            meta,
            ev.thread,
            (cx.index, Some(ev.time), ev.site),
            ran,
        ));
        f
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::{of_kind, steps, titles, TraceBuilder};
    use crate::finding::FindingKind::HeldAcrossAwait;
    use crate::trace::{EventKind, PrimitiveKind};

    /// Worker `w` runs `task-1`, which takes `L`; then `task-2` runs there,
    /// then `task-1` again, then `task-2` again.
    fn yield_holding(kind: PrimitiveKind, release_first: bool) -> TraceBuilder {
        let mut b = TraceBuilder::lockscope();
        b.declare("L", kind, None, None);
        let w = b.thread("worker");
        let on_w = EventKind::Scheduled { worker: w };
        b.push("task-1", "", on_w);
        b.acq("task-1", "L", "src/lib.rs:3");
        if release_first {
            b.rel("task-1", "L");
        }
        b.push("task-2", "", on_w);
        b.push("task-1", "", on_w);
        b.push("task-2", "", on_w);
        b
    }

    #[test]
    fn a_blocking_lock_held_when_another_task_runs_on_the_worker_is_reported_once() {
        let report = yield_holding(PrimitiveKind::Mutex, false).analyze();
        assert_eq!(
            titles(&report, HeldAcrossAwait),
            [
                "held across await: task-1 yielded holding L (acquired at loc src/lib.rs:3); \
              task-2 ran on worker"
            ]
        );
        let f = of_kind(&report, HeldAcrossAwait)[0];
        assert_eq!(
            steps(f),
            [
                (Some(1), "acquired L".to_owned()),
                (Some(2), "yielded holding L".to_owned()),
                (Some(2), "ran on worker".to_owned()),
            ]
        );
    }

    #[test]
    fn a_lock_released_before_the_yield_is_not_reported() {
        let report = yield_holding(PrimitiveKind::Mutex, true).analyze();
        assert!(of_kind(&report, HeldAcrossAwait).is_empty());
    }

    #[test]
    fn an_async_lock_held_across_an_await_is_its_normal_use() {
        let report = yield_holding(PrimitiveKind::AsyncMutex, false).analyze();
        assert!(of_kind(&report, HeldAcrossAwait).is_empty());
    }

    #[test]
    fn the_last_event_before_the_yield_is_where_it_awaited() {
        let mut b = TraceBuilder::lockscope();
        b.declare("L", PrimitiveKind::Mutex, None, None);
        b.declare("A", PrimitiveKind::AsyncMutex, None, None);
        let w = b.thread("worker");
        let on_w = EventKind::Scheduled { worker: w };
        b.push("task-1", "", on_w);
        b.acq("task-1", "L", "src/lib.rs:3");
        b.req("task-1", "A", "src/lib.rs:4");
        b.push("worker", "", on_w);
        let report = b.analyze();
        let f = of_kind(&report, HeldAcrossAwait)[0];
        assert_eq!(f.steps[1].site.as_deref(), Some("loc src/lib.rs:4"));
        assert!(
            f.title().ends_with("worker went on with its own code"),
            "{}",
            f.title()
        );
    }

    #[test]
    fn threads_without_scheduled_events_are_never_reported() {
        let mut b = TraceBuilder::lockscope();
        b.acq("main", "L", "src/lib.rs:3");
        b.acq("other", "M", "src/lib.rs:4");
        assert!(of_kind(&b.analyze(), HeldAcrossAwait).is_empty());
    }
}
