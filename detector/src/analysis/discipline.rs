//! Lock discipline and misuse, event by event.
//!
//! Reads the replay state *before* each event and reports:
//! - [`LockOrderViolation`](FindingKind::LockOrderViolation): in lockscope
//!   traces (not STD), a lock requested (or acquired without a request)
//!   while the thread holds a lock of equal or higher rank, when both have
//!   an explicit rank ([`PrimitiveInfo::rank`]): the sorted order the
//!   `acquire` helper enforces. Locks without ranks are left to the
//!   lock-order analysis, which finds inversions without a declared order.
//! - [`BadRelease`](FindingKind::BadRelease): releasing a lock the thread
//!   does not hold (held by another thread, or by nobody).
//! - [`HeldAtExit`](FindingKind::HeldAtExit): locks held at a
//!   `thread_exit`, and, in lockscope traces only, locks held when the
//!   trace ends by threads that are not blocked (a blocked thread's locks
//!   belong to its deadlock report). STD traces of Java programs often end
//!   mid-run with locks held, so they are only checked at `thread_exit`.
//! - [`SemaphoreOverRelease`](FindingKind::SemaphoreOverRelease): a
//!   semaphore released beyond its initial permits (more released than
//!   taken).
//! - [`WaitWhileHolding`](FindingKind::WaitWhileHolding): a condvar wait
//!   while holding a lock other than the condvar's mutex.
//! - [`RecursiveRead`](FindingKind::RecursiveRead): a read lock requested
//!   by a thread that already read-holds it while another thread is
//!   blocked asking for it in write (or upgradable) mode.
//!
//! - The runtime's live `lock_order` and `recursive_read` notes (module
//!   `live_notes`), as findings of those kinds.
//!
//! Each distinct finding (same fingerprint: kind, names, sites) is reported
//! once per trace with the number of occurrences in a note.
//!
//! [`PrimitiveInfo::rank`]: crate::trace::PrimitiveInfo::rank
//!
//! # Performance
//! O(locks held) per event, plus O(threads) for a shared request of a
//! held read lock. Memory: one entry per distinct finding.

use std::collections::HashMap;

use super::{describe, live_notes};
use super::{Analysis, Context};
use crate::report::{Finding, FindingKind};
use crate::state::WaitTarget;
use crate::trace::{Event, EventKind, LockMode, ObjId, SourceFormat, ThreadId};

/// The discipline analysis (item 4 of the detector's issue).
#[derive(Debug, Default)]
pub struct Discipline {
    found: Vec<(Finding, u64)>,
    by_fingerprint: HashMap<String, usize>,
    /// Per thread: the lock it requested and has not yet acquired.
    pending: Vec<Option<ObjId>>,
}

impl Discipline {
    fn report(&mut self, f: Finding) {
        match self.by_fingerprint.get(&f.fingerprint) {
            Some(&i) => self.found[i].1 += 1,
            None => {
                self.by_fingerprint
                    .insert(f.fingerprint.clone(), self.found.len());
                self.found.push((f, 1));
            }
        }
    }

    fn pending(&mut self, t: ThreadId) -> &mut Option<ObjId> {
        if self.pending.len() <= t.index() {
            self.pending.resize(t.index() + 1, None);
        }
        &mut self.pending[t.index()]
    }

    fn lock_request(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId, mode: LockMode) {
        self.rank_order(cx, ev, obj);
        if mode == LockMode::Shared {
            self.recursive_read(cx, ev, obj);
        }
    }

    fn rank_order(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId) {
        let meta = cx.meta;
        let Some(rank) = meta.primitive(obj).rank else {
            return;
        };
        if meta.format == SourceFormat::Std {
            return;
        }
        let t = ev.thread;
        for h in &cx.state.thread(t).held {
            let Some(held_rank) = meta.primitive(h.obj).rank.filter(|&r| r >= rank) else {
                continue;
            };
            if h.obj == obj {
                continue;
            }
            let (name, held) = (describe::prim(meta, obj), describe::prim(meta, h.obj));
            let site = describe::site_or_unknown(meta, ev.site);
            let held_site = describe::site_or_unknown(meta, h.site);
            let title = format!(
                "lock order violation: {} requested {name} (rank {rank}) at {site} while \
                 holding {held} (rank {held_rank})",
                describe::thread(meta, t)
            );
            let identity = [name.as_str(), held.as_str(), &site, &held_site];
            let mut f = Finding::new(FindingKind::LockOrderViolation, title, &identity);
            f.threads = vec![describe::thread(meta, t)];
            f.primitives = vec![held.clone(), name.clone()];
            f.steps = vec![
                describe::step(meta, h.since, t, h.site, format!("acquired {held}")),
                describe::step(meta, cx.index, t, ev.site, format!("requested {name}")),
            ];
            f.notes.push(format!(
                "the sorted-order rule takes locks in increasing rank: take {name} before {held}"
            ));
            self.report(f);
        }
    }

    fn recursive_read(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId) {
        let t = ev.thread;
        let Some(h) = cx.state.thread(t).holding(obj) else {
            return;
        };
        if h.mode != LockMode::Shared {
            return;
        }
        let writer = cx.state.threads().find(|(u, s)| {
            *u != t
                && matches!(s.blocked.map(|b| b.on), Some(WaitTarget::Lock { obj: o, mode })
                    if o == obj && mode != LockMode::Shared)
        });
        let Some((w, ws)) = writer else { return };
        let meta = cx.meta;
        let name = describe::prim(meta, obj);
        let site = describe::site_or_unknown(meta, ev.site);
        let title = format!(
            "recursive read: {} read-locks {name} again at {site} while {} waits to write it",
            describe::thread(meta, t),
            describe::thread(meta, w)
        );
        let mut f = Finding::new(FindingKind::RecursiveRead, title, &[&name, &site]);
        f.threads = vec![describe::thread(meta, t), describe::thread(meta, w)];
        f.primitives = vec![name.clone()];
        let mut steps = vec![describe::step(
            meta,
            h.since,
            t,
            h.site,
            format!("read-locked {name}"),
        )];
        if let Some(b) = ws.blocked {
            steps.push(describe::step(
                meta,
                b.since,
                w,
                b.site,
                format!("requested {name} for write"),
            ));
        }
        steps.push(describe::step(
            meta,
            cx.index,
            t,
            ev.site,
            format!("read-locks {name} again"),
        ));
        steps.sort_by_key(|s| s.event);
        f.steps = steps;
        self.report(f);
    }

    fn bad_release(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId) {
        let t = ev.thread;
        if cx.state.thread(t).holding(obj).is_some() || !cx.meta.primitive(obj).kind.is_lock() {
            return;
        }
        let meta = cx.meta;
        let name = describe::prim(meta, obj);
        let holders: Vec<ThreadId> = cx.state.obj(obj).holders.iter().map(|h| h.0).collect();
        let whose = if holders.is_empty() {
            "which nobody holds".to_owned()
        } else {
            let names: Vec<String> = holders.iter().map(|&h| describe::thread(meta, h)).collect();
            format!("held by {}", names.join(", "))
        };
        let site = describe::site_or_unknown(meta, ev.site);
        let title = format!(
            "bad release: {} released {name} at {site}, {whose}",
            describe::thread(meta, t)
        );
        let mut f = Finding::new(FindingKind::BadRelease, title, &[&name, &site]);
        f.threads = std::iter::once(t)
            .chain(holders)
            .map(|u| describe::thread(meta, u))
            .collect();
        f.primitives = vec![name.clone()];
        f.steps = vec![describe::step(
            meta,
            cx.index,
            t,
            ev.site,
            format!("released {name}"),
        )];
        self.report(f);
    }

    fn held_at_exit(&mut self, cx: &Context<'_>, t: ThreadId, at: Option<&Event>) {
        let meta = cx.meta;
        let tname = describe::thread(meta, t);
        for h in &cx.state.thread(t).held {
            let name = describe::prim(meta, h.obj);
            let site = describe::site_or_unknown(meta, h.site);
            let when = if at.is_some() {
                "exited"
            } else {
                "was still running when the trace ended"
            };
            let title = format!("held at exit: {tname} {when} holding {name} (acquired at {site})");
            let mut f = Finding::new(FindingKind::HeldAtExit, title, &[&name, &site]);
            f.threads = vec![tname.clone()];
            f.primitives = vec![name.clone()];
            f.steps = vec![describe::step(
                meta,
                h.since,
                t,
                h.site,
                format!("acquired {name}"),
            )];
            if let Some(ev) = at {
                f.steps
                    .push(describe::step(meta, cx.index, t, ev.site, "exited"));
            }
            self.report(f);
        }
    }

    fn over_release(&mut self, cx: &Context<'_>, ev: &Event, obj: ObjId, permits: u32) {
        let out = cx.state.obj(obj).permits_out;
        if out - i64::from(permits) >= 0 {
            return;
        }
        let meta = cx.meta;
        let name = describe::prim(meta, obj);
        let site = describe::site_or_unknown(meta, ev.site);
        let initial = meta
            .primitive(obj)
            .permits
            .map_or_else(String::new, |p| format!(" (initial permits {p})"));
        let title = format!(
            "semaphore over-release: {} released {permits} permit(s) of {name}{initial} at {site} \
             with only {} taken",
            describe::thread(meta, ev.thread),
            out.max(0)
        );
        let mut f = Finding::new(FindingKind::SemaphoreOverRelease, title, &[&name, &site]);
        f.threads = vec![describe::thread(meta, ev.thread)];
        f.primitives = vec![name.clone()];
        f.steps = vec![describe::step(
            meta,
            cx.index,
            ev.thread,
            ev.site,
            format!("released {name}"),
        )];
        self.report(f);
    }

    fn wait_while_holding(&mut self, cx: &Context<'_>, ev: &Event, condvar: ObjId, mutex: ObjId) {
        let meta = cx.meta;
        let t = ev.thread;
        let cv = describe::prim(meta, condvar);
        let site = describe::site_or_unknown(meta, ev.site);
        for h in cx.state.thread(t).held.iter().filter(|h| h.obj != mutex) {
            let name = describe::prim(meta, h.obj);
            let title = format!(
                "wait while holding: {} waits on {cv} at {site} while holding {name}",
                describe::thread(meta, t)
            );
            let mut f = Finding::new(FindingKind::WaitWhileHolding, title, &[&cv, &name, &site]);
            f.threads = vec![describe::thread(meta, t)];
            f.primitives = vec![cv.clone(), name.clone()];
            f.steps = vec![
                describe::step(meta, h.since, t, h.site, format!("acquired {name}")),
                describe::step(meta, cx.index, t, ev.site, format!("waits on {cv}")),
            ];
            self.report(f);
        }
    }
}

impl Analysis for Discipline {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event) {
        let t = ev.thread;
        match ev.kind {
            EventKind::Request { obj, mode } => {
                *self.pending(t) = Some(obj);
                if cx.meta.primitive(obj).kind.is_lock() {
                    self.lock_request(cx, ev, obj, mode);
                }
            }
            EventKind::Acquired { obj, mode, .. } if self.pending(t).take() != Some(obj) => {
                self.lock_request(cx, ev, obj, mode);
            }
            EventKind::TryFailed { .. } => *self.pending(t) = None,
            EventKind::Released { obj, .. } => self.bad_release(cx, ev, obj),
            EventKind::ThreadExit => self.held_at_exit(cx, t, Some(ev)),
            EventKind::SemReleased { obj, permits } => self.over_release(cx, ev, obj, permits),
            EventKind::CondWait { condvar, mutex } => {
                self.wait_while_holding(cx, ev, condvar, mutex)
            }
            EventKind::Note { note } => {
                // The runtime's live lock-order and recursive-read reports;
                // its deadlock reports belong to the deadlock analysis.
                let f = live_notes::finding(cx.meta, cx.index, ev, note);
                if let Some(f) = f.filter(|f| f.kind != FindingKind::Deadlock) {
                    self.report(f);
                }
            }
            _ => {}
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>) -> Vec<Finding> {
        if !cx.meta.from_std() {
            let running: Vec<ThreadId> = cx
                .state
                .threads()
                .filter(|(_, s)| !s.exited && s.blocked.is_none())
                .map(|(t, _)| t)
                .collect();
            for t in running {
                self.held_at_exit(cx, t, None);
            }
        }
        self.pending.clear();
        self.by_fingerprint.clear();
        std::mem::take(&mut self.found)
            .into_iter()
            .map(|(mut f, n)| {
                if n > 1 {
                    f.notes.push(format!("{n} occurrences in this trace"));
                }
                f
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::{req_kind, titles, TraceBuilder};
    use crate::report::FindingKind::*;
    use crate::trace::{EventKind, LockMode, PrimitiveKind};

    #[test]
    fn ranked_locks_out_of_order_violate_the_sorted_rule() {
        let mut b = TraceBuilder::lockscope();
        b.declare("low", PrimitiveKind::Mutex, None, Some(1));
        b.declare("high", PrimitiveKind::Mutex, None, Some(2));
        b.lock("T1", "low", "a.rs:1:1")
            .lock("T1", "high", "a.rs:2:1");
        b.rel("T1", "high").rel("T1", "low");
        assert!(b.analyze().findings.is_empty());
        b.lock("T1", "high", "a.rs:3:1")
            .lock("T1", "low", "a.rs:4:1");
        assert_eq!(
            titles(&b.analyze(), LockOrderViolation),
            ["lock order violation: T1 requested low (rank 1) at loc a.rs:4:1 while holding high (rank 2)"]
        );
    }

    #[test]
    fn unranked_or_std_locks_are_left_to_the_lock_order_analysis() {
        let mut b = TraceBuilder::lockscope();
        b.lock("T1", "B", "1").lock("T1", "A", "2");
        assert_eq!(b.analyze().count(LockOrderViolation), 0);
        let mut b = TraceBuilder::std();
        b.declare("low", PrimitiveKind::Mutex, None, Some(1));
        b.declare("high", PrimitiveKind::Mutex, None, Some(2));
        b.lock("T1", "high", "1").lock("T1", "low", "2");
        assert_eq!(b.analyze().count(LockOrderViolation), 0);
    }

    #[test]
    fn releases_of_locks_not_held_are_bad() {
        let mut b = TraceBuilder::std();
        b.rel("T1", "L").lock("T2", "M", "1").rel("T1", "M");
        assert_eq!(
            titles(&b.analyze(), BadRelease),
            [
                "bad release: T1 released L at ?, which nobody holds",
                "bad release: T1 released M at ?, held by T2"
            ]
        );
    }

    #[test]
    fn locks_held_at_thread_exit_or_lockscope_trace_end() {
        let mut b = TraceBuilder::lockscope();
        b.lock("T1", "A", "1").exit("T1").lock("T2", "B", "2");
        assert_eq!(
            titles(&b.analyze(), HeldAtExit),
            [
                "held at exit: T1 exited holding A (acquired at loc 1)",
                "held at exit: T2 was still running when the trace ended holding B (acquired at loc 2)"
            ]
        );
        // STD traces end mid-run: only thread exits count.
        let mut b = TraceBuilder::std();
        b.lock("T2", "B", "2");
        assert_eq!(b.analyze().count(HeldAtExit), 0);
    }

    #[test]
    fn semaphore_released_beyond_what_was_taken() {
        let mut b = TraceBuilder::lockscope();
        b.declare("S", PrimitiveKind::Semaphore, Some(2), None);
        b.on("T1", "S", |obj| EventKind::SemAcquired { obj, permits: 1 });
        b.on("T1", "S", |obj| EventKind::SemReleased { obj, permits: 1 });
        assert!(b.analyze().findings.is_empty());
        b.on("T1", "S", |obj| EventKind::SemReleased { obj, permits: 1 });
        b.on("T1", "S", |obj| EventKind::SemReleased { obj, permits: 1 });
        let report = b.analyze();
        assert_eq!(
            titles(&report, SemaphoreOverRelease),
            ["semaphore over-release: T1 released 1 permit(s) of S (initial permits 2) at ? with only 0 taken"]
        );
        let f = &report.findings[0];
        assert_eq!(f.notes, ["2 occurrences in this trace"]);
        assert_eq!(f.steps[0].event, Some(2));
    }

    #[test]
    fn condvar_wait_holding_another_lock() {
        let mut b = TraceBuilder::lockscope();
        b.declare("cv", PrimitiveKind::Condvar, None, None);
        b.lock("T1", "L", "1").lock("T1", "m", "2");
        let (cv, m) = (b.obj("cv"), b.obj("m"));
        b.push(
            "T1",
            "3",
            EventKind::CondWait {
                condvar: cv,
                mutex: m,
            },
        );
        b.push(
            "T1",
            "4",
            EventKind::CondWoken {
                condvar: cv,
                mutex: m,
                timed_out: true,
            },
        );
        assert_eq!(
            titles(&b.analyze(), WaitWhileHolding),
            ["wait while holding: T1 waits on cv at loc 3 while holding L"]
        );
    }

    #[test]
    fn read_lock_retaken_while_a_writer_waits() {
        let mut b = TraceBuilder::lockscope();
        b.declare("R", PrimitiveKind::RwLock, None, None);
        b.acq_mode("T1", "R", LockMode::Shared, "1");
        b.req("T2", "R", "2");
        let r = b.obj("R");
        b.push("T1", "3", req_kind(r, LockMode::Shared));
        b.acq_mode("T1", "R", LockMode::Shared, "3");
        assert_eq!(
            titles(&b.analyze(), RecursiveRead),
            ["recursive read: T1 read-locks R again at loc 3 while T2 waits to write it"]
        );
    }
}
