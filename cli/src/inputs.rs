//! Expands the TRACE arguments into a list of inputs.
//!
//! - `-` is standard input (at most once);
//! - an existing file is itself, whatever its name (the format is detected
//!   from the content);
//! - a directory is every trace file below it, recursively: regular files
//!   (or links to them) named `*.lsb`, `*.jsonl`, `*.json`, `*.std`, or
//!   those plus `.gz` or `.zst`, sorted by path; anything else with such a
//!   name (a FIFO, a socket, a device) is skipped with a warning, since
//!   opening it could block forever;
//! - anything else is a glob (`runs/*.jsonl`, `**/*.std`), sorted by path;
//!   a glob that matches nothing is an error.
//!
//! Duplicates (the same path reached twice) are kept once, in first-seen
//! order.
//!
//! # Limitations
//! Symbolic links to directories are not followed inside directories.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{CliError, CliResult};

/// One input to read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InputSpec {
    Stdin,
    File(PathBuf),
}

impl InputSpec {
    /// The name used in reports and error messages.
    pub fn name(&self) -> String {
        match self {
            InputSpec::Stdin => "-".to_owned(),
            InputSpec::File(p) => p.display().to_string(),
        }
    }

    /// The file's size, for deciding on a progress bar (0 for stdin).
    pub fn size(&self) -> u64 {
        match self {
            InputSpec::Stdin => 0,
            InputSpec::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        }
    }
}

/// The names of trace files, before an optional `.gz` or `.zst`.
pub const TRACE_EXTENSIONS: [&str; 4] = [".lsb", ".jsonl", ".json", ".std"];

/// Whether a file name looks like a trace.
pub fn is_trace_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    TRACE_EXTENSIONS.iter().any(|ext| name.ends_with(ext))
}

/// Expands `args` as described in the module docs.
pub fn expand(args: &[String]) -> CliResult<Vec<InputSpec>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |spec: InputSpec, out: &mut Vec<InputSpec>| {
        if seen.insert(spec.clone()) {
            out.push(spec);
        }
    };
    for arg in args {
        if arg == "-" {
            push(InputSpec::Stdin, &mut out);
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let files = walk(path)?;
            if files.is_empty() {
                return Err(CliError::new(format!(
                    "{arg}: directory holds no trace files (*.lsb, *.jsonl, *.json, *.std, \
                     optionally .gz or .zst)"
                )));
            }
            for f in files {
                push(InputSpec::File(f), &mut out);
            }
        } else if path.exists() {
            push(InputSpec::File(path.to_path_buf()), &mut out);
        } else {
            for f in glob_files(arg)? {
                push(InputSpec::File(f), &mut out);
            }
        }
    }
    Ok(out)
}

fn walk(dir: &Path) -> CliResult<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| CliError::io("list directory", &d, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| CliError::io("list directory", &d, &e))?;
            let path = entry.path();
            let ty = entry
                .file_type()
                .map_err(|e| CliError::io("stat", &path, &e))?;
            if ty.is_dir() {
                stack.push(path);
            } else if is_trace_name(&path) {
                match regular(&path, ty) {
                    Ok(()) => out.push(path),
                    Err(what) => warn(&format!(
                        "{}: skipped: {what}, not a regular file (reading it could block \
                         forever); give it by name to read it anyway",
                        path.display()
                    )),
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Whether the entry at `path` (of type `ty`, not followed) is a regular
/// file, or a link to one; else what it is.
fn regular(path: &Path, ty: std::fs::FileType) -> Result<(), &'static str> {
    let ty = if ty.is_symlink() {
        match std::fs::metadata(path) {
            Ok(meta) => meta.file_type(),
            Err(_) => return Err("a broken symbolic link"),
        }
    } else {
        ty
    };
    if ty.is_file() {
        return Ok(());
    }
    Err(special_kind(ty))
}

#[cfg(unix)]
fn special_kind(ty: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ty.is_fifo() {
        "a FIFO"
    } else if ty.is_socket() {
        "a socket"
    } else if ty.is_block_device() || ty.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_ty: std::fs::FileType) -> &'static str {
    "a special file"
}

fn warn(text: &str) {
    use std::io::Write;
    let _ = writeln!(anstream::stderr().lock(), "lockscope: warning: {text}");
}

fn glob_files(pattern: &str) -> CliResult<Vec<PathBuf>> {
    let paths = glob::glob(pattern).map_err(|e| {
        CliError::new(format!(
            "{pattern}: no such file, and not a valid glob ({e}); give a file, a directory, a glob or -"
        ))
    })?;
    let mut files: Vec<PathBuf> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    if files.is_empty() {
        let what = if pattern.contains(['*', '?', '[']) {
            "glob matches no files"
        } else {
            "no such file or directory"
        };
        return Err(CliError::new(format!("{pattern}: {what}")));
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_dirs_globs_files_and_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        for f in [
            "a.jsonl",
            "b.std",
            "sub/c.jsonl.gz",
            "notes.txt",
            "sub/d.lsb.zst",
        ] {
            std::fs::write(d.join(f), "").unwrap();
        }
        let all = expand(&[d.display().to_string()]).unwrap();
        let names: Vec<_> = all
            .iter()
            .map(|s| {
                s.name()
                    .trim_start_matches(&d.display().to_string())
                    .to_owned()
            })
            .collect();
        assert_eq!(
            names,
            ["/a.jsonl", "/b.std", "/sub/c.jsonl.gz", "/sub/d.lsb.zst"]
        );

        let glob = format!("{}/*.jsonl", d.display());
        let file = d.join("notes.txt").display().to_string();
        let got = expand(&[glob, file.clone(), "-".into(), file]).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[1], InputSpec::File(d.join("notes.txt")));
        assert_eq!(got[2], InputSpec::Stdin);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_a_directory_is_skipped_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("stuck.jsonl");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        std::fs::write(dir.path().join("ok.std"), "").unwrap();
        let got = expand(&[dir.path().display().to_string()]).unwrap();
        assert_eq!(got, [InputSpec::File(dir.path().join("ok.std"))]);
        // Named directly, it is the user's choice (`<(...)` is a FIFO).
        let named = expand(&[fifo.display().to_string()]).unwrap();
        assert_eq!(named, [InputSpec::File(fifo)]);
    }

    #[test]
    fn nothing_matched_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.jsonl").display().to_string();
        let err = expand(std::slice::from_ref(&missing))
            .unwrap_err()
            .to_string();
        assert_eq!(err, format!("{missing}: no such file or directory"));
        let glob = format!("{}/*.std", dir.path().display());
        assert!(expand(&[glob])
            .unwrap_err()
            .to_string()
            .ends_with("glob matches no files"));
        let err = expand(&[dir.path().display().to_string()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds no trace files"), "{err}");
    }
}
