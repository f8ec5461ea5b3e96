//! An event flag (Python's `threading.Event`): `set` wakes every waiter and
//! lets later waits pass, `clear` resets it, `wait` blocks until it is set
//! (optionally with a timeout).
//!
//! Records `event_set`, `event_clear`, and for each wait `event_wait` then
//! `event_woken` (with whether it timed out); a wait that finds the flag
//! already set records both without blocking. A wait that blocks calls
//! `live::before_block(Wait::Event)`.

use std::panic::Location;
use std::time::{Duration, Instant};

use lockscope_detector::trace::{EventKind, PrimitiveKind};

use crate::hook::{self as live, Wait};
use crate::meta::PrimitiveMeta;
use crate::primitive::blocking::{self, Condvar, Mutex};
use crate::recorder::{obj_id, ObjRec, Sync};

/// A flag threads can wait on.
#[derive(Debug)]
pub struct Event {
    flag: Mutex<bool>,
    changed: Condvar,
    rec: ObjRec,
    meta: PrimitiveMeta,
}

impl Default for Event {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl Event {
    /// An unset event.
    #[track_caller]
    pub fn new() -> Self {
        Self::build(None)
    }

    /// A named unset event.
    #[track_caller]
    pub fn named(name: &'static str) -> Self {
        Self::build(Some(name))
    }

    #[track_caller]
    fn build(name: Option<&'static str>) -> Self {
        Event {
            flag: Mutex::new(false),
            changed: Condvar::new(),
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::Event, name),
        }
    }

    /// The event's identity.
    pub fn meta(&self) -> &PrimitiveMeta {
        &self.meta
    }

    /// Sets the flag and wakes every waiter.
    #[track_caller]
    pub fn set(&self) {
        let site = Location::caller();
        let mut flag = blocking::lock(&self.flag);
        *flag = true;
        let kind = EventKind::EventSet {
            obj: obj_id(&self.meta),
        };
        self.rec
            .record(&self.meta, kind, Some(site), Sync::ReleaseShared);
        self.changed.notify_all();
        drop(flag);
    }

    /// Clears the flag.
    #[track_caller]
    pub fn clear(&self) {
        let site = Location::caller();
        let mut flag = blocking::lock(&self.flag);
        *flag = false;
        let kind = EventKind::EventClear {
            obj: obj_id(&self.meta),
        };
        self.rec.record(&self.meta, kind, Some(site), Sync::None);
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        *blocking::lock(&self.flag)
    }

    /// Blocks until the flag is set; returns true (as Python's `wait()`).
    #[track_caller]
    pub fn wait(&self) -> bool {
        let site = Location::caller();
        self.wait_deadline(None, site)
    }

    /// Blocks until the flag is set or `timeout` passes; returns whether
    /// the flag is set (Python's `wait(timeout)`).
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let site = Location::caller();
        self.wait_deadline(Instant::now().checked_add(timeout), site)
    }

    fn wait_deadline(&self, deadline: Option<Instant>, site: &'static Location<'static>) -> bool {
        let obj = obj_id(&self.meta);
        let mut flag = blocking::lock(&self.flag);
        self.rec.record(
            &self.meta,
            EventKind::EventWait {
                obj,
                timed: deadline.is_some(),
            },
            Some(site),
            Sync::None,
        );
        if !*flag {
            live::before_block_until(Wait::Event { event: &self.meta }, site, deadline);
            crate::blocked::sliced(deadline, |until| {
                while !*flag {
                    if self.changed.wait_deadline(&mut flag, until) {
                        return (*flag).then_some(());
                    }
                }
                Some(())
            });
            live::wait_ended();
        }
        let set = *flag;
        let woken = EventKind::EventWoken {
            obj,
            timed_out: !set,
        };
        self.rec
            .record(&self.meta, woken, Some(site), Sync::Acquire);
        set
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}
