//! The wait-for graph of a trace's final state, by the deadlock analysis's
//! rule (see the module docs of [`super`]): which blocked threads nothing
//! can wake, and who each of them waits for. The analysis reports its
//! cycles; `lockscope graph --wait-for` draws it ([`EndGraph::view`]).

use std::collections::BTreeSet;

use super::super::graphs::{Builder, Graph, Why};
use super::super::names;
use crate::finding::{Role, Step};
use crate::graph::{WaitForGraph, WaitNode};
use crate::state::{Replay, WaitTarget};
use crate::trace::{ObjId, SourceFormat, ThreadId, TraceMeta};

/// The stuck threads of a final state and their wait-for graph.
#[derive(Debug)]
pub(super) struct EndGraph {
    pub(super) stuck: BTreeSet<ThreadId>,
    pub(super) graph: WaitForGraph,
    /// Every edge with its reason, in the order added.
    edges: Vec<(WaitNode, WaitNode, Reason)>,
}

#[derive(Clone, Copy, Debug)]
enum Reason {
    /// The thread is blocked on this.
    Blocked(ThreadId),
    /// The thread holds the lock.
    Holds(ThreadId, ObjId),
    /// The thread could signal the primitive.
    Signal,
}

/// Whether a request of `obj` by its holder re-enters (STD traces come from
/// Java, whose monitors are reentrant).
pub(super) fn reenters(meta: &TraceMeta, obj: ObjId) -> bool {
    meta.format == SourceFormat::Std || meta.primitive(obj).kind.is_reentrant()
}

/// Holders of `on`'s lock that block `t`'s request.
pub(super) fn blocking_holders(
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

/// Whether a wait needs some other thread to signal (not a holder).
pub(super) fn needs_signal(meta: &TraceMeta, on: WaitTarget) -> bool {
    match on {
        WaitTarget::Lock { obj, .. } => !meta.primitive(obj).kind.is_lock(),
        WaitTarget::Condvar { .. } | WaitTarget::Event { .. } | WaitTarget::Barrier { .. } => true,
        WaitTarget::Join { .. } => false,
    }
}

/// The blocked threads nothing can wake. A timed wait ends by itself, so
/// its thread is never stuck (and can still signal others).
fn stuck_threads(meta: &TraceMeta, state: &Replay) -> BTreeSet<ThreadId> {
    let mut stuck: BTreeSet<ThreadId> = state
        .threads()
        .filter(|(_, s)| s.blocked.is_some_and(|b| !b.timed) && !s.exited)
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

impl EndGraph {
    /// The stuck threads of `state` and who each waits for: the lock's
    /// incompatible holders, or for a condvar, event, barrier or semaphore
    /// every other stuck thread that is blocked on a lock or a join (the
    /// ones that could have signalled it, and cannot). Threads that all wait
    /// for signals form no cycle: nothing in the trace says which of them
    /// would have signalled which.
    pub(super) fn new(meta: &TraceMeta, state: &Replay) -> Self {
        let stuck = stuck_threads(meta, state);
        let mut g = EndGraph {
            stuck: BTreeSet::new(),
            graph: WaitForGraph::new(),
            edges: Vec::new(),
        };
        for &t in &stuck {
            let Some(on) = state.thread(t).blocked.map(|b| b.on) else {
                continue;
            };
            let tid = u64::from(t.0);
            if let WaitTarget::Join { child } = on {
                g.graph.joins(tid, u64::from(child.0));
                let to = WaitNode::Thread(u64::from(child.0));
                g.edges
                    .push((WaitNode::Thread(tid), to, Reason::Blocked(t)));
                continue;
            }
            let Some(obj) = names::wait_obj(on) else {
                continue;
            };
            let p = WaitNode::Primitive(u64::from(obj.0));
            g.graph.waits(tid, u64::from(obj.0));
            g.edges.push((WaitNode::Thread(tid), p, Reason::Blocked(t)));
            let signal = needs_signal(meta, on);
            let holders: Vec<ThreadId> = if signal {
                // Who could signal and is kept from it by a lock or a join:
                // a stuck thread that is itself waiting for a signal says
                // nothing about who would have sent this one (idle pool
                // workers, each on its own condvar), so it gets no edge;
                // such threads are blocked forever, not in a cycle.
                stuck
                    .iter()
                    .copied()
                    .filter(|&u| {
                        let theirs = state.thread(u).blocked.map(|b| b.on);
                        u != t && theirs.is_some_and(|on| !needs_signal(meta, on))
                    })
                    .collect()
            } else {
                blocking_holders(meta, state, t, on)
            };
            for h in holders {
                g.graph.held_by(u64::from(obj.0), u64::from(h.0));
                let why = if signal {
                    Reason::Signal
                } else {
                    Reason::Holds(h, obj)
                };
                g.edges.push((p, WaitNode::Thread(u64::from(h.0)), why));
            }
        }
        g.stuck = stuck;
        g
    }

    /// The graph with names, its cycles those the analysis reports.
    /// `prefix` goes before every node name (to tell traces apart).
    pub(super) fn view(&self, meta: &TraceMeta, state: &Replay, prefix: &str) -> Graph {
        let mut b = Builder::default();
        let node = |b: &mut Builder, n: WaitNode| match n {
            WaitNode::Thread(t) => {
                let name = names::thread(meta, ThreadId(t as u32));
                b.node(format!("{prefix}{name}"), "thread")
            }
            WaitNode::Primitive(p) => {
                let info = meta.primitive(ObjId(p as u32));
                b.node(
                    format!("{prefix}{}", info.display_name()),
                    info.kind.as_str(),
                )
            }
        };
        for &(from, to, why) in &self.edges {
            let (f, t) = (node(&mut b, from), node(&mut b, to));
            let why = match why {
                Reason::Blocked(u) => blocked_step(meta, state, u).map(|step| Why::Step { step }),
                Reason::Holds(u, obj) => {
                    held_step(meta, state, u, obj).map(|step| Why::Step { step })
                }
                Reason::Signal => Some(Why::Signal),
            };
            b.edge(f, t, 1, why.unwrap_or(Why::Signal));
        }
        for cycle in self.graph.cycles() {
            let nodes = cycle.into_iter().map(|n| node(&mut b, n)).collect();
            b.cycle(nodes);
        }
        b.finish()
    }
}

/// The step of `t` blocking.
fn blocked_step(meta: &TraceMeta, state: &Replay, t: ThreadId) -> Option<Step> {
    let b = state.thread(t).blocked?;
    let role = Role::Blocked {
        on: names::wait_on(meta, b.on),
    };
    Some(names::step(meta, t, (b.since, Some(b.time), b.site), role))
}

/// The step of `t` taking `obj`, which it holds.
fn held_step(meta: &TraceMeta, state: &Replay, t: ThreadId, obj: ObjId) -> Option<Step> {
    let h = state.thread(t).holding(obj)?;
    let role = Role::Acquired {
        lock: names::prim(meta, obj),
        mode: names::mode(meta, obj, h.mode),
        waited: None,
    };
    Some(names::step(meta, t, (h.since, Some(h.time), h.site), role))
}
