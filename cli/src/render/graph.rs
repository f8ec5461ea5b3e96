//! `lockscope graph` output: DOT, SVG and JSON renderings of a [`GraphView`]
//! (the detector's lock-order or wait-for graph with its cycles marked,
//! [`GraphView::of`]).
//!
//! SVG needs no Graphviz: nodes sit on a circle in the order given (which
//! keeps a cycle's members next to each other when the command orders them
//! first), edges are straight arrows (a self-edge is a small loop), cycle
//! members are red. Every node and edge has a `<title>` tooltip with its
//! details.
//!
//! # Limitations
//! The circular layout is readable up to a few dozen nodes; larger graphs
//! are drawn but crowded (use DOT with Graphviz for those).

use std::fmt::Write as _;

use lockscope_detector::analysis::graphs::Graph;
use quick_xml::escape::escape;
use serde::Serialize;

/// A graph ready to render.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GraphView {
    /// `lock-order` or `wait-for`.
    pub kind: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Each cycle as node indices, starting at its smallest.
    pub cycles: Vec<Vec<usize>>,
}

impl GraphView {
    /// The detector's `graph` as a `kind` graph, its cycles' nodes and
    /// edges marked, each edge labelled with why it is there.
    pub fn of(kind: &str, graph: &Graph) -> Self {
        let mut view = GraphView {
            kind: kind.to_owned(),
            nodes: graph
                .nodes
                .iter()
                .map(|n| Node {
                    name: n.name.clone(),
                    kind: n.kind.clone(),
                    in_cycle: false,
                })
                .collect(),
            edges: graph
                .edges
                .iter()
                .map(|e| Edge {
                    from: e.from,
                    to: e.to,
                    count: e.count,
                    label: e.why.words(),
                    in_cycle: false,
                })
                .collect(),
            cycles: graph.cycles.clone(),
        };
        for c in &graph.cycles {
            for (k, &n) in c.iter().enumerate() {
                view.nodes[n].in_cycle = true;
                let next = c[(k + 1) % c.len()];
                for e in view
                    .edges
                    .iter_mut()
                    .filter(|e| (e.from, e.to) == (n, next))
                {
                    e.in_cycle = true;
                }
            }
        }
        view
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub name: String,
    /// `lock`, `thread`, `condvar`, ...
    pub kind: String,
    pub in_cycle: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// How many times the edge was seen.
    pub count: u64,
    /// Details: the first sites, the threads.
    pub label: String,
    pub in_cycle: bool,
}

/// Graphviz DOT.
pub fn dot(g: &GraphView) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = format!(
        "digraph {} {{\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n",
        q(&g.kind)
    );
    for (i, n) in g.nodes.iter().enumerate() {
        let shape = if n.kind == "thread" { "box" } else { "ellipse" };
        let color = if n.in_cycle {
            ", color=red, fontcolor=red, penwidth=2"
        } else {
            ""
        };
        let _ = writeln!(out, "  n{i} [label={}, shape={shape}{color}];", q(&n.name));
    }
    for e in &g.edges {
        let color = if e.in_cycle {
            ", color=red, penwidth=2"
        } else {
            ""
        };
        let label = if e.count > 1 {
            format!("{}x", e.count)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label={}, tooltip={}{color}];",
            e.from,
            e.to,
            q(&label),
            q(&e.label)
        );
    }
    out.push_str("}\n");
    out
}

/// JSON: nodes, edges and cycles (also by name).
pub fn json(g: &GraphView) -> String {
    let named: Vec<Vec<&str>> = g
        .cycles
        .iter()
        .map(|c| c.iter().map(|&i| g.nodes[i].name.as_str()).collect())
        .collect();
    let v = serde_json::json!({
        "kind": g.kind,
        "nodes": g.nodes,
        "edges": g.edges,
        "cycles": g.cycles,
        "cycle_names": named,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

const NODE_W: f64 = 110.0;
const NODE_H: f64 = 30.0;

/// A standalone SVG drawing.
pub fn svg(g: &GraphView) -> String {
    let n = g.nodes.len();
    let radius = if n <= 1 {
        0.0
    } else {
        (n as f64 * 45.0 / std::f64::consts::PI).max(120.0)
    };
    let margin = NODE_W;
    let size = 2.0 * (radius + margin);
    let center = radius + margin;
    let pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (center + radius * a.cos(), center + radius * a.sin())
        })
        .collect();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size:.0}\" height=\"{:.0}\" \
         viewBox=\"0 0 {size:.0} {:.0}\" font-family=\"monospace\" font-size=\"12\">\n",
        size + 20.0,
        size + 20.0
    );
    out.push_str(
        "  <defs>\n\
         \x20   <marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker>\n\
         \x20   <marker id=\"arrow-red\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d00\"/></marker>\n\
         \x20 </defs>\n",
    );
    let _ = writeln!(
        out,
        "  <text x=\"10\" y=\"{:.0}\" fill=\"#333\">{} graph: {}, {}, {}</text>",
        size + 12.0,
        escape(&g.kind),
        plural(n, "node"),
        plural(g.edges.len(), "edge"),
        plural(g.cycles.len(), "cycle")
    );
    for e in &g.edges {
        edge(&mut out, e, pos[e.from], pos[e.to]);
    }
    for (i, node) in g.nodes.iter().enumerate() {
        let (x, y) = pos[i];
        let (stroke, width) = if node.in_cycle {
            ("#d00", 2)
        } else {
            ("#333", 1)
        };
        let rx = if node.kind == "thread" { 2 } else { 14 };
        let name = escape(&node.name);
        let shown = if node.name.chars().count() > 14 {
            escape(format!(
                "{}…",
                node.name.chars().take(13).collect::<String>()
            ))
            .into_owned()
        } else {
            name.clone().into_owned()
        };
        let _ = writeln!(
            out,
            "  <g><title>{} {name}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"{rx}\" fill=\"#fff\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{stroke}\">{shown}</text></g>",
            escape(&node.kind),
            x - NODE_W / 2.0,
            y - NODE_H / 2.0,
            y + 4.0
        );
    }
    out.push_str("</svg>\n");
    out
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn edge(out: &mut String, e: &Edge, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
    let (color, marker, width) = if e.in_cycle {
        ("#d00", "arrow-red", 2)
    } else {
        ("#555", "arrow", 1)
    };
    let title = escape(&e.label);
    if e.from == e.to {
        let _ = writeln!(
            out,
            "  <g><title>{title}</title><path d=\"M{:.1},{:.1} c 40,-50 80,0 {:.1},{:.1}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\" marker-end=\"url(#{marker})\"/></g>",
            x1 + NODE_W / 4.0,
            y1 - NODE_H / 2.0,
            NODE_W / 4.0,
            NODE_H / 2.0
        );
        return;
    }
    // Stop each end at the node's box edge.
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let t = |w: f64, h: f64| (w / 2.0 / dx.abs().max(1e-9)).min(h / 2.0 / dy.abs().max(1e-9)) * len;
    let cut = t(NODE_W, NODE_H) + 2.0;
    let (ux, uy) = (dx / len, dy / len);
    // Offset both directions of a two-way edge so they do not overlap.
    let (ox, oy) = (-uy * 4.0, ux * 4.0);
    let _ = writeln!(
        out,
        "  <g><title>{title}</title><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"{width}\" marker-end=\"url(#{marker})\"/></g>",
        x1 + ux * cut + ox,
        y1 + uy * cut + oy,
        x2 - ux * cut + ox,
        y2 - uy * cut + oy
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_cycle() -> GraphView {
        let node = |name: &str| Node {
            name: name.into(),
            kind: "mutex".into(),
            in_cycle: true,
        };
        let edge = |from, to| Edge {
            from,
            to,
            count: 2,
            label: format!("L{from} -> L{to} at \"a.rs:1:1\" & <b>"),
            in_cycle: true,
        };
        GraphView {
            kind: "lock-order".into(),
            nodes: vec![node("L1"), node("L\"2")],
            edges: vec![edge(0, 1), edge(1, 0), edge(0, 0)],
            cycles: vec![vec![0, 1]],
        }
    }

    #[test]
    fn dot_quotes_names_and_marks_cycles() {
        let d = dot(&two_cycle());
        assert!(d.starts_with("digraph \"lock-order\" {"), "{d}");
        assert!(
            d.contains("n1 [label=\"L\\\"2\", shape=ellipse, color=red"),
            "{d}"
        );
        assert!(d.contains("n0 -> n1 [label=\"2x\""), "{d}");
    }

    #[test]
    fn svg_is_well_formed_xml() {
        let s = svg(&two_cycle());
        let mut reader = quick_xml::Reader::from_str(&s);
        let mut elements = 0;
        loop {
            match reader.read_event().expect("well-formed SVG") {
                quick_xml::events::Event::Eof => break,
                quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_) => {
                    elements += 1
                }
                _ => {}
            }
        }
        assert!(elements > 10, "{s}");
        assert!(s.contains("stroke=\"#d00\""));
        assert!(s.contains("&lt;b&gt;"));
    }

    #[test]
    fn json_names_cycles() {
        let v: serde_json::Value = serde_json::from_str(&json(&two_cycle())).unwrap();
        assert_eq!(v["cycle_names"][0][1], "L\"2");
        assert_eq!(v["edges"].as_array().unwrap().len(), 3);
    }
}
