//! The live-check calls of the primitives lockscope implements itself
//! (semaphore, event, barrier, threads), compiled out with the `record`
//! feature so that build carries no checks at all (and under loom).

use std::panic::Location;
use std::time::Instant;

use lockscope_detector::trace::LockMode;
#[cfg(feature = "record")]
use lockscope_detector::trace::PrimitiveKind;

use crate::live;
pub(crate) use crate::live::Wait;
use crate::meta::PrimitiveMeta;

/// Whether the live checks run: with the `record` feature, and not under
/// loom (whose threads share one OS thread's thread-locals).
pub(crate) const LIVE: bool = cfg!(all(feature = "record", not(lockscope_loom)));

#[inline]
pub(crate) fn before_block(wait: Wait<'_>, site: &'static Location<'static>) {
    if LIVE {
        live::before_block(wait, site);
    }
}

#[inline]
pub(crate) fn acquired(
    lock: &PrimitiveMeta,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) {
    if LIVE {
        live::acquired(lock, mode, blocking, site);
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
#[cfg(feature = "record")]
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
    if LIVE {
        live::released(lock, mode);
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
    if LIVE {
        live::acquired_as(kind, lock, mode, blocking, site);
    }
}

/// [`released`] for a lock whose kind is a constant at the call site.
#[cfg(feature = "record")]
#[inline(always)]
pub(crate) fn released_as(kind: PrimitiveKind, lock: &PrimitiveMeta) {
    if LIVE {
        live::released_as(kind, lock);
    }
}

#[inline]
pub(crate) fn dropped(prim: &PrimitiveMeta) {
    if LIVE {
        live::dropped(prim);
    }
}

/// [`before_block`] for a wait that gives up at `deadline` (if any).
#[inline]
pub(crate) fn before_block_until(
    wait: Wait<'_>,
    site: &'static Location<'static>,
    deadline: Option<Instant>,
) {
    match deadline {
        Some(d) => {
            if LIVE {
                live::before_block_timed(wait, site, d.saturating_duration_since(Instant::now()));
            }
        }
        None => before_block(wait, site),
    }
}
