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
//!
//!    A thread in a timed condvar or event wait is never stuck: the wait
//!    ends by itself (idle pool workers polling with `wait_until`).
//! 2. **Wait-for graph** over stuck threads: thread -> what it waits for ->
//!    the lock's incompatible holders, or for a condvar, event, barrier or
//!    semaphore every other stuck thread blocked on a lock or a join (the
//!    ones that could have signalled it, and cannot). A stuck thread that
//!    itself waits for a signal gets no such edge: nothing in the trace says
//!    which idle waiter would have signalled which, and every subset of
//!    them would otherwise be a cycle. Each elementary cycle is a [`Deadlock`](FindingKind::Deadlock)
//!    with a lockdep-style scenario; stuck threads on no cycle are
//!    [`BlockedForever`](FindingKind::BlockedForever).
//!
//! 3. **Also reported:** a request of a non-reentrant lock by its holder
//!    that the final state does not show (a timed lock gave up: the
//!    program would hang without the timeout).
//!
//! `lockscope graph --wait-for` draws the same graph with the same cycles
//! ([`wait_for_graphs`]).
//!
//! # Performance
//! O(threads x holders) per fixpoint round, a handful of rounds; the cycle
//! search runs on the stuck threads only. Between events it keeps one entry
//! per distinct self-deadlock (names and sites), so memory does not grow
//! with the number of events.
//!
//! # Limitations
//! A thread that never recorded its exit counts as able to run, so a
//! trace cut short (a killed process) reports fewer stuck condvar waiters
//! than there are, never more.

mod wait_for;

use std::collections::BTreeSet;

use super::graphs::Graph;
use super::{names, run, Analysis, Config, Context, Input};
use crate::finding::build::{self, Taken, Waiter};
use crate::finding::{Detail, End, Finding, FindingKind, Findings, Role, Unwakeable};
use crate::graph::WaitNode;
use crate::state::{Held, Replay};
use crate::trace::{Event, EventKind, LockMode, ObjId, ThreadId, TraceError, TraceMeta};
use wait_for::{blocking_holders, needs_signal, reenters, EndGraph};

/// The actual-deadlock analysis.
#[derive(Debug, Default)]
pub struct Deadlocks {
    /// Requests of a held non-reentrant lock: the thread and request index
    /// of the latest occurrence, and the self-deadlock finding with its
    /// occurrences (reported unless the final state shows it).
    self_requests: Vec<(ThreadId, u64, Finding)>,
}

impl Analysis for Deadlocks {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, _found: &mut Findings) {
        let EventKind::Request { obj, mode } = ev.kind else {
            return;
        };
        let Some(held) = cx.state.thread(ev.thread).holding(obj) else {
            return;
        };
        let kind = cx.meta.primitive(obj).kind;
        if kind.is_lock() && !reenters(cx.meta, obj) && !mode.compatible(held.mode) {
            let f = self_request(cx.meta, (cx.index, ev, mode), held);
            // One entry per distinct self-deadlock (names and sites),
            // keeping its latest occurrence.
            let same = self
                .self_requests
                .iter_mut()
                .find(|r| r.2.fingerprint == f.fingerprint);
            match same {
                Some(r) => {
                    (r.0, r.1) = (ev.thread, cx.index);
                    r.2.occurrences += 1;
                }
                None => self.self_requests.push((ev.thread, cx.index, f)),
            }
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, found: &mut Findings) {
        let end = EndGraph::new(cx.meta, cx.state);
        let mut on_cycle = BTreeSet::new();
        let mut findings = Vec::new();
        for cycle in end.graph.cycles() {
            on_cycle.extend(cycle.iter().filter_map(|&n| node_thread(n)));
            findings.push(deadlock_finding(cx.meta, cx.state, &cycle));
        }
        for &t in end.stuck.iter().filter(|t| !on_cycle.contains(t)) {
            findings.extend(blocked_finding(cx.meta, cx.state, t));
        }
        // Self-deadlocks the final state does not show (a timed request
        // gave up).
        let mut seen: BTreeSet<String> = findings.iter().map(|f| f.fingerprint.clone()).collect();
        for (t, index, f) in std::mem::take(&mut self.self_requests) {
            let shown = cx.state.thread(t).blocked.is_some_and(|b| b.since == index);
            if !shown && seen.insert(f.fingerprint.clone()) {
                findings.push(f);
            }
        }
        for f in findings {
            found.add(f);
        }
    }
}

/// A thread requesting a non-reentrant lock it holds: it can never get it.
/// `ev` (event `index`) requests `held.obj` again in `mode`.
fn self_request(
    meta: &TraceMeta,
    (index, ev, mode): (u64, &Event, LockMode),
    held: &Held,
) -> Finding {
    let taken = Taken {
        lock: names::prim(meta, held.obj),
        mode: names::mode(meta, held.obj, held.mode),
        at: names::at(meta, held.since, Some(held.time), held.site),
    };
    let again = names::at(meta, index, Some(ev.time), ev.site);
    let mode = names::mode(meta, held.obj, mode);
    build::self_deadlock(
        &names::thread(meta, ev.thread),
        taken,
        mode,
        again,
        End::Returned,
    )
}

fn node_thread(n: WaitNode) -> Option<ThreadId> {
    match n {
        WaitNode::Thread(t) => Some(ThreadId(t as u32)),
        WaitNode::Primitive(_) => None,
    }
}

/// The end-of-trace deadlock of `cycle` (wait-for nodes in cycle order).
fn deadlock_finding(meta: &TraceMeta, state: &Replay, cycle: &[WaitNode]) -> Finding {
    let n = cycle.len();
    let mut waiters = Vec::new();
    for (i, &node) in cycle.iter().enumerate() {
        let Some(t) = node_thread(node) else {
            continue;
        };
        let ts = state.thread(t);
        let Some(b) = ts.blocked else {
            continue;
        };
        // The lock this thread holds that the previous node waits on.
        let holds = match cycle[(i + n - 1) % n] {
            WaitNode::Primitive(p) => ts.holding(ObjId(p as u32)).map(|h| Taken {
                lock: names::prim(meta, h.obj),
                mode: names::mode(meta, h.obj, h.mode),
                at: names::at(meta, h.since, Some(h.time), h.site),
            }),
            WaitNode::Thread(_) => None,
        };
        waiters.push(Waiter {
            thread: names::thread(meta, t),
            holds,
            waits_for: names::wait_on(meta, b.on),
            blocked: names::at(meta, b.since, Some(b.time), b.site),
        });
    }
    build::deadlock(waiters, End::Hung)
}

fn blocked_finding(meta: &TraceMeta, state: &Replay, t: ThreadId) -> Option<Finding> {
    let name = names::thread(meta, t);
    let b = state.thread(t).blocked?;
    let on = names::wait_on(meta, b.on);
    let holders = blocking_holders(meta, state, t, b.on);
    let role = Role::Blocked { on: on.clone() };
    let mut steps = vec![names::step(meta, t, (b.since, Some(b.time), b.site), role)];
    let obj = names::wait_obj(b.on);
    let mut who = Vec::new();
    for &h in &holders {
        who.push(names::thread(meta, h));
        if let Some(held) = obj.and_then(|o| state.thread(h).holding(o)) {
            let role = Role::Acquired {
                lock: names::prim(meta, held.obj),
                mode: names::mode(meta, held.obj, held.mode),
                waited: None,
            };
            steps.push(names::step(
                meta,
                h,
                (held.since, Some(held.time), held.site),
                role,
            ));
        }
    }
    steps.sort_by_key(|s| s.event);
    let why = if !holders.is_empty() {
        if holders.iter().any(|&h| state.thread(h).exited) {
            Unwakeable::HolderExited
        } else {
            Unwakeable::HolderStuck
        }
    } else if needs_signal(meta, b.on) {
        Unwakeable::NobodyToSignal
    } else {
        Unwakeable::Unknown
    };
    let site = names::site_or_unknown(meta, b.site);
    let objname = obj.map(|o| names::prim(meta, o)).unwrap_or_default();
    let detail = Detail::Blocked {
        thread: name.clone(),
        on,
        holders: who.clone(),
        why,
    };
    let mut f = Finding::new(FindingKind::BlockedForever, &[&objname, &site], detail);
    f.threads = std::iter::once(name).chain(who).collect();
    f.primitives = obj.map(|o| names::prim(meta, o)).into_iter().collect();
    f.steps = steps;
    Some(f)
}

/// The wait-for graph at the end of each of `inputs`, by the deadlock
/// analysis's rule, with the cycles it reports as deadlocks. With several
/// inputs every node name is prefixed by its trace's name and a colon.
pub fn wait_for_graphs(inputs: Vec<Input<'_>>, config: &Config) -> Result<Graph, TraceError> {
    let mut graphs = WaitForGraphs {
        prefix: inputs.len() > 1,
        graphs: Vec::new(),
    };
    run(inputs, config, &mut [&mut graphs])?;
    Ok(merge(graphs.graphs))
}

/// Collects each trace's end-state wait-for graph.
#[derive(Debug)]
struct WaitForGraphs {
    prefix: bool,
    graphs: Vec<Graph>,
}

impl Analysis for WaitForGraphs {
    fn on_event(&mut self, _cx: &Context<'_>, _ev: &Event, _found: &mut Findings) {}

    fn end_trace(&mut self, cx: &Context<'_>, _found: &mut Findings) {
        let prefix = if self.prefix {
            format!("{}:", cx.trace_name)
        } else {
            String::new()
        };
        let end = EndGraph::new(cx.meta, cx.state);
        self.graphs.push(end.view(cx.meta, cx.state, &prefix));
    }
}

/// Graphs side by side in one.
fn merge(graphs: Vec<Graph>) -> Graph {
    let mut all = Graph::default();
    for g in graphs {
        let base = all.nodes.len();
        all.nodes.extend(g.nodes);
        all.edges.extend(g.edges.into_iter().map(|mut e| {
            (e.from, e.to) = (e.from + base, e.to + base);
            e
        }));
        all.cycles.extend(
            g.cycles
                .into_iter()
                .map(|c| c.into_iter().map(|i| i + base).collect()),
        );
    }
    all
}

#[cfg(test)]
mod tests;
