//! Lost updates on tracked variables.
//!
//! A lost update is three accesses to one variable `x`: a read `r1` of `x`
//! by thread T1, then a write `w2` of `x` by another thread T2, then a write
//! `w1` of `x` by T1 that depends on `r1`. `w1` overwrites T2's update
//! without having seen it. A `Write` depends on its thread's most recent
//! `Read` of the variable if the thread has not written the variable since;
//! an `Update` (read-modify-write in one step) is a read and a write at one
//! instant, so it can be `w2` but never `w1`, and it ends its thread's
//! pending read. `w2` is the latest write of another thread before `w1`.
//!
//! Locks do not matter: `r1` and `w1` in two critical sections of the same
//! lock are still a lost update (no data race, still a wrong result). The
//! seeds' 100 threads doing `temp = x; sleep; x = temp - 1` give 99.
//!
//! A lost update is graded confirmed, or unconfirmed (a warning) when one
//! of its two threads is one lockscope did not see start or join (see
//! `unseen`): its start or join may order the other thread's write between
//! the read and the overwrite, which makes the overwrite the program's
//! sequential logic rather than a race.
//!
//! A lost update is a [`Finding`] with three steps. The fingerprint is the
//! variable and the sites of the read and of the overwriting write, not
//! the threads: the seed's 99 lost updates are one finding with 99
//! occurrences.
//!
//! # Performance
//! O(threads with a pending read of `x`) per access, usually 0 or 1: per
//! variable 40 bytes (the latest write, one pending read inline) plus 16
//! bytes for each further thread that read `x` and has not written it
//! since. No hashing on the access path. 20k variables read by 8 threads
//! take at most 3.4 MB, 0.8 MB when reads are followed by their writes.
//! A lost update already found (same variable, read site and write site) is
//! one hash lookup and a count; memory grows with distinct findings only.

use std::collections::HashMap;

use super::names::{self, SiteHashes};
use super::unseen::Unseen;
use super::{Analysis, Context};
use crate::finding::{
    tuple_of, Detail, Finding, FindingId, FindingKind, Findings, Grade, Role, Step,
};
use crate::trace::{Event, EventKind, SiteId, ThreadId, TraceMeta, VarId};

/// One access: which event, who, where. 16 bytes; `thread == NO_THREAD`
/// marks "none".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Access {
    index: u64,
    thread: u32,
    /// `NO_SITE` when unknown.
    site: u32,
}

const NO_THREAD: u32 = u32::MAX;
const NO_SITE: u32 = u32::MAX;

impl Access {
    const NONE: Access = Access {
        index: 0,
        thread: NO_THREAD,
        site: NO_SITE,
    };

    fn is_none(self) -> bool {
        self.thread == NO_THREAD
    }

    fn thread(self) -> ThreadId {
        ThreadId(self.thread)
    }

    fn site(self) -> Option<SiteId> {
        (self.site != NO_SITE).then_some(SiteId(self.site))
    }
}

/// One variable: 40 bytes, no allocation while at most one thread has a
/// pending read (the common case).
#[derive(Clone, Debug)]
struct VarState {
    last_write: Access,
    /// A read not yet followed by a write of the same thread.
    pending: Access,
    /// Further pending reads, one per thread, when several threads have one.
    // A thin pointer: 8 bytes in a per-variable struct instead of 24.
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<Access>>>,
}

impl Default for VarState {
    fn default() -> Self {
        VarState {
            last_write: Access::NONE,
            pending: Access::NONE,
            more: None,
        }
    }
}

impl VarState {
    /// Records `now` as its thread's pending read.
    fn set_pending(&mut self, now: Access) {
        if self.pending.is_none() || self.pending.thread == now.thread {
            self.pending = now;
            return;
        }
        let more = self.more.get_or_insert_with(Default::default);
        match more.iter_mut().find(|a| a.thread == now.thread) {
            Some(slot) => *slot = now,
            None => more.push(now),
        }
    }

    /// Removes and returns `thread`'s pending read.
    fn take_pending(&mut self, thread: u32) -> Option<Access> {
        if self.pending.thread == thread {
            let read = self.pending;
            self.pending = self
                .more
                .as_mut()
                .and_then(|m| m.pop())
                .unwrap_or(Access::NONE);
            return Some(read);
        }
        let more = self.more.as_mut()?;
        let i = more.iter().position(|a| a.thread == thread)?;
        Some(more.swap_remove(i))
    }
}

/// See the module docs.
#[derive(Debug, Default)]
pub struct LostUpdates {
    vars: Vec<VarState>,
    /// (variable, read site, write site), the bug a fingerprint names ->
    /// its finding, in this trace.
    found: HashMap<(u32, u32, u32), FindingId>,
    site_hashes: SiteHashes,
    unseen: Unseen,
}

impl LostUpdates {
    pub fn new() -> Self {
        LostUpdates::default()
    }

    fn var(&mut self, v: VarId) -> &mut VarState {
        if self.vars.len() <= v.index() {
            self.vars.resize_with(v.index() + 1, VarState::default);
        }
        &mut self.vars[v.index()]
    }

    fn read(&mut self, v: VarId, now: Access) {
        self.var(v).set_pending(now);
    }

    /// A write; returns `(r1, w2)` when it loses another thread's update.
    fn write(&mut self, v: VarId, now: Access) -> Option<(Access, Access)> {
        let state = self.var(v);
        let read = state.take_pending(now.thread);
        let w2 = std::mem::replace(&mut state.last_write, now);
        match read {
            Some(r1) if !w2.is_none() && w2.thread != now.thread && w2.index > r1.index => {
                Some((r1, w2))
            }
            _ => None,
        }
    }

    fn report(&mut self, cx: &Context<'_>, v: VarId, (r1, w2, w1): Lost, found: &mut Findings) {
        let key = (v.0, r1.site, w1.site);
        let unseen = self.unseen.between(w1.thread(), w2.thread());
        match self.found.get(&key) {
            Some(&id) => {
                if unseen.is_none() {
                    found.regrade(id, Grade::Confirmed, None);
                }
                let mut site = |a: Access| self.site_hashes.get(cx.meta, a.site());
                let tuple = tuple_of([site(r1), site(w2), site(w1)]);
                found.again(id, tuple, || steps(cx.meta, v, (r1, w2, w1)));
            }
            None => {
                let mut f = finding(cx.meta, v, (r1, w2, w1));
                f = match unseen {
                    Some(t) => {
                        f.unseen_thread = Some(names::thread(cx.meta, t));
                        f.graded(Grade::Unconfirmed)
                    }
                    None => f.graded(Grade::Confirmed),
                };
                let id = found.add(f);
                self.found.insert(key, id);
            }
        }
    }
}

/// The read `r1`, the other thread's write `w2` and the overwriting write
/// `w1`.
type Lost = (Access, Access, Access);

fn finding(meta: &TraceMeta, v: VarId, (r1, w2, w1): Lost) -> Finding {
    let x = names::var(meta, v);
    let (t1, t2) = (
        names::thread(meta, w1.thread()),
        names::thread(meta, w2.thread()),
    );
    let site = |a: Access| names::site(meta, a.site()).unwrap_or_else(|| "unknown site".into());
    let (read_site, write_site) = (site(r1), site(w1));
    let detail = Detail::LostUpdate {
        var: x.clone(),
        thread: t1.clone(),
        overwritten: t2.clone(),
    };
    let mut f = Finding::new(
        FindingKind::LostUpdate,
        &[&x, &read_site, &write_site],
        detail,
    );
    f.threads = vec![t1, t2];
    f.vars.push(x);
    f.steps = steps(meta, v, (r1, w2, w1));
    f
}

fn steps(meta: &TraceMeta, v: VarId, (r1, w2, w1): Lost) -> Vec<Step> {
    let x = names::var(meta, v);
    let (t1, t2) = (
        names::thread(meta, w1.thread()),
        names::thread(meta, w2.thread()),
    );
    let at = |a: Access| (a.index, None, a.site());
    vec![
        names::step(meta, r1.thread(), at(r1), Role::Read { var: x.clone() }),
        names::step(
            meta,
            w2.thread(),
            at(w2),
            Role::Wrote {
                var: x.clone(),
                unseen_by: Some(t1),
            },
        ),
        names::step(
            meta,
            w1.thread(),
            at(w1),
            Role::Overwrote { var: x, lost: t2 },
        ),
    ]
}

impl Analysis for LostUpdates {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, found: &mut Findings) {
        self.unseen.on_event(cx, ev);
        let now = Access {
            index: cx.index,
            thread: ev.thread.0,
            site: ev.site.map_or(NO_SITE, |s| s.0),
        };
        match ev.kind {
            EventKind::Read { var } => self.read(var, now),
            EventKind::Write { var } => {
                if let Some((r1, w2)) = self.write(var, now) {
                    self.report(cx, var, (r1, w2, now), found);
                }
            }
            EventKind::Update { var } => {
                let state = self.var(var);
                state.take_pending(now.thread);
                state.last_write = now;
            }
            _ => {}
        }
    }

    fn end_trace(&mut self, _cx: &Context<'_>, _found: &mut Findings) {
        self.vars.clear();
        self.found.clear();
        self.site_hashes.clear();
        self.unseen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(thread: u32, index: u64) -> Access {
        Access {
            index,
            thread,
            site: NO_SITE,
        }
    }

    #[test]
    fn pending_reads_of_several_threads_are_kept_and_taken_per_thread() {
        let mut v = VarState::default();
        v.set_pending(read(1, 10));
        v.set_pending(read(2, 11));
        v.set_pending(read(3, 12));
        v.set_pending(read(2, 13)); // a newer read replaces T2's
        assert_eq!(v.take_pending(1), Some(read(1, 10)));
        assert_eq!(v.take_pending(2), Some(read(2, 13)));
        assert_eq!(v.take_pending(2), None);
        assert_eq!(v.take_pending(3), Some(read(3, 12)));
        assert!(v.pending.is_none());
    }

    #[test]
    fn variable_state_stays_small() {
        assert_eq!(std::mem::size_of::<VarState>(), 40);
    }
}
