//! Deadlock findings: a wait-for cycle (or a stall) of threads, and a
//! thread asking for a non-reentrant lock it holds.

use std::collections::BTreeSet;

use super::At;
use crate::finding::detail::{Detail, End, Link};
use crate::finding::model::Finding;
use crate::finding::scenario::{Op, Scenario};
use crate::finding::step::{Mode, Role, WaitOn};
use crate::finding::FindingKind;

/// A lock taken: which, how, where and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    pub lock: String,
    pub mode: Option<Mode>,
    pub at: At,
}

/// One blocked thread of a deadlock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiter {
    pub thread: String,
    /// The lock it holds that the previous waiter waits for.
    pub holds: Option<Taken>,
    pub waits_for: WaitOn,
    /// Where and when it blocked.
    pub blocked: At,
}

/// The deadlock of `waiters` (in cycle order for a cycle: each waits for
/// something the next holds), ended as `end` says.
///
/// Identity: `broken` for a cycle that was broken, `stalled` for a stall,
/// then the primitives waited on and every acquisition and blocking site,
/// each sorted. Steps are in trace order; the scenario's rows too when
/// every one is a trace event, else each thread's held lock in column
/// order followed by the waits in reverse column order (lockdep's order).
pub fn deadlock(waiters: Vec<Waiter>, end: End) -> Finding {
    let mut prims = BTreeSet::new();
    let mut sites = Vec::new();
    let mut steps = Vec::new();
    let (mut holds, mut waits) = (Vec::new(), Vec::new());
    for (col, w) in waiters.iter().enumerate() {
        if let Some(h) = &w.holds {
            let role = Role::Acquired {
                lock: h.lock.clone(),
                mode: h.mode,
                waited: None,
            };
            steps.push(h.at.step(&w.thread, role));
            holds.push((
                h.at.event,
                col,
                Op::Lock {
                    lock: h.lock.clone(),
                    mode: h.mode,
                },
            ));
            sites.push(h.at.identity());
        }
        prims.extend(w.waits_for.primitive().map(str::to_owned));
        let role = Role::Blocked {
            on: w.waits_for.clone(),
        };
        steps.push(w.blocked.step(&w.thread, role));
        waits.push((w.blocked.event, col, Op::waiting(&w.waits_for)));
        sites.push(w.blocked.identity());
    }
    steps.sort_by_key(|s| s.event);
    let threads: Vec<String> = waiters.iter().map(|w| w.thread.clone()).collect();
    let mut scenario = Scenario::new(threads.clone());
    let timed = holds.iter().chain(&waits).all(|r| r.0.is_some());
    let mut rows: Vec<_> = if timed {
        let mut all: Vec<_> = holds.into_iter().chain(waits).collect();
        all.sort_by_key(|r| r.0);
        all
    } else {
        holds.into_iter().chain(waits.into_iter().rev()).collect()
    };
    for (_, col, op) in rows.drain(..) {
        scenario.push(col, op);
    }
    let prims: Vec<String> = prims.into_iter().collect();
    sites.sort();
    let prefix = match end {
        e if e.broken() => Some("broken"),
        End::Stalled => Some("stalled"),
        _ => None,
    };
    let identity: Vec<&str> = prefix
        .into_iter()
        .chain(prims.iter().map(String::as_str))
        .chain(sites.iter().map(String::as_str))
        .collect();
    let links = waiters
        .into_iter()
        .map(|w| Link {
            thread: w.thread,
            holds: w.holds.map(|h| h.lock),
            waits_for: w.waits_for,
        })
        .collect();
    let mut f = Finding::new(
        FindingKind::Deadlock,
        &identity,
        Detail::Deadlock { links, end },
    );
    f.threads = threads;
    f.primitives = prims;
    f.steps = steps;
    f.scenario = Some(scenario);
    f
}

/// `thread` holding `held` asks for the same lock again (in `mode`) at
/// `again`, and the lock is not reentrant: it can never get it.
///
/// Identity: the lock's name, where it was taken and where it was asked
/// for again.
pub fn self_deadlock(
    thread: &str,
    held: Taken,
    mode: Option<Mode>,
    again: At,
    end: End,
) -> Finding {
    let lock = held.lock.clone();
    let (first, second) = (held.at.identity(), again.identity());
    let detail = Detail::Deadlock {
        links: vec![Link {
            thread: thread.to_owned(),
            holds: Some(lock.clone()),
            waits_for: WaitOn::Lock {
                lock: lock.clone(),
                mode,
            },
        }],
        end,
    };
    let mut f = Finding::new(FindingKind::Deadlock, &[&lock, &first, &second], detail);
    f.threads = vec![thread.to_owned()];
    f.primitives = vec![lock.clone()];
    let acquired = Role::Acquired {
        lock: lock.clone(),
        mode: held.mode,
        waited: None,
    };
    let requested = Role::RequestedAgain {
        lock: lock.clone(),
        mode,
    };
    f.steps = vec![
        held.at.step(thread, acquired),
        again.step(thread, requested),
    ];
    let mut scenario = Scenario::new(vec![thread.to_owned()]);
    scenario.push(
        0,
        Op::Lock {
            lock: lock.clone(),
            mode: held.mode,
        },
    );
    scenario.push(0, Op::Lock { lock, mode });
    f.scenario = Some(scenario);
    f
}
