//! `lockscope run -- CMD ARGS...`: the one-line CI gate.
//!
//! Runs CMD with `LOCKSCOPE_TRACE=<dir>/lockscope-{pid}.lsb` (the recorder
//! expands `{pid}`, so every process of a test run writes its own trace),
//! waits for it, analyzes every trace in `<dir>` together, prints the report
//! and exits with the gate's code.
//!
//! `<dir>` is `--trace-dir` (created if needed; it must hold no traces yet,
//! so old runs are never mixed in), else a new directory
//! `target/lockscope-runs/run-<time>-<pid>` in the enclosing Cargo project,
//! else one in the system temp directory.
//!
//! With `--timeout SECS`, CMD runs in its own process group (on Unix) and
//! the whole group is killed when the time is up; it then counts as failed.
//! Without it, CMD stays in lockscope's group so Ctrl-C reaches it.
//!
//! Exit status: 2 when CMD cannot be started (or lockscope cannot read the
//! traces); 1 when CMD failed (non-zero status, killed by a signal, timed
//! out) or the gate failed; 0 only when both succeeded. A failed CMD is reported on
//! stderr and its traces are still analyzed, since a deadlocked test that
//! was killed is exactly what the report should explain.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
    let failure = match args.timeout {
        None => {
            let status = command.status().map_err(|e| cannot_run(program, &e))?;
            (!status.success()).then(|| format!("failed ({status})"))
        }
        Some(secs) => run_with_timeout(&mut command, program, secs)?,
    };
    let failed = failure.is_some();
    if let Some(how) = failure {
        super::write_stderr(&format!("lockscope: `{}` {how}\n", args.command.join(" ")));
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

fn cannot_run(program: &str, e: &std::io::Error) -> CliError {
    CliError::new(format!(
        "cannot run `{program}`: {e}; is it installed and on PATH?"
    ))
}

/// Runs `command` for at most `secs` seconds; returns how it failed, if it
/// did.
fn run_with_timeout(command: &mut Command, program: &str, secs: f64) -> CliResult<Option<String>> {
    let limit = Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            CliError::new(format!(
                "--timeout {secs}: expected a positive number of seconds"
            ))
        })?;
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    let mut child = command.spawn().map_err(|e| cannot_run(program, &e))?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| cannot_run(program, &e))? {
            return Ok((!status.success()).then(|| format!("failed ({status})")));
        }
        if start.elapsed() >= limit {
            kill_group(&mut child);
            let _ = child.wait();
            return Ok(Some(format!(
                "timed out after {secs} s and was killed (a deadlock?)"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills the child's process group (Unix) or the child itself.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if killed {
            return;
        }
    }
    let _ = child.kill();
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
