//! `lockscope analyze TRACE...`: every analysis over every input together
//! (so lock-order graphs of several test processes are merged), rendered in
//! the chosen format, gated.

use lockscope_detector::finding;
use lockscope_detector::report::Report;

use crate::args::{AnalyzeArgs, Global};
use crate::error::CliResult;
use crate::inputs::{self, InputSpec};
use crate::sites::Root;
use crate::source::Progress;
use crate::source_lines::SourceFiles;

/// Runs the command; returns the exit code.
pub fn run(args: &AnalyzeArgs, global: &Global) -> CliResult<u8> {
    // Configuration problems are reported before any trace is read.
    let gate = super::build_gate(&args.gate, &Root::discover())?;
    let specs = inputs::expand(&args.traces)?;
    let report = analyze_specs(&specs, global.quiet, global.jobs())?;
    if args.by_test {
        return super::report_by_test(&report, &gate, &args.gate, global);
    }
    super::report_and_gate(&report, &gate, &args.gate, global)
}

/// Reads and analyzes `specs` together on up to `jobs` threads, with a
/// progress bar when they are large, and gives the findings their stable fingerprints (each site by
/// its source line, read from the files under the repository).
pub fn analyze_specs(specs: &[InputSpec], quiet: bool, jobs: usize) -> CliResult<Report> {
    let progress = Progress::new(specs, quiet);
    let report = crate::passes::run(specs, &progress, jobs);
    progress.finish();
    let mut report = report?;
    let sources = SourceFiles::new(Root::discover());
    finding::stabilize(&mut report.findings, &sources);
    Ok(report)
}
