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
//! sites of the read and of the overwriting write, not the threads or the
//! variable (the variable too when a site is unknown): the seed's 99 lost
//! updates are one finding with 99 occurrences, and so are the lost
//! updates of one racy loop over many variables.
//!
//! # Performance
//! Nothing for events that access no tracked variable. An access is an
//! index into the per-variable latest writes (16 bytes each) and one look-up
//! in its thread's pending reads (a read not yet followed by a write of the
//! same thread to the same variable; a hash map, or a vector by variable
//! once they are dense: `reads`). A
//! thread's pending reads are dropped when it exits, since no write of its
//! own can follow them. 20k variables read by 8 threads take at most 3 MB.
//! A lost update already found (same read site and write site) is one hash
//! lookup and a count; memory grows with distinct findings only.

use hashbrown::HashMap;

mod reads;

use reads::{Read, Reads};

use super::names::{self, SiteHashes, VarsNamed, NO_SITE};
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

/// See the module docs.
#[derive(Debug, Default)]
pub struct LostUpdates {
    /// Per variable: its latest write.
    last_write: Vec<Access>,
    /// Per thread: its pending reads, by variable.
    pending: Vec<Reads>,
    /// (read site, write site), the bug a fingerprint names -> its
    /// finding, in this trace (with the variable first when a site is
    /// unknown, else `u32::MAX`).
    found: HashMap<(u32, u32, u32), (FindingId, VarsNamed)>,
    site_hashes: SiteHashes,
    /// Occurrences of (read site, write site) pairs past
    /// [`super::MAX_DISTINCT`] in this trace, not kept.
    unkept: u64,
    limits: Vec<String>,
    unseen: Unseen,
}

impl LostUpdates {
    pub fn new() -> Self {
        LostUpdates::default()
    }

    fn pending(&mut self, t: u32) -> &mut Reads {
        let i = t as usize;
        crate::dense::grow(&mut self.pending, i, Reads::default);
        &mut self.pending[i]
    }

    fn read(&mut self, v: VarId, now: Access) {
        let read = Read {
            index: now.index,
            site: now.site,
        };
        self.pending(now.thread).insert(v.0, read);
    }

    /// Removes and returns `t`'s pending read of `v`.
    fn take_read(&mut self, t: u32, v: VarId) -> Option<Access> {
        let read = self.pending.get_mut(t as usize)?.take(v.0)?;
        Some(Access {
            index: read.index,
            thread: t,
            site: read.site,
        })
    }

    fn last_write(&mut self, v: VarId) -> &mut Access {
        crate::dense::grow(&mut self.last_write, v.index(), || Access::NONE);
        &mut self.last_write[v.index()]
    }

    /// A write; returns `(r1, w2)` when it loses another thread's update.
    fn write(&mut self, v: VarId, now: Access) -> Option<(Access, Access)> {
        let read = self.take_read(now.thread, v);
        let w2 = std::mem::replace(self.last_write(v), now);
        match read {
            Some(r1) if !w2.is_none() && w2.thread != now.thread && w2.index > r1.index => {
                Some((r1, w2))
            }
            _ => None,
        }
    }

    fn report(&mut self, cx: &Context<'_>, v: VarId, (r1, w2, w1): Lost, found: &mut Findings) {
        let key = names::site_pair_key(v, [r1.site, w1.site]);
        let unseen = self.unseen.between(w1.thread(), w2.thread());
        let full = self.found.len() >= super::MAX_DISTINCT;
        match self.found.get_mut(&key) {
            Some((id, vars)) => {
                let id = *id;
                vars.note(cx.meta, id, v, found);
                if unseen.is_none() {
                    found.regrade(id, Grade::Confirmed, None);
                }
                let mut site = |a: Access| self.site_hashes.get(cx.meta, a.site());
                let tuple = tuple_of([site(r1), site(w2), site(w1)]);
                found.again(id, tuple, || steps(cx.meta, v, (r1, w2, w1)));
            }
            None if full => self.unkept += 1,
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
                let mut vars = VarsNamed::default();
                vars.note(cx.meta, id, v, found);
                self.found.insert(key, (id, vars));
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
    // One finding per (read site, write site), whatever the variable.
    let known = r1.site().is_some() && w1.site().is_some();
    let identity = names::site_pair_identity(&x, [&read_site, &write_site], known);
    let mut f = Finding::new(FindingKind::LostUpdate, &identity, detail);
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
    fn prefetches(&self) -> bool {
        self.last_write.len() > super::ahead::MANY_VARIABLES
    }

    fn prefetch(&self, ev: &Event, near: bool) {
        let Some(var) = ev.kind.var() else {
            return;
        };
        if near {
            return;
        }
        if let Some(w) = self.last_write.get(var.index()) {
            crate::prefetch::value(w);
        }
        if let Some(reads) = self.pending.get(ev.thread.index()) {
            reads.prefetch(var.0);
        }
    }

    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, found: &mut Findings) {
        self.unseen.on_event(cx, ev);
        let Some(var) = ev.kind.var() else {
            if ev.kind == EventKind::ThreadExit {
                // Its reads can no longer be followed by its writes.
                if let Some(p) = self.pending.get_mut(ev.thread.index()) {
                    *p = Reads::default();
                }
            }
            return;
        };
        let now = Access {
            index: cx.index,
            thread: ev.thread.0,
            site: ev.site.map_or(NO_SITE, |s| s.0),
        };
        match ev.kind {
            EventKind::Read { .. } => self.read(var, now),
            EventKind::Write { .. } => {
                if let Some((r1, w2)) = self.write(var, now) {
                    self.report(cx, var, (r1, w2, now), found);
                }
            }
            EventKind::Update { .. } => {
                self.take_read(now.thread, var);
                *self.last_write(var) = now;
            }
            _ => {}
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, _found: &mut Findings) {
        if self.unkept > 0 {
            self.limits.push(super::unkept_message(
                "lost_update",
                cx.trace_name,
                "(read site, write site) pairs",
                std::mem::take(&mut self.unkept),
            ));
        }
        self.last_write.clear();
        self.pending.clear();
        self.found.clear();
        self.site_hashes.clear();
        self.unseen.clear();
    }

    fn finish(&mut self, _config: &super::Config, _found: &mut Findings) -> super::Finished {
        super::Finished {
            limits: std::mem::take(&mut self.limits),
            ..super::Finished::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(thread: u32, index: u64) -> Access {
        Access {
            index,
            thread,
            site: NO_SITE,
        }
    }

    #[test]
    fn pending_reads_are_kept_per_thread_and_taken_by_its_write() {
        let mut lu = LostUpdates::new();
        let x = VarId(0);
        lu.read(x, at(1, 10));
        lu.read(x, at(2, 11));
        lu.read(x, at(2, 13)); // a newer read replaces T2's
        assert_eq!(lu.write(x, at(3, 14)), None);
        assert_eq!(lu.write(x, at(2, 15)), Some((at(2, 13), at(3, 14))));
        assert_eq!(lu.write(x, at(1, 16)), Some((at(1, 10), at(2, 15))));
        assert_eq!(lu.take_read(1, x), None);
    }

    #[test]
    fn an_exited_thread_keeps_no_pending_read() {
        use crate::analysis::{testkit::TraceBuilder, Config};
        use crate::state::Replay;
        use crate::trace::EventSource;
        let mut b = TraceBuilder::lockscope();
        for i in 0..100 {
            b.read(&format!("T{i}"), "x").exit(&format!("T{i}"));
        }
        b.read("main", "x");
        let mut source = b.source();
        let (mut lu, mut found) = (LostUpdates::new(), Findings::new());
        let (mut state, config) = (Replay::new(), Config::default());
        let mut index = 0;
        while let Some(ev) = source.next_event().expect("in memory") {
            let cx = Context {
                trace: 0,
                trace_name: "t",
                index,
                meta: source.meta(),
                state: &state,
                config: &config,
            };
            lu.on_event(&cx, &ev, &mut found);
            state.apply(index, &ev);
            index += 1;
        }
        let pending: usize = lu.pending.iter().map(|p| p.len()).sum();
        assert_eq!(pending, 1, "only main's read is pending");
    }
}
