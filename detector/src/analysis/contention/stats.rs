//! Per-lock and per-thread accumulators of the contention analysis and
//! their conversion to [`LockStats`] and [`ThreadStats`] rows.

use std::collections::HashMap;

use super::findings::Point;
use crate::analysis::histogram::LogHistogram;
use crate::analysis::{names, Context};
use crate::report::{ContentionSite, LockStats, ThreadStats};
use crate::trace::{ObjId, SiteId, ThreadId};

/// One lock's accumulators for the current trace.
#[derive(Clone, Debug, Default)]
pub(super) struct LockAcc {
    pub(super) acquisitions: u64,
    pub(super) contended: u64,
    pub(super) wait_total: u64,
    pub(super) wait_max: u64,
    pub(super) waits: Option<Box<LogHistogram>>,
    pub(super) holds: u64,
    pub(super) hold_total: u64,
    pub(super) longest: Option<Hold>,
    /// Site of the latest outermost acquisition.
    pub(super) last_site: Option<SiteId>,
    pub(super) owner: Option<ThreadId>,
    pub(super) owner_changes: u64,
    /// (waiter site, holder site) -> (count, wait total).
    pub(super) sites: HashMap<(Option<SiteId>, Option<SiteId>), (u64, u64)>,
}

/// One completed hold, kept for the longest.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hold {
    pub(super) len: u64,
    pub(super) thread: ThreadId,
    pub(super) acquired: Point,
    pub(super) released: Point,
}

/// One thread's accumulators for the current trace: the same acquisitions,
/// waits and holds as the locks', summed per thread.
#[derive(Clone, Debug, Default)]
pub(super) struct ThreadAcc {
    pub(super) acquisitions: u64,
    contended: u64,
    wait_total: u64,
    wait_max: u64,
    pub(super) holds: u64,
    hold_total: u64,
    hold_max: u64,
}

impl ThreadAcc {
    pub(super) fn record_wait(&mut self, wait: u64) {
        self.contended += 1;
        self.wait_total = self.wait_total.saturating_add(wait);
        self.wait_max = self.wait_max.max(wait);
    }

    pub(super) fn record_hold(&mut self, len: u64) {
        self.holds += 1;
        self.hold_total = self.hold_total.saturating_add(len);
        self.hold_max = self.hold_max.max(len);
    }

    pub(super) fn into_stats(self, cx: &Context<'_>, t: ThreadId) -> ThreadStats {
        ThreadStats {
            trace: cx.trace_name.to_owned(),
            name: names::thread(cx.meta, t),
            acquisitions: self.acquisitions,
            contended: self.contended,
            wait_total: self.wait_total,
            wait_max: self.wait_max,
            hold_total: self.hold_total,
            hold_max: self.hold_max,
        }
    }
}

impl LockAcc {
    pub(super) fn record_wait(
        &mut self,
        wait: u64,
        waiter: Option<SiteId>,
        holder: Option<SiteId>,
    ) {
        self.contended += 1;
        self.wait_total = self.wait_total.saturating_add(wait);
        self.wait_max = self.wait_max.max(wait);
        self.waits.get_or_insert_with(Default::default).record(wait);
        let row = self.sites.entry((waiter, holder)).or_default();
        row.0 += 1;
        row.1 = row.1.saturating_add(wait);
    }

    pub(super) fn record_hold(&mut self, hold: Hold) {
        self.holds += 1;
        self.hold_total = self.hold_total.saturating_add(hold.len);
        if self.longest.is_none_or(|l| hold.len > l.len) {
            self.longest = Some(hold);
        }
    }
}

impl LockAcc {
    pub(super) fn into_stats(self, cx: &Context<'_>, obj: ObjId) -> LockStats {
        let info = cx.meta.primitive(obj);
        let mut sites: Vec<ContentionSite> = self
            .sites
            .iter()
            .map(|(&(w, h), &(count, wait_total))| ContentionSite {
                waiter_site: site_name(cx, w),
                holder_site: site_name(cx, h),
                count,
                wait_total,
            })
            .collect();
        sites.sort_by(|a, b| {
            (b.count, b.wait_total, &a.waiter_site, &a.holder_site).cmp(&(
                a.count,
                a.wait_total,
                &b.waiter_site,
                &b.holder_site,
            ))
        });
        LockStats {
            trace: cx.trace_name.to_owned(),
            name: cx.meta.primitive_name(obj).into_owned(),
            kind: info.kind.as_str().to_owned(),
            acquisitions: self.acquisitions,
            contended: self.contended,
            wait_total: self.wait_total,
            wait_mean: mean(self.wait_total, self.contended),
            wait_p99: self.waits.as_ref().map_or(0, |h| h.quantile(0.99)),
            wait_max: self.wait_max,
            hold_total: self.hold_total,
            hold_mean: mean(self.hold_total, self.holds),
            hold_max: self.longest.map_or(0, |h| h.len),
            owner_changes: self.owner_changes,
            contention_sites: sites,
        }
    }
}

/// A site for a table row: `unknown site` when there is none.
fn site_name(cx: &Context<'_>, s: Option<SiteId>) -> String {
    names::site(cx.meta, s).unwrap_or_else(|| "unknown site".to_owned())
}

fn mean(total: u64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        total as f64 / n as f64
    }
}
