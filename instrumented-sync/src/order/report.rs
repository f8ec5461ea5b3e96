//! The order checks' findings, built with the detector's builders
//! ([`build::potential_deadlock`], [`build::self_deadlock`]) so a live
//! finding is the same [`Finding`] the analyzer reports from a trace: one
//! vocabulary, one fingerprint, one wording.

use std::panic::Location;

use lockscope_detector::finding::build::{self, SeenEdge, Taken};
use lockscope_detector::finding::{Detail, End, Finding, FindingKind, Mode, OrderEdge, Role};
use lockscope_detector::trace::{LockMode, PrimitiveKind};

use super::learned::Edge;
use crate::held::{Held, LockInfo};
use crate::names;

/// A cycle `locks[0] -> locks[1] -> ... -> locks[0]`, edge `i` taken as
/// `taken[i]`.
pub fn inversion(locks: &[LockInfo], taken: &[&Edge]) -> Finding {
    let n = locks.len();
    let mode = |l: &LockInfo, read: bool| {
        let m = if read {
            LockMode::Shared
        } else {
            LockMode::Exclusive
        };
        // An async rwlock has modes too (`names::mode` is the blocking
        // locks').
        l.kind
            .is_rwlock()
            .then(|| names::mode(PrimitiveKind::RwLock, m))
            .flatten()
    };
    let edges = taken
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (from, to) = (&locks[i], &locks[(i + 1) % n]);
            SeenEdge {
                edge: OrderEdge {
                    thread: names::thread(e.thread, e.thread_name.as_deref()),
                    from: names::lock(from),
                    to: names::lock(to),
                    site_from: Some(e.from_site.to_string()),
                    site_to: Some(e.to_site.to_string()),
                    mode_from: mode(from, e.from_read),
                    mode_to: mode(to, e.to_read),
                    count: 1,
                },
                acquired: None,
                requested: None,
            }
        })
        .collect();
    build::potential_deadlock(edges)
}

/// `thread` blocks on `lock` (in `mode`, at `site`) which it holds as `held`.
pub fn self_deadlock(
    thread: (u64, Option<&str>),
    held: &Held,
    mode: LockMode,
    site: &'static Location<'static>,
) -> Finding {
    let kind = held.info.kind;
    let taken = Taken {
        lock: names::lock(&held.info),
        mode: names::mode(kind, held.mode),
        at: names::at(held.site),
    };
    build::self_deadlock(
        &names::thread(thread.0, thread.1),
        taken,
        names::mode(kind, mode),
        names::at(site),
        End::Hung,
    )
}

/// `thread` read-locks `held` again at `site` while a writer waits for it.
/// Identity as the analyzer's: the lock and where it was read again.
pub fn recursive_read(
    thread: (u64, Option<&str>),
    held: &Held,
    site: &'static Location<'static>,
) -> Finding {
    let who = names::thread(thread.0, thread.1);
    let lock = names::lock(&held.info);
    let again = site.to_string();
    let detail = Detail::RecursiveRead {
        thread: who.clone(),
        lock: lock.clone(),
        writer: "a writer".to_owned(),
        site: Some(again.clone()),
    };
    let mut f = Finding::new(FindingKind::RecursiveRead, &[&lock, &again], detail);
    f.threads = vec![who.clone()];
    f.primitives = vec![lock.clone()];
    let read = |waited| Role::Acquired {
        lock: lock.clone(),
        mode: Some(Mode::Read),
        waited,
    };
    f.steps = vec![
        names::at(held.site).step(&who, read(None)),
        names::at(site).step(
            &who,
            Role::Requested {
                lock: lock.clone(),
                mode: Some(Mode::Read),
                holding: vec![lock.clone()],
            },
        ),
    ];
    f
}

/// The `acquire` helper's sorted-order rule broken: `thread` asks for
/// `requested` (the smallest of its request) at `site` while holding
/// `held`, which does not sort before it. Identity as the analyzer's rank
/// check: both locks and both sites.
pub fn order_violation(
    thread: (u64, Option<&str>),
    requested: &LockInfo,
    held: (&LockInfo, &'static Location<'static>),
    site: &'static Location<'static>,
) -> Finding {
    let who = names::thread(thread.0, thread.1);
    let (lock, held_name) = (names::lock(requested), names::lock(held.0));
    let (here, there) = (site.to_string(), held.1.to_string());
    let detail = Detail::RankOrder {
        thread: who.clone(),
        lock: lock.clone(),
        rank: requested.key().0,
        held: held_name.clone(),
        held_rank: held.0.key().0,
        site: Some(here.clone()),
    };
    let identity = [lock.as_str(), held_name.as_str(), &here, &there];
    let mut f = Finding::new(FindingKind::LockOrderViolation, &identity, detail);
    f.threads = vec![who.clone()];
    f.primitives = vec![held_name.clone(), lock.clone()];
    let exclusive = |l: &LockInfo| names::mode(l.kind, LockMode::Exclusive);
    f.steps = vec![
        names::at(held.1).step(
            &who,
            Role::Acquired {
                lock: held_name,
                mode: exclusive(held.0),
                waited: None,
            },
        ),
        names::at(site).step(
            &who,
            Role::Requested {
                lock,
                mode: exclusive(requested),
                holding: Vec::new(),
            },
        ),
    ];
    f
}
