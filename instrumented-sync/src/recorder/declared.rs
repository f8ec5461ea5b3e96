//! Which ids the open trace has declared, so the sink never writes an event
//! that refers to something the file does not define.
//!
//! Declarations always precede their events within one recording; the one
//! way an event can refer to an undeclared id is a thread that read the
//! previous recording's number just before a new recording opened. Such an
//! event belongs to no open trace and is dropped (and counted).

use lockscope_detector::trace::{Event, EventKind};

/// Dense bitmaps of declared ids (ids are small process-wide counters).
#[derive(Debug, Default)]
pub(crate) struct Declared {
    threads: Vec<bool>,
    objs: Vec<bool>,
    vars: Vec<bool>,
    /// Table sizes of the per-recording tables.
    pub sites: usize,
    pub backtraces: usize,
    pub notes: usize,
}

fn set(v: &mut Vec<bool>, id: u32) {
    let i = id as usize;
    if v.len() <= i {
        v.resize(i + 1, false);
    }
    v[i] = true;
}

fn has(v: &[bool], id: u32) -> bool {
    v.get(id as usize).copied().unwrap_or(false)
}

impl Declared {
    pub(crate) fn thread(&mut self, id: u32) {
        set(&mut self.threads, id);
    }

    pub(crate) fn obj(&mut self, id: u32) {
        set(&mut self.objs, id);
    }

    pub(crate) fn var(&mut self, id: u32) {
        set(&mut self.vars, id);
    }

    /// Whether every id `ev` refers to is declared.
    pub(crate) fn covers(&self, ev: &Event) -> bool {
        let kind_ok = match ev.kind {
            EventKind::ThreadStart { parent } => parent.is_none_or(|p| has(&self.threads, p.0)),
            EventKind::Fork { child }
            | EventKind::JoinRequest { child }
            | EventKind::Join { child }
            | EventKind::Scheduled { worker: child } => has(&self.threads, child.0),
            EventKind::CondWait { condvar, mutex, .. }
            | EventKind::CondWoken { condvar, mutex, .. } => {
                has(&self.objs, condvar.0) && has(&self.objs, mutex.0)
            }
            EventKind::Note { note } => (note.0 as usize) < self.notes,
            k => {
                k.obj().is_none_or(|o| has(&self.objs, o.0))
                    && k.var().is_none_or(|v| has(&self.vars, v.0))
            }
        };
        kind_ok
            && has(&self.threads, ev.thread.0)
            && ev.site.is_none_or(|s| (s.0 as usize) < self.sites)
            && ev
                .backtrace
                .is_none_or(|b| (b.0 as usize) < self.backtraces)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockscope_detector::trace::{LockMode, ObjId, ThreadId};

    #[test]
    fn events_on_undeclared_ids_are_not_covered() {
        let mut d = Declared::default();
        d.thread(1);
        d.obj(3);
        let ev = |obj| Event {
            time: 0,
            thread: ThreadId(1),
            site: None,
            backtrace: None,
            kind: EventKind::Released {
                obj: ObjId(obj),
                mode: LockMode::Exclusive,
            },
        };
        assert!(d.covers(&ev(3)));
        assert!(!d.covers(&ev(4)));
        let other_thread = Event {
            thread: ThreadId(2),
            ..ev(3)
        };
        assert!(!d.covers(&other_thread));
    }
}
