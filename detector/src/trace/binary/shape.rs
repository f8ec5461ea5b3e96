//! Each event type's fields in the binary encoding: its operands (ids, in
//! order), its optional value, its flag and its lock mode. [`parts`] takes
//! an event apart for the encoder, [`assemble`] puts it back together for
//! the decoder; the test checks the two agree on every type.
//!
//! | types | operands | value (default) | flag | mode |
//! |---|---|---|---|---|
//! | `thread_start` | | `parent` thread (none) | | |
//! | `fork`, `join_request`, `join` | `child` thread | | | |
//! | `request`, `try_failed`, `released` | `obj` | | | `mode` |
//! | `acquired` | `obj` | `depth` (1) | | `mode` |
//! | `upgraded`, `event_set`, `event_clear`, `barrier_wait` | `obj` | | | |
//! | `event_wait` | `obj` | | `timed` | |
//! | `downgraded` | `obj` | | | `to` |
//! | `cond_wait` | `condvar`, `mutex` | | `timed` | |
//! | `cond_woken` | `condvar`, `mutex` | | `timed_out` | |
//! | `notify` | `condvar` | `woken` (0) | `all` | |
//! | `sem_acquired`, `sem_released` | `obj` | `permits` (1) | | |
//! | `event_woken` | `obj` | | `timed_out` | |
//! | `barrier_passed` | `obj` | | `leader` | |
//! | `read`, `write`, `update` | `var` | | | |
//! | `note` | `note` | | | |
//! | `thread_exit`, `begin`, `end` | | | | |

use crate::trace::encode::FileIds;
use crate::trace::event::{EventKind, LockMode};
use crate::trace::event_type::EventType;
use crate::trace::tables::{FieldError, Tables};

/// An event taken apart. Operand ids are file ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parts {
    pub operands: [u64; 2],
    pub mode: LockMode,
    pub flag: bool,
    /// The value when it is not the type's default.
    pub value: Option<u64>,
}

/// What a type has besides its operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    pub operands: usize,
    pub value: bool,
    pub flag: bool,
    pub mode: bool,
}

/// The fields type `ty` has.
pub(crate) fn shape(ty: EventType) -> Shape {
    use EventType as T;
    let (operands, value, flag, mode) = match ty {
        T::ThreadStart => (0, true, false, false),
        T::ThreadExit | T::Begin | T::End => (0, false, false, false),
        T::Fork | T::JoinRequest | T::Join => (1, false, false, false),
        T::Request | T::TryFailed | T::Released | T::Downgraded => (1, false, false, true),
        T::Acquired => (1, true, false, true),
        T::Upgraded | T::EventSet | T::EventClear | T::BarrierWait => (1, false, false, false),
        T::EventWait => (1, false, true, false),
        T::CondWait => (2, false, true, false),
        T::CondWoken => (2, false, true, false),
        T::Notify => (1, true, true, false),
        T::SemAcquired | T::SemReleased => (1, true, false, false),
        T::EventWoken | T::BarrierPassed => (1, false, true, false),
        T::Read | T::Write | T::Update | T::Note | T::Scheduled => (1, false, false, false),
    };
    Shape {
        operands,
        value,
        flag,
        mode,
    }
}

/// `v` unless it is `default`.
fn unless(v: u32, default: u32) -> Option<u64> {
    (v != default).then_some(u64::from(v))
}

/// Takes `kind` apart, its ids mapped by `ids`.
#[inline]
pub(crate) fn parts(kind: &EventKind, ids: &impl FileIds) -> Parts {
    use EventKind as K;
    let mut p = Parts {
        operands: [0; 2],
        mode: LockMode::Exclusive,
        flag: false,
        value: None,
    };
    match *kind {
        K::ThreadStart { parent } => p.value = parent.map(|t| ids.thread(t)),
        K::ThreadExit | K::Begin | K::End => {}
        K::Fork { child } | K::JoinRequest { child } | K::Join { child } => {
            p.operands[0] = ids.thread(child);
        }
        K::Request { obj, mode } | K::TryFailed { obj, mode } | K::Released { obj, mode } => {
            p.operands[0] = ids.obj(obj);
            p.mode = mode;
        }
        K::Acquired { obj, mode, depth } => {
            p.operands[0] = ids.obj(obj);
            p.mode = mode;
            p.value = unless(depth, 1);
        }
        K::Downgraded { obj, to } => {
            p.operands[0] = ids.obj(obj);
            p.mode = to;
        }
        K::Upgraded { obj }
        | K::EventSet { obj }
        | K::EventClear { obj }
        | K::BarrierWait { obj } => p.operands[0] = ids.obj(obj),
        K::EventWait { obj, timed } => {
            p.operands[0] = ids.obj(obj);
            p.flag = timed;
        }
        K::CondWait {
            condvar,
            mutex,
            timed,
        } => {
            p.operands = [ids.obj(condvar), ids.obj(mutex)];
            p.flag = timed;
        }
        K::CondWoken {
            condvar,
            mutex,
            timed_out,
        } => {
            p.operands = [ids.obj(condvar), ids.obj(mutex)];
            p.flag = timed_out;
        }
        K::Notify {
            condvar,
            all,
            woken,
        } => {
            p.operands[0] = ids.obj(condvar);
            p.flag = all;
            p.value = unless(woken, 0);
        }
        K::SemAcquired { obj, permits } | K::SemReleased { obj, permits } => {
            p.operands[0] = ids.obj(obj);
            p.value = unless(permits, 1);
        }
        K::EventWoken { obj, timed_out } => {
            p.operands[0] = ids.obj(obj);
            p.flag = timed_out;
        }
        K::BarrierPassed { obj, leader } => {
            p.operands[0] = ids.obj(obj);
            p.flag = leader;
        }
        K::Read { var } | K::Write { var } | K::Update { var } => p.operands[0] = ids.var(var),
        K::Note { note } => p.operands[0] = ids.note(note),
        K::Scheduled { worker } => p.operands[0] = ids.thread(worker),
    }
    p
}

/// A value that must fit 32 bits.
fn small(v: Option<u64>, default: u32, field: &'static str) -> Result<u32, FieldError> {
    match v {
        None => Ok(default),
        Some(v) => u32::try_from(v)
            .map_err(|_| crate::trace::tables::bad(field, &v.to_string(), "a number below 2^32")),
    }
}

/// Puts an event of type `ty` back together, its ids resolved in `tables`
/// (a thread id not seen before declares the thread).
pub(crate) fn assemble(
    ty: EventType,
    p: &Parts,
    tables: &mut Tables,
) -> Result<EventKind, FieldError> {
    use EventKind as K;
    use EventType as T;
    let [a, b] = p.operands;
    Ok(match ty {
        T::ThreadStart => K::ThreadStart {
            parent: p.value.map(|t| tables.thread(t)),
        },
        T::ThreadExit => K::ThreadExit,
        T::Begin => K::Begin,
        T::End => K::End,
        T::Fork => K::Fork {
            child: tables.thread(a),
        },
        T::JoinRequest => K::JoinRequest {
            child: tables.thread(a),
        },
        T::Join => K::Join {
            child: tables.thread(a),
        },
        T::Request => K::Request {
            obj: tables.obj(a, "obj")?,
            mode: p.mode,
        },
        T::TryFailed => K::TryFailed {
            obj: tables.obj(a, "obj")?,
            mode: p.mode,
        },
        T::Released => K::Released {
            obj: tables.obj(a, "obj")?,
            mode: p.mode,
        },
        T::Acquired => K::Acquired {
            obj: tables.obj(a, "obj")?,
            mode: p.mode,
            depth: small(p.value, 1, "depth")?,
        },
        T::Downgraded => K::Downgraded {
            obj: tables.obj(a, "obj")?,
            to: p.mode,
        },
        T::Upgraded => K::Upgraded {
            obj: tables.obj(a, "obj")?,
        },
        T::EventSet => K::EventSet {
            obj: tables.obj(a, "obj")?,
        },
        T::EventClear => K::EventClear {
            obj: tables.obj(a, "obj")?,
        },
        T::EventWait => K::EventWait {
            obj: tables.obj(a, "obj")?,
            timed: p.flag,
        },
        T::BarrierWait => K::BarrierWait {
            obj: tables.obj(a, "obj")?,
        },
        T::CondWait => K::CondWait {
            condvar: tables.obj(a, "condvar")?,
            mutex: tables.obj(b, "mutex")?,
            timed: p.flag,
        },
        T::CondWoken => K::CondWoken {
            condvar: tables.obj(a, "condvar")?,
            mutex: tables.obj(b, "mutex")?,
            timed_out: p.flag,
        },
        T::Notify => K::Notify {
            condvar: tables.obj(a, "condvar")?,
            all: p.flag,
            woken: small(p.value, 0, "woken")?,
        },
        T::SemAcquired => K::SemAcquired {
            obj: tables.obj(a, "obj")?,
            permits: small(p.value, 1, "permits")?,
        },
        T::SemReleased => K::SemReleased {
            obj: tables.obj(a, "obj")?,
            permits: small(p.value, 1, "permits")?,
        },
        T::EventWoken => K::EventWoken {
            obj: tables.obj(a, "obj")?,
            timed_out: p.flag,
        },
        T::BarrierPassed => K::BarrierPassed {
            obj: tables.obj(a, "obj")?,
            leader: p.flag,
        },
        T::Read => K::Read {
            var: tables.var(a, "var")?,
        },
        T::Write => K::Write {
            var: tables.var(a, "var")?,
        },
        T::Update => K::Update {
            var: tables.var(a, "var")?,
        },
        T::Note => K::Note {
            note: tables.note(a, "note")?,
        },
        T::Scheduled => K::Scheduled {
            worker: tables.thread(a),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::encode::SameIds;
    use crate::trace::event::{NoteId, ObjId, PrimitiveKind, ThreadId, VarId};
    use crate::trace::meta::{Note, PrimitiveInfo, SourceFormat};

    /// Every event type with non-default values where it has them.
    fn every_kind() -> Vec<EventKind> {
        use EventKind as K;
        let (o, m, v, t) = (ObjId(0), ObjId(1), VarId(0), ThreadId(1));
        vec![
            K::ThreadStart { parent: Some(t) },
            K::ThreadExit,
            K::Fork { child: t },
            K::JoinRequest { child: t },
            K::Join { child: t },
            K::Request {
                obj: o,
                mode: LockMode::Shared,
            },
            K::Acquired {
                obj: o,
                mode: LockMode::Upgradable,
                depth: 3,
            },
            K::TryFailed {
                obj: o,
                mode: LockMode::Exclusive,
            },
            K::Released {
                obj: o,
                mode: LockMode::Shared,
            },
            K::Upgraded { obj: o },
            K::Downgraded {
                obj: o,
                to: LockMode::Shared,
            },
            K::CondWait {
                condvar: o,
                mutex: m,
                timed: true,
            },
            K::CondWoken {
                condvar: o,
                mutex: m,
                timed_out: true,
            },
            K::Notify {
                condvar: o,
                all: true,
                woken: 4,
            },
            K::SemAcquired { obj: o, permits: 2 },
            K::SemReleased { obj: o, permits: 5 },
            K::EventSet { obj: o },
            K::EventClear { obj: o },
            K::EventWait {
                obj: o,
                timed: true,
            },
            K::EventWoken {
                obj: o,
                timed_out: true,
            },
            K::BarrierWait { obj: o },
            K::BarrierPassed {
                obj: o,
                leader: true,
            },
            K::Read { var: v },
            K::Write { var: v },
            K::Update { var: v },
            K::Begin,
            K::End,
            K::Note { note: NoteId(0) },
            K::Scheduled { worker: t },
        ]
    }

    #[test]
    fn parts_and_assemble_agree_with_the_shape_of_every_type() {
        let mut tables = Tables::new(SourceFormat::Binary);
        tables.thread(0);
        tables.thread(1);
        for id in 0..2 {
            let info = PrimitiveInfo {
                label: String::new(),
                kind: PrimitiveKind::Mutex,
                name: None,
                site: None,
                permits: None,
                rank: None,
                class: None,
            };
            tables.declare_primitive(id, info);
        }
        tables.declare_var(0, None, None);
        let note = Note {
            kind: "k".into(),
            text: "t".into(),
        };
        tables.declare_note(0, note);
        let kinds = every_kind();
        assert_eq!(kinds.len(), EventType::COUNT);
        for kind in kinds {
            let ty = kind.event_type();
            let p = parts(&kind, &SameIds);
            let s = shape(ty);
            assert!(p.operands[s.operands..].iter().all(|&x| x == 0), "{ty}");
            assert!(s.value || p.value.is_none(), "{ty}");
            assert!(s.flag || !p.flag, "{ty}");
            assert!(s.mode || p.mode == LockMode::Exclusive, "{ty}");
            assert!(
                !s.value || p.value.is_some(),
                "{ty}: the test sets every value"
            );
            assert!(!s.flag || p.flag, "{ty}: the test sets every flag");
            assert_eq!(assemble(ty, &p, &mut tables).unwrap(), kind, "{ty}");
        }
    }
}
