//! A pattern as a finding: its edges with names and sites, built by
//! [`build::potential_deadlock`] (identity, steps, scenario) and graded.

use super::edges::{Instance, Rep, NO_SITE};
use crate::analysis::names;
use crate::finding::build::{self, SeenEdge};
use crate::finding::{Detail, Distrust, Finding, Grade, OrderEdge};
use crate::trace::{LockMode, ObjId, ThreadId, TraceMeta};

/// The finding for one pattern (`edges` in cycle order), graded `grade`;
/// `traces` names the traces when the edges come from several, `distrust`
/// says why fork/join was not trusted.
pub fn finding(
    edges: Vec<SeenEdge>,
    grade: Grade,
    traces: Vec<String>,
    distrust: Option<Distrust>,
) -> Finding {
    let mut f = build::potential_deadlock(edges).graded(grade);
    if let Detail::LockCycle {
        traces: t,
        fork_join_distrusted,
        ..
    } = &mut f.detail
    {
        *t = traces;
        *fork_join_distrusted = distrust;
    }
    f
}

/// The pattern with names, for one trace.
pub fn views(meta: &TraceMeta, chosen: &[&Rep], insts: &[Instance]) -> Vec<SeenEdge> {
    let site = |s: u32| (s != NO_SITE).then(|| meta.sites[s as usize].to_string());
    let mode = |o: u32, m: LockMode| names::mode(meta, ObjId(o), m);
    chosen
        .iter()
        .zip(insts)
        .map(|(r, i)| SeenEdge {
            edge: OrderEdge {
                thread: names::thread(meta, ThreadId(r.thread)),
                from: names::prim(meta, ObjId(r.from)),
                to: names::prim(meta, ObjId(r.to)),
                site_from: site(r.site_from),
                site_to: site(r.site_to),
                mode_from: mode(r.from, r.mode_from),
                mode_to: mode(r.to, r.mode_to),
                count: r.count,
            },
            acquired: Some(i.idx_from),
            requested: Some(i.idx_to),
        })
        .collect()
}

/// Marks `f` as a cycle over lock classes.
pub fn by_class(f: &mut Finding) {
    if let Detail::LockCycle { by_class, .. } = &mut f.detail {
        *by_class = true;
    }
}
