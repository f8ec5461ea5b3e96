//! Event records: [`EventFields`] (from the fast scanner or a serde
//! [`Record`](super::record::Record)) to [`Event`], for the JSON readers.
//!
//! Which fields each event type requires, and their defaults, are the
//! tables of `docs/trace-format.md`.
//!
//! # Performance
//! A match on the type and one vector index per id.

use super::decode::Decoder;
use super::fast::EventFields;
use super::record::RECORD_TYPES;
use crate::trace::error::TraceErrorKind;
use crate::trace::event::{Event, EventKind, LockMode, ObjId, ThreadId, VarId};
use crate::trace::event_type::EventType;
use crate::trace::tables::{bad, req, FieldError};

impl Decoder {
    /// Decodes an event record's fields (from [`scan`] or a serde
    /// `Record`).
    ///
    /// [`scan`]: super::fast::scan
    pub fn event(&mut self, rec: &EventFields<'_>) -> Result<Event, FieldError> {
        let ty = rec.ty;
        // The thread field comes first in a record: intern it first.
        let thread = rec.thread.map(|t| self.tables.thread(t));
        let kind = self.kind(ty, rec)?;
        let thread = req(thread, ty, "thread")?;
        let time = req(rec.t, ty, "t")?;
        let site = rec.site.map(|s| self.tables.site(s, "site")).transpose()?;
        let backtrace = rec.bt.map(|b| self.tables.backtrace(b, "bt")).transpose()?;
        Ok(Event {
            time,
            thread,
            site,
            backtrace,
            kind,
        })
    }

    fn obj(&self, id: Option<u64>, ty: &str, field: &'static str) -> Result<ObjId, FieldError> {
        self.tables.obj(req(id, ty, field)?, field)
    }

    fn var_ref(&self, rec: &EventFields<'_>, ty: &str) -> Result<VarId, FieldError> {
        self.tables.var(req(rec.var, ty, "var")?, "var")
    }

    fn child(&mut self, rec: &EventFields<'_>, ty: &str) -> Result<ThreadId, FieldError> {
        Ok(self.tables.thread(req(rec.child, ty, "child")?))
    }

    fn kind(&mut self, ty: &str, rec: &EventFields<'_>) -> Result<EventKind, FieldError> {
        use EventKind as K;
        use EventType as T;
        let Some(event_type) = EventType::parse(ty) else {
            return Err(FieldError {
                field: Some("type"),
                kind: TraceErrorKind::UnknownEvent {
                    found: ty.to_owned(),
                    expected: RECORD_TYPES,
                },
            });
        };
        let mode = |field: &'static str, value: &Option<&str>| {
            let value = req(*value, ty, field)?;
            LockMode::parse(value)
                .ok_or_else(|| bad(field, value, "one of exclusive, shared, upgradable"))
        };
        Ok(match event_type {
            T::ThreadStart => K::ThreadStart {
                parent: rec.parent.map(|p| self.tables.thread(p)),
            },
            T::ThreadExit => K::ThreadExit,
            T::Fork => K::Fork {
                child: self.child(rec, ty)?,
            },
            T::JoinRequest => K::JoinRequest {
                child: self.child(rec, ty)?,
            },
            T::Join => K::Join {
                child: self.child(rec, ty)?,
            },
            T::Request => K::Request {
                obj: self.obj(rec.obj, ty, "obj")?,
                mode: mode("mode", &rec.mode)?,
            },
            T::Acquired => K::Acquired {
                obj: self.obj(rec.obj, ty, "obj")?,
                mode: mode("mode", &rec.mode)?,
                depth: rec.depth.unwrap_or(1),
            },
            T::TryFailed => K::TryFailed {
                obj: self.obj(rec.obj, ty, "obj")?,
                mode: mode("mode", &rec.mode)?,
            },
            T::Released => K::Released {
                obj: self.obj(rec.obj, ty, "obj")?,
                mode: mode("mode", &rec.mode)?,
            },
            T::Upgraded => K::Upgraded {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            T::Downgraded => K::Downgraded {
                obj: self.obj(rec.obj, ty, "obj")?,
                to: mode("to", &rec.to)?,
            },
            T::CondWait => K::CondWait {
                condvar: self.obj(rec.condvar, ty, "condvar")?,
                mutex: self.obj(rec.mutex, ty, "mutex")?,
                timed: rec.timed.unwrap_or(false),
            },
            T::CondWoken => K::CondWoken {
                condvar: self.obj(rec.condvar, ty, "condvar")?,
                mutex: self.obj(rec.mutex, ty, "mutex")?,
                timed_out: rec.timed_out.unwrap_or(false),
            },
            T::Notify => K::Notify {
                condvar: self.obj(rec.condvar, ty, "condvar")?,
                all: rec.all.unwrap_or(false),
                woken: rec.woken.unwrap_or(0),
            },
            T::SemAcquired => K::SemAcquired {
                obj: self.obj(rec.obj, ty, "obj")?,
                permits: rec.permits.unwrap_or(1),
            },
            T::SemReleased => K::SemReleased {
                obj: self.obj(rec.obj, ty, "obj")?,
                permits: rec.permits.unwrap_or(1),
            },
            T::EventSet => K::EventSet {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            T::EventClear => K::EventClear {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            T::EventWait => K::EventWait {
                obj: self.obj(rec.obj, ty, "obj")?,
                timed: rec.timed.unwrap_or(false),
            },
            T::EventWoken => K::EventWoken {
                obj: self.obj(rec.obj, ty, "obj")?,
                timed_out: rec.timed_out.unwrap_or(false),
            },
            T::BarrierWait => K::BarrierWait {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            T::BarrierPassed => K::BarrierPassed {
                obj: self.obj(rec.obj, ty, "obj")?,
                leader: rec.leader.unwrap_or(false),
            },
            T::Read => K::Read {
                var: self.var_ref(rec, ty)?,
            },
            T::Write => K::Write {
                var: self.var_ref(rec, ty)?,
            },
            T::Update => K::Update {
                var: self.var_ref(rec, ty)?,
            },
            T::Begin => K::Begin,
            T::End => K::End,
            T::Note => K::Note {
                note: self.tables.note(req(rec.note, ty, "note")?, "note")?,
            },
            T::Scheduled => K::Scheduled {
                worker: self.tables.thread(req(rec.worker, ty, "worker")?),
            },
        })
    }
}
