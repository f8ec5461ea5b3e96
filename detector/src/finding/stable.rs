//! Fingerprints that survive editing: a site's line number changes when
//! lines are inserted or removed above it, its source line does not. So a
//! finding's stable fingerprint hashes, for each site of its identity, the
//! site's file, a hash of the trimmed text of its line and its column
//! within that text, as GitHub's `primaryLocationLineHash` does. It still
//! changes when the code at a site changes. Where the source is not
//! readable the site is hashed as it is, line number included (so without
//! sources the fingerprint is the one the finding was made with).
//!
//! The detector reads no file: the caller hands it a [`SourceLines`]
//! lookup (the CLI reads the files under the repository).
//!
//! Several sites of one identity are hashed in sorted order (identities
//! that sort their sites by `file:line:col` would otherwise change order
//! when a shift makes `9` become `10`). Two findings whose sites read the
//! same (the same line of code twice in a file) get one fingerprint and are
//! merged into one finding with their occurrences.

use std::collections::HashMap;

use super::fingerprint::fingerprint;
use super::model::{Finding, EXAMPLES};

/// The text of source lines.
pub trait SourceLines {
    /// Line `line` (1-based) of `file` as a site names it, if readable.
    fn line(&self, file: &str, line: u32) -> Option<String>;
}

impl<F: Fn(&str, u32) -> Option<String>> SourceLines for F {
    fn line(&self, file: &str, line: u32) -> Option<String> {
        self(file, line)
    }
}

/// Gives every finding of `findings` its stable fingerprint (from its
/// `identity`; a finding without one keeps its fingerprint) and merges
/// findings that then share one, keeping the first's place.
pub fn stabilize(findings: &mut Vec<Finding>, lines: &dyn SourceLines) {
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for mut f in findings.drain(..) {
        if !f.identity.is_empty() {
            f.fingerprint = stable_fingerprint(&f, lines);
        }
        match at.get(&f.fingerprint) {
            Some(&i) => merge(&mut out[i], f),
            None => {
                at.insert(f.fingerprint.clone(), out.len());
                out.push(f);
            }
        }
    }
    *findings = out;
}

/// The stable fingerprint of `f`.
fn stable_fingerprint(f: &Finding, lines: &dyn SourceLines) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(f.identity.len());
    let mut sites: Vec<String> = Vec::new();
    for part in &f.identity {
        match site_key(part, lines) {
            Some(key) => sites.push(key),
            None => {
                flush(&mut sites, &mut parts);
                parts.push(part.clone());
            }
        }
    }
    flush(&mut sites, &mut parts);
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    fingerprint(f.kind, &parts)
}

/// Appends a run of site keys, sorted.
fn flush(sites: &mut Vec<String>, parts: &mut Vec<String>) {
    sites.sort();
    parts.append(sites);
}

/// A source site's key: `file`, a hash of its trimmed line and its column
/// in that text; `None` for what is no source site, or whose line is not
/// readable (hashed as it is).
fn site_key(part: &str, lines: &dyn SourceLines) -> Option<String> {
    let (file, line, column) = parse(part)?;
    let text = lines.line(file, line)?;
    let indent = text.chars().take_while(|c| c.is_whitespace()).count() as u32;
    let trimmed = text.trim();
    let within = column.checked_sub(indent).unwrap_or(column);
    Some(format!("{file}#{}:{within}", fingerprint_text(trimmed)))
}

/// A hash of one line of source.
fn fingerprint_text(text: &str) -> String {
    // The kind is a fixed salt: any one would do.
    fingerprint(super::FindingKind::Deadlock, &[text])
}

/// `file:line:column` into its parts.
fn parse(site: &str) -> Option<(&str, u32, u32)> {
    let mut it = site.rsplitn(3, ':');
    let column = it.next()?.parse().ok()?;
    let line = it.next()?.parse().ok()?;
    let file = it.next().filter(|f| !f.is_empty())?;
    Some((file, line, column))
}

/// Folds `other` into `f` (same stable fingerprint).
fn merge(f: &mut Finding, other: Finding) {
    f.occurrences += other.occurrences;
    f.site_tuples += other.site_tuples;
    if other.grade > f.grade {
        f.grade = other.grade;
        f.severity = other.severity;
        f.unseen_thread = other.unseen_thread;
    }
    f.severity = f.severity.max(other.severity);
    f.live |= other.live;
    for o in other.origins {
        if !f.origins.contains(&o) {
            f.origins.push(o);
        }
    }
    let room = (EXAMPLES - 1).saturating_sub(f.examples.len());
    f.examples.extend(
        std::iter::once(other.steps)
            .chain(other.examples)
            .take(room),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Detail, FindingKind};

    fn race(sites: [&str; 2]) -> Finding {
        let detail = Detail::DataRace { var: "x".into() };
        Finding::new(FindingKind::DataRace, &["x", sites[0], sites[1]], detail)
    }

    /// `src/a.rs` as it was, and with `shift` lines inserted at the top.
    fn source(shift: u32) -> impl Fn(&str, u32) -> Option<String> {
        move |file: &str, line: u32| {
            let lines = ["fn main() {", "    x.set(1);", "    let v = x.get();", "}"];
            (file == "src/a.rs" && line > shift)
                .then(|| {
                    lines
                        .get((line - shift - 1) as usize)
                        .map(|l| l.to_string())
                })
                .flatten()
        }
    }

    #[test]
    fn a_line_shift_keeps_the_fingerprint_and_a_code_change_does_not() {
        let mut before = vec![race(["src/a.rs:2:5", "src/a.rs:3:13"])];
        stabilize(&mut before, &source(0));
        // Eight lines inserted above: 9 -> 10 also reorders the sorted sites.
        let mut after = vec![race(["src/a.rs:10:5", "src/a.rs:11:13"])];
        stabilize(&mut after, &source(8));
        assert_eq!(before[0].fingerprint, after[0].fingerprint);
        let changed = |file: &str, line: u32| {
            (file == "src/a.rs" && line == 2).then(|| "    x.set(2);".to_owned())
        };
        let mut edited = vec![race(["src/a.rs:2:5", "src/a.rs:3:13"])];
        stabilize(&mut edited, &changed);
        assert_ne!(before[0].fingerprint, edited[0].fingerprint);
    }

    #[test]
    fn unreadable_sources_hash_the_site_and_same_looking_findings_merge() {
        let unreadable = |_: &str, _: u32| None;
        let mut one = vec![race(["src/b.rs:2:5", "src/b.rs:3:13"])];
        let plain = one[0].fingerprint.clone();
        stabilize(&mut one, &unreadable);
        assert_eq!(one[0].fingerprint, plain, "hashed as the sites are");
        // The same line of code twice: one finding.
        let same = |_: &str, _: u32| Some("x.set(1);".to_owned());
        let mut both = vec![
            race(["src/c.rs:2:1", "src/c.rs:3:1"]),
            race(["src/c.rs:7:1", "src/c.rs:9:1"]),
        ];
        stabilize(&mut both, &same);
        assert_eq!(both.len(), 1);
        assert_eq!(both[0].occurrences, 2);
    }
}
