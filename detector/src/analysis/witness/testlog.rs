//! Logs built from event lists, for the unit tests of the witness search.

use super::Log;
use crate::analysis::testkit::event;
use crate::trace::{EventKind, LockMode, ObjId, VarId};

/// The log of `events`, each `(thread, what it does)`.
pub fn log(events: &[(u32, EventKind)]) -> Log {
    let mut log = Log::default();
    for &(t, kind) in events {
        log.on_event(&event(t, kind), u64::MAX, |_| true);
    }
    log
}

/// An exclusive acquisition of lock `l`.
pub fn acq(l: u32) -> EventKind {
    EventKind::Acquired {
        obj: ObjId(l),
        mode: LockMode::Exclusive,
        depth: 1,
    }
}

/// A release of lock `l`.
pub fn rel(l: u32) -> EventKind {
    EventKind::Released {
        obj: ObjId(l),
        mode: LockMode::Exclusive,
    }
}

/// A request of lock `l`.
pub fn req(l: u32) -> EventKind {
    EventKind::Request {
        obj: ObjId(l),
        mode: LockMode::Exclusive,
    }
}

/// A write and a read of variable 0.
pub const W: EventKind = EventKind::Write { var: VarId(0) };
pub const R: EventKind = EventKind::Read { var: VarId(0) };
