//! `held_across_await`, live: a task's poll that ends (pending) with more
//! blocking locks held on its thread than when it began yielded holding
//! them. The thread goes on with other tasks, any of which may block on
//! such a lock, and with it the whole worker.
//!
//! lockscope's spawn calls [`polling`] and [`polled`] around each poll of
//! its tasks, and so do tokio's poll hooks (`tokio_sync::hooks`, under
//! `--cfg tokio_unstable`) for every task of the runtime. The finding is
//! the analyzer's (same kind, names and fingerprint), reported once per
//! poll that took the locks, with the policy's `held_across_await`
//! action (by default: report and go on; `panic` panics in the task,
//! which drops its guards).

use lockscope_detector::finding::build::At;
use lockscope_detector::finding::{Detail, Finding, FindingKind, Role};

use crate::held::Held;
use crate::names;
use crate::thread_state;

/// How many blocking locks the calling thread holds (at the start of a
/// poll).
#[inline]
pub(crate) fn polling() -> usize {
    thread_state::with(|ts| ts.held.borrow().len()).unwrap_or(0)
}

/// A poll that began holding `before` blocking locks ended; `pending`
/// when the task yielded.
#[inline]
pub(crate) fn polled(before: usize, pending: bool) {
    if pending && polling() > before {
        report(before);
    }
}

#[cold]
#[inline(never)]
fn report(before: usize) {
    let Some(held) = thread_state::with(|ts| ts.held.borrow().snapshot()) else {
        return;
    };
    let task = match tokio::task::try_id() {
        Some(id) => crate::recorder::task::name_of(id),
        None => return,
    };
    let current = std::thread::current();
    let worker = names::thread(crate::thread_id::current(), current.name());
    for h in held.iter().skip(before) {
        crate::policy::dispatch(finding(&task, &worker, h));
    }
}

/// The analyzer's finding for `task`, which yielded on `worker` holding `h`.
fn finding(task: &str, worker: &str, h: &Held) -> Finding {
    let lock = names::lock(&h.info);
    let site = h.site.to_string();
    let detail = Detail::HeldAcrossAwait {
        task: task.to_owned(),
        lock: lock.clone(),
        worker: worker.to_owned(),
        next: worker.to_owned(),
        site: Some(site.clone()),
        last_site: None,
    };
    let mut f = Finding::new(FindingKind::HeldAcrossAwait, &[&lock, &site], detail);
    f.threads = vec![task.to_owned(), worker.to_owned()];
    f.primitives = vec![lock.clone()];
    let acquired = Role::Acquired {
        lock: lock.clone(),
        mode: names::mode(h.info.kind, h.mode),
        waited: None,
    };
    f.steps = vec![
        names::at(h.site).step(task, acquired),
        At::default().step(
            task,
            Role::Yielded {
                holding: vec![lock],
            },
        ),
    ];
    f
}
