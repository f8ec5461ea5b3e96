//! Lock-order inversions split across traces.
//!
//! Several traces (one per test process) are analyzed together. After each
//! trace its edge representatives are folded into one merged graph in
//! which a lock is identified by its display name and creation site (ids
//! differ between processes) and a thread by `(trace, thread)`. A lock
//! without a creation site (every STD lock) is its own lock in each trace,
//! since STD traces of unrelated programs all name their locks `L0`, `L1`
//! and so on. At the end, cycles of the merged graph whose patterns need
//! edges of two or more traces are reported: such an inversion cannot deadlock in one of the
//! recorded runs, but the program takes the locks in conflicting orders,
//! so it is graded unconfirmed and still reported. Patterns within one
//! trace were already reported by that trace.
//!
//! # Performance
//! Memory is the merged edge store (bounded per lock pair, as for one
//! trace) plus each trace's fork/join snapshots.

use std::collections::{BTreeMap, HashMap};

use super::clocks::ForkJoin;
use super::edges::{EdgeStore, Rep, NO_SITE};
use super::render::{self, EdgeView};
use super::search::search;
use crate::analysis::Context;
use crate::analysis::{Config, Finished};
use crate::report::Feasibility;
use crate::trace::{ObjId, ThreadId, TraceMeta};

/// The merged lock-order graph of every trace so far.
#[derive(Debug, Default)]
pub struct Merged {
    lock_ids: HashMap<String, u32>,
    lock_names: Vec<String>,
    site_ids: HashMap<String, u32>,
    sites: Vec<String>,
    /// Per global thread: display name (`trace: T1`), trace, local id.
    threads: Vec<(String, usize, ThreadId)>,
    /// Per trace: name, fork/join clocks and whether they are trusted.
    traces: Vec<(String, ForkJoin, bool)>,
    edges: EdgeStore,
}

fn intern(
    ids: &mut HashMap<String, u32>,
    names: &mut Vec<String>,
    key: String,
    name: String,
) -> u32 {
    *ids.entry(key).or_insert_with(|| {
        names.push(name);
        names.len() as u32 - 1
    })
}

impl Merged {
    /// The global id of lock `o` of trace `trace`.
    fn lock(&mut self, trace: usize, meta: &TraceMeta, o: u32) -> u32 {
        let p = meta.primitive(ObjId(o));
        let key = match p.site {
            Some(s) => format!("{}@{}", p.display_name(), meta.site(s)),
            // No creation site (STD traces name locks L0, L1, ... in each
            // program): the name alone would merge unrelated locks.
            None => format!("{}#{trace}", p.display_name()),
        };
        let name = p.display_name().to_owned();
        intern(&mut self.lock_ids, &mut self.lock_names, key, name)
    }

    fn site(&mut self, meta: &TraceMeta, s: u32) -> u32 {
        if s == NO_SITE {
            return NO_SITE;
        }
        let text = meta.sites[s as usize].to_string();
        intern(&mut self.site_ids, &mut self.sites, text.clone(), text)
    }

    /// Folds trace `cx.trace`'s edges into the merged graph.
    pub fn add_trace(
        &mut self,
        cx: &Context<'_>,
        edges: &EdgeStore,
        clocks: ForkJoin,
        trust: bool,
    ) {
        let mut thread_ids: HashMap<u32, u32> = HashMap::new();
        for rep in edges.all() {
            let thread = *thread_ids.entry(rep.thread).or_insert_with(|| {
                let t = ThreadId(rep.thread);
                let name = format!("{}: {}", cx.trace_name, cx.meta.thread(t).display_name());
                self.threads.push((name, cx.trace, t));
                self.threads.len() as u32 - 1
            });
            let mut held: Vec<_> = rep
                .held
                .iter()
                .map(|&(l, m)| (self.lock(cx.trace, cx.meta, l), m))
                .collect();
            held.sort_unstable_by_key(|h| h.0);
            let merged = Rep {
                from: self.lock(cx.trace, cx.meta, rep.from),
                to: self.lock(cx.trace, cx.meta, rep.to),
                thread,
                held,
                site_from: self.site(cx.meta, rep.site_from),
                site_to: self.site(cx.meta, rep.site_to),
                ..rep.clone()
            };
            self.edges.add_rep(merged);
        }
        self.traces.push((cx.trace_name.to_owned(), clocks, trust));
    }

    /// Cross-trace findings and limits.
    pub fn finish(&mut self, config: &Config) -> Finished {
        let mut done = Finished::default();
        if self.traces.len() < 2 {
            return done;
        }
        type Found = (Vec<EdgeView>, Vec<usize>);
        let mut found: BTreeMap<Vec<(u32, u32, u32)>, Found> = BTreeMap::new();
        let cut = search(&self.edges, config, &mut |chosen| {
            let first = chosen[0].trace;
            if chosen.iter().all(|r| r.trace == first) || self.ordered(chosen) {
                return false;
            }
            let key: Vec<_> = chosen
                .iter()
                .map(|r| (r.from, r.site_from, r.site_to))
                .collect();
            if found.contains_key(&key) {
                return false;
            }
            let mut traces: Vec<usize> = chosen.iter().map(|r| r.trace as usize).collect();
            traces.sort_unstable();
            traces.dedup();
            found.insert(key, (self.views(chosen), traces));
            true
        });
        done.limits = cut.messages("merged traces");
        if self.edges.dropped > 0 {
            done.limits.push(format!(
                "merged traces: {} distinct lock-order edges were not kept",
                self.edges.dropped
            ));
        }
        for (views, traces) in found.into_values() {
            let traces: Vec<&str> = traces.iter().map(|&t| self.traces[t].0.as_str()).collect();
            let note = format!(
                "the edges come from different traces ({}): no single run can deadlock this way, \
                 but the program takes these locks in conflicting orders",
                traces.join(", ")
            );
            let notes = vec![
                render::feasibility_note(Feasibility::Unconfirmed).to_owned(),
                note,
            ];
            done.findings
                .push(render::finding(views, Feasibility::Unconfirmed, notes));
        }
        done
    }

    /// Whether two edges of one trace are ordered by its fork/join.
    fn ordered(&self, chosen: &[&Rep]) -> bool {
        chosen.iter().enumerate().any(|(i, a)| {
            chosen.iter().skip(i + 1).any(|b| {
                let (ta, tb) = (
                    &self.threads[a.thread as usize],
                    &self.threads[b.thread as usize],
                );
                let (_, clocks, trust) = &self.traces[ta.1];
                ta.1 == tb.1
                    && *trust
                    && a.instances.iter().all(|ia| {
                        b.instances.iter().all(|ib| {
                            clocks.happens_before((ta.2, ia.clock), (tb.2, ib.clock))
                                || clocks.happens_before((tb.2, ib.clock), (ta.2, ia.clock))
                        })
                    })
            })
        })
    }

    fn views(&self, chosen: &[&Rep]) -> Vec<EdgeView> {
        let site = |s: u32| (s != NO_SITE).then(|| self.sites[s as usize].clone());
        chosen
            .iter()
            .map(|r| EdgeView {
                thread: self.threads[r.thread as usize].0.clone(),
                from: self.lock_names[r.from as usize].clone(),
                to: self.lock_names[r.to as usize].clone(),
                site_from: site(r.site_from),
                site_to: site(r.site_to),
                idx_from: r.instances[0].idx_from,
                idx_to: r.instances[0].idx_to,
                count: r.count,
            })
            .collect()
    }
}
