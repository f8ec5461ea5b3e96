//! A shared variable whose every access is recorded, so the race and
//! lost-update analyses can see it.
//!
//! `get`, `set` and `update` record `read`, `write` and `update` events
//! with the variable's id, name and the caller's site. Each access is
//! memory-safe on its own (a private, unrecorded lock); nothing makes a
//! `get` followed by a `set` atomic, exactly like the Python the seeds
//! come from:
//!
//! ```
//! use lockscope_sync::Tracked;
//! let x = Tracked::named("x", 100);
//! let temp = x.get();      // read
//! // ... sleep: another thread may write x here ...
//! x.set(temp - 1);         // write computed from the read
//! assert_eq!(x.get(), 99);
//! ```
//!
//! `update` is the atomic read-modify-write, recorded as one event.
//!
//! Each access is recorded while that lock is held, timed after the
//! variable's previous access: a trace orders one variable's accesses as
//! they happened, so a `get` follows the `set` whose value it returned.

use std::fmt;
use std::panic::Location;

use lockscope_detector::trace::EventKind;

use crate::recorder::VarRec;

/// A recorded shared variable.
pub struct Tracked<T> {
    value: crate::raw::Mutex<T>,
    rec: VarRec,
}

impl<T> Tracked<T> {
    /// A variable holding `value`.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Tracked {
            value: crate::raw::Mutex::new(value),
            rec: VarRec::new(None, Location::caller()),
        }
    }

    /// A named variable holding `value`.
    #[track_caller]
    pub fn named(name: &'static str, value: T) -> Self {
        Tracked {
            value: crate::raw::Mutex::new(value),
            rec: VarRec::new(Some(name), Location::caller()),
        }
    }

    /// Reads the value (records `read`).
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        let site = Location::caller();
        let value = self.value.lock();
        self.rec
            .record(EventKind::Read { var: self.rec.id() }, site);
        T::clone(&value)
    }

    /// Writes the value (records `write`).
    #[track_caller]
    pub fn set(&self, value: T) {
        let site = Location::caller();
        let mut current = self.value.lock();
        self.rec
            .record(EventKind::Write { var: self.rec.id() }, site);
        *current = value;
    }

    /// Reads and writes in one atomic step (records `update`).
    #[track_caller]
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let site = Location::caller();
        let mut v = self.value.lock();
        self.rec
            .record(EventKind::Update { var: self.rec.id() }, site);
        f(&mut v)
    }

    /// The variable's id in the trace.
    pub fn id(&self) -> u32 {
        self.rec.id().0
    }

    /// The variable's name.
    pub fn name(&self) -> Option<&'static str> {
        self.rec.name()
    }

    /// The value (no access is recorded).
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// The value through exclusive access (no access is recorded).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: fmt::Debug> fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("id", &self.rec.id().0)
            .field("name", &self.rec.name())
            .field("value", &*self.value.lock())
            .finish()
    }
}
