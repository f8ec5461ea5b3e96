//! A predicted deadlock in words: the lock cycle, the acquisition sites of
//! every edge, proof steps and a lockdep-style scenario.
//!
//! Tools count predicted deadlocks either by lock cycle or by the tuple of
//! acquisition sites; the title and notes carry both, and the fingerprint
//! hashes the sorted lock names and the site tuple (rotated to start at
//! the smallest lock name, so it does not depend on ids).

use super::edges::{Instance, Rep, NO_SITE};
use crate::analysis::describe::{self, DEADLOCK_ROW};
use crate::report::{Feasibility, Finding, FindingKind, Scenario, Severity, Step};
use crate::trace::{ObjId, ThreadId, TraceMeta};

/// One edge of a pattern, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeView {
    /// The thread's display name (prefixed with its trace when the pattern
    /// spans traces).
    pub thread: String,
    pub from: String,
    pub to: String,
    pub site_from: Option<String>,
    pub site_to: Option<String>,
    pub idx_from: u64,
    pub idx_to: u64,
    /// How many times the thread took this edge at these sites.
    pub count: u64,
}

fn site(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("?")
}

/// The finding for one pattern (`edges` in cycle order: each thread
/// holds `from` and requests `to`, the next thread's `from`).
pub fn finding(mut edges: Vec<EdgeView>, feasibility: Feasibility, notes: Vec<String>) -> Finding {
    let start = (0..edges.len())
        .min_by(|&a, &b| {
            let key = |e: &EdgeView| (e.from.clone(), e.site_from.clone(), e.site_to.clone());
            key(&edges[a]).cmp(&key(&edges[b]))
        })
        .unwrap_or(0);
    edges.rotate_left(start);
    let cycle: Vec<&str> = edges
        .iter()
        .map(|e| e.from.as_str())
        .chain(edges.first().map(|e| e.from.as_str()))
        .collect();
    let cycle = cycle.join(" -> ");
    let per_thread: Vec<String> = edges
        .iter()
        .map(|e| {
            format!(
                "{} at {} -> {}",
                e.thread,
                site(&e.site_from),
                site(&e.site_to)
            )
        })
        .collect();
    let title = format!("potential deadlock: {cycle} ({})", per_thread.join(", "));
    let tuple: Vec<String> = edges
        .iter()
        .map(|e| format!("({}, {})", site(&e.site_from), site(&e.site_to)))
        .collect();
    let mut locks: Vec<String> = edges.iter().map(|e| e.from.clone()).collect();
    locks.sort();
    let sites = edges
        .iter()
        .flat_map(|e| [site(&e.site_from), site(&e.site_to)]);
    let identity: Vec<&str> = locks.iter().map(String::as_str).chain(sites).collect();
    let mut f = Finding::new(FindingKind::PotentialDeadlock, title, &identity);
    f.severity = match feasibility {
        Feasibility::Confirmed | Feasibility::Feasible => Severity::Error,
        Feasibility::Unconfirmed => Severity::Warning,
    };
    f.feasibility = Some(feasibility);
    f.threads = edges.iter().map(|e| e.thread.clone()).collect();
    f.primitives = edges.iter().map(|e| e.from.clone()).collect();
    f.steps = steps(&edges);
    f.scenario = Some(scenario(&edges));
    f.notes.push(format!("lock cycle: {cycle}"));
    f.notes
        .push(format!("acquisition sites: {}", tuple.join(", ")));
    for e in &edges {
        f.notes.push(format!(
            "{} acquired {} at {} while holding {} (acquired at {}), {} time{}",
            e.thread,
            e.to,
            site(&e.site_to),
            e.from,
            site(&e.site_from),
            e.count,
            if e.count == 1 { "" } else { "s" }
        ));
    }
    f.notes.extend(notes);
    f
}

fn steps(edges: &[EdgeView]) -> Vec<Step> {
    let step = |e: &EdgeView, idx: u64, s: &Option<String>, what: String| Step {
        event: Some(idx),
        thread: e.thread.clone(),
        site: s.clone(),
        what,
        backtrace: Vec::new(),
    };
    edges
        .iter()
        .flat_map(|e| {
            [
                step(e, e.idx_from, &e.site_from, format!("acquired {}", e.from)),
                step(
                    e,
                    e.idx_to,
                    &e.site_to,
                    format!("requested {} while holding {}", e.to, e.from),
                ),
            ]
        })
        .collect()
}

fn scenario(edges: &[EdgeView]) -> Scenario {
    let mut rows: Vec<(usize, String)> = edges
        .iter()
        .enumerate()
        .map(|(i, e)| (i, format!("lock({})", e.from)))
        .collect();
    rows.extend(
        edges
            .iter()
            .enumerate()
            .map(|(i, e)| (i, format!("lock({})", e.to))),
    );
    rows.push((0, DEADLOCK_ROW.to_owned()));
    Scenario {
        threads: edges.iter().map(|e| e.thread.clone()).collect(),
        rows,
    }
}

/// The note that explains a grade.
pub fn feasibility_note(feasibility: Feasibility) -> &'static str {
    match feasibility {
        Feasibility::Confirmed => "confirmed: the trace ends in this deadlock",
        Feasibility::Feasible => {
            "feasible: a correct reordering of the trace (same reads-from, lock semantics and \
             fork/join order; sync-preserving) reaches this deadlock"
        }
        Feasibility::Unconfirmed => {
            "unconfirmed: no sync-preserving reordering of the trace reaches this deadlock; it \
             may still happen under a schedule that changes what some read observes"
        }
    }
}

/// The pattern in words, for one trace.
pub fn views(meta: &TraceMeta, chosen: &[&Rep], insts: &[Instance]) -> Vec<EdgeView> {
    let site = |s: u32| (s != NO_SITE).then(|| meta.sites[s as usize].to_string());
    chosen
        .iter()
        .zip(insts)
        .map(|(r, i)| EdgeView {
            thread: describe::thread(meta, ThreadId(r.thread)),
            from: describe::prim(meta, ObjId(r.from)),
            to: describe::prim(meta, ObjId(r.to)),
            site_from: site(r.site_from),
            site_to: site(r.site_to),
            idx_from: i.idx_from,
            idx_to: i.idx_to,
            count: r.count,
        })
        .collect()
}
