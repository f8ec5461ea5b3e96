//! The lock events' fast path: a lock's acquisition or release recorded
//! and checked in one function that makes no call.
//!
//! What it promises: [`acquired`] and [`released`] do the recorder's half
//! and the live checks' half of a lock event each either completely, exactly
//! as the general path ([`ObjRec::record_in`], [`crate::live`]) would, or
//! not at all, and say which ([`Done`]); the caller runs the general path
//! for a half that was not done. A half is done here only in the usual
//! state: the thread's recorder and live-check state are initialised, the
//! thread and the lock are declared in the open recording, backtraces are
//! off, the ring and the held list have room, and the event needs no
//! lock-order check (a known held chain, a lock not held yet, the newest
//! lock released). Everything else (declarations, a full ring, re-entry,
//! a chain this thread has not checked, findings) is the general path's.
//!
//! Why it exists: a call anywhere in a function, even on a cold branch,
//! makes the compiler save callee-saved registers in its prologue on every
//! call, and the general path has calls on every rare branch. Here every
//! check is a load and a compare, and the work is a few stores: the state is
//! reached through `const` thread-local pointers
//! ([`thread_state::ready`], `recorder::local::emit_fast`) instead of
//! lazily initialised thread-locals.

use std::panic::Location;

use lockscope_detector::trace::{EventKind, LockMode, ObjId, PrimitiveKind};

use crate::meta::PrimitiveMeta;
use crate::recorder::{self, ObjRec, Sync};
use crate::thread_state::{self, ThreadState};

/// Which halves of a lock event the fast path did.
#[derive(Clone, Copy, Debug)]
#[must_use = "the general path must do what the fast path did not"]
pub(crate) struct Done {
    /// The event is recorded, or no trace is open.
    pub recorded: bool,
    /// The live checks are done (or compiled out).
    pub checked: bool,
}

impl Done {
    const NOTHING: Done = Done {
        recorded: false,
        checked: false,
    };

    /// Whether nothing is left for the general path.
    #[inline(always)]
    pub fn all(self) -> bool {
        self.recorded && self.checked
    }
}

/// The calling thread took `meta`'s lock (of `kind`, a constant at the call
/// site) in `mode` at `site`; `event` builds the recorded event from the
/// lock's trace id, which follows the lock's clocks as `sync` says.
/// `blocking` is false for a successful `try_lock`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn acquired(
    kind: PrimitiveKind,
    meta: &PrimitiveMeta,
    rec: &ObjRec,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
    sync: Sync<'_>,
    event: impl FnOnce(ObjId) -> EventKind,
) -> Done {
    let Some(id) = meta.assigned_id() else {
        return Done::NOTHING;
    };
    let checked = check(|ts| {
        // SAFETY: a lock event's fast path.
        !ts.blocked.get()
            && unsafe { crate::order::acquired_fast(ts, kind, meta, id, mode, blocking, site) }
    });
    let recorded = record(rec, id, Some(site), sync, event);
    Done { recorded, checked }
}

/// The calling thread is about to release `meta`'s lock (of `kind`);
/// `event` builds the recorded event, which publishes through the lock's
/// clock as `sync` says.
#[inline(always)]
pub(crate) fn released(
    kind: PrimitiveKind,
    meta: &PrimitiveMeta,
    rec: &ObjRec,
    sync: Sync<'_>,
    event: impl FnOnce(ObjId) -> EventKind,
) -> Done {
    let Some(id) = meta.assigned_id() else {
        return Done::NOTHING;
    };
    // SAFETY: a lock event's fast path.
    let checked = check(|ts| unsafe { crate::order::released_fast(ts, kind, id) });
    let recorded = record(rec, id, None, sync, event);
    Done { recorded, checked }
}

/// The live checks' half: whether `check` did it on the calling thread's
/// state (true with the checks compiled out; false, with nothing done,
/// before the state is initialised).
#[inline(always)]
fn check(check: impl FnOnce(&ThreadState) -> bool) -> bool {
    // SAFETY: the state is used only within this call.
    !crate::hook::LIVE || unsafe { thread_state::ready() }.is_some_and(check)
}

/// The recorder's half: whether the event is recorded or no trace is open
/// (false, with nothing done, when that is undecided or the event needs the
/// general path).
#[inline(always)]
fn record(
    rec: &ObjRec,
    id: u64,
    site: Option<&'static Location<'static>>,
    sync: Sync<'_>,
    event: impl FnOnce(ObjId) -> EventKind,
) -> bool {
    match recorder::active_if_decided() {
        Some(None) => true,
        Some(Some(session)) => rec.record_fast(session, id, event, site, sync),
        None => false,
    }
}
