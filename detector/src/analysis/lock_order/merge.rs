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
//! trace) plus each trace's fork/join snapshots. The last trace's edges
//! are folded in only when another trace comes or the graph is drawn, so
//! a single trace's edges are never held twice.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::clocks::ForkJoin;
use super::edges::{EdgeStore, HeldId, Rep, NO_SITE};
use super::render;
use super::search::search;
use crate::analysis::{names, Config, Context, Finished};
use crate::finding::build::SeenEdge;
use crate::finding::{Findings, Grade, OrderEdge, Origin};
use crate::trace::{ObjId, PrimitiveKind, ThreadId, TraceMeta};

/// The merged lock-order graph of every trace so far.
#[derive(Debug, Default)]
pub struct Merged {
    // Read by `super::graph`, which draws it.
    /// Identity key -> global lock; the key is shared with `lock_keys`
    /// (a trace can have a million locks, each with its own key).
    pub(super) lock_ids: HashMap<Arc<str>, u32>,
    pub(super) lock_names: Vec<String>,
    pub(super) lock_kinds: Vec<PrimitiveKind>,
    /// Per global lock: its identity key, and the trace it belongs to when
    /// it has no creation site (a lock of that trace only).
    pub(super) lock_keys: Vec<(Arc<str>, Option<usize>)>,
    pub(super) site_ids: HashMap<String, u32>,
    pub(super) sites: Vec<String>,
    /// Per global thread: display name in its trace, trace, local id.
    pub(super) threads: Vec<(String, usize, ThreadId)>,
    /// Per trace: name, fork/join clocks and whether they are trusted.
    pub(super) traces: Vec<(String, ForkJoin, bool)>,
    /// The edges of every trace but the last one added ([`Merged::settle`]
    /// folds that one in).
    pub(super) edges: EdgeStore,
    /// The last trace's edges, with its ids mapped to the merged ones.
    pending: Option<(EdgeStore, Maps)>,
}

/// One trace's lock, site and thread ids, mapped to the merged ones.
#[derive(Debug, Default)]
struct Maps {
    locks: HashMap<u32, u32>,
    sites: HashMap<u32, u32>,
    threads: HashMap<u32, u32>,
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
    pub fn lock(&mut self, trace: usize, meta: &TraceMeta, o: u32) -> u32 {
        let p = meta.primitive(ObjId(o));
        let (key, local) = match p.site {
            Some(s) => (format!("{}@{}", p.display_name(), meta.site(s)), None),
            // No creation site (STD traces name locks L0, L1, ... in each
            // program): the name alone would merge unrelated locks.
            None => (format!("{}#{trace}", p.display_name()), Some(trace)),
        };
        if let Some(&id) = self.lock_ids.get(key.as_str()) {
            return id;
        }
        let id = self.lock_names.len() as u32;
        let key: Arc<str> = key.into();
        self.lock_ids.insert(Arc::clone(&key), id);
        self.lock_names.push(p.display_name().to_owned());
        self.lock_kinds.push(p.kind);
        self.lock_keys.push((key, local));
        id
    }

    fn site(&mut self, meta: &TraceMeta, s: u32) -> u32 {
        if s == NO_SITE {
            return NO_SITE;
        }
        let text = meta.sites[s as usize].to_string();
        intern(&mut self.site_ids, &mut self.sites, text.clone(), text)
    }

    /// Takes trace `cx.trace`'s edges into the merged graph. Their lock,
    /// site and thread ids are mapped now, while the trace's tables are at
    /// hand; the edges themselves are folded in when another trace comes
    /// (or the graph is drawn), so one trace's edges are never held twice.
    pub fn add_trace(&mut self, cx: &Context<'_>, edges: EdgeStore, clocks: ForkJoin, trust: bool) {
        self.settle();
        let mut maps = Maps::default();
        let mut seen_held = HashSet::new();
        for rep in edges.all() {
            maps.threads.entry(rep.thread).or_insert_with(|| {
                let t = ThreadId(rep.thread);
                let name = cx.meta.thread(t).display_name().to_owned();
                self.threads.push((name, cx.trace, t));
                self.threads.len() as u32 - 1
            });
            let held: &[_] = if seen_held.insert(rep.held) {
                edges.held(rep.held)
            } else {
                &[]
            };
            let locks = [rep.from, rep.to].into_iter();
            for l in locks.chain(held.iter().map(|h| h.0)) {
                if let Entry::Vacant(e) = maps.locks.entry(l) {
                    e.insert(self.lock(cx.trace, cx.meta, l));
                }
            }
            for s in [rep.site_from, rep.site_to] {
                if let Entry::Vacant(e) = maps.sites.entry(s) {
                    e.insert(self.site(cx.meta, s));
                }
            }
        }
        self.pending = Some((edges, maps));
        self.traces.push((cx.trace_name.to_owned(), clocks, trust));
    }

    /// Folds the edges of the last trace added into the merged graph.
    pub fn settle(&mut self) {
        let Some((edges, maps)) = self.pending.take() else {
            return;
        };
        let mut held_ids: HashMap<HeldId, HeldId> = HashMap::new();
        for rep in edges.all() {
            let held = match held_ids.get(&rep.held) {
                Some(&id) => id,
                None => {
                    let mut held: Vec<_> = edges
                        .held(rep.held)
                        .iter()
                        .map(|&(l, m)| (maps.locks[&l], m))
                        .collect();
                    held.sort_unstable_by_key(|h| h.0);
                    let Some(id) = self.edges.held.intern(&held) else {
                        self.edges.dropped += 1;
                        continue;
                    };
                    held_ids.insert(rep.held, id);
                    id
                }
            };
            let merged = Rep {
                from: maps.locks[&rep.from],
                to: maps.locks[&rep.to],
                thread: maps.threads[&rep.thread],
                held,
                site_from: maps.sites[&rep.site_from],
                site_to: maps.sites[&rep.site_to],
                ..rep.clone()
            };
            self.edges.add_rep(merged);
        }
    }

    /// Adds the cross-trace findings to `out`; returns the limits hit and
    /// the lock cycles reported (global lock ids).
    pub fn finish(&mut self, config: &Config, out: &mut Findings) -> (Finished, Vec<Vec<u32>>) {
        let mut done = Finished::default();
        if self.traces.len() < 2 {
            return (done, Vec::new());
        }
        self.settle();
        type Found = (Vec<SeenEdge>, Vec<usize>);
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
        let mut cycles = Vec::new();
        for (key, (views, traces)) in found {
            cycles.push(key.iter().map(|k| k.0).collect());
            let traces: Vec<String> = traces.iter().map(|&t| self.traces[t].0.clone()).collect();
            let mut f = render::finding(views, Grade::Unconfirmed, traces.clone(), None);
            f.origins = traces.into_iter().map(Origin::trace).collect();
            out.add(f);
        }
        (done, cycles)
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

    fn views(&self, chosen: &[&Rep]) -> Vec<SeenEdge> {
        chosen
            .iter()
            .map(|r| SeenEdge {
                edge: self.order_edge(r, true),
                acquired: Some(r.instances[0].idx_from),
                requested: Some(r.instances[0].idx_to),
            })
            .collect()
    }

    /// Representative `r` with names, its thread's prefixed by its trace
    /// (`one.jsonl: T1`) when `prefixed`.
    pub fn order_edge(&self, r: &Rep, prefixed: bool) -> OrderEdge {
        let site = |s: u32| (s != NO_SITE).then(|| self.sites[s as usize].clone());
        let mode = |l: u32, m| names::mode_of(self.lock_kinds[l as usize], m);
        let (name, trace, _) = &self.threads[r.thread as usize];
        let thread = if prefixed {
            format!("{}: {name}", self.traces[*trace].0)
        } else {
            name.clone()
        };
        OrderEdge {
            thread,
            from: self.lock_names[r.from as usize].clone(),
            to: self.lock_names[r.to as usize].clone(),
            site_from: site(r.site_from),
            site_to: site(r.site_to),
            mode_from: mode(r.from, r.mode_from),
            mode_to: mode(r.to, r.mode_to),
            count: r.count,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::TraceBuilder;
    use crate::analysis::{analyze, Config, Input};
    use crate::finding::FindingKind::PotentialDeadlock;

    fn run(one: &TraceBuilder, two: &TraceBuilder) -> crate::report::Report {
        let inputs = vec![
            Input {
                name: "one".into(),
                source: Box::new(one.source()),
            },
            Input {
                name: "two".into(),
                source: Box::new(two.source()),
            },
        ];
        analyze(inputs, &Config::default()).expect("in memory")
    }

    /// A trace whose thread holds `gate`, then takes `x` and `y`.
    fn nested(gate: Option<&str>, x: &str, y: &str) -> TraceBuilder {
        let mut b = TraceBuilder::lockscope();
        for (l, s) in [("G", "g.rs:1:1"), ("A", "a.rs:1:1"), ("B", "b.rs:1:1")] {
            b.created_at(l, s);
        }
        if let Some(g) = gate {
            b.lock("T1", g, "0");
        }
        b.lock("T1", x, "1").lock("T1", y, "2");
        b
    }

    #[test]
    fn a_gate_lock_held_in_both_traces_keeps_the_split_inversion_out() {
        let found =
            |gate| run(&nested(gate, "A", "B"), &nested(gate, "B", "A")).count(PotentialDeadlock);
        assert_eq!(found(None), 1);
        assert_eq!(found(Some("G")), 0);
    }
}
