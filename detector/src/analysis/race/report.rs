//! A found race, worded the way ThreadSanitizer users know.

use super::shadow::{At, Conflict};
use crate::analysis::wording::{site_name, step};
use crate::analysis::Context;
use crate::report::{Finding, FindingKind};
use crate::trace::{Event, ThreadId, TraceMeta, VarId};

/// One access of a race.
#[derive(Clone, Copy, Debug)]
struct Side {
    thread: ThreadId,
    at: At,
    write: bool,
}

/// The first race seen on a (variable, site pair), and how often it was
/// seen.
#[derive(Clone, Debug)]
pub(super) struct Race {
    var: VarId,
    current: Side,
    previous: Side,
    pub(super) count: u64,
}

impl Race {
    pub(super) fn new(cx: &Context<'_>, ev: &Event, var: VarId, wrote: bool, c: &Conflict) -> Self {
        Race {
            var,
            current: Side {
                thread: ev.thread,
                at: At {
                    index: cx.index,
                    site: ev.site,
                },
                write: wrote,
            },
            previous: Side {
                thread: c.previous.epoch.thread_id(),
                at: c.previous.at,
                write: c.previous_was_write,
            },
            count: 1,
        }
    }

    pub(super) fn into_finding(self, cx: &Context<'_>) -> Finding {
        let meta = cx.meta;
        let x = meta.var(self.var).display_name();
        let (cur_site, prev_site) = (
            site_name(meta, self.current.at.site),
            site_name(meta, self.previous.at.site),
        );
        let mut identity = [cur_site.as_str(), prev_site.as_str()];
        identity.sort_unstable();
        let mut f = Finding::new(
            FindingKind::DataRace,
            format!("data race on {x}"),
            &[x, identity[0], identity[1]],
        );
        let (cur, prev) = (self.current, self.previous);
        f.threads = vec![name(meta, cur.thread), name(meta, prev.thread)];
        f.vars.push(x.to_owned());
        let what = |s: Side, previous: bool| {
            let op = match (previous, s.write) {
                (false, true) => "Write",
                (false, false) => "Read",
                (true, true) => "Previous write",
                (true, false) => "Previous read",
            };
            format!("{op} of {x} by thread {}", name(meta, s.thread))
        };
        f.steps.push(step(
            meta,
            cur.thread,
            cur.at.index,
            cur.at.site,
            what(cur, false),
        ));
        f.steps.push(step(
            meta,
            prev.thread,
            prev.at.index,
            prev.at.site,
            what(prev, true),
        ));
        for t in [cur.thread, prev.thread] {
            if let Some(s) = meta.thread(t).spawn_site {
                f.notes.push(format!(
                    "Thread {} created at {}",
                    name(meta, t),
                    meta.site(s)
                ));
            }
        }
        if self.count > 1 {
            f.notes
                .push(format!("seen {} times at this pair of sites", self.count));
        }
        f.notes.push(format!(
            "SUMMARY: data race on {x} at {cur_site} and {prev_site}"
        ));
        f
    }
}

fn name(meta: &TraceMeta, t: ThreadId) -> String {
    meta.thread(t).display_name().to_owned()
}
