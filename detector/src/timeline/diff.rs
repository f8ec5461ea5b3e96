//! What one event changed in its thread's replay state: holds that ended
//! or began, a wait that ended or began.
//!
//! The timeline never decides lock semantics itself: it compares
//! [`Replay`](crate::state::Replay)'s view of the event's thread before and
//! after [`Replay::apply`](crate::state::Replay::apply), so a hold is
//! exactly what replay (and every analysis) calls a hold.

use crate::state::{Blocked, Held, ThreadState};

/// One change to a thread's holds or wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    WaitEnded(Blocked),
    HoldEnded(Held),
    HoldStarted(Held),
    WaitStarted(Blocked),
}

/// The thread's holds and wait before an event, kept to compare after it.
#[derive(Debug, Default)]
pub struct Before {
    held: Vec<Held>,
    blocked: Option<Blocked>,
}

impl Before {
    /// Remembers `state` (reusing the buffer: no allocation once warm).
    pub fn take(&mut self, state: &ThreadState) {
        self.held.clear();
        self.held.extend_from_slice(&state.held);
        self.blocked = state.blocked;
    }

    /// The changes from the remembered state to `after`, into `out`:
    /// ended waits and holds first, then begun holds and waits.
    pub fn diff(&self, after: &ThreadState, out: &mut Vec<Change>) {
        out.clear();
        let wait_changed = self.blocked != after.blocked;
        if let Some(b) = self.blocked.filter(|_| wait_changed) {
            out.push(Change::WaitEnded(b));
        }
        for h in &self.held {
            if !after.held.iter().any(|a| same_hold(a, h)) {
                out.push(Change::HoldEnded(*h));
            }
        }
        for a in &after.held {
            if !self.held.iter().any(|h| same_hold(a, h)) {
                out.push(Change::HoldStarted(*a));
            }
        }
        if let Some(b) = after.blocked.filter(|_| wait_changed) {
            out.push(Change::WaitStarted(b));
        }
    }
}

/// The same hold: the same lock, taken by the same outermost acquisition.
fn same_hold(a: &Held, b: &Held) -> bool {
    a.obj == b.obj && a.since == b.since
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Replay;
    use crate::trace::{Event, EventKind, LockMode, ObjId, ThreadId};

    fn ev(kind: EventKind) -> Event {
        Event {
            time: 0,
            thread: ThreadId(0),
            site: None,
            backtrace: None,
            kind,
        }
    }

    /// Applies `kinds` in order and returns each event's changes.
    fn changes(kinds: &[EventKind]) -> Vec<Vec<Change>> {
        let mut replay = Replay::new();
        let mut before = Before::default();
        let mut out = Vec::new();
        kinds
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                before.take(replay.thread(ThreadId(0)));
                replay.apply(i as u64, &ev(k));
                before.diff(replay.thread(ThreadId(0)), &mut out);
                out.clone()
            })
            .collect()
    }

    const X: LockMode = LockMode::Exclusive;

    #[test]
    fn request_acquire_reenter_release() {
        let (obj, m) = (ObjId(1), X);
        let got = changes(&[
            EventKind::Request { obj, mode: m },
            EventKind::Acquired {
                obj,
                mode: m,
                depth: 1,
            },
            EventKind::Acquired {
                obj,
                mode: m,
                depth: 2,
            },
            EventKind::Released { obj, mode: m },
            EventKind::Released { obj, mode: m },
        ]);
        assert!(matches!(got[0][..], [Change::WaitStarted(b)] if b.since == 0));
        assert!(matches!(
            got[1][..],
            [Change::WaitEnded(_), Change::HoldStarted(h)] if h.since == 1 && h.obj == obj
        ));
        assert!(got[2].is_empty() && got[3].is_empty(), "{got:?}");
        assert!(matches!(got[4][..], [Change::HoldEnded(h)] if h.since == 1));
    }

    #[test]
    fn condvar_wait_ends_the_hold_and_waking_begins_another() {
        let (condvar, mutex) = (ObjId(2), ObjId(1));
        let got = changes(&[
            EventKind::Acquired {
                obj: mutex,
                mode: X,
                depth: 1,
            },
            EventKind::CondWait {
                condvar,
                mutex,
                timed: false,
            },
            EventKind::CondWoken {
                condvar,
                mutex,
                timed_out: false,
            },
        ]);
        assert!(matches!(
            got[1][..],
            [Change::HoldEnded(h), Change::WaitStarted(_)] if h.since == 0
        ));
        assert!(matches!(
            got[2][..],
            [Change::WaitEnded(_), Change::HoldStarted(h)] if h.since == 2
        ));
    }

    #[test]
    fn a_second_request_ends_the_first_wait() {
        let req = |o| EventKind::Request {
            obj: ObjId(o),
            mode: X,
        };
        let got = changes(&[req(1), req(2)]);
        assert!(matches!(
            got[1][..],
            [Change::WaitEnded(a), Change::WaitStarted(b)] if a.since == 0 && b.since == 1
        ));
    }
}
