//! The findings of the contention analysis: starvation (bypass, long wait)
//! and long holds.

use super::LockAcc;
use crate::analysis::{names, Context};
use crate::finding::{site_tuple, Detail, Finding, FindingKind, Role, Waited};
use crate::state::{Replay, WaitTarget};
use crate::trace::{ObjId, SiteId, ThreadId, TraceMeta};

/// A trace event: index, time, site.
pub(super) type Point = (u64, Option<u64>, Option<SiteId>);

/// The request and (unless still waiting) the acquisition of one wait.
#[derive(Clone, Copy, Debug)]
pub(super) struct WaitSteps {
    pub(super) request: Point,
    pub(super) acquired: Option<Point>,
}

impl WaitSteps {
    /// The sites of the steps, hashed as the collector counts them.
    pub(super) fn tuple(&self, meta: &TraceMeta) -> u64 {
        let site = |p: Point| p.2.map(|s| meta.site(s));
        site_tuple(std::iter::once(site(self.request)).chain(self.acquired.map(site)))
    }
}

/// `t` waited for `obj` as `waited` says.
pub(super) fn starvation(
    cx: &Context<'_>,
    (t, obj): (ThreadId, ObjId),
    at: WaitSteps,
    waited: Waited,
) -> Finding {
    let meta = cx.meta;
    let lock = names::prim(meta, obj);
    let thread = names::thread(meta, t);
    let waiter_site = names::site(meta, at.request.2).unwrap_or_else(|| "unknown site".into());
    let reason = match waited {
        Waited::Bypassed { .. } => "bypass",
        Waited::Long { .. } => "long wait",
    };
    let detail = Detail::Starvation {
        thread: thread.clone(),
        lock: lock.clone(),
        waited: waited.clone(),
        still_waiting: at.acquired.is_none(),
    };
    let mut f = Finding::new(
        FindingKind::Starvation,
        &[&lock, &waiter_site, reason],
        detail,
    );
    f.threads.push(thread);
    f.primitives.push(lock.clone());
    let requested = Role::Requested {
        lock: lock.clone(),
        mode: None,
        holding: Vec::new(),
    };
    f.steps.push(names::step(meta, t, at.request, requested));
    if let Some(point) = at.acquired {
        let acquired = Role::Acquired {
            lock,
            mode: None,
            waited: Some(waited),
        };
        f.steps.push(names::step(meta, t, point, acquired));
    }
    f
}

/// Whether `t` waits in, or behind, a wait-for cycle over locks.
pub(super) fn behind_cycle(state: &Replay, t: ThreadId) -> bool {
    let mut visited = vec![t];
    let mut cur = t;
    loop {
        let Some(WaitTarget::Lock { obj, .. }) = state.thread(cur).blocked.map(|b| b.on) else {
            return false;
        };
        let Some(&(holder, _)) = state.obj(obj).holders.iter().find(|(h, _)| *h != cur) else {
            return false;
        };
        if visited.contains(&holder) {
            return true;
        }
        visited.push(holder);
        cur = holder;
    }
}

/// The lock's longest hold, if it is far longer than its other holds.
pub(super) fn long_hold(cx: &Context<'_>, obj: ObjId, acc: &LockAcc) -> Option<Finding> {
    let longest = acc.longest?;
    if acc.holds < 2 || longest.len < cx.config.long_hold_min_ns {
        return None;
    }
    let others = (acc.hold_total - longest.len) as f64 / (acc.holds - 1) as f64;
    if (longest.len as f64) <= cx.config.long_hold_factor * others {
        return None;
    }
    let meta = cx.meta;
    let lock = names::prim(meta, obj);
    let thread = names::thread(meta, longest.thread);
    let site = names::site(meta, longest.acquired().2).unwrap_or_else(|| "unknown site".into());
    let held = names::duration(meta, longest.len);
    let detail = Detail::LongHold {
        lock: lock.clone(),
        thread: thread.clone(),
        held,
        others: acc.holds - 1,
        others_mean: names::duration(meta, others as u64),
    };
    let mut f = Finding::new(FindingKind::LongHold, &[&lock, &site], detail);
    f.threads.push(thread);
    f.primitives.push(lock.clone());
    let acquired = Role::Acquired {
        lock: lock.clone(),
        mode: None,
        waited: None,
    };
    let released = Role::Released {
        lock,
        held: Some(held),
    };
    f.steps.push(names::step(
        meta,
        longest.thread,
        longest.acquired(),
        acquired,
    ));
    f.steps.push(names::step(
        meta,
        longest.thread,
        longest.released(),
        released,
    ));
    Some(f)
}
