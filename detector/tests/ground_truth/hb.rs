//! Exact happens-before and schedulable happens-before race pairs, by
//! definition: a full vector clock for every event, every pair of
//! conflicting accesses compared.
//!
//! Happens-before (HB) is the smallest order that contains program order,
//! release -> every later acquisition of the same lock, fork -> the child's
//! events and the child's events -> the join. Schedulable happens-before
//! (SHB, Mathur, Kini and Viswanathan, OOPSLA 2018) adds write -> every read
//! that reads from it. Two accesses `e1` before `e2` of one variable by
//! different threads, at least one a write, are an HB race when `e1` is not
//! ordered before `e2`, and an SHB race when `e1` is not ordered before the
//! event before `e2` in its thread (`e2`'s own reads-from edge does not
//! count: the race is the state where both are about to run, and `e2`
//! has not read yet). A pair of sites races when some pair of its events
//! does.
//!
//! Works on any trace lockscope reads, so the benchmark traces are
//! checked with it too; fork/join edges are taken literally (a fork of a
//! thread that never runs orders nothing), and `begin()`/`end()` markers
//! are left out, as RAPID leaves them out.

use std::collections::{BTreeSet, HashMap};

use lockscope_detector::trace::{Event, EventKind, EventSource};

/// `(var, lower site, higher site)` by display name (`loc 12`; `unknown
/// site` for none), as race findings name them: one pair of sites whatever
/// the variable, so `var` is empty unless a site is unknown.
pub type SitePair = (String, String, String);

/// The racy site pairs of a trace under HB and under SHB.
#[derive(Debug, Default)]
pub struct Pairs {
    pub hb: BTreeSet<SitePair>,
    pub shb: BTreeSet<SitePair>,
}

fn join(into: &mut Vec<u32>, from: &[u32]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, &b) in into.iter_mut().zip(from) {
        *a = (*a).max(b);
    }
}

fn get(c: &[u32], t: usize) -> u32 {
    c.get(t).copied().unwrap_or(0)
}

/// One access with its clocks.
struct Access {
    thread: usize,
    write: bool,
    site: String,
    hb: Vec<u32>,
    shb: Vec<u32>,
}

/// Every racy site pair of the trace `source` reads, by both definitions.
pub fn pairs(source: &mut dyn EventSource) -> Pairs {
    let mut events: Vec<Event> = Vec::new();
    while let Some(e) = source.next_event().expect("the trace reads") {
        events.push(e);
    }
    let meta = source.meta();
    let site = |e: &Event| {
        e.site
            .map_or_else(|| "unknown site".to_owned(), |s| meta.site(s).to_string())
    };
    let threads = events
        .iter()
        .map(|e| e.thread.index() + 1)
        .max()
        .unwrap_or(0);
    // Per thread: (HB clock, SHB clock), each event ticking its own entry.
    let mut clocks: Vec<(Vec<u32>, Vec<u32>)> = vec![(Vec::new(), Vec::new()); threads];
    let mut locks: HashMap<u32, (Vec<u32>, Vec<u32>)> = HashMap::new();
    let mut forks: HashMap<usize, (Vec<u32>, Vec<u32>)> = HashMap::new();
    let mut started = vec![false; threads];
    let mut last_write: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut accesses: HashMap<u32, Vec<Access>> = HashMap::new();
    let mut out = Pairs::default();
    // begin()/end() markers synchronize nothing (RAPID does not read them).
    let real = events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Begin | EventKind::End));
    for e in real {
        let t = e.thread.index();
        if !started[t] {
            started[t] = true;
            if let Some((h, s)) = forks.remove(&t) {
                join(&mut clocks[t].0, &h);
                join(&mut clocks[t].1, &s);
            }
        }
        let (h, s) = &mut clocks[t];
        for c in [h, s] {
            if c.len() <= t {
                c.resize(t + 1, 0);
            }
            c[t] += 1;
        }
        match e.kind {
            EventKind::Acquired { obj, .. } => {
                if let Some((h, s)) = locks.get(&obj.0) {
                    join(&mut clocks[t].0, h);
                    join(&mut clocks[t].1, s);
                }
            }
            EventKind::Released { obj, .. } => {
                let l = locks.entry(obj.0).or_default();
                join(&mut l.0, &clocks[t].0);
                join(&mut l.1, &clocks[t].1);
            }
            EventKind::Fork { child } => {
                let f = forks.entry(child.index()).or_default();
                join(&mut f.0, &clocks[t].0);
                join(&mut f.1, &clocks[t].1);
            }
            EventKind::Join { child } if child.index() < threads && started[child.index()] => {
                let (h, s) = clocks[child.index()].clone();
                join(&mut clocks[t].0, &h);
                join(&mut clocks[t].1, &s);
            }
            EventKind::Read { var } | EventKind::Write { var } | EventKind::Update { var } => {
                let reads = !matches!(e.kind, EventKind::Write { .. });
                let writes = !matches!(e.kind, EventKind::Read { .. });
                // Compared before the read joins its writer's clock: the
                // racing read is not executed, so its own writer does not
                // order it.
                let now = Access {
                    thread: t,
                    write: writes,
                    site: site(e),
                    hb: clocks[t].0.clone(),
                    shb: clocks[t].1.clone(),
                };
                let name = meta.var(var).display_name();
                compare(name, &now, accesses.get(&var.0), &mut out);
                if reads {
                    if let Some(w) = last_write.get(&var.0) {
                        join(&mut clocks[t].1, w);
                    }
                }
                if writes {
                    last_write.insert(var.0, clocks[t].1.clone());
                }
                accesses.entry(var.0).or_default().push(now);
            }
            _ => {}
        }
    }
    out
}

/// Compares `now` with every earlier access of `var`.
fn compare(var: &str, now: &Access, earlier: Option<&Vec<Access>>, out: &mut Pairs) {
    for a in earlier.into_iter().flatten() {
        if a.thread == now.thread || !(a.write || now.write) {
            continue;
        }
        let (lo, hi) = if a.site <= now.site {
            (&a.site, &now.site)
        } else {
            (&now.site, &a.site)
        };
        let pair = (site_pair_var(var, lo, hi), lo.clone(), hi.clone());
        if get(&a.shb, a.thread) > get(&now.shb, a.thread) {
            out.shb.insert(pair.clone());
        }
        if get(&a.hb, a.thread) > get(&now.hb, a.thread) {
            out.hb.insert(pair);
        }
    }
}

/// The sites (source lines) that take part in some pair.
/// The variable part of a site pair: empty when both sites are known.
pub fn site_pair_var(var: &str, lo: &str, hi: &str) -> String {
    if lo == UNKNOWN || hi == UNKNOWN {
        var.to_owned()
    } else {
        String::new()
    }
}

/// The name of an unknown site.
pub const UNKNOWN: &str = "unknown site";

pub fn lines(pairs: &BTreeSet<SitePair>) -> BTreeSet<&str> {
    pairs
        .iter()
        .flat_map(|(_, a, b)| [a.as_str(), b.as_str()])
        .collect()
}
