//! Running the command: in a process group of its own, ended as a whole
//! through the OS (`killpg`) when lockscope gets Ctrl-C or SIGTERM, or when
//! `--timeout` is up; then the caller analyzes what it traced.
//!
//! The group is the command's, not lockscope's: a terminal's Ctrl-C reaches
//! lockscope only, which ends the group (SIGTERM, then SIGKILL after
//! [`GRACE`]) and goes on to analyze. Elsewhere than Unix the command runs
//! as a plain child and only it is killed.

use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crate::error::{CliError, CliResult};

/// How long the command's group has to exit after SIGTERM before SIGKILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// The signal lockscope got (0: none).
static SIGNALLED: AtomicI32 = AtomicI32::new(0);

/// How the command ended.
#[derive(Debug)]
pub enum Ended {
    /// By itself, with this status.
    Exited(ExitStatus),
    /// Ended by lockscope: the time limit was up.
    TimedOut(f64),
    /// Ended by lockscope, which got this signal.
    Interrupted(i32),
}

impl Ended {
    /// How it failed, in words; `None` when it succeeded.
    pub fn failure(&self) -> Option<String> {
        match self {
            Ended::Exited(s) if s.success() => None,
            Ended::Exited(s) => Some(format!("failed ({s})")),
            Ended::TimedOut(secs) => Some(format!(
                "timed out after {secs} s and was ended, with every process it started (a \
                 deadlock?)"
            )),
            Ended::Interrupted(sig) => Some(format!(
                "was ended, with every process it started, when lockscope got signal {sig}"
            )),
        }
    }

    /// Whether lockscope ended it (its traces may be cut short).
    pub fn by_lockscope(&self) -> bool {
        !matches!(self, Ended::Exited(_))
    }
}

/// Runs `command` until it exits, `timeout` is up or lockscope is
/// interrupted; see the module docs.
pub fn run(command: &mut Command, program: &str, timeout: Option<Duration>) -> CliResult<Ended> {
    let secs = timeout.map(|t| t.as_secs_f64());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    catch_signals();
    let mut child = command.spawn().map_err(|e| cannot_run(program, &e))?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| cannot_run(program, &e))? {
            return Ok(Ended::Exited(status));
        }
        let sig = SIGNALLED.load(Ordering::Relaxed);
        let ended = if sig != 0 {
            Some(Ended::Interrupted(sig))
        } else {
            timeout
                .filter(|t| start.elapsed() >= *t)
                .map(|_| Ended::TimedOut(secs.unwrap_or_default()))
        };
        if let Some(ended) = ended {
            end_group(&mut child);
            return Ok(ended);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn cannot_run(program: &str, e: &std::io::Error) -> CliError {
    CliError::new(format!(
        "cannot run `{program}`: {e}; is it installed and on PATH?"
    ))
}

/// Ends the child's process group: SIGTERM, then SIGKILL after [`GRACE`];
/// reaps the child.
fn end_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = libc::pid_t::try_from(child.id()).unwrap_or(0);
        if group > 0 {
            // SAFETY: killpg only sends a signal to the group the child
            // leads (it was made with process_group(0)); no memory is
            // touched.
            unsafe { libc::killpg(group, libc::SIGTERM) };
            let until = Instant::now() + GRACE;
            while Instant::now() < until {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            // The leader may be gone and others of its group not: kill
            // the group whatever the leader did.
            // SAFETY: as above.
            unsafe { libc::killpg(group, libc::SIGKILL) };
            let _ = child.wait();
            return;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// From now on SIGINT and SIGTERM set [`SIGNALLED`] instead of ending
/// lockscope.
fn catch_signals() {
    #[cfg(unix)]
    {
        extern "C" fn note(sig: libc::c_int) {
            SIGNALLED.store(sig, Ordering::Relaxed);
        }
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: `note` is async-signal-safe (one atomic store) and
            // lives for the whole program.
            unsafe {
                libc::signal(
                    sig,
                    note as extern "C" fn(libc::c_int) as libc::sighandler_t,
                );
            }
        }
    }
}
