//! The live checks as the primitives call them: each call runs the
//! checks ([`crate::live`]) and acts on what they found through the policy
//! ([`crate::policy`]), the top of the live checks' layers. Compiled out
//! without the `record` feature, so that build carries no checks at all
//! (and under loom).

use std::panic::Location;
use std::time::{Duration, Instant};

use lockscope_detector::trace::LockMode;
#[cfg(feature = "record")]
use lockscope_detector::trace::PrimitiveKind;

use crate::live;
pub(crate) use crate::live::Wait;
use crate::meta::PrimitiveMeta;
use crate::policy;

/// Whether the live checks run: with the `record` feature, and not under
/// loom (whose threads share one OS thread's thread-locals).
pub(crate) const LIVE: bool = cfg!(all(feature = "record", not(lockscope_loom)));

/// The calling thread is about to block on `wait` at `site`: the
/// lock-order checks (a finding's `panic` action leaves nothing
/// published), then the wait is published to the watchdog, which is
/// started if it is not running.
#[inline]
pub(crate) fn before_block(wait: Wait<'_>, site: &'static Location<'static>) {
    before_block_until(wait, site, None);
}

/// [`before_block`] for a wait that gives up at `deadline` (if any).
#[inline]
pub(crate) fn before_block_until(
    wait: Wait<'_>,
    site: &'static Location<'static>,
    deadline: Option<Instant>,
) {
    if !LIVE {
        return;
    }
    policy::init();
    if let Wait::Lock { lock, mode } = wait {
        if let Some(f) = live::before_lock(lock, mode, site) {
            policy::dispatch(f);
        }
        if live::requested(lock, mode, site) {
            policy::dispatch_pending();
        }
    }
    live::publish(wait, site, deadline);
    policy::ensure_watchdog();
}

/// How long a blocked primitive may wait before calling [`check_abort`]
/// again: `None` when the policy has the watchdog off (block without
/// slices; a thread already blocked when the watchdog is turned on is
/// reported but cannot be woken).
#[inline]
pub(crate) fn block_slice() -> Option<Duration> {
    (LIVE && policy::watchdog_on()).then_some(Duration::from_millis(50))
}

#[inline]
pub(crate) fn acquired(
    lock: &PrimitiveMeta,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) {
    if LIVE && live::acquired(lock.kind(), lock, mode, blocking, site) {
        policy::dispatch_pending();
    }
}

/// [`live::in_condvar_wait`] (`None`, doing nothing, with the checks off).
#[cfg(feature = "record")]
#[inline]
pub(crate) fn in_condvar_wait(
    wait: crate::watchdog::registry::CondvarWait,
) -> Option<live::InCondvarWait> {
    if LIVE {
        live::in_condvar_wait(wait)
    } else {
        None
    }
}

/// [`live::check_abort`], with the checks on.
#[inline]
pub(crate) fn check_abort() {
    if LIVE {
        live::check_abort();
    }
}

#[inline]
pub(crate) fn wait_ended() {
    if LIVE {
        live::wait_ended();
    }
}

#[inline]
pub(crate) fn released(lock: &PrimitiveMeta, mode: LockMode) {
    let _ = mode;
    if LIVE {
        live::released(lock.kind(), lock);
    }
}

/// [`acquired`] for a lock whose kind is a constant at the call site: the
/// raw locks' hot path, with the checks that do not apply folded away.
#[cfg(feature = "record")]
#[inline(always)]
pub(crate) fn acquired_as(
    kind: PrimitiveKind,
    lock: &PrimitiveMeta,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) {
    if LIVE && live::acquired(kind, lock, mode, blocking, site) {
        policy::dispatch_pending();
    }
}

/// [`released`] for a lock whose kind is a constant at the call site.
#[cfg(feature = "record")]
#[inline(always)]
pub(crate) fn released_as(kind: PrimitiveKind, lock: &PrimitiveMeta) {
    if LIVE {
        live::released(kind, lock);
    }
}

#[inline]
pub(crate) fn dropped(prim: &PrimitiveMeta) {
    if LIVE {
        live::dropped(prim);
    }
}
