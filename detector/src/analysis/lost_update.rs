//! Lost updates on tracked variables (issue item 6).
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
//! Every lost update is one [`Finding`] (so `Report::count` is exact) with
//! three steps. The fingerprint is the variable and the sites of the read
//! and of the overwriting write, not the threads: the 99 findings of the
//! seed share one fingerprint and a renderer groups them by it.
//!
//! # Performance
//! O(threads with a pending read of `x`) per access, usually 0 or 1: per
//! variable 40 bytes (the latest write, one pending read inline) plus 16
//! bytes for each further thread that read `x` and has not written it
//! since. No hashing on the access path. 20k variables read by 8 threads
//! take at most 3.4 MB, 0.8 MB when reads are followed by their writes.
//!
//! # Limitations
//! At most [`MAX_PER_FINGERPRINT`] findings are kept per fingerprint and
//! trace; the rest are counted in a note on the last one kept and in
//! [`Report::limits`](crate::report::Report::limits), so memory stays
//! bounded on a trace with millions of lost updates.

use std::collections::HashMap;

use super::wording::{site_name, step};
use super::{Analysis, Context, Finished};
use crate::report::{Finding, FindingKind};
use crate::trace::{Event, EventKind, SiteId, ThreadId, VarId};

/// Findings kept per fingerprint and trace; further ones are only counted.
pub const MAX_PER_FINGERPRINT: usize = 1000;

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

/// Findings of one fingerprint in the current trace.
#[derive(Debug, Default)]
struct Group {
    fingerprint: String,
    kept: usize,
    dropped: u64,
}

/// See the module docs.
#[derive(Debug, Default)]
pub struct LostUpdates {
    vars: Vec<VarState>,
    findings: Vec<Finding>,
    /// fingerprint -> (findings kept, findings dropped).
    /// (variable, read site, write site): the bug a fingerprint names.
    groups: HashMap<(u32, u32, u32), Group>,
    limits: Vec<String>,
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

    fn report(&mut self, cx: &Context<'_>, v: VarId, r1: Access, w2: Access, w1: Access) {
        let group = self.groups.entry((v.0, r1.site, w1.site)).or_default();
        if group.kept >= MAX_PER_FINGERPRINT {
            group.dropped += 1;
            return;
        }
        group.kept += 1;
        let meta = cx.meta;
        let x = meta.var(v).display_name();
        let (t1, t2) = (
            meta.thread(w1.thread()).display_name(),
            meta.thread(w2.thread()).display_name(),
        );
        let (read_site, write_site) = (site_name(meta, r1.site()), site_name(meta, w1.site()));
        let mut f = Finding::new(
            FindingKind::LostUpdate,
            format!("lost update on {x}: {t1} overwrote {t2}'s write with a value read before it"),
            &[x, &read_site, &write_site],
        );
        if group.fingerprint.is_empty() {
            group.fingerprint.clone_from(&f.fingerprint);
        }
        f.threads = vec![t1.to_owned(), t2.to_owned()];
        f.vars.push(x.to_owned());
        f.steps = vec![
            step(meta, r1.thread(), r1.index, r1.site(), format!("read {x}")),
            step(
                meta,
                w2.thread(),
                w2.index,
                w2.site(),
                format!("wrote {x} ({t1} does not see it)"),
            ),
            step(
                meta,
                w1.thread(),
                w1.index,
                w1.site(),
                format!("wrote {x} computed from its read: {t2}'s update is lost"),
            ),
        ];
        self.findings.push(f);
    }
}

impl Analysis for LostUpdates {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event) {
        let now = Access {
            index: cx.index,
            thread: ev.thread.0,
            site: ev.site.map_or(NO_SITE, |s| s.0),
        };
        match ev.kind {
            EventKind::Read { var } => self.read(var, now),
            EventKind::Write { var } => {
                if let Some((r1, w2)) = self.write(var, now) {
                    self.report(cx, var, r1, w2, now);
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

    fn end_trace(&mut self, cx: &Context<'_>) -> Vec<Finding> {
        self.vars.clear();
        let mut found = std::mem::take(&mut self.findings);
        let mut dropped: Vec<_> = self
            .groups
            .drain()
            .filter(|(_, g)| g.dropped > 0)
            .map(|(_, g)| (g.fingerprint, g.dropped))
            .collect();
        dropped.sort();
        for (fp, dropped) in dropped {
            let msg = format!(
                "lost_update: {dropped} further lost updates with fingerprint {fp} in {} not \
                 listed (at most {MAX_PER_FINGERPRINT} per fingerprint)",
                cx.trace_name
            );
            if let Some(last) = found.iter_mut().rev().find(|f| f.fingerprint == fp) {
                last.notes.push(msg.clone());
            }
            self.limits.push(msg);
        }
        found
    }

    fn finish(&mut self, _config: &super::Config) -> Finished {
        Finished {
            limits: std::mem::take(&mut self.limits),
            ..Finished::default()
        }
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
