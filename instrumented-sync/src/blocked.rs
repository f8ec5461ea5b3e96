//! The one blocking path: what a lockscope primitive does from the moment
//! it finds that it must wait until the wait ends. The mutex, the rwlock
//! (every mode, and the upgrade) and the reentrant mutex all block through
//! [`LockRef::block`]; the semaphore, the event and the barrier wait in
//! the same watchdog slices through [`sliced`].
//!
//! A lock's blocking acquisition, in order:
//! 1. the `request` event is recorded and the wait is published to the live
//!    checks ([`hook::before_block_until`]): the lock-order check runs (it
//!    may panic, before anything is held) and the thread's watchdog slot
//!    says what it waits for;
//! 2. the wait runs in slices of at most [`live::block_slice`]; after each
//!    slice that did not end it, [`live::check_abort`] acts on a deadlock
//!    verdict the watchdog left in the slot (policy `panic`: the thread
//!    panics with the report, holding nothing new);
//! 3. taken: the caller records the acquisition its own way (each lock has
//!    its own event and clocks), which also withdraws the published wait;
//!    given up at the deadline: the `try_failed` event is recorded and the
//!    wait is withdrawn ([`hook::wait_ended`]); ended by the watchdog's
//!    verdict (a panic out of step 2): the `try_failed` event is recorded
//!    while unwinding, so the trace shows the wait given up.
//!
//! # Performance
//! Only reached once a lock is found taken (after the raw lock's own brief
//! spin, for `lock`): one event, the live checks' publication and a clock
//! read per slice, next to a park that costs microseconds.

#[cfg(feature = "record")]
use std::panic::Location;
use std::time::Instant;

#[cfg(feature = "record")]
use lockscope_detector::trace::{EventKind, LockMode};

use crate::hook as live;
#[cfg(feature = "record")]
use crate::hook::Wait;
#[cfg(feature = "record")]
use crate::meta::PrimitiveMeta;
#[cfg(feature = "record")]
use crate::recorder::{obj_id, ObjRec, Sync};

/// A lock's identity and recorder state: what its blocking path records
/// against.
#[cfg(feature = "record")]
#[derive(Clone, Copy)]
pub(crate) struct LockRef<'a> {
    pub meta: &'a PrimitiveMeta,
    pub rec: &'a ObjRec,
}

#[cfg(feature = "record")]
impl LockRef<'_> {
    /// Blocks for the lock in `mode` at `site` until `deadline` (for
    /// `None`, until taken): `attempt(until)` waits for the real lock until
    /// `until` (without limit for `None`) and returns what taking it gave.
    /// `None` once the deadline has passed, recorded; on `Some` the caller
    /// records the acquisition.
    #[cold]
    #[inline(never)]
    pub(crate) fn block<G>(
        self,
        mode: LockMode,
        site: &'static Location<'static>,
        deadline: Option<Instant>,
        attempt: impl FnMut(Option<Instant>) -> Option<G>,
    ) -> Option<G> {
        let kind = EventKind::Request {
            obj: obj_id(self.meta),
            mode,
        };
        self.rec.record(self.meta, kind, Some(site), Sync::None);
        let wait = Wait::Lock {
            lock: self.meta,
            mode,
        };
        live::before_block_until(wait, site, deadline);
        // The watchdog's verdict unwinds out of `sliced`: the wait ends
        // without the lock, as a timed-out one does, so the trace does not
        // show the thread waiting until the end.
        let given_up = GiveUp {
            lock: self,
            mode,
            site,
        };
        let taken = sliced(deadline, attempt);
        std::mem::forget(given_up);
        if taken.is_none() {
            self.try_failed(mode, site);
            live::wait_ended();
        }
        taken
    }

    /// An attempt to take the lock in `mode` at `site` failed (a `try_*`,
    /// or a timed lock at its deadline).
    pub(crate) fn try_failed(self, mode: LockMode, site: &'static Location<'static>) {
        let kind = EventKind::TryFailed {
            obj: obj_id(self.meta),
            mode,
        };
        self.rec.record(self.meta, kind, Some(site), Sync::None);
    }
}

/// Records the end of a lock wait that unwinds (a deadlock verdict of the
/// watchdog): forgotten when the wait returns.
#[cfg(feature = "record")]
struct GiveUp<'a> {
    lock: LockRef<'a>,
    mode: LockMode,
    site: &'static Location<'static>,
}

#[cfg(feature = "record")]
impl Drop for GiveUp<'_> {
    fn drop(&mut self) {
        self.lock.try_failed(self.mode, self.site);
    }
}

/// Waits with `attempt(until)` in slices of [`live::block_slice`], calling
/// [`live::check_abort`] between slices so a deadlocked thread can be woken
/// by the watchdog. `attempt(None)` may block without limit. Returns `None`
/// once `deadline` has passed without success.
pub(crate) fn sliced<G>(
    deadline: Option<Instant>,
    mut attempt: impl FnMut(Option<Instant>) -> Option<G>,
) -> Option<G> {
    let slice = if live::LIVE {
        crate::live::block_slice()
    } else {
        None
    };
    loop {
        let until = match slice {
            None => deadline,
            Some(s) => {
                let next = Instant::now() + s;
                Some(deadline.map_or(next, |d| d.min(next)))
            }
        };
        if let Some(g) = attempt(until) {
            crate::recorder::tick();
            return Some(g);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            crate::recorder::tick();
            return None;
        }
        if live::LIVE {
            crate::live::check_abort();
        }
    }
}
