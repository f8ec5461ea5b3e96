//! From trace ids to what findings carry: display names of threads,
//! primitives and variables, sites as `file:line:col` / `loc N`, lock modes
//! where locks have them, waits, durations, and steps at trace events.

use crate::finding::build::At;
use crate::finding::{
    site_hash, Duration, FindingId, Findings, Mode, Role, Step, TimeUnit, WaitOn,
};
use crate::state::WaitTarget;
use crate::trace::{ClockUnit, LockMode, ObjId, PrimitiveKind, SiteId, ThreadId, TraceMeta, VarId};

/// Thread `t`'s display name.
pub fn thread(meta: &TraceMeta, t: ThreadId) -> String {
    meta.thread(t).display_name().to_owned()
}

/// Primitive `o`'s display name.
pub fn prim(meta: &TraceMeta, o: ObjId) -> String {
    meta.primitive_name(o).into_owned()
}

/// Variable `v`'s display name.
pub fn var(meta: &TraceMeta, v: VarId) -> String {
    meta.var(v).display_name().to_owned()
}

/// A site, if known.
pub fn site(meta: &TraceMeta, s: Option<SiteId>) -> Option<String> {
    s.map(|s| meta.site(s).to_string())
}

/// A site for an identity: `?` if unknown.
pub fn site_or_unknown(meta: &TraceMeta, s: Option<SiteId>) -> String {
    site(meta, s).unwrap_or_else(|| "?".to_owned())
}

/// `mode` on `obj`, if `obj` is a lock with modes (an rwlock).
pub fn mode(meta: &TraceMeta, obj: ObjId, mode: LockMode) -> Option<Mode> {
    mode_of(meta.primitive(obj).kind, mode)
}

/// `mode` on a primitive of `kind`, if that kind has modes (an rwlock).
pub fn mode_of(kind: PrimitiveKind, mode: LockMode) -> Option<Mode> {
    kind.is_rwlock().then_some(match mode {
        LockMode::Exclusive => Mode::Write,
        LockMode::Shared => Mode::Read,
        LockMode::Upgradable => Mode::Upgradable,
    })
}

/// What a blocked thread waits for.
pub fn wait_on(meta: &TraceMeta, on: WaitTarget) -> WaitOn {
    match on {
        WaitTarget::Lock { obj, .. } if !meta.primitive(obj).kind.is_lock() => WaitOn::Permit {
            semaphore: prim(meta, obj),
        },
        WaitTarget::Lock { obj, mode: m } => WaitOn::Lock {
            lock: prim(meta, obj),
            mode: mode(meta, obj, m),
        },
        WaitTarget::Condvar { condvar, .. } => WaitOn::Notify {
            condvar: prim(meta, condvar),
        },
        WaitTarget::Event { obj } => WaitOn::Event {
            event: prim(meta, obj),
        },
        WaitTarget::Barrier { obj } => WaitOn::Barrier {
            barrier: prim(meta, obj),
        },
        WaitTarget::Join { child } => WaitOn::Join {
            thread: thread(meta, child),
        },
    }
}

/// The primitive a wait is on, if it is on one.
pub fn wait_obj(on: WaitTarget) -> Option<ObjId> {
    match on {
        WaitTarget::Lock { obj, .. } | WaitTarget::Event { obj } | WaitTarget::Barrier { obj } => {
            Some(obj)
        }
        WaitTarget::Condvar { condvar, .. } => Some(condvar),
        WaitTarget::Join { .. } => None,
    }
}

/// `amount` in the trace's clock.
pub fn duration(meta: &TraceMeta, amount: u64) -> Duration {
    let unit = match meta.header.clock {
        ClockUnit::Nanoseconds => TimeUnit::Nanoseconds,
        ClockUnit::Sequence => TimeUnit::Events,
    };
    Duration { amount, unit }
}

/// Trace event `index`, at `time` (kept only when the trace has a clock)
/// and `site`.
pub fn at(meta: &TraceMeta, index: u64, time: Option<u64>, s: Option<SiteId>) -> At {
    At {
        site: site(meta, s),
        event: Some(index),
        time: time.filter(|_| meta.header.clock == ClockUnit::Nanoseconds),
        backtrace: Vec::new(),
    }
}

/// Thread `t` doing `role` at trace event `index` (`time`, site `s`).
pub fn step(
    meta: &TraceMeta,
    t: ThreadId,
    (index, time, s): (u64, Option<u64>, Option<SiteId>),
    role: Role,
) -> Step {
    at(meta, index, time, s).step(&thread(meta, t), role)
}

/// Each site's [`site_hash`], computed once per trace: what an analysis
/// combines into an occurrence's site tuple without formatting a site.
#[derive(Debug, Default)]
pub struct SiteHashes(Vec<Option<u64>>);

impl SiteHashes {
    /// The hash of site `s` of `meta`'s trace, `None` when unknown.
    pub fn get(&mut self, meta: &TraceMeta, s: Option<SiteId>) -> Option<u64> {
        let s = s?;
        crate::dense::grow(&mut self.0, s.index(), || None);
        Some(*self.0[s.index()].get_or_insert_with(|| site_hash(meta.site(s))))
    }

    /// Forgets every hash (the next trace has other site ids).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// The variables a finding per pair of sites names: the first
/// [`VarsNamed::MAX`] distinct ones its occurrences touched, by id, so an
/// occurrence on a variable already named builds no string.
#[derive(Debug, Default)]
pub struct VarsNamed(Vec<VarId>);

impl VarsNamed {
    /// Most variables named per finding.
    pub const MAX: usize = 8;

    /// Names `v` in finding `id` if it is new here and there is room (the
    /// finding may name it already: its first occurrence's variable).
    pub fn note(&mut self, meta: &TraceMeta, id: FindingId, v: VarId, found: &mut Findings) {
        if self.0.len() < Self::MAX && !self.0.contains(&v) {
            self.0.push(v);
            found.name_var(id, var(meta, v));
        }
    }
}

/// An unknown site in [`site_pair_key`].
pub const NO_SITE: u32 = u32::MAX;

/// The key, within a trace, of a finding per pair of sites whatever the
/// variable (a data race, a lost update): the sites as the finding orders
/// them ([`NO_SITE`] for an unknown one), after the variable when a site is
/// unknown (accesses of two variables at unknown sites are not one bug),
/// else after `u32::MAX`.
pub fn site_pair_key(v: VarId, sites: [u32; 2]) -> (u32, u32, u32) {
    let var = if sites.contains(&NO_SITE) {
        v.0
    } else {
        u32::MAX
    };
    (var, sites[0], sites[1])
}

/// The identity (what the fingerprint hashes) of the finding of
/// [`site_pair_key`]: its two sites, after the variable when a site is
/// unknown (`known` is false).
pub fn site_pair_identity<'a>(var: &'a str, sites: [&'a str; 2], known: bool) -> Vec<&'a str> {
    if known {
        sites.to_vec()
    } else {
        vec![var, sites[0], sites[1]]
    }
}
