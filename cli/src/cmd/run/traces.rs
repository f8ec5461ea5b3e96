//! Where a run's traces go and what came back: the trace directory (made
//! absolute before the command starts, since cargo runs each test binary
//! in its package's directory), the traces in it, and the recorder's
//! write-error markers (`<trace>.error`).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{CliError, CliResult};
use crate::inputs::{self, InputSpec};

/// The recorder's placeholders: they belong in the file name, which
/// lockscope chooses, never in the directory.
const PLACEHOLDERS: [&str; 2] = ["{pid}", "{test}"];

/// The traces in `dir`.
pub fn traces_in(dir: &Path) -> CliResult<Vec<InputSpec>> {
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

/// What the recorder said about a trace it could not write (the contents
/// of each `*.error` marker in `dir`).
pub fn write_errors(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "error"))
        .map(|p| {
            std::fs::read_to_string(&p)
                .map(|t| t.trim().to_owned())
                .unwrap_or_else(|_| format!("{}: a write error", p.display()))
        })
        .collect();
    out.sort();
    out
}

/// The directory for this run's traces, created and absolute.
pub fn trace_dir(chosen: Option<&Path>) -> CliResult<PathBuf> {
    if let Some(dir) = chosen {
        let text = dir.to_string_lossy();
        if let Some(p) = PLACEHOLDERS.iter().find(|p| text.contains(*p)) {
            return Err(CliError::new(format!(
                "--trace-dir {text}: {p} is for trace file names, not directories; lockscope run \
                 names each process's trace itself (lockscope-{{pid}}.lsb in the directory)"
            )));
        }
        let dir = std::path::absolute(dir).map_err(|e| CliError::io("resolve", dir, &e))?;
        std::fs::create_dir_all(&dir).map_err(|e| CliError::io("create directory", &dir, &e))?;
        if !traces_in(&dir)?.is_empty() {
            return Err(CliError::new(format!(
                "{}: already holds traces; give an empty or new --trace-dir so old runs are not \
                 mixed in",
                dir.display()
            )));
        }
        return Ok(dir);
    }
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let name = format!("run-{stamp}-{}", std::process::id());
    let cwd = std::env::current_dir().map_err(|e| CliError::io("resolve", Path::new("."), &e))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_directory_is_made_absolute_and_placeholders_are_refused() {
        let base = tempfile::tempdir().unwrap();
        let rel = pathdiff(base.path());
        let dir = trace_dir(Some(&rel.join("traces"))).unwrap();
        assert!(dir.is_absolute() && dir.is_dir(), "{}", dir.display());
        let err = trace_dir(Some(Path::new("runs/{pid}"))).unwrap_err();
        assert!(
            err.to_string().contains("{pid} is for trace file names"),
            "{err}"
        );
    }

    /// `to` relative to the current directory (through `..` as needed).
    fn pathdiff(to: &Path) -> PathBuf {
        let cwd = std::env::current_dir().unwrap();
        let up = cwd.components().count().saturating_sub(1);
        let mut rel: PathBuf = std::iter::repeat_n("..", up).collect();
        rel.push(to.strip_prefix("/").unwrap_or(to));
        rel
    }
}
