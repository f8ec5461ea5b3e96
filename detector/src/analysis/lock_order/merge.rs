//! The class-level lock-order graph, merged over every trace of a run.
//!
//! Several traces (one per test process) are analyzed together. After each
//! trace its edge representatives are folded into one merged graph whose
//! nodes are lock classes (see `class`: a name, a creation site, or the
//! lock alone in its trace) and whose threads are `(trace, thread)`. An
//! edge between two locks of one class (two accounts created at one site)
//! is left out: the class graph would turn it into a self-loop, and those
//! two locks are the instance analysis's job.
//!
//! At the end, the merged graph's cycles are searched like one trace's,
//! and a pattern is reported unless the instance analysis of some trace
//! already offered the same pattern (the same classes and sites, in cycle
//! order): what is left is an inversion the instance graphs cannot see,
//! its two orders taken on different locks of the same classes, in one
//! test process or split over two. No single pair of locks deadlocks that
//! way in the recorded run, but nothing in it keeps the orders apart: it
//! is graded sequential.
//!
//! # Performance
//! Memory is the merged edge store (bounded per class pair, as for one
//! trace), each trace's fork/join snapshots (for `lockscope graph`) and
//! the keys of the patterns the instance analyses offered.

use std::collections::{BTreeMap, HashMap};

use hashbrown::HashSet;

use super::clocks::ForkJoin;
use super::edges::{EdgeStore, HeldId, Rep, NO_SITE};
use super::kept::Key;
use super::search::search;
use super::{class, render};
use crate::analysis::{names, Config, Context, Finished};
use crate::finding::build::SeenEdge;
use crate::finding::{Findings, Grade, OrderEdge, Origin};
use crate::trace::{ObjId, PrimitiveKind, ThreadId, TraceMeta};

/// The merged lock-order graph of every trace so far.
#[derive(Debug, Default)]
pub struct Merged {
    /// The patterns the instance analyses offered, as class keys rotated
    /// to start at their smallest edge.
    offered: HashSet<Key>,
    /// Per class: the first lock of it seen (trace, lock id).
    first_lock: Vec<(usize, u32)>,
    /// Whether some class holds two or more locks: else the class graph
    /// is the instance graphs side by side, and its limits are theirs.
    merges: bool,
    // Read by `super::graph`, which draws it.
    pub(super) lock_ids: HashMap<String, u32>,
    pub(super) lock_names: Vec<String>,
    pub(super) lock_kinds: Vec<PrimitiveKind>,
    /// Per global lock: its identity key, and the trace it belongs to when
    /// it has no creation site (a lock of that trace only).
    pub(super) lock_keys: Vec<(String, Option<usize>)>,
    pub(super) site_ids: HashMap<String, u32>,
    pub(super) sites: Vec<String>,
    /// Per global thread: display name in its trace, trace, local id.
    pub(super) threads: Vec<(String, usize, ThreadId)>,
    /// Per trace: name, fork/join clocks and whether they are trusted.
    pub(super) traces: Vec<(String, ForkJoin, bool)>,
    pub(super) edges: EdgeStore,
    /// The first acquisition sites of the trace being added (see
    /// [`class::of`]).
    pub(super) first_sites: class::FirstSites,
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
    /// The global id of the class of lock `o` of trace `trace`.
    pub fn lock(&mut self, trace: usize, meta: &TraceMeta, o: u32) -> u32 {
        let p = meta.primitive(ObjId(o));
        let (key, local) = class::of(meta, trace, ObjId(o), &self.first_sites);
        let name = meta.primitive_name(ObjId(o)).into_owned();
        let id = intern(&mut self.lock_ids, &mut self.lock_names, key.clone(), name);
        if self.lock_kinds.len() <= id as usize {
            self.lock_kinds.push(p.kind);
            self.lock_keys.push((key, local));
            self.first_lock.push((trace, o));
        } else if self.first_lock[id as usize] != (trace, o) {
            self.merges = true;
        }
        id
    }

    /// Notes that the instance analysis of trace `cx.trace` offered the
    /// pattern of `key` (its trace's lock and site ids).
    pub fn offered(&mut self, cx: &Context<'_>, key: &Key) {
        let key: Key = key
            .iter()
            .map(|&(lock, from, to)| {
                let lock = self.lock(cx.trace, cx.meta, lock);
                (lock, self.site(cx.meta, from), self.site(cx.meta, to))
            })
            .collect();
        self.offered.insert(rotated(key));
    }

    fn site(&mut self, meta: &TraceMeta, s: u32) -> u32 {
        if s == NO_SITE {
            return NO_SITE;
        }
        let text = meta.sites[s as usize].to_string();
        intern(&mut self.site_ids, &mut self.sites, text.clone(), text)
    }

    /// Folds trace `cx.trace`'s edges into the merged graph, freeing them
    /// as it goes.
    pub fn add_trace(&mut self, cx: &Context<'_>, edges: EdgeStore, clocks: ForkJoin, trust: bool) {
        let mut thread_ids: HashMap<u32, u32> = HashMap::new();
        // Held sets are shared between edges: each is mapped once.
        let mut held_ids: HashMap<HeldId, HeldId> = HashMap::new();
        let (held_sets, reps) = edges.into_parts();
        for rep in reps {
            let thread = *thread_ids.entry(rep.thread).or_insert_with(|| {
                let t = ThreadId(rep.thread);
                let name = cx.meta.thread(t).display_name().to_owned();
                self.threads.push((name, cx.trace, t));
                self.threads.len() as u32 - 1
            });
            let held = match held_ids.get(&rep.held) {
                Some(&id) => id,
                None => {
                    let mut held: Vec<_> = held_sets
                        .get(rep.held)
                        .iter()
                        .map(|&(l, m)| (self.lock(cx.trace, cx.meta, l), m))
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
            let (from, to) = (
                self.lock(cx.trace, cx.meta, rep.from),
                self.lock(cx.trace, cx.meta, rep.to),
            );
            if from == to {
                continue;
            }
            let merged = Rep {
                from,
                to,
                thread,
                held,
                site_from: self.site(cx.meta, rep.site_from),
                site_to: self.site(cx.meta, rep.site_to),
                ..rep
            };
            self.edges.add_rep(merged);
        }
        self.traces.push((cx.trace_name.to_owned(), clocks, trust));
    }

    /// Adds the class-level findings to `out`; returns the limits hit and
    /// the lock cycles reported (class ids).
    pub fn finish(&mut self, config: &Config, out: &mut Findings) -> (Finished, Vec<Vec<u32>>) {
        let mut done = Finished::default();
        type Found = (Vec<SeenEdge>, Vec<usize>);
        let mut found: BTreeMap<Key, Found> = BTreeMap::new();
        let mut key: Key = Vec::new();
        let cut = search(&self.edges, config, &mut |chosen| {
            key.clear();
            key.extend(chosen.iter().map(|r| (r.from, r.site_from, r.site_to)));
            rotate(&mut key);
            if self.offered.contains(key.as_slice()) || found.contains_key(key.as_slice()) {
                return false;
            }
            let mut traces: Vec<usize> = chosen.iter().map(|r| r.trace as usize).collect();
            traces.sort_unstable();
            traces.dedup();
            found.insert(key.clone(), (self.views(chosen), traces));
            true
        });
        if !self.merges {
            return (
                done,
                found
                    .into_keys()
                    .map(|k| k.iter().map(|e| e.0).collect())
                    .collect(),
            );
        }
        done.limits = cut.messages("lock classes of all traces");
        if self.edges.dropped > 0 {
            done.limits.push(format!(
                "lock classes of all traces: {} distinct lock-order edges were not kept",
                self.edges.dropped
            ));
        }
        let mut cycles = Vec::new();
        for (key, (views, traces)) in found {
            cycles.push(key.iter().map(|k| k.0).collect());
            let names: Vec<String> = traces.iter().map(|&t| self.traces[t].0.clone()).collect();
            let several = if names.len() > 1 {
                names.clone()
            } else {
                Vec::new()
            };
            let mut f = render::finding(views, Grade::Sequential, several, None);
            render::by_class(&mut f);
            f.origins = names.into_iter().map(Origin::trace).collect();
            out.add(f);
        }
        (done, cycles)
    }

    fn views(&self, chosen: &[&Rep]) -> Vec<SeenEdge> {
        let prefixed = {
            let first = chosen[0].trace;
            chosen.iter().any(|r| r.trace != first)
        };
        chosen
            .iter()
            .map(|r| SeenEdge {
                edge: self.order_edge(r, prefixed),
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

/// `key` rotated to start at its smallest edge: one key per cycle, wherever
/// a search entered it.
fn rotated(mut key: Key) -> Key {
    rotate(&mut key);
    key
}

/// Rotates `key` to start at its smallest edge.
fn rotate(key: &mut [(u32, u32, u32)]) {
    let start = (0..key.len()).min_by_key(|&i| key[i]).unwrap_or(0);
    key.rotate_left(start);
}
