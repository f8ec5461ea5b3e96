//! Words for findings: display names of threads and primitives, sites as
//! `file:line:col` / `loc N`, and [`Step`]s built from trace events.

use crate::report::Step;
use crate::state::WaitTarget;
use crate::trace::{ObjId, SiteId, ThreadId, TraceMeta};

/// Thread `t`'s display name.
pub fn thread(meta: &TraceMeta, t: ThreadId) -> String {
    meta.thread(t).display_name().to_owned()
}

/// Primitive `o`'s display name.
pub fn prim(meta: &TraceMeta, o: ObjId) -> String {
    meta.primitive(o).display_name().to_owned()
}

/// A site in words, if known.
pub fn site(meta: &TraceMeta, s: Option<SiteId>) -> Option<String> {
    s.map(|s| meta.site(s).to_string())
}

/// A site in words, `?` if unknown (for identities and titles).
pub fn site_or_unknown(meta: &TraceMeta, s: Option<SiteId>) -> String {
    site(meta, s).unwrap_or_else(|| "?".to_owned())
}

/// A proof step: event `index` of thread `t` at site `s`.
pub fn step(
    meta: &TraceMeta,
    index: u64,
    t: ThreadId,
    s: Option<SiteId>,
    what: impl Into<String>,
) -> Step {
    Step {
        event: Some(index),
        thread: thread(meta, t),
        site: site(meta, s),
        what: what.into(),
        backtrace: Vec::new(),
    }
}

/// What a blocked thread waits for, in words: `L2`, `a notification on
/// cv`, `event E to be set`, `a permit of S`, `barrier B`, `thread T2 to
/// exit`.
pub fn wait_target(meta: &TraceMeta, on: WaitTarget) -> String {
    match on {
        WaitTarget::Lock { obj, .. } if !meta.primitive(obj).kind.is_lock() => {
            format!("a permit of {}", prim(meta, obj))
        }
        WaitTarget::Lock { obj, .. } => prim(meta, obj),
        WaitTarget::Condvar { condvar, .. } => {
            format!("a notification on {}", prim(meta, condvar))
        }
        WaitTarget::Event { obj } => format!("event {} to be set", prim(meta, obj)),
        WaitTarget::Barrier { obj } => format!("barrier {}", prim(meta, obj)),
        WaitTarget::Join { child } => format!("thread {} to exit", thread(meta, child)),
    }
}

/// The lockdep-style verb for a blocking step: `lock(L2)`, `wait(cv)`,
/// `wait(E)`, `join(T2)`.
pub fn wait_verb(meta: &TraceMeta, on: WaitTarget) -> String {
    match on {
        WaitTarget::Lock { obj, .. } => format!("lock({})", prim(meta, obj)),
        WaitTarget::Condvar { condvar, .. } => format!("wait({})", prim(meta, condvar)),
        WaitTarget::Event { obj } | WaitTarget::Barrier { obj } => {
            format!("wait({})", prim(meta, obj))
        }
        WaitTarget::Join { child } => format!("join({})", thread(meta, child)),
    }
}

/// The primitive a wait is on, if it is on one.
pub fn wait_obj(on: WaitTarget) -> Option<ObjId> {
    match on {
        WaitTarget::Lock { obj, .. } | WaitTarget::Event { obj } | WaitTarget::Barrier { obj } => {
            Some(obj)
        }
        WaitTarget::Condvar { condvar, .. } => Some(condvar),
        WaitTarget::Join { .. } => None,
    }
}

/// The scenario row that ends every deadlock scenario.
pub const DEADLOCK_ROW: &str = "*** DEADLOCK ***";
