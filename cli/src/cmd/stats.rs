//! `lockscope stats TRACE...`: the contention table, per lock or per thread.
//!
//! The rows are the detector's contention statistics
//! ([`contention::statistics`]: the contention analysis alone, one pass per
//! input): [`LockStats`](lockscope_detector::report::LockStats) per lock,
//! [`ThreadStats`](lockscope_detector::report::ThreadStats) per thread (the
//! same acquisitions, waits and holds, so both tables add up to the same
//! totals). Owner changes are a per-lock notion and are shown as `-` for
//! threads.

use lockscope_detector::analysis::{contention, Config};

use crate::args::{Global, StatsArgs, StatsBy};
use crate::error::{CliResult, EXIT_OK};
use crate::inputs;
use crate::render::stats::{self, Row};
use crate::source::Progress;

/// Runs the command. `--json` prints, per lock, the detector's `LockStats`
/// (docs/json-report.md, `stats[]`), per thread the table's rows.
pub fn run(args: &StatsArgs, global: &Global) -> CliResult<u8> {
    let specs = inputs::expand(&args.traces)?;
    let progress = Progress::new(&specs, global.quiet);
    let report = contention::statistics(progress.inputs(&specs), &Config::default())?;
    progress.finish();
    let clock = report
        .traces
        .first()
        .map_or("ns".to_owned(), |t| t.clock.clone());
    let mut rows: Vec<Row> = match args.by {
        StatsBy::Lock => report.stats.iter().map(Row::from).collect(),
        StatsBy::Thread => report.thread_stats.iter().map(Row::from).collect(),
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
