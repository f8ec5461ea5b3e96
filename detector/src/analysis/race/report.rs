//! A found race as a finding: the current access, the previous conflicting
//! one and where the threads were created, as ThreadSanitizer shows them;
//! graded by its conflict (sound or hb_only), or unconfirmed when an unseen
//! thread may order the accesses (see `unseen`).

use super::exact::{At, Conflict};
use crate::analysis::{names, Context};
use crate::finding::{Access, Detail, Finding, FindingKind, Grade, Role, Step};
use crate::trace::{Event, ThreadId, TraceMeta, VarId};

/// One access of a race.
#[derive(Clone, Copy, Debug)]
struct Side {
    thread: ThreadId,
    at: At,
    write: bool,
}

/// One occurrence of a race on a variable.
#[derive(Clone, Copy, Debug)]
pub(super) struct Race {
    var: VarId,
    current: Side,
    previous: Side,
    /// A thread lockscope did not see start or join that may order the two
    /// accesses.
    unseen: Option<ThreadId>,
    /// The conflict's grade (see `shb`).
    conflict: Grade,
}

impl Race {
    pub(super) fn new(
        cx: &Context<'_>,
        ev: &Event,
        var: VarId,
        wrote: bool,
        c: &Conflict,
        unseen: Option<ThreadId>,
    ) -> Self {
        Race {
            var,
            unseen,
            conflict: c.grade,
            current: Side {
                thread: ev.thread,
                at: At {
                    index: cx.index,
                    site: ev.site,
                },
                write: wrote,
            },
            previous: Side {
                thread: c.previous.thread,
                at: c.previous.at,
                write: c.previous_was_write,
            },
        }
    }

    /// Its grade: unconfirmed when an unseen thread may order the accesses,
    /// else the conflict's.
    pub(super) fn grade(&self) -> Grade {
        match self.unseen {
            Some(_) => Grade::Unconfirmed,
            None => self.conflict,
        }
    }

    /// The finding of this race's first occurrence.
    pub(super) fn into_finding(self, meta: &TraceMeta) -> Finding {
        let x = names::var(meta, self.var);
        let site = |s: Side| names::site(meta, s.at.site).unwrap_or_else(|| "unknown site".into());
        let mut sites = [site(self.current), site(self.previous)];
        sites.sort_unstable();
        let detail = Detail::DataRace { var: x.clone() };
        let known = self.current.at.site.is_some() && self.previous.at.site.is_some();
        let identity = names::site_pair_identity(&x, [&sites[0], &sites[1]], known);
        let mut f = Finding::new(FindingKind::DataRace, &identity, detail);
        f.unseen_thread = self.unseen.map(|t| names::thread(meta, t));
        f = f.graded(self.grade());
        f.threads = vec![
            names::thread(meta, self.current.thread),
            names::thread(meta, self.previous.thread),
        ];
        f.vars.push(x);
        f.steps = self.steps(meta);
        f
    }

    /// The current access, the previous one, then where each of their
    /// threads was created (when the trace says).
    pub(super) fn steps(&self, meta: &TraceMeta) -> Vec<Step> {
        let var = names::var(meta, self.var);
        let (cur, prev) = (self.current, self.previous);
        let now = if cur.write {
            Role::Wrote {
                var: var.clone(),
                unseen_by: None,
            }
        } else {
            Role::Read { var: var.clone() }
        };
        let access = if prev.write {
            Access::Write
        } else {
            Access::Read
        };
        let before = Role::PreviousAccess { var, access };
        let at = |s: Side| (s.at.index, None, s.at.site);
        let mut steps = vec![
            names::step(meta, cur.thread, at(cur), now),
            names::step(meta, prev.thread, at(prev), before),
        ];
        for t in [cur.thread, prev.thread] {
            if let Some(s) = meta.thread(t).spawn_site {
                let site = names::site(meta, Some(s));
                steps.push(Step::new(names::thread(meta, t), Role::Created).at(site));
            }
        }
        steps
    }
}
