//! Actual deadlocks: threads still blocked when the trace ends, in a cycle
//! of the wait-for graph ([`FindingKind::Deadlock`]), and blocked threads
//! outside any cycle that nothing can wake ([`FindingKind::BlockedForever`]).
//!
//! Works on the final [`crate::state::Replay`] state only.
//!
//! 1. **Stuck threads.** Start from every blocked thread that has not exited
//!    and drop, until nothing changes, those that a thread still able to
//!    run (seen, not exited, not stuck) could wake:
//!    - a lock request: every holder in an incompatible mode can still run
//!      (no holder at all: the trace ended between request and
//!      acquisition). A thread re-requesting a reentrant lock it holds is not
//!      its own holder; STD traces come from Java, whose monitors are
//!      reentrant. A non-reentrant lock (or a read lock asked for write)
//!      requested by its holder is a self-deadlock.
//!    - a condvar, event (not set), barrier or semaphore wait: some other
//!      thread can still run and so could notify, set, arrive or release.
//!    - a join: the child can still run or has exited.
//! 2. **Wait-for graph** over stuck threads: thread -> what it waits for ->
//!    the lock's incompatible holders, or for a condvar, event, barrier or
//!    semaphore every other stuck thread not waiting on that same object
//!    (the ones that could have signalled it, and will not). Each elementary cycle is a [`Deadlock`](FindingKind::Deadlock)
//!    with a lockdep-style scenario; stuck threads on no cycle are
//!    [`BlockedForever`](FindingKind::BlockedForever).
//!
//! 3. **Also reported:** a request of a non-reentrant lock by its holder
//!    that the final state does not show (a timed lock gave up: the
//!    program would hang without the timeout), and the runtime's live
//!    `deadlock` / `self_deadlock` notes (module `live_notes`) about
//!    threads the trace itself does not already show deadlocked.
//!
//! # Performance
//! O(threads x holders) per fixpoint round, a handful of rounds; the cycle
//! search runs on the stuck threads only. Between events it keeps one entry
//! per distinct self-deadlock and live report (names and sites), so memory
//! does not grow with the number of events.
//!
//! # Limitations
//! A thread that never recorded its exit counts as able to run, so a
//! trace cut short (a killed process) reports fewer stuck condvar waiters
//! than there are, never more.

use std::collections::BTreeSet;

use super::describe::{self, DEADLOCK_ROW};
use super::{live_notes, Analysis, Context};
use crate::graph::{WaitForGraph, WaitNode};
use crate::report::{Finding, FindingKind, Scenario, Step};
use crate::state::{Held, Replay, WaitTarget};
use crate::trace::{Event, EventKind, ObjId, SourceFormat, ThreadId, TraceMeta};

/// The actual-deadlock analysis.
#[derive(Debug, Default)]
pub struct Deadlocks {
    /// Requests of a held non-reentrant lock: thread, request index and the
    /// self-deadlock finding (reported unless the final state shows it).
    self_requests: Vec<(ThreadId, u64, Finding)>,
    /// The runtime's live deadlock reports, by the thread that wrote them.
    live: Vec<(ThreadId, Finding)>,
}

impl Analysis for Deadlocks {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event) {
        match ev.kind {
            EventKind::Request { obj, mode } => {
                let Some(held) = cx.state.thread(ev.thread).holding(obj) else {
                    return;
                };
                let kind = cx.meta.primitive(obj).kind;
                if kind.is_lock() && !reenters(cx.meta, obj) && !mode.compatible(held.mode) {
                    let f = self_request(cx.meta, cx.index, ev, held);
                    // One entry per distinct self-deadlock (names and
                    // sites), keeping its latest occurrence.
                    let same = self
                        .self_requests
                        .iter_mut()
                        .find(|r| r.2.fingerprint == f.fingerprint);
                    match same {
                        Some(r) => (r.0, r.1) = (ev.thread, cx.index),
                        None => self.self_requests.push((ev.thread, cx.index, f)),
                    }
                }
            }
            EventKind::Note { note } => {
                let f = live_notes::finding(cx.meta, cx.index, ev, note);
                if let Some(f) = f.filter(|f| f.kind == FindingKind::Deadlock) {
                    if !self.live.iter().any(|l| l.1.fingerprint == f.fingerprint) {
                        self.live.push((ev.thread, f));
                    }
                }
            }
            _ => {}
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>) -> Vec<Finding> {
        let stuck = stuck_threads(cx.meta, cx.state);
        let graph = wait_for_graph(cx.meta, cx.state, &stuck);
        let mut on_cycle = BTreeSet::new();
        let mut findings = Vec::new();
        for cycle in graph.cycles() {
            let threads: Vec<ThreadId> = cycle.iter().filter_map(|&n| node_thread(n)).collect();
            on_cycle.extend(threads.iter().copied());
            findings.push(deadlock_finding(cx.meta, cx.state, &cycle));
        }
        for &t in stuck.iter().filter(|t| !on_cycle.contains(t)) {
            findings.push(blocked_finding(cx.meta, cx.state, t));
        }
        // Self-deadlocks the final state does not show (a timed request
        // gave up), and live reports about threads not on a cycle.
        let mut seen: BTreeSet<String> = findings.iter().map(|f| f.fingerprint.clone()).collect();
        let mut covered = on_cycle;
        for (t, index, f) in std::mem::take(&mut self.self_requests) {
            covered.insert(t);
            let shown = cx.state.thread(t).blocked.is_some_and(|b| b.since == index);
            if !shown && seen.insert(f.fingerprint.clone()) {
                findings.push(f);
            }
        }
        for (t, f) in std::mem::take(&mut self.live) {
            if !covered.contains(&t) && seen.insert(f.fingerprint.clone()) {
                findings.push(f);
            }
        }
        findings
    }
}

/// A thread requesting a non-reentrant lock it holds: it can never get it.
fn self_request(meta: &TraceMeta, index: u64, ev: &Event, held: &Held) -> Finding {
    let (t, name) = (
        describe::thread(meta, ev.thread),
        describe::prim(meta, held.obj),
    );
    let title = format!("deadlock: {t} holds {name} and waits for {name} (self-deadlock)");
    let (first, again) = (
        describe::site_or_unknown(meta, held.site),
        describe::site_or_unknown(meta, ev.site),
    );
    let mut f = Finding::new(FindingKind::Deadlock, title, &[&name, &first, &again]);
    f.threads = vec![t.clone()];
    f.primitives = vec![name.clone()];
    f.steps = vec![
        describe::step(
            meta,
            held.since,
            ev.thread,
            held.site,
            format!("acquired {name}"),
        ),
        describe::step(
            meta,
            index,
            ev.thread,
            ev.site,
            format!("requested {name} again"),
        ),
    ];
    f.scenario = Some(Scenario {
        threads: vec![t],
        rows: vec![
            (0, format!("lock({name})")),
            (0, format!("lock({name})")),
            (0, DEADLOCK_ROW.to_owned()),
        ],
    });
    f.notes.push(format!(
        "{name} is not reentrant: a request by its holder never returns (this one gave up or the \
         thread went on, so the run did not hang here)"
    ));
    f
}

fn node_thread(n: WaitNode) -> Option<ThreadId> {
    match n {
        WaitNode::Thread(t) => Some(ThreadId(t as u32)),
        WaitNode::Primitive(_) => None,
    }
}

/// Whether `t` requesting `obj` it already holds would re-enter.
fn reenters(meta: &TraceMeta, obj: ObjId) -> bool {
    meta.format == SourceFormat::Std || meta.primitive(obj).kind.is_reentrant()
}

/// Holders of `obj` that block a request in `mode` by `t`.
fn blocking_holders(
    meta: &TraceMeta,
    state: &Replay,
    t: ThreadId,
    on: WaitTarget,
) -> Vec<ThreadId> {
    let WaitTarget::Lock { obj, mode } = on else {
        return Vec::new();
    };
    state
        .obj(obj)
        .holders
        .iter()
        .filter(|&&(h, hmode)| !(mode.compatible(hmode) || h == t && reenters(meta, obj)))
        .map(|&(h, _)| h)
        .collect()
}

/// Whether `t`'s wait needs some other thread to signal (not a holder).
fn needs_signal(meta: &TraceMeta, on: WaitTarget) -> bool {
    match on {
        WaitTarget::Lock { obj, .. } => !meta.primitive(obj).kind.is_lock(),
        WaitTarget::Condvar { .. } | WaitTarget::Event { .. } | WaitTarget::Barrier { .. } => true,
        WaitTarget::Join { .. } => false,
    }
}

/// The blocked threads nothing can wake (see the module docs).
fn stuck_threads(meta: &TraceMeta, state: &Replay) -> BTreeSet<ThreadId> {
    let mut stuck: BTreeSet<ThreadId> = state
        .threads()
        .filter(|(_, s)| s.blocked.is_some() && !s.exited)
        .map(|(t, _)| t)
        .collect();
    let runs = |u: ThreadId, stuck: &BTreeSet<ThreadId>| {
        let s = state.thread(u);
        s.seen && !s.exited && !stuck.contains(&u)
    };
    loop {
        let wakeable: Vec<ThreadId> = stuck
            .iter()
            .copied()
            .filter(|&t| {
                let on = state.thread(t).blocked.map(|b| b.on);
                let Some(on) = on else { return true };
                match on {
                    WaitTarget::Event { obj } if state.obj(obj).is_set => true,
                    WaitTarget::Join { child } => {
                        let c = state.thread(child);
                        !c.seen || c.exited || !stuck.contains(&child)
                    }
                    _ if needs_signal(meta, on) => {
                        state.threads().any(|(u, _)| u != t && runs(u, &stuck))
                    }
                    _ => blocking_holders(meta, state, t, on)
                        .into_iter()
                        .all(|h| runs(h, &stuck)),
                }
            })
            .collect();
        if wakeable.is_empty() {
            return stuck;
        }
        for t in wakeable {
            stuck.remove(&t);
        }
    }
}

fn wait_for_graph(meta: &TraceMeta, state: &Replay, stuck: &BTreeSet<ThreadId>) -> WaitForGraph {
    let mut g = WaitForGraph::new();
    for &t in stuck {
        let Some(on) = state.thread(t).blocked.map(|b| b.on) else {
            continue;
        };
        let tid = u64::from(t.0);
        if let WaitTarget::Join { child } = on {
            g.joins(tid, u64::from(child.0));
            continue;
        }
        let Some(obj) = describe::wait_obj(on) else {
            continue;
        };
        g.waits(tid, u64::from(obj.0));
        let holders: Vec<ThreadId> = if needs_signal(meta, on) {
            // Who could signal: every stuck thread not itself waiting on
            // this object (a waiter cannot notify what it waits on).
            stuck
                .iter()
                .copied()
                .filter(|&u| {
                    let theirs = state.thread(u).blocked.map(|b| b.on);
                    u != t && theirs.and_then(describe::wait_obj) != Some(obj)
                })
                .collect()
        } else {
            blocking_holders(meta, state, t, on)
        };
        for h in holders {
            g.held_by(u64::from(obj.0), u64::from(h.0));
        }
    }
    g
}

/// One thread's part in a cycle: what it holds (the node before it, when a
/// lock it holds) and what it waits for.
fn part(meta: &TraceMeta, state: &Replay, t: ThreadId, prev: WaitNode) -> String {
    let name = describe::thread(meta, t);
    let on = state.thread(t).blocked.map(|b| b.on);
    let waits = on.map_or_else(|| "?".to_owned(), |on| describe::wait_target(meta, on));
    match prev {
        WaitNode::Primitive(p) if state.thread(t).holding(ObjId(p as u32)).is_some() => {
            let held = describe::prim(meta, ObjId(p as u32));
            format!("{name} holds {held} and waits for {waits}")
        }
        _ => format!("{name} waits for {waits}"),
    }
}

fn deadlock_finding(meta: &TraceMeta, state: &Replay, cycle: &[WaitNode]) -> Finding {
    let n = cycle.len();
    let mut parts = Vec::new();
    let mut threads = Vec::new();
    let mut prims = BTreeSet::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut rows: Vec<(u64, usize, String)> = Vec::new();
    let mut sites = Vec::new();
    for (i, &node) in cycle.iter().enumerate() {
        match node {
            WaitNode::Primitive(p) => {
                prims.insert(describe::prim(meta, ObjId(p as u32)));
            }
            WaitNode::Thread(_) => {
                let t = node_thread(node).unwrap_or(ThreadId(0));
                let col = threads.len();
                threads.push(describe::thread(meta, t));
                parts.push(part(meta, state, t, cycle[(i + n - 1) % n]));
                let ts = state.thread(t);
                // The lock this thread holds that the previous node waits on.
                if let WaitNode::Primitive(p) = cycle[(i + n - 1) % n] {
                    if let Some(h) = ts.holding(ObjId(p as u32)) {
                        let name = describe::prim(meta, h.obj);
                        steps.push(describe::step(
                            meta,
                            h.since,
                            t,
                            h.site,
                            format!("acquired {name}"),
                        ));
                        rows.push((h.since, col, format!("lock({name})")));
                        sites.push(describe::site_or_unknown(meta, h.site));
                    }
                }
                if let Some(b) = ts.blocked {
                    let what = format!("blocked waiting for {}", describe::wait_target(meta, b.on));
                    steps.push(describe::step(meta, b.since, t, b.site, what));
                    rows.push((b.since, col, describe::wait_verb(meta, b.on)));
                    sites.push(describe::site_or_unknown(meta, b.site));
                }
            }
        }
    }
    steps.sort_by_key(|s| s.event);
    rows.sort_by_key(|r| r.0);
    let self_deadlock = threads.len() == 1;
    let mut title = format!("deadlock: {}", parts.join("; "));
    if self_deadlock {
        title.push_str(" (self-deadlock)");
    }
    let prims: Vec<String> = prims.into_iter().collect();
    sites.sort();
    let identity: Vec<&str> = prims.iter().chain(&sites).map(String::as_str).collect();
    let mut f = Finding::new(FindingKind::Deadlock, title, &identity);
    let mut scenario_rows: Vec<(usize, String)> = rows.into_iter().map(|r| (r.1, r.2)).collect();
    scenario_rows.push((0, DEADLOCK_ROW.to_owned()));
    f.scenario = Some(Scenario {
        threads: threads.clone(),
        rows: scenario_rows,
    });
    f.threads = threads;
    f.primitives = prims;
    f.steps = steps;
    if self_deadlock {
        f.notes.push(
            "a thread requested a lock it already holds, and the lock is not reentrant".to_owned(),
        );
    }
    f
}

fn blocked_finding(meta: &TraceMeta, state: &Replay, t: ThreadId) -> Finding {
    let name = describe::thread(meta, t);
    let Some(b) = state.thread(t).blocked else {
        return Finding::new(
            FindingKind::BlockedForever,
            format!("blocked forever: {name}"),
            &[],
        );
    };
    let target = describe::wait_target(meta, b.on);
    let holders = blocking_holders(meta, state, t, b.on);
    let mut steps = vec![describe::step(
        meta,
        b.since,
        t,
        b.site,
        format!("blocked waiting for {target}"),
    )];
    let obj = describe::wait_obj(b.on);
    let mut who = Vec::new();
    for &h in &holders {
        who.push(describe::thread(meta, h));
        if let Some(held) = obj.and_then(|o| state.thread(h).holding(o)) {
            let what = format!("acquired {}", describe::prim(meta, held.obj));
            steps.push(describe::step(meta, held.since, h, held.site, what));
        }
    }
    steps.sort_by_key(|s| s.event);
    let why = if !holders.is_empty() {
        let exited = holders.iter().any(|&h| state.thread(h).exited);
        let verb = if exited {
            "which exited holding it"
        } else {
            "which is stuck itself"
        };
        format!(" held by {} ({verb})", who.join(", "))
    } else if needs_signal(meta, b.on) {
        "; no thread that could still signal it is left".to_owned()
    } else {
        String::new()
    };
    let title = format!("blocked forever: {name} waits for {target}{why}");
    let site = describe::site_or_unknown(meta, b.site);
    let objname = obj.map(|o| describe::prim(meta, o)).unwrap_or_default();
    let mut f = Finding::new(FindingKind::BlockedForever, title, &[&objname, &site]);
    f.threads = std::iter::once(name).chain(who).collect();
    f.primitives = obj.map(|o| describe::prim(meta, o)).into_iter().collect();
    f.steps = steps;
    f
}

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::{of_kind, titles, TraceBuilder};
    use crate::report::FindingKind::{BlockedForever, Deadlock};
    use crate::trace::{EventKind, PrimitiveKind};

    /// T1 holds L1 and requests L2; T2 holds L2 and requests L1.
    fn abba(b: &mut TraceBuilder) -> &mut TraceBuilder {
        b.lock("T1", "L1", "1").lock("T2", "L2", "2");
        b.req("T1", "L2", "3").req("T2", "L1", "4")
    }

    #[test]
    fn two_thread_cycle_is_a_deadlock_with_scenario() {
        let report = abba(&mut TraceBuilder::std()).analyze();
        assert_eq!(
            titles(&report, Deadlock),
            ["deadlock: T1 holds L1 and waits for L2; T2 holds L2 and waits for L1"]
        );
        let f = of_kind(&report, Deadlock)[0];
        let scenario = f.scenario.as_ref().expect("a deadlock has a scenario");
        assert_eq!(scenario.threads, ["T1", "T2"]);
        let rows: Vec<_> = scenario
            .rows
            .iter()
            .map(|(c, r)| (*c, r.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                (0, "lock(L1)"),
                (1, "lock(L2)"),
                (0, "lock(L2)"),
                (1, "lock(L1)"),
                (0, "*** DEADLOCK ***")
            ]
        );
        let events: Vec<_> = f.steps.iter().map(|s| s.event).collect();
        assert_eq!(events, [Some(1), Some(3), Some(4), Some(5)]);
        assert_eq!(f.steps[0].site.as_deref(), Some("loc 1"));
        assert_eq!(report.count(BlockedForever), 0);
    }

    #[test]
    fn waiter_behind_a_deadlocked_holder_is_blocked_forever() {
        let mut b = TraceBuilder::std();
        abba(&mut b).req("T3", "L2", "9");
        let report = b.analyze();
        assert_eq!(report.count(Deadlock), 1);
        assert_eq!(
            titles(&report, BlockedForever),
            ["blocked forever: T3 waits for L2 held by T2 (which is stuck itself)"]
        );
    }

    #[test]
    fn request_for_a_lock_held_by_a_running_thread_is_not_reported() {
        let mut b = TraceBuilder::std();
        b.lock("T1", "L1", "1").req("T2", "L1", "2");
        assert!(b.analyze().findings.is_empty());
    }

    #[test]
    fn non_reentrant_self_request_is_a_self_deadlock() {
        let mut b = TraceBuilder::lockscope();
        b.lock("T1", "M", "1").req("T1", "M", "2");
        let report = b.analyze();
        assert_eq!(
            titles(&report, Deadlock),
            ["deadlock: T1 holds M and waits for M (self-deadlock)"]
        );
    }

    #[test]
    fn timed_self_request_that_gave_up_is_still_a_self_deadlock() {
        let mut b = TraceBuilder::lockscope();
        b.lock("T1", "M", "1").req("T1", "M", "2");
        b.on("T1", "M", |obj| EventKind::TryFailed {
            obj,
            mode: crate::trace::LockMode::Exclusive,
        });
        b.rel("T1", "M");
        let report = b.analyze();
        assert_eq!(
            titles(&report, Deadlock),
            ["deadlock: T1 holds M and waits for M (self-deadlock)"]
        );
        let f = of_kind(&report, Deadlock)[0];
        let events: Vec<_> = f.steps.iter().map(|s| s.event).collect();
        assert_eq!(events, [Some(1), Some(2)]);
    }

    #[test]
    fn reentrant_self_request_is_not_a_deadlock() {
        let mut b = TraceBuilder::lockscope();
        b.declare("R", PrimitiveKind::ReentrantMutex, None, None);
        b.lock("T1", "R", "1").req("T1", "R", "2");
        assert!(b.analyze().findings.is_empty());
        // Java monitors in STD traces re-enter too.
        let mut b = TraceBuilder::std();
        b.lock("T1", "L", "1").req("T1", "L", "2");
        assert!(b.analyze().findings.is_empty());
    }

    #[test]
    fn lock_held_by_an_exited_thread_blocks_forever() {
        let mut b = TraceBuilder::lockscope();
        b.lock("T1", "M", "1").exit("T1").req("T2", "M", "2");
        assert_eq!(
            titles(&b.analyze(), BlockedForever),
            ["blocked forever: T2 waits for M held by T1 (which exited holding it)"]
        );
    }

    #[test]
    fn condvar_wait_with_nobody_left_to_notify() {
        let mut b = TraceBuilder::lockscope();
        b.declare("cv", PrimitiveKind::Condvar, None, None);
        b.lock("T1", "m", "1");
        let (cv, m) = (b.obj("cv"), b.obj("m"));
        b.push(
            "T1",
            "2",
            EventKind::CondWait {
                condvar: cv,
                mutex: m,
            },
        );
        b.exit("T2");
        assert_eq!(
            titles(&b.analyze(), BlockedForever),
            ["blocked forever: T1 waits for a notification on cv; no thread that could still signal it is left"]
        );
        // Another thread is still running: it may yet notify.
        b.lock("T3", "m", "3");
        assert_eq!(b.analyze().count(BlockedForever), 0);
    }

    #[test]
    fn threads_waiting_on_one_condvar_are_blocked_not_deadlocked() {
        let mut b = TraceBuilder::lockscope();
        b.declare("cv", PrimitiveKind::Condvar, None, None);
        for (t, site) in [("T1", "1"), ("T2", "2")] {
            b.lock(t, "m", site);
            let (cv, m) = (b.obj("cv"), b.obj("m"));
            b.push(
                t,
                site,
                EventKind::CondWait {
                    condvar: cv,
                    mutex: m,
                },
            );
        }
        let report = b.analyze();
        assert_eq!(report.count(Deadlock), 0);
        assert_eq!(report.count(BlockedForever), 2);
    }

    #[test]
    fn event_never_set_blocks_forever() {
        let mut b = TraceBuilder::lockscope();
        b.declare("ready", PrimitiveKind::Event, None, None);
        b.on("T1", "ready", |obj| EventKind::EventWait { obj });
        assert_eq!(
            titles(&b.analyze(), BlockedForever),
            ["blocked forever: T1 waits for event ready to be set; no thread that could still signal it is left"]
        );
    }

    #[test]
    fn condvar_waiter_holding_the_lock_its_notifier_needs_deadlocks() {
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
        b.req("T2", "L", "4");
        assert_eq!(
            titles(&b.analyze(), Deadlock),
            ["deadlock: T1 holds L and waits for a notification on cv; T2 waits for L"]
        );
    }

    #[test]
    fn join_of_a_thread_waiting_for_the_joiners_lock_deadlocks() {
        let mut b = TraceBuilder::lockscope();
        b.lock("T1", "L", "1");
        let t2 = b.thread("T2");
        b.req("T2", "L", "2");
        b.push("T1", "3", EventKind::JoinRequest { child: t2 });
        assert_eq!(
            titles(&b.analyze(), Deadlock),
            ["deadlock: T1 holds L and waits for thread T2 to exit; T2 waits for L"]
        );
    }
}
