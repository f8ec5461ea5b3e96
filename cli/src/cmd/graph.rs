//! `lockscope graph TRACE...`: the lock-order graph (an edge `A -> B` when a
//! thread requested or acquired B while holding A) or, with `--wait-for`, the wait-for
//! graph at the end of each trace (threads -> the lock they wait for ->
//! the threads holding it), with cycles marked.
//!
//! The edges come from one streaming replay per input (the detector's
//! [`Replay`] says what each thread holds); cycle finding is the detector's
//! ([`shortest_cycles`], [`WaitForGraph::cycles`]), with the analysis
//! config's bounds.
//!
//! # Limitations
//! Lock-order graphs of several inputs are merged by lock display name (as
//! the analyses merge them), so unnamed locks with equal labels in different
//! traces become one node. Wait-for nodes are prefixed by the trace name
//! when there are several inputs.

use std::collections::HashMap;

use lockscope_detector::analysis::Config;
use lockscope_detector::graph::cycles::{shortest_cycles, Bounds};
use lockscope_detector::graph::{WaitForGraph, WaitNode};
use lockscope_detector::state::{Replay, WaitTarget};
use lockscope_detector::trace::{Event, EventKind, ObjId, TraceMeta};

use crate::args::{Global, GraphArgs, GraphFormat};
use crate::error::{CliResult, EXIT_OK};
use crate::inputs::{self, InputSpec};
use crate::render::graph::{self, Edge, GraphView, Node};
use crate::source::Progress;

/// Nodes and edges keyed by name while they are collected.
#[derive(Default)]
struct Builder {
    index: HashMap<String, usize>,
    view: GraphView,
    edge_at: HashMap<(usize, usize), usize>,
}

impl Builder {
    fn node(&mut self, name: String, kind: &str) -> usize {
        if let Some(&i) = self.index.get(&name) {
            return i;
        }
        let i = self.view.nodes.len();
        self.index.insert(name.clone(), i);
        self.view.nodes.push(Node {
            name,
            kind: kind.to_owned(),
            in_cycle: false,
        });
        i
    }

    fn edge(&mut self, from: usize, to: usize, label: impl FnOnce() -> String) {
        if let Some(&e) = self.edge_at.get(&(from, to)) {
            self.view.edges[e].count += 1;
            return;
        }
        self.edge_at.insert((from, to), self.view.edges.len());
        self.view.edges.push(Edge {
            from,
            to,
            count: 1,
            label: label(),
            in_cycle: false,
        });
    }

    /// Marks `cycles` (node index lists) and stores them.
    fn mark(&mut self, cycles: Vec<Vec<usize>>) {
        for c in &cycles {
            for (k, &n) in c.iter().enumerate() {
                self.view.nodes[n].in_cycle = true;
                let next = c[(k + 1) % c.len()];
                if let Some(&e) = self.edge_at.get(&(n, next)) {
                    self.view.edges[e].in_cycle = true;
                }
            }
        }
        self.view.cycles = cycles;
    }

    fn succ(&self) -> Vec<Vec<usize>> {
        let mut succ = vec![Vec::new(); self.view.nodes.len()];
        for e in &self.view.edges {
            succ[e.from].push(e.to);
        }
        succ
    }
}

fn site(meta: &TraceMeta, s: Option<lockscope_detector::trace::SiteId>) -> String {
    s.map_or_else(|| "unknown site".to_owned(), |s| meta.site(s).to_string())
}

/// The lock a thread asks for while it may hold others: a request (which
/// counts even if it later times out: the attempt is what can deadlock), or
/// a first acquisition that no request announced (`try_lock`, STD traces
/// without `req`).
fn nesting(state: &Replay, ev: &Event) -> Option<ObjId> {
    match ev.kind {
        EventKind::Request { obj, .. } => Some(obj),
        EventKind::Acquired { obj, depth: 1, .. } => {
            let requested = matches!(
                state.thread(ev.thread).blocked,
                Some(b) if matches!(b.on, WaitTarget::Lock { obj: o, .. } if o == obj)
            );
            (!requested).then_some(obj)
        }
        _ => None,
    }
}

/// The merged lock-order graph of `specs`.
pub fn lock_order(
    specs: &[InputSpec],
    progress: &Progress,
    config: &Config,
) -> CliResult<GraphView> {
    let mut b = Builder::default();
    for spec in specs {
        let mut source = progress.open(spec)?;
        let mut state = Replay::new();
        let mut index = 0;
        while let Some(ev) = source.next_event()? {
            if let Some(obj) = nesting(&state, &ev) {
                let meta = source.meta();
                let target = meta.primitive(obj);
                if target.kind.is_lock() {
                    for h in &state.thread(ev.thread).held {
                        let p = meta.primitive(h.obj);
                        if h.obj == obj || !p.kind.is_lock() {
                            continue;
                        }
                        // Nodes are made on their first edge: locks never
                        // nested with another are not drawn.
                        let from = b.node(p.display_name().to_owned(), p.kind.as_str());
                        let to = b.node(target.display_name().to_owned(), target.kind.as_str());
                        b.edge(from, to, || {
                            format!(
                                "{} took {} at {} while holding {} (acquired at {}) in {}",
                                meta.thread(ev.thread).display_name(),
                                target.display_name(),
                                site(meta, ev.site),
                                p.display_name(),
                                site(meta, h.site),
                                spec.name()
                            )
                        });
                    }
                }
            }
            state.apply(index, &ev);
            index += 1;
        }
    }
    let found = shortest_cycles(
        &b.succ(),
        Bounds::new(config.max_cycle_len, config.max_cycles_per_component),
    );
    b.mark(found.cycles);
    b.view.kind = "lock-order".to_owned();
    Ok(b.view)
}

/// The wait-for graphs at the end of each of `specs`, side by side.
pub fn wait_for(specs: &[InputSpec], progress: &Progress) -> CliResult<GraphView> {
    let mut b = Builder::default();
    let mut wf = WaitForGraph::new();
    let several = specs.len() > 1;
    for spec in specs {
        let mut source = progress.open(spec)?;
        let mut state = Replay::new();
        let mut index = 0;
        while let Some(ev) = source.next_event()? {
            state.apply(index, &ev);
            index += 1;
        }
        let meta = source.meta();
        let prefix = if several {
            format!("{}:", spec.name())
        } else {
            String::new()
        };
        let thread = |b: &mut Builder, t: lockscope_detector::trace::ThreadId| {
            b.node(
                format!("{prefix}{}", meta.thread(t).display_name()),
                "thread",
            )
        };
        for (t, ts) in state.threads() {
            let Some(blocked) = ts.blocked else { continue };
            let tn = thread(&mut b, t);
            let target = match blocked.on {
                WaitTarget::Lock { obj, .. }
                | WaitTarget::Event { obj }
                | WaitTarget::Barrier { obj } => obj,
                WaitTarget::Condvar { condvar, .. } => condvar,
                WaitTarget::Join { child } => {
                    let cn = thread(&mut b, child);
                    b.edge(tn, cn, || format!("joins at {}", site(meta, blocked.site)));
                    wf.joins(tn as u64, cn as u64);
                    continue;
                }
            };
            let p = meta.primitive(target);
            let pn = b.node(format!("{prefix}{}", p.display_name()), p.kind.as_str());
            b.edge(tn, pn, || {
                format!(
                    "waits since event {} at {}",
                    blocked.since,
                    site(meta, blocked.site)
                )
            });
            wf.waits(tn as u64, pn as u64);
            for &(holder, mode) in &state.obj(target).holders {
                let hn = thread(&mut b, holder);
                b.edge(pn, hn, || format!("held ({mode})"));
                wf.held_by(pn as u64, hn as u64);
            }
        }
    }
    let cycles = wf
        .cycles()
        .into_iter()
        .map(|c| {
            c.into_iter()
                .map(|n| match n {
                    WaitNode::Thread(i) | WaitNode::Primitive(i) => i as usize,
                })
                .collect()
        })
        .collect();
    b.mark(cycles);
    b.view.kind = "wait-for".to_owned();
    Ok(b.view)
}

/// Runs the command.
pub fn run(args: &GraphArgs, global: &Global) -> CliResult<u8> {
    let specs = inputs::expand(&args.traces)?;
    let progress = Progress::new(&specs, global.quiet);
    let view = if args.wait_for {
        wait_for(&specs, &progress)?
    } else {
        lock_order(&specs, &progress, &Config::default())?
    };
    progress.finish();
    let out = match args.format {
        GraphFormat::Dot => graph::dot(&view),
        GraphFormat::Svg => graph::svg(&view),
        GraphFormat::Json => graph::json(&view),
    };
    super::write_output(None, &out)?;
    Ok(EXIT_OK)
}
