//! The findings of the contention analysis: starvation (bypass, long wait)
//! and long holds, worded for people.

use super::LockAcc;
use crate::analysis::wording::{duration, step};
use crate::analysis::Context;
use crate::report::{Finding, FindingKind};
use crate::state::{Replay, WaitTarget};
use crate::trace::{ObjId, SiteId, ThreadId};

/// The request and (unless still waiting) the acquisition of one wait.
#[derive(Clone, Copy, Debug)]
pub(super) struct WaitSteps {
    pub(super) request: (u64, Option<SiteId>),
    pub(super) acquired: Option<(u64, Option<SiteId>)>,
}

/// Other threads took `obj` `bypassed` times while `t` waited.
pub(super) fn bypass(
    cx: &Context<'_>,
    t: ThreadId,
    obj: ObjId,
    at: WaitSteps,
    bypassed: u64,
) -> Finding {
    let what = format!("bypassed {bypassed} times");
    starvation(cx, t, obj, at, "bypass", &what)
}

/// `t` waited `wait` ns for `obj`.
pub(super) fn long_wait(
    cx: &Context<'_>,
    t: ThreadId,
    obj: ObjId,
    at: WaitSteps,
    wait: u64,
) -> Finding {
    let what = format!("waited {}", duration(cx.meta.header.clock, wait));
    starvation(cx, t, obj, at, "long wait", &what)
}

fn starvation(
    cx: &Context<'_>,
    t: ThreadId,
    obj: ObjId,
    at: WaitSteps,
    reason: &str,
    what: &str,
) -> Finding {
    let lock = cx.meta.primitive(obj).display_name();
    let thread = cx.meta.thread(t).display_name();
    let waiter_site = crate::analysis::wording::site_name(cx.meta, at.request.1);
    let still = if at.acquired.is_none() {
        " and is still waiting"
    } else {
        ""
    };
    let mut f = Finding::new(
        FindingKind::Starvation,
        format!("starvation: {thread} {what} for {lock}{still}"),
        &[lock, &waiter_site, reason],
    );
    f.threads.push(thread.to_owned());
    f.primitives.push(lock.to_owned());
    f.steps.push(step(
        cx.meta,
        t,
        at.request.0,
        at.request.1,
        format!("requested {lock}"),
    ));
    match at.acquired {
        Some((index, site)) => f.steps.push(step(
            cx.meta,
            t,
            index,
            site,
            format!("acquired {lock}: {what}"),
        )),
        None => f.notes.push(format!(
            "{thread} was still waiting for {lock} when the trace ended ({what})"
        )),
    }
    f
}

/// One more occurrence of an already reported starvation.
pub(super) fn count_again(f: &mut Finding) {
    const PREFIX: &str = "more occurrences at this site in this trace: ";
    match f.notes.iter_mut().find(|n| n.starts_with(PREFIX)) {
        Some(note) => {
            let n: u64 = note[PREFIX.len()..].parse().unwrap_or(0);
            *note = format!("{PREFIX}{}", n + 1);
        }
        None => f.notes.push(format!("{PREFIX}1")),
    }
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
    let clock = cx.meta.header.clock;
    let lock = cx.meta.primitive(obj).display_name();
    let thread = cx.meta.thread(longest.thread).display_name();
    let site = crate::analysis::wording::site_name(cx.meta, longest.acquired.1);
    let held = duration(clock, longest.len);
    let mut f = Finding::new(
        FindingKind::LongHold,
        format!("long hold: {lock} held {held} by {thread}"),
        &[lock, &site],
    );
    f.threads.push(thread.to_owned());
    f.primitives.push(lock.to_owned());
    let (a, r) = (longest.acquired, longest.released);
    f.steps.push(step(
        cx.meta,
        longest.thread,
        a.0,
        a.1,
        format!("acquired {lock}"),
    ));
    f.steps.push(step(
        cx.meta,
        longest.thread,
        r.0,
        r.1,
        format!("released {lock} after {held}"),
    ));
    f.notes.push(format!(
        "the other {} holds of {lock} took {} on average",
        acc.holds - 1,
        duration(clock, others as u64)
    ));
    Some(f)
}
