//! `lockscope info TRACE...`: what a trace holds (format, events, threads,
//! locks, other primitives, variables, sites, time span), from one streaming
//! pass that only counts.
//!
//! # Performance
//! The pass costs what the reader costs: on jigsaw.std (2.6 MB, 143k
//! events) `benches/info.rs` measured 30 ms for `inspect` against 32 ms for
//! the bare reader loop in the same run (release, 2 shared cores;
//! `cargo bench -p lockscope-cli --bench info -- --measurement-time 3`).

use std::fmt::Write as _;

use lockscope_detector::trace::ClockUnit;
use serde::Serialize;

use crate::args::{Global, InfoArgs};
use crate::error::CliResult;
use crate::inputs::{self, InputSpec};
use crate::render::stats::duration;
use crate::source::Progress;

/// What `info` reports about one trace.
#[derive(Debug, Default, Serialize)]
pub struct TraceInfo {
    pub name: String,
    pub format: String,
    pub events: u64,
    pub threads: usize,
    pub locks: usize,
    pub other_primitives: usize,
    pub vars: usize,
    pub sites: usize,
    /// `ns` or `seq`.
    pub clock: String,
    pub first_time: u64,
    pub last_time: u64,
    pub command: Vec<String>,
    /// The test the trace was recorded for: `BINARY TEST`, if the header
    /// names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    pub warnings: Vec<String>,
}

/// Counts what `spec` holds.
pub fn inspect(progress: &Progress, spec: &InputSpec) -> CliResult<TraceInfo> {
    let mut source = progress.open(spec)?;
    let (mut events, mut first, mut last) = (0u64, None, 0u64);
    while let Some(ev) = source.next_event()? {
        events += 1;
        first.get_or_insert(ev.time);
        last = ev.time;
    }
    let meta = source.meta();
    let locks = meta.primitives.iter().filter(|p| p.kind.is_lock()).count();
    Ok(TraceInfo {
        name: spec.name(),
        format: meta.format.as_str().to_owned(),
        events,
        threads: meta.threads.len(),
        locks,
        other_primitives: meta.primitives.len() - locks,
        vars: meta.vars.len(),
        sites: meta.sites.len(),
        clock: meta.header.clock.as_str().to_owned(),
        first_time: first.unwrap_or(0),
        last_time: last,
        command: meta.header.command.clone(),
        test: meta.header.test.as_ref().map(|t| match &t.name {
            Some(name) => format!("{} {name}", t.binary),
            None => t.binary.clone(),
        }),
        warnings: meta.warnings.clone(),
    })
}

/// Runs the command.
pub fn run(args: &InfoArgs, global: &Global) -> CliResult<u8> {
    let specs = inputs::expand(&args.traces)?;
    let progress = Progress::new(&specs, global.quiet);
    let infos = specs
        .iter()
        .map(|s| inspect(&progress, s))
        .collect::<CliResult<Vec<_>>>()?;
    progress.finish();
    let out = if args.json {
        let mut s = serde_json::to_string_pretty(&infos).unwrap_or_default();
        s.push('\n');
        s
    } else {
        infos.iter().map(text).collect::<Vec<_>>().join("\n")
    };
    super::write_output(None, &out)?;
    Ok(crate::error::EXIT_OK)
}

fn text(i: &TraceInfo) -> String {
    let mut out = String::new();
    let span = i.last_time - i.first_time.min(i.last_time);
    let span = if i.clock == ClockUnit::Nanoseconds.as_str() {
        duration(span, "ns")
    } else {
        format!("{span} (sequence clock)")
    };
    let _ = writeln!(out, "\x1b[1m{}\x1b[0m", i.name);
    let rows = [
        ("format", i.format.clone()),
        ("events", i.events.to_string()),
        ("threads", i.threads.to_string()),
        ("locks", i.locks.to_string()),
        ("other primitives", i.other_primitives.to_string()),
        ("variables", i.vars.to_string()),
        ("sites", i.sites.to_string()),
        ("time span", span),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "  {:<19}{v}", format!("{k}:"));
    }
    if !i.command.is_empty() {
        let _ = writeln!(out, "  {:<19}{}", "command:", i.command.join(" "));
    }
    if let Some(test) = &i.test {
        let _ = writeln!(out, "  {:<19}{test}", "test:");
    }
    for w in &i.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    out
}
