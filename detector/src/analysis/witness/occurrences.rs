//! Every occurrence of a lock-order edge, found again in the log.
//!
//! The lock-order analysis keeps a few occurrences of each edge; the
//! search wants all of them. An edge is folded by its thread, the lock it
//! asks for and the site of that request (or of the acquisition when there
//! was no request), the lock it holds and the site of its outermost
//! acquisition, and every lock its thread holds. Replaying the thread's
//! events with the lock-order analysis's rules (a request waits for its
//! acquisition; a re-entrant acquisition adds nothing; a timed request
//! that gave up, or one still blocked at the end, counts) finds every
//! event with that key; one replay per thread finds every key's.

use std::collections::HashMap;

use super::log::{Log, Op, View};

/// What identifies a lock-order edge (sites: `None` for none).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EdgeKey {
    pub thread: u32,
    pub from: u32,
    pub site_from: Option<u32>,
    pub to: u32,
    pub site_to: Option<u32>,
    /// Every lock held at the request, sorted.
    pub held: Vec<u32>,
}

/// One held lock: its id, depth, outermost acquisition (trace index).
type Hold = (u32, u32, u32);

/// Every occurrence of every edge of thread `thread`:
/// `(acquisition of from, request of to)` trace indexes per key, in order.
/// One replay of the thread's events finds them all. Stops at the thread's
/// first condition-variable event (whose hold changes the log does not
/// follow).
pub fn thread_edges(log: &Log, view: &View<'_>, thread: u32) -> HashMap<EdgeKey, Vec<(u64, u64)>> {
    let mut out: HashMap<EdgeKey, Vec<(u64, u64)>> = HashMap::new();
    let Some(events) = view.threads.get(thread as usize) else {
        return out;
    };
    let mut held: Vec<Hold> = Vec::new();
    let mut pending: Option<(u32, u32)> = None;
    let site = |e: u32| log.site(e).map(|s| s.0);
    let mut record = |held: &[Hold], lock: u32, at: u32| {
        if held.is_empty() {
            return;
        }
        let mut locks: Vec<u32> = held.iter().map(|h| h.0).collect();
        locks.sort_unstable();
        let site_to = site(at);
        for h in held {
            let key = EdgeKey {
                thread,
                from: h.0,
                site_from: site(h.2),
                to: lock,
                site_to,
                held: locks.clone(),
            };
            out.entry(key)
                .or_default()
                .push((u64::from(h.2), u64::from(at)));
        }
    };
    for &e in events {
        match view.events[e as usize].op() {
            Op::Request { lock } => pending = Some((lock, e)),
            Op::Acquire { lock, .. } => {
                let request = pending.take();
                if let Some(h) = held.iter_mut().find(|h| h.0 == lock) {
                    h.1 += 1;
                    continue;
                }
                let at = request.filter(|r| r.0 == lock).map_or(e, |r| r.1);
                record(&held, lock, at);
                held.push((lock, 1, e));
            }
            Op::Release { lock } => {
                if let Some(i) = held.iter().position(|h| h.0 == lock) {
                    held[i].1 -= 1;
                    if held[i].1 == 0 {
                        held.remove(i);
                    }
                }
            }
            Op::TryFailed { lock } => {
                if let Some(r) = pending.take().filter(|r| r.0 == lock) {
                    if held.iter().all(|h| h.0 != lock) {
                        record(&held, lock, r.1);
                    }
                }
            }
            Op::Unsupported => break,
            _ => {}
        }
    }
    if let Some(r) = pending {
        if held.iter().all(|h| h.0 != r.0) {
            record(&held, r.0, r.1);
        }
    }
    out
}
