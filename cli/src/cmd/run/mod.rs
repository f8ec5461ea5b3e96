//! `lockscope run -- CMD ARGS...`: the one-line CI gate.
//!
//! Runs CMD with `LOCKSCOPE_TRACE=<dir>/lockscope-{pid}.lsb` (the recorder
//! expands `{pid}`, so every process of a test run writes its own trace),
//! waits for it, analyzes every trace in `<dir>` together, prints the report
//! and exits with the gate's code.
//!
//! `<dir>` is `--trace-dir` (made absolute, created if needed; it must hold
//! no traces yet, so old runs are never mixed in, and may not contain the
//! recorder's `{pid}`/`{test}` placeholders), else a new directory
//! `target/lockscope-runs/run-<time>-<pid>` in the enclosing Cargo project,
//! else one in the system temp directory.
//!
//! CMD runs in a process group of its own (`child`): Ctrl-C, SIGTERM and
//! `--timeout` end the whole group, then its traces are analyzed and the
//! gate applied.
//!
//! With `--format json|sarif|junit` and no `-o`, standard output is the
//! report's alone: CMD's standard output goes to standard error.
//!
//! Exit status: 2 when CMD cannot be started, when it wrote no trace, when a
//! trace was cut short by a write error (the recorder leaves a
//! `<trace>.error` marker) or ends early although CMD ended by itself (a
//! crash: what came after was never analyzed), or when lockscope cannot read
//! the traces; else 1 when CMD failed (non-zero status, killed, timed out,
//! interrupted) or the gate failed; 0 only when both succeeded. A failed
//! CMD is reported on stderr and its traces are still analyzed, since a
//! deadlocked test that was ended is exactly what the report should
//! explain.

pub(crate) mod child;
pub(crate) mod traces;

use std::process::Command;
use std::time::Duration;

use crate::args::{Global, RunArgs};
use crate::error::{CliError, CliResult, EXIT_FAIL};
use crate::sites::Root;

/// The environment variable the recorder reads.
pub const TRACE_ENV: &str = "LOCKSCOPE_TRACE";

/// Runs the command.
pub fn run(args: &RunArgs, global: &Global) -> CliResult<u8> {
    let gate = super::build_gate(&args.gate, &Root::discover())?;
    let timeout = args.timeout.map(limit).transpose()?;
    let dir = traces::trace_dir(args.trace_dir.as_deref())?;
    let template = dir.join("lockscope-{pid}.lsb");
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| CliError::new("no command given; usage: lockscope run -- CMD ARGS..."))?;
    if !global.quiet {
        super::write_stderr(&format!("lockscope: tracing into {}\n", dir.display()));
    }
    let mut command = Command::new(program);
    command.args(rest).env(TRACE_ENV, &template);
    if args.gate.report_on_stdout() {
        // The report is the only thing on standard output.
        command.stdout(std::io::stderr());
    }
    let ended = child::run(&mut command, program, timeout)?;
    let failure = ended.failure();
    if let Some(how) = &failure {
        super::write_stderr(&format!("lockscope: `{}` {how}\n", args.command.join(" ")));
    }
    let specs = traces::traces_in(&dir)?;
    if specs.is_empty() {
        return Err(CliError::new(format!(
            "the command wrote no trace into {}, so nothing it did was analyzed; does it use \
             lockscope's locks (built with the `record` feature), and does it keep the \
             {TRACE_ENV} variable?",
            dir.display()
        )));
    }
    let report = super::analyze::analyze_specs(&specs, global.quiet, global.jobs())?;
    let code = super::report_and_gate(&report, &gate, &args.gate, global)?;
    let errors = traces::write_errors(&dir);
    let cut: Vec<&str> = report
        .traces
        .iter()
        .filter(|t| t.truncated)
        .map(|t| t.name.as_str())
        .collect();
    if !errors.is_empty() {
        return Err(CliError::new(format!(
            "{}; the run was not fully analyzed",
            errors.join("; ")
        )));
    }
    if !cut.is_empty() && !ended.by_lockscope() {
        return Err(CliError::new(format!(
            "{} ended early although the command ended by itself (a crash?); what came after \
             was never analyzed",
            cut.join(", ")
        )));
    }
    Ok(if failure.is_some() { EXIT_FAIL } else { code })
}

/// `--timeout SECS` as a duration.
fn limit(secs: f64) -> CliResult<Duration> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            CliError::new(format!(
                "--timeout {secs}: expected a positive number of seconds"
            ))
        })
}
