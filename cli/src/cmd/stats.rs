//! `lockscope stats TRACE...`: the contention table.
//!
//! Per lock, the rows are the detector's [`LockStats`](lockscope_detector::report::LockStats)
//! from `analyze`. Per thread (`--by thread`), this module sums one
//! streaming replay: for each thread, the lock acquisitions it made (first
//! acquisitions only, not re-entries), how many had to wait (its request
//! found another thread holding the lock), the waits of those (request to
//! acquisition) and the holds (acquisition to release).
//!
//! # Limitations
//! Per-thread rows are summed over all inputs by thread name; owner changes
//! are a per-lock notion and are shown as `-`.

use std::collections::BTreeMap;

use lockscope_detector::state::{Replay, WaitTarget};
use lockscope_detector::trace::EventKind;

use crate::args::{Global, StatsArgs, StatsBy};
use crate::error::{CliResult, EXIT_OK};
use crate::inputs::{self, InputSpec};
use crate::render::stats::{self, Row};
use crate::source::Progress;

/// Runs the command. `--json` prints, per lock, the detector's
/// `LockStats` (docs/json-report.md, `stats[]`), per thread the table's rows.
pub fn run(args: &StatsArgs, global: &Global) -> CliResult<u8> {
    let specs = inputs::expand(&args.traces)?;
    let (mut rows, clock) = match args.by {
        StatsBy::Lock => {
            let report = super::analyze::analyze_specs(&specs, global.quiet)?;
            let clock = report
                .traces
                .first()
                .map_or("ns".to_owned(), |t| t.clock.clone());
            (report.stats.iter().map(Row::from).collect(), clock)
        }
        StatsBy::Thread => by_thread(&specs, global.quiet)?,
    };
    // Rows of several traces are told apart by their trace's file name.
    let traces: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.trace.as_str()).collect();
    if traces.len() > 1 {
        for r in &mut rows {
            let file = std::path::Path::new(&r.trace)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned());
            r.name = format!("{}:{}", file.unwrap_or_default(), r.name);
        }
    }
    stats::sort(&mut rows, args.sort, args.top);
    let out = if args.json {
        // Lock rows print the detector's LockStats whole; thread rows are ours.
        let json = match args.by {
            StatsBy::Lock => serde_json::to_string_pretty(
                &rows
                    .iter()
                    .filter_map(|r| r.full.as_ref())
                    .collect::<Vec<_>>(),
            ),
            StatsBy::Thread => serde_json::to_string_pretty(&rows),
        };
        let mut s = json.unwrap_or_default();
        s.push('\n');
        s
    } else if rows.is_empty() {
        "no lock statistics: no lock was acquired in these traces\n".to_owned()
    } else {
        let first = if args.by == StatsBy::Thread {
            "thread"
        } else {
            "lock"
        };
        stats::table(&rows, first, &clock)
    };
    super::write_output(None, &out)?;
    Ok(EXIT_OK)
}

fn by_thread(specs: &[InputSpec], quiet: bool) -> CliResult<(Vec<Row>, String)> {
    let progress = Progress::new(specs, quiet);
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut clock = None;
    for spec in specs {
        let mut source = progress.open(spec)?;
        let mut state = Replay::new();
        // Per thread: whether its pending request found the lock held.
        let mut contended: BTreeMap<u32, bool> = BTreeMap::new();
        let mut index = 0;
        while let Some(ev) = source.next_event()? {
            let t = ev.thread;
            let name = source.meta().thread(t).display_name().to_owned();
            match ev.kind {
                EventKind::Request { obj, .. } => {
                    let held = state.obj(obj).holders.iter().any(|&(h, _)| h != t);
                    contended.insert(t.0, held);
                }
                EventKind::Acquired { obj, depth: 1, .. } => {
                    let row = rows.entry(name.clone()).or_insert_with(|| Row {
                        name,
                        trace: spec.name(),
                        ..Row::default()
                    });
                    row.acquisitions += 1;
                    if contended.remove(&t.0) == Some(true) {
                        row.contended += 1;
                        let waited = state.thread(t).blocked.filter(
                            |b| matches!(b.on, WaitTarget::Lock { obj: o, .. } if o == obj),
                        );
                        if let Some(b) = waited {
                            let wait = ev.time.saturating_sub(b.time);
                            row.wait_total += wait;
                            row.wait_max = row.wait_max.max(wait);
                        }
                    }
                }
                EventKind::Released { obj, .. } => {
                    if let Some(h) = state.thread(t).holding(obj).filter(|h| h.depth == 1) {
                        let hold = ev.time.saturating_sub(h.time);
                        if let Some(row) = rows.get_mut(&name) {
                            row.hold_total += hold;
                            row.hold_max = row.hold_max.max(hold);
                        }
                    }
                }
                _ => {}
            }
            state.apply(index, &ev);
            index += 1;
        }
        clock.get_or_insert_with(|| source.meta().header.clock.as_str().to_owned());
    }
    progress.finish();
    Ok((
        rows.into_values().collect(),
        clock.unwrap_or_else(|| "ns".to_owned()),
    ))
}
