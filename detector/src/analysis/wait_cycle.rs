//! Whether a thread about to block closes a wait-for cycle in the replay
//! state: the walk the broken-deadlock analysis reports from and the
//! contention analysis excuses deadlocked waits and holds by.
//!
//! [`Replay`] is the state *before* the requesting event, so the
//! requester's new wait is given as the first [`Link`]:
//! - a lock request waits for the lock's incompatible holders (a holder
//!   re-requesting a non-reentrant lock waits for itself);
//! - a join waits for the child, unless it has exited;
//! - every other thread on the chain is followed through its own pending
//!   lock request or join.
//!
//! Condvar, event, barrier and semaphore waits are not followed: nothing in
//! the trace says which thread would signal them.
//!
//! # Performance
//! A depth-first walk over blocked threads, each visited once: O(threads x
//! holders) at worst, usually a few steps. An uncontended request costs one
//! holder scan and allocates nothing.

use std::collections::BTreeSet;

use crate::state::{Replay, WaitTarget};
use crate::trace::{ObjId, SiteId, SourceFormat, ThreadId, TraceMeta};

/// One thread of a cycle and what it waits for.
#[derive(Clone, Copy, Debug)]
pub(super) struct Link {
    pub(super) thread: ThreadId,
    pub(super) on: WaitTarget,
    /// Trace index of the blocking request.
    pub(super) since: u64,
    pub(super) time: Option<u64>,
    pub(super) site: Option<SiteId>,
}

/// Whether a holder re-requesting `obj` re-enters instead of blocking (STD
/// traces come from Java, whose monitors are reentrant).
fn reenters(meta: &TraceMeta, obj: ObjId) -> bool {
    meta.format == SourceFormat::Std || meta.primitive(obj).kind.is_reentrant()
}

/// The threads `t`, blocked on `on`, waits for.
pub(super) fn waits_for(
    meta: &TraceMeta,
    state: &Replay,
    t: ThreadId,
    on: WaitTarget,
) -> Vec<ThreadId> {
    match on {
        WaitTarget::Lock { obj, mode } if meta.primitive(obj).kind.is_lock() => state
            .obj(obj)
            .holders
            .iter()
            .filter(|&&(h, hmode)| !(mode.compatible(hmode) || h == t && reenters(meta, obj)))
            .map(|&(h, _)| h)
            .collect(),
        WaitTarget::Join { child } if !state.thread(child).exited => vec![child],
        _ => Vec::new(),
    }
}

/// A cycle through `first` (the requester, about to block), found by a
/// depth-first walk over the other threads' pending waits; the links in
/// wait order, `first` first.
pub(super) fn find_cycle(meta: &TraceMeta, state: &Replay, first: Link) -> Option<Vec<Link>> {
    let waits = waits_for(meta, state, first.thread, first.on);
    if waits.is_empty() {
        // The common case, an uncontended request: nothing allocated.
        return None;
    }
    let mut path = vec![first];
    let mut visited = BTreeSet::from([first.thread]);
    let mut stack = vec![waits];
    while let Some(next) = stack.last_mut() {
        let Some(u) = next.pop() else {
            stack.pop();
            path.pop();
            continue;
        };
        if u == first.thread {
            return Some(path);
        }
        if !visited.insert(u) {
            continue;
        }
        let s = state.thread(u);
        let Some(b) = s.blocked.filter(|_| !s.exited) else {
            continue;
        };
        path.push(Link {
            thread: u,
            on: b.on,
            since: b.since,
            time: Some(b.time),
            site: b.site,
        });
        stack.push(waits_for(meta, state, u, b.on));
    }
    None
}
