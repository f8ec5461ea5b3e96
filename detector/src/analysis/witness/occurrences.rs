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
//! event with that key.

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

/// Every `(acquisition of from, request of to)` of `key`, by trace index,
/// in order. Stops at the thread's first condition-variable event (whose
/// hold changes the log does not follow).
pub fn occurrences(log: &Log, view: &View<'_>, key: &EdgeKey) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let Some(events) = view.threads.get(key.thread as usize) else {
        return out;
    };
    let mut held: Vec<Hold> = Vec::new();
    let mut pending: Option<(u32, u32)> = None;
    let site = |e: u32| log.site(e).map(|s| s.0);
    let check = |held: &[Hold], lock: u32, at: u32, out: &mut Vec<(u64, u64)>| {
        if lock != key.to || site(at) != key.site_to || held.len() != key.held.len() {
            return;
        }
        let mut locks: Vec<u32> = held.iter().map(|h| h.0).collect();
        locks.sort_unstable();
        if locks != key.held {
            return;
        }
        if let Some(h) = held.iter().find(|h| h.0 == key.from) {
            if site(h.2) == key.site_from {
                out.push((u64::from(h.2), u64::from(at)));
            }
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
                check(&held, lock, at, &mut out);
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
                        check(&held, lock, r.1, &mut out);
                    }
                }
            }
            Op::Unsupported => return out,
            _ => {}
        }
    }
    if let Some(r) = pending {
        if held.iter().all(|h| h.0 != r.0) {
            check(&held, r.0, r.1, &mut out);
        }
    }
    out
}
