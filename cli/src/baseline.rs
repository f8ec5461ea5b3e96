//! `--baseline REPORT.json`: the fingerprints of an earlier report.
//!
//! Accepts what `lockscope analyze --format json` writes (and a bare
//! serialized `Report`): an object with a `findings` array whose elements
//! each have a string `fingerprint`. Nothing else in the file is read, so a
//! baseline written by an older lockscope keeps working.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::error::{CliError, CliResult};

#[derive(Deserialize)]
struct Baseline {
    findings: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    fingerprint: String,
}

/// Reads the fingerprints of the report at `path`.
pub fn load(path: &Path) -> CliResult<HashSet<String>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::io("read baseline", path, &e))?;
    parse(&text, &path.display().to_string())
}

/// Parses a report's text; `name` is used in error messages.
pub fn parse(text: &str, name: &str) -> CliResult<HashSet<String>> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        CliError::new(format!(
            "{name}:{}:{}: not a lockscope JSON report ({message}); write a baseline with \
             `lockscope analyze --format json -o report.json`",
            e.line(),
            e.column()
        ))
    })?;
    Ok(b.findings.into_iter().map(|e| e.fingerprint).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fingerprints_and_ignores_the_rest() {
        let set = parse(
            r#"{"verdict":{},"findings":[{"fingerprint":"a","kind":"deadlock"},{"fingerprint":"b"}]}"#,
            "b.json",
        )
        .unwrap();
        assert_eq!(set, HashSet::from(["a".to_owned(), "b".to_owned()]));
    }

    #[test]
    fn rejects_other_json_with_position_and_advice() {
        let err = parse("{\"findings\": 3}", "old.json")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "old.json:1:14: not a lockscope JSON report (invalid type: integer `3`, expected a \
             sequence); write a baseline with `lockscope analyze --format json -o report.json`"
        );
        assert!(err.contains("--format json"), "{err}");
    }
}
