//! The CLI's one error type and its exit codes.
//!
//! Every failure the user can cause (a bad flag value, an unreadable or
//! malformed trace, a bad `lockscope.toml`) becomes a [`CliError`]: one line
//! saying what was wrong, where, and what to do, printed as
//! `lockscope: error: ...` with exit status [`EXIT_ERROR`].

use std::fmt;
use std::io;
use std::path::Path;

use lockscope_detector::trace::TraceError;

/// Nothing at or above the deny level was found.
pub const EXIT_OK: u8 = 0;
/// A finding failed the gate (or the command given to `run` failed).
pub const EXIT_FAIL: u8 = 1;
/// Usage or input error: lockscope could not do its job.
pub const EXIT_ERROR: u8 = 2;

/// A user-facing error. `Display` is the whole message, without the
/// `lockscope: error:` prefix.
#[derive(Debug)]
pub struct CliError {
    message: String,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
        }
    }

    /// An I/O error on `path`, with what lockscope was doing.
    pub fn io(doing: &str, path: &Path, err: &io::Error) -> Self {
        CliError::new(format!("{}: cannot {doing}: {err}", path.display()))
    }

    /// Whether this error is a closed output pipe (`lockscope ... | head`),
    /// which ends the program quietly.
    pub fn is_broken_pipe(&self) -> bool {
        self.message == BROKEN_PIPE
    }
}

const BROKEN_PIPE: &str = "broken pipe";

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<TraceError> for CliError {
    fn from(err: TraceError) -> Self {
        CliError::new(err.to_string())
    }
}

impl From<io::Error> for CliError {
    /// Errors writing the report to standard output.
    fn from(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            CliError::new(BROKEN_PIPE)
        } else {
            CliError::new(format!("cannot write output: {err}"))
        }
    }
}

/// What each command returns.
pub type CliResult<T = u8> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_recognised() {
        let e = CliError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(e.is_broken_pipe());
        let e = CliError::from(io::Error::other("disk full"));
        assert!(!e.is_broken_pipe());
        assert_eq!(e.to_string(), "cannot write output: disk full");
    }
}
