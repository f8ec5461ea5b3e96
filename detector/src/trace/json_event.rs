//! Event records: [`EventFields`] (from the fast scanner or a serde
//! [`Record`](super::wire::Record)) to [`Event`], for the JSON readers.
//!
//! Which fields each event type requires, and their defaults, are the
//! tables of `docs/trace-format.md`.
//!
//! # Performance
//! A match on the type and one vector index per id.

use super::json_decode::{bad, lookup, req, Decoder, FieldError};
use super::json_fast::EventFields;
use super::wire::RECORD_TYPES;
use super::{
    BacktraceId, Event, EventKind, LockMode, NoteId, ObjId, ThreadId, TraceErrorKind, VarId,
};

impl Decoder {
    /// Decodes an event record's fields (from [`json_fast::scan`] or a
    /// serde `Record`).
    ///
    /// [`json_fast::scan`]: super::json_fast::scan
    pub fn event(&mut self, rec: &EventFields<'_>) -> Result<Event, FieldError> {
        let ty = rec.ty;
        // The thread field comes first in a record: intern it first.
        let thread = rec.thread.map(|t| self.thread_ref(t));
        let kind = self.kind(ty, rec)?;
        let thread = req(thread, ty, "thread")?;
        let time = req(rec.t, ty, "t")?;
        let site = self.site_ref(rec.site, ty)?;
        let backtrace = rec
            .bt
            .map(|b| lookup(&self.ids.backtraces, Some(b), ty, "bt", "backtrace"))
            .transpose()?
            .map(BacktraceId);
        Ok(Event {
            time,
            thread,
            site,
            backtrace,
            kind,
        })
    }

    fn obj(&self, id: Option<u64>, ty: &str, field: &'static str) -> Result<ObjId, FieldError> {
        lookup(&self.ids.prims, id, ty, field, "primitive").map(ObjId)
    }

    fn var_ref(&self, rec: &EventFields<'_>, ty: &str) -> Result<VarId, FieldError> {
        lookup(&self.ids.vars, rec.var, ty, "var", "variable").map(VarId)
    }

    fn child(&mut self, rec: &EventFields<'_>, ty: &str) -> Result<ThreadId, FieldError> {
        Ok(self.thread_ref(req(rec.child, ty, "child")?))
    }

    fn kind(&mut self, ty: &str, rec: &EventFields<'_>) -> Result<EventKind, FieldError> {
        use EventKind as K;
        let mode = |field: &'static str, value: &Option<&str>| {
            let value = req(*value, ty, field)?;
            LockMode::parse(value)
                .ok_or_else(|| bad(field, value, "one of exclusive, shared, upgradable"))
        };
        Ok(match ty {
            "thread_start" => K::ThreadStart {
                parent: rec.parent.map(|p| self.thread_ref(p)),
            },
            "thread_exit" => K::ThreadExit,
            "fork" => K::Fork {
                child: self.child(rec, ty)?,
            },
            "join_request" => K::JoinRequest {
                child: self.child(rec, ty)?,
            },
            "join" => K::Join {
                child: self.child(rec, ty)?,
            },
            "request" => K::Request {
                obj: self.obj(rec.obj, ty, "obj")?,
                mode: mode("mode", &rec.mode)?,
            },
            "acquired" => K::Acquired {
                obj: self.obj(rec.obj, ty, "obj")?,
                mode: mode("mode", &rec.mode)?,
                depth: rec.depth.unwrap_or(1),
            },
            "try_failed" => K::TryFailed {
                obj: self.obj(rec.obj, ty, "obj")?,
                mode: mode("mode", &rec.mode)?,
            },
            "released" => K::Released {
                obj: self.obj(rec.obj, ty, "obj")?,
                mode: mode("mode", &rec.mode)?,
            },
            "upgraded" => K::Upgraded {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            "downgraded" => K::Downgraded {
                obj: self.obj(rec.obj, ty, "obj")?,
                to: mode("to", &rec.to)?,
            },
            "cond_wait" => K::CondWait {
                condvar: self.obj(rec.condvar, ty, "condvar")?,
                mutex: self.obj(rec.mutex, ty, "mutex")?,
            },
            "cond_woken" => K::CondWoken {
                condvar: self.obj(rec.condvar, ty, "condvar")?,
                mutex: self.obj(rec.mutex, ty, "mutex")?,
                timed_out: rec.timed_out.unwrap_or(false),
            },
            "notify" => K::Notify {
                condvar: self.obj(rec.condvar, ty, "condvar")?,
                all: rec.all.unwrap_or(false),
                woken: rec.woken.unwrap_or(0),
            },
            "sem_acquired" => K::SemAcquired {
                obj: self.obj(rec.obj, ty, "obj")?,
                permits: rec.permits.unwrap_or(1),
            },
            "sem_released" => K::SemReleased {
                obj: self.obj(rec.obj, ty, "obj")?,
                permits: rec.permits.unwrap_or(1),
            },
            "event_set" => K::EventSet {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            "event_clear" => K::EventClear {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            "event_wait" => K::EventWait {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            "event_woken" => K::EventWoken {
                obj: self.obj(rec.obj, ty, "obj")?,
                timed_out: rec.timed_out.unwrap_or(false),
            },
            "barrier_wait" => K::BarrierWait {
                obj: self.obj(rec.obj, ty, "obj")?,
            },
            "barrier_passed" => K::BarrierPassed {
                obj: self.obj(rec.obj, ty, "obj")?,
                leader: rec.leader.unwrap_or(false),
            },
            "read" => K::Read {
                var: self.var_ref(rec, ty)?,
            },
            "write" => K::Write {
                var: self.var_ref(rec, ty)?,
            },
            "update" => K::Update {
                var: self.var_ref(rec, ty)?,
            },
            "begin" => K::Begin,
            "end" => K::End,
            "note" => K::Note {
                note: lookup(&self.ids.notes, rec.note, ty, "note", "note").map(NoteId)?,
            },
            _ => {
                return Err(FieldError {
                    field: Some("type"),
                    kind: TraceErrorKind::UnknownEvent {
                        found: ty.to_owned(),
                        expected: RECORD_TYPES,
                    },
                })
            }
        })
    }
}
