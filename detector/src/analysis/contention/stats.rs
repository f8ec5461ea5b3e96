//! Per-lock and per-thread accumulators of the contention analysis and
//! their conversion to [`LockStats`] and [`ThreadStats`] rows.

use std::collections::HashMap;
use std::sync::Arc;

use super::findings::Point;
use crate::analysis::histogram::LogHistogram;
use crate::analysis::{names, Context};
use crate::report::{ContentionSite, LockStats, ThreadStats};
use crate::trace::{ObjId, SiteId, ThreadId};

/// One lock's accumulators for the current trace: 120 bytes, with what
/// only a contended lock needs behind one pointer (traces of real test
/// suites have hundreds of thousands of locks, most never contended).
#[derive(Clone, Debug, Default)]
pub(super) struct LockAcc {
    pub(super) acquisitions: u64,
    pub(super) holds: u64,
    pub(super) hold_total: u64,
    pub(super) longest: Option<Hold>,
    /// Site of the latest outermost acquisition.
    pub(super) last_site: Option<SiteId>,
    pub(super) owner: Option<ThreadId>,
    pub(super) owner_changes: u64,
    contended: Option<Box<Contended>>,
}

/// What a lock that was waited for accumulates.
#[derive(Clone, Debug, Default)]
struct Contended {
    count: u64,
    wait_total: u64,
    wait_max: u64,
    /// The first wait, until a second one starts the histogram.
    first_wait: u64,
    /// From the second wait on (one wait is its own p99): 7.8 KB.
    waits: Option<LogHistogram>,
    /// (waiter site, holder site) -> (count, wait total).
    sites: HashMap<(Option<SiteId>, Option<SiteId>), (u64, u64)>,
    /// Holds that spanned a deadlock on the lock: (count, total, longest).
    deadlocked: (u64, u64, u64),
}

impl Contended {
    fn p99(&self) -> u64 {
        self.waits
            .as_ref()
            .map_or(self.first_wait, |h| h.quantile(0.99))
    }
}

/// "No site" in a [`Hold`].
const NO_SITE: u32 = u32::MAX;

/// One completed hold, kept for the longest: 56 bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hold {
    pub(super) len: u64,
    pub(super) thread: ThreadId,
    acquired_index: u64,
    acquired_time: u64,
    acquired_site: u32,
    released_index: u64,
    released_time: u64,
    released_site: u32,
}

impl Hold {
    /// A hold of `thread` from `acquired` to `released` (index, time, site).
    pub(super) fn new(
        thread: ThreadId,
        acquired: (u64, u64, Option<SiteId>),
        released: (u64, u64, Option<SiteId>),
    ) -> Hold {
        let site = |s: Option<SiteId>| s.map_or(NO_SITE, |s| s.0);
        Hold {
            len: released.1.saturating_sub(acquired.1),
            thread,
            acquired_index: acquired.0,
            acquired_time: acquired.1,
            acquired_site: site(acquired.2),
            released_index: released.0,
            released_time: released.1,
            released_site: site(released.2),
        }
    }

    pub(super) fn acquired(&self) -> Point {
        point(self.acquired_index, self.acquired_time, self.acquired_site)
    }

    pub(super) fn released(&self) -> Point {
        point(self.released_index, self.released_time, self.released_site)
    }
}

fn point(index: u64, time: u64, site: u32) -> Point {
    (index, Some(time), (site != NO_SITE).then_some(SiteId(site)))
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

    pub(super) fn into_stats(self, cx: &Context<'_>, trace: &Arc<str>, t: ThreadId) -> ThreadStats {
        ThreadStats {
            trace: trace.clone(),
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
        let c = self.contended.get_or_insert_with(Default::default);
        c.count += 1;
        c.wait_total = c.wait_total.saturating_add(wait);
        c.wait_max = c.wait_max.max(wait);
        match (&mut c.waits, c.count) {
            (_, 1) => c.first_wait = wait,
            (Some(h), _) => h.record(wait),
            (None, _) => {
                let mut h = LogHistogram::default();
                h.record(c.first_wait);
                h.record(wait);
                c.waits = Some(h);
            }
        }
        let row = c.sites.entry((waiter, holder)).or_default();
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

    /// Records a hold that spanned a deadlock on this lock. It is in the
    /// statistics but not in `holds`, `hold_total` and `longest`, which a
    /// long hold is judged by: the deadlock explains its length.
    pub(super) fn record_deadlocked_hold(&mut self, len: u64) {
        let c = self.contended.get_or_insert_with(Default::default);
        c.deadlocked.0 += 1;
        c.deadlocked.1 = c.deadlocked.1.saturating_add(len);
        c.deadlocked.2 = c.deadlocked.2.max(len);
    }
}

impl LockAcc {
    pub(super) fn into_stats(self, cx: &Context<'_>, trace: &Arc<str>, obj: ObjId) -> LockStats {
        let info = cx.meta.primitive(obj);
        let contended = self.contended.as_deref();
        let mut sites: Vec<ContentionSite> = contended
            .into_iter()
            .flat_map(|c| c.sites.iter())
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
        let (deadlocked, deadlocked_total, deadlocked_max) =
            contended.map_or((0, 0, 0), |c| c.deadlocked);
        let hold_total = self.hold_total.saturating_add(deadlocked_total);
        LockStats {
            trace: trace.clone(),
            name: cx.meta.primitive_name(obj).into_owned(),
            kind: info.kind.as_str().into(),
            acquisitions: self.acquisitions,
            contended: contended.map_or(0, |c| c.count),
            wait_total: contended.map_or(0, |c| c.wait_total),
            wait_mean: contended.map_or(0.0, |c| mean(c.wait_total, c.count)),
            wait_p99: contended.map_or(0, Contended::p99),
            wait_max: contended.map_or(0, |c| c.wait_max),
            hold_total,
            hold_mean: mean(hold_total, self.holds + deadlocked),
            hold_max: self.longest.map_or(0, |h| h.len).max(deadlocked_max),
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
