//! `lockscope run -- CMD ARGS...`: the one-line CI gate.
//!
//! Runs CMD with `LOCKSCOPE_TRACE=<dir>/lockscope-{pid}.jsonl` (the recorder
//! expands `{pid}`, so every process of a test run writes its own trace),
//! waits for it, analyzes every trace in `<dir>` together, prints the report
//! and exits with the gate's code.
//!
//! `<dir>` is `--trace-dir` (created if needed; it must hold no traces yet,
//! so old runs are never mixed in), else a new directory
//! `target/lockscope-runs/run-<time>-<pid>` in the enclosing Cargo project,
//! else one in the system temp directory.
//!
//! Exit status: 2 when CMD cannot be started (or lockscope cannot read the
//! traces); 1 when CMD failed (non-zero status or killed by a signal) or the
//! gate failed; 0 only when both succeeded. A failed CMD is reported on
//! stderr and its traces are still analyzed, since a deadlocked test that
//! was killed is exactly what the report should explain.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::args::{Global, RunArgs};
use crate::error::{CliError, CliResult, EXIT_FAIL};
use crate::inputs::{self, InputSpec};
use crate::sites::Root;

/// The environment variable the recorder reads.
pub const TRACE_ENV: &str = "LOCKSCOPE_TRACE";

/// Runs the command.
pub fn run(args: &RunArgs, global: &Global) -> CliResult<u8> {
    let gate = super::build_gate(&args.gate, &Root::discover())?;
    let dir = trace_dir(args.trace_dir.as_deref())?;
    let template = dir.join("lockscope-{pid}.jsonl");
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| CliError::new("no command given; usage: lockscope run -- CMD ARGS..."))?;
    if !global.quiet {
        super::write_stderr(&format!("lockscope: tracing into {}\n", dir.display()));
    }
    let status = Command::new(program)
        .args(rest)
        .env(TRACE_ENV, &template)
        .status()
        .map_err(|e| {
            CliError::new(format!(
                "cannot run `{program}`: {e}; is it installed and on PATH?"
            ))
        })?;
    let failed = !status.success();
    if failed {
        super::write_stderr(&format!(
            "lockscope: `{}` failed ({status})\n",
            args.command.join(" ")
        ));
    }
    let specs = traces_in(&dir)?;
    if specs.is_empty() {
        super::write_stderr(&format!(
            "lockscope: warning: the command wrote no trace into {}; does it use lockscope-sync \
             locks, and does it keep the {TRACE_ENV} variable?\n",
            dir.display()
        ));
        return Ok(if failed {
            EXIT_FAIL
        } else {
            crate::error::EXIT_OK
        });
    }
    let report = super::analyze::analyze_specs(&specs, global.quiet)?;
    let code = super::report_and_gate(&report, &gate, &args.gate, global)?;
    Ok(if failed { EXIT_FAIL } else { code })
}

fn traces_in(dir: &Path) -> CliResult<Vec<InputSpec>> {
    let any = std::fs::read_dir(dir)
        .map_err(|e| CliError::io("list directory", dir, &e))?
        .filter_map(Result::ok)
        .any(|e| inputs::is_trace_name(&e.path()));
    if any {
        inputs::expand(&[dir.display().to_string()])
    } else {
        Ok(Vec::new())
    }
}

/// The directory for this run's traces, created.
fn trace_dir(chosen: Option<&Path>) -> CliResult<PathBuf> {
    if let Some(dir) = chosen {
        std::fs::create_dir_all(dir).map_err(|e| CliError::io("create directory", dir, &e))?;
        if !traces_in(dir)?.is_empty() {
            return Err(CliError::new(format!(
                "{}: already holds traces; give an empty or new --trace-dir so old runs are not mixed in",
                dir.display()
            )));
        }
        return Ok(dir.to_path_buf());
    }
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let name = format!("run-{stamp}-{}", std::process::id());
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let base = cwd
        .ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .map(|d| d.join("target").join("lockscope-runs"))
        .unwrap_or_else(|| std::env::temp_dir().join("lockscope-runs"));
    std::fs::create_dir_all(&base).map_err(|e| CliError::io("create directory", &base, &e))?;
    let dir = base.join(name);
    std::fs::create_dir(&dir).map_err(|e| CliError::io("create directory", &dir, &e))?;
    Ok(dir)
}
