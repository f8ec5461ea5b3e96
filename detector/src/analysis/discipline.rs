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
//! Each distinct finding (same fingerprint: kind, names, sites) is one
//! finding, its occurrences counted.
//!
//! [`PrimitiveInfo::rank`]: crate::trace::PrimitiveInfo::rank
//!
//! # Performance
//! O(locks held) per event, plus O(threads) for a shared request of a
//! held read lock. Memory: one entry per distinct finding.

use super::{names, Analysis, Context};
use crate::finding::{Detail, Finding, FindingKind, Findings, Mode, Role};
use crate::state::WaitTarget;
use crate::trace::{Event, EventKind, LockMode, ObjId, SourceFormat, ThreadId};

/// The discipline analysis.
#[derive(Debug, Default)]
pub struct Discipline {
    /// Per thread: the lock it requested and has not yet acquired.
    pending: Vec<Option<ObjId>>,
}

impl Discipline {
    fn pending(&mut self, t: ThreadId) -> &mut Option<ObjId> {
        crate::dense::grow(&mut self.pending, t.index(), || None);
        &mut self.pending[t.index()]
    }

    fn lock_request(
        &mut self,
        cx: &Context<'_>,
        ev: &Event,
        req: (ObjId, LockMode),
        found: &mut Findings,
    ) {
        let (obj, mode) = req;
        rank_order(cx, ev, obj, mode, found);
        if mode == LockMode::Shared {
            recursive_read(cx, ev, obj, found);
        }
    }
}

/// `ev` at its site and time.
fn here(cx: &Context<'_>, ev: &Event) -> (u64, Option<u64>, Option<crate::trace::SiteId>) {
    (cx.index, Some(ev.time), ev.site)
}

fn rank_order(cx: &Context<'_>, ev: &Event, obj: ObjId, mode: LockMode, found: &mut Findings) {
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
        let (name, held) = (names::prim(meta, obj), names::prim(meta, h.obj));
        let site = names::site_or_unknown(meta, ev.site);
        let held_site = names::site_or_unknown(meta, h.site);
        let thread = names::thread(meta, t);
        let identity = [name.as_str(), held.as_str(), &site, &held_site];
        let detail = Detail::RankOrder {
            thread: thread.clone(),
            lock: name.clone(),
            rank,
            held: held.clone(),
            held_rank,
            site: names::site(meta, ev.site),
        };
        let mut f = Finding::new(FindingKind::LockOrderViolation, &identity, detail);
        f.threads = vec![thread];
        f.primitives = vec![held.clone(), name.clone()];
        let acquired = Role::Acquired {
            lock: held,
            mode: names::mode(meta, h.obj, h.mode),
            waited: None,
        };
        let requested = Role::Requested {
            lock: name,
            mode: names::mode(meta, obj, mode),
            holding: Vec::new(),
        };
        f.steps = vec![
            names::step(meta, t, (h.since, Some(h.time), h.site), acquired),
            names::step(meta, t, here(cx, ev), requested),
        ];
        found.add(f);
    }
}

fn recursive_read(cx: &Context<'_>, ev: &Event, obj: ObjId, found: &mut Findings) {
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
    let name = names::prim(meta, obj);
    let site = names::site_or_unknown(meta, ev.site);
    let detail = Detail::RecursiveRead {
        thread: names::thread(meta, t),
        lock: name.clone(),
        writer: names::thread(meta, w),
        site: names::site(meta, ev.site),
    };
    let mut f = Finding::new(FindingKind::RecursiveRead, &[&name, &site], detail);
    f.threads = vec![names::thread(meta, t), names::thread(meta, w)];
    f.primitives = vec![name.clone()];
    let read = Role::Acquired {
        lock: name.clone(),
        mode: Some(Mode::Read),
        waited: None,
    };
    let mut steps = vec![names::step(meta, t, (h.since, Some(h.time), h.site), read)];
    if let Some(b) = ws.blocked {
        let mode = match b.on {
            WaitTarget::Lock { mode, .. } => names::mode(meta, obj, mode),
            _ => None,
        };
        let write = Role::Requested {
            lock: name.clone(),
            mode,
            holding: Vec::new(),
        };
        steps.push(names::step(meta, w, (b.since, Some(b.time), b.site), write));
    }
    let again = Role::RequestedAgain {
        lock: name,
        mode: Some(Mode::Read),
    };
    steps.push(names::step(meta, t, here(cx, ev), again));
    steps.sort_by_key(|s| s.event);
    f.steps = steps;
    found.add(f);
}

fn bad_release(cx: &Context<'_>, ev: &Event, obj: ObjId, found: &mut Findings) {
    let t = ev.thread;
    if cx.state.thread(t).holding(obj).is_some() || !cx.meta.primitive(obj).kind.is_lock() {
        return;
    }
    let meta = cx.meta;
    let name = names::prim(meta, obj);
    let holders: Vec<String> = cx
        .state
        .obj(obj)
        .holders
        .iter()
        .map(|h| names::thread(meta, h.0))
        .collect();
    let site = names::site_or_unknown(meta, ev.site);
    let detail = Detail::BadRelease {
        thread: names::thread(meta, t),
        lock: name.clone(),
        holders: holders.clone(),
        site: names::site(meta, ev.site),
    };
    let mut f = Finding::new(FindingKind::BadRelease, &[&name, &site], detail);
    f.threads = std::iter::once(names::thread(meta, t))
        .chain(holders)
        .collect();
    f.primitives = vec![name.clone()];
    let role = Role::Released {
        lock: name,
        held: None,
    };
    f.steps = vec![names::step(meta, t, here(cx, ev), role)];
    found.add(f);
}

fn held_at_exit(cx: &Context<'_>, t: ThreadId, at: Option<&Event>, found: &mut Findings) {
    let meta = cx.meta;
    let tname = names::thread(meta, t);
    for h in &cx.state.thread(t).held {
        let name = names::prim(meta, h.obj);
        let site = names::site_or_unknown(meta, h.site);
        let detail = Detail::HeldAtExit {
            thread: tname.clone(),
            lock: name.clone(),
            exited: at.is_some(),
            site: names::site(meta, h.site),
        };
        let mut f = Finding::new(FindingKind::HeldAtExit, &[&name, &site], detail);
        f.threads = vec![tname.clone()];
        f.primitives = vec![name.clone()];
        let acquired = Role::Acquired {
            lock: name,
            mode: names::mode(meta, h.obj, h.mode),
            waited: None,
        };
        f.steps = vec![names::step(
            meta,
            t,
            (h.since, Some(h.time), h.site),
            acquired,
        )];
        if let Some(ev) = at {
            f.steps
                .push(names::step(meta, t, here(cx, ev), Role::Exited));
        }
        found.add(f);
    }
}

fn over_release(cx: &Context<'_>, ev: &Event, obj: ObjId, permits: u32, found: &mut Findings) {
    let out = cx.state.obj(obj).permits_out;
    if out - i64::from(permits) >= 0 {
        return;
    }
    let meta = cx.meta;
    let name = names::prim(meta, obj);
    let site = names::site_or_unknown(meta, ev.site);
    let detail = Detail::OverRelease {
        thread: names::thread(meta, ev.thread),
        semaphore: name.clone(),
        permits,
        initial: meta.primitive(obj).permits,
        taken: out.max(0) as u64,
        site: names::site(meta, ev.site),
    };
    let mut f = Finding::new(FindingKind::SemaphoreOverRelease, &[&name, &site], detail);
    f.threads = vec![names::thread(meta, ev.thread)];
    f.primitives = vec![name.clone()];
    let role = Role::Released {
        lock: name,
        held: None,
    };
    f.steps = vec![names::step(meta, ev.thread, here(cx, ev), role)];
    found.add(f);
}

fn wait_while_holding(cx: &Context<'_>, ev: &Event, cv: (ObjId, ObjId), found: &mut Findings) {
    let (condvar, mutex) = cv;
    let meta = cx.meta;
    let t = ev.thread;
    let cvname = names::prim(meta, condvar);
    let site = names::site_or_unknown(meta, ev.site);
    for h in cx.state.thread(t).held.iter().filter(|h| h.obj != mutex) {
        let name = names::prim(meta, h.obj);
        let detail = Detail::WaitWhileHolding {
            thread: names::thread(meta, t),
            condvar: cvname.clone(),
            held: name.clone(),
            site: names::site(meta, ev.site),
        };
        let identity = [cvname.as_str(), name.as_str(), &site];
        let mut f = Finding::new(FindingKind::WaitWhileHolding, &identity, detail);
        f.threads = vec![names::thread(meta, t)];
        f.primitives = vec![cvname.clone(), name.clone()];
        let acquired = Role::Acquired {
            lock: name,
            mode: names::mode(meta, h.obj, h.mode),
            waited: None,
        };
        let waits = Role::Blocked {
            on: crate::finding::WaitOn::Notify {
                condvar: cvname.clone(),
            },
        };
        f.steps = vec![
            names::step(meta, t, (h.since, Some(h.time), h.site), acquired),
            names::step(meta, t, here(cx, ev), waits),
        ];
        found.add(f);
    }
}

impl Analysis for Discipline {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, found: &mut Findings) {
        let t = ev.thread;
        match ev.kind {
            EventKind::Request { obj, mode } => {
                *self.pending(t) = Some(obj);
                if cx.meta.primitive(obj).kind.is_lock() {
                    self.lock_request(cx, ev, (obj, mode), found);
                }
            }
            EventKind::Acquired { obj, mode, .. } if self.pending(t).take() != Some(obj) => {
                self.lock_request(cx, ev, (obj, mode), found);
            }
            EventKind::TryFailed { .. } => *self.pending(t) = None,
            EventKind::Released { obj, .. } => bad_release(cx, ev, obj, found),
            EventKind::ThreadExit => held_at_exit(cx, t, Some(ev), found),
            EventKind::SemReleased { obj, permits } => over_release(cx, ev, obj, permits, found),
            EventKind::CondWait { condvar, mutex, .. } => {
                wait_while_holding(cx, ev, (condvar, mutex), found)
            }
            _ => {}
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, found: &mut Findings) {
        if !cx.meta.from_std() {
            let running: Vec<ThreadId> = cx
                .state
                .threads()
                .filter(|(_, s)| !s.exited && s.blocked.is_none())
                .map(|(t, _)| t)
                .collect();
            for t in running {
                held_at_exit(cx, t, None, found);
            }
        }
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::{req_kind, titles, TraceBuilder};
    use crate::finding::FindingKind::*;
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
        assert_eq!(f.occurrences, 2);
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
                timed: false,
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
