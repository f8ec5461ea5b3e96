//! The CI gate: which findings fail the build.
//!
//! Every finding gets a [`Level`] and a [`Status`]:
//! - the level comes from its kind's explicit level if one was set (in
//!   `lockscope.toml` first, then `--allow`, `--warn`, `--deny` on the command
//!   line, later ones winning, so `--deny` wins a conflict), else from its
//!   severity: `error` denies, `warning` warns, `info` is allowed;
//! - the status is [`Status::Suppressed`] when a suppression in
//!   `lockscope.toml` matches it, [`Status::Baselined`] when its fingerprint is
//!   in the `--baseline` report, else [`Status::New`].
//!
//! The gate fails (exit 1) when some finding is denied and new.
//!
//! # Performance
//! One pass over the findings; a suppression check is a few glob matches.

use std::collections::{BTreeMap, HashSet};

use lockscope_detector::finding::{Finding, FindingKind, Severity};
use lockscope_detector::report::Report;
use serde::Serialize;

use crate::config_file::Suppression;
use crate::error::{CliError, CliResult, EXIT_FAIL, EXIT_OK};

/// What the gate does with a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Not reported (still counted, and present in JSON output).
    Allow,
    /// Reported, does not fail.
    Warn,
    /// Reported, fails the gate unless suppressed or baselined.
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    /// The default for a finding of `severity`.
    pub fn for_severity(severity: Severity) -> Level {
        match severity {
            Severity::Error => Level::Deny,
            Severity::Warning => Level::Warn,
            Severity::Info => Level::Allow,
        }
    }
}

/// Explicit per-kind levels.
#[derive(Clone, Debug, Default)]
pub struct Levels {
    by_kind: BTreeMap<FindingKind, Level>,
}

impl Levels {
    /// Sets `level` for `spec`: a kind's wire name or `all`. `origin` says
    /// where the spec came from, for the error message.
    pub fn set(&mut self, spec: &str, level: Level, origin: &str) -> CliResult<()> {
        let spec = spec.trim();
        if spec == "all" {
            for kind in FindingKind::ALL {
                self.by_kind.insert(kind, level);
            }
            return Ok(());
        }
        let kind = FindingKind::parse(spec).ok_or_else(|| {
            let names: Vec<_> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
            CliError::new(format!(
                "{origin}: unknown finding kind {spec:?}; expected `all` or one of {}",
                names.join(", ")
            ))
        })?;
        self.by_kind.insert(kind, level);
        Ok(())
    }

    /// The level of `finding`.
    pub fn level(&self, finding: &Finding) -> Level {
        self.by_kind
            .get(&finding.kind)
            .copied()
            .unwrap_or_else(|| Level::for_severity(finding.severity))
    }
}

/// Whether a finding is new, known from the baseline, or suppressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    New,
    Baselined,
    Suppressed { reason: String },
}

/// The gate's decision about one finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disposition {
    pub level: Level,
    #[serde(flatten)]
    pub status: Status,
}

impl Disposition {
    /// Whether this finding fails the gate.
    pub fn fails(&self) -> bool {
        self.level == Level::Deny && self.status == Status::New
    }

    /// Whether text output shows it (allowed, suppressed and baselined ones
    /// are hidden unless `-v`: the summary counts them).
    pub fn shown(&self) -> bool {
        self.level != Level::Allow && self.status == Status::New
    }
}

/// The gate's settings.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    pub levels: Levels,
    pub suppressions: Vec<Suppression>,
    /// Fingerprints of the baseline report, if one was given.
    pub baseline: Option<HashSet<String>>,
    /// What was wrong in the configuration but is not an error
    /// (`file:line: message` each), to print as warnings.
    pub warnings: Vec<String>,
}

/// Counts of the gate's decisions, for the summary and JSON output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub denied: usize,
    pub warned: usize,
    pub allowed: usize,
    pub suppressed: usize,
    pub baselined: usize,
}

/// One [`Disposition`] per finding of a report, in the report's order.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    pub dispositions: Vec<Disposition>,
    /// Where the suppressions that matched no finding are written.
    pub unmatched: Vec<String>,
}

impl Gate {
    /// Decides about every finding of `report`.
    pub fn judge(&self, report: &Report) -> Verdict {
        let mut used = vec![false; self.suppressions.len()];
        let dispositions = report
            .findings
            .iter()
            .map(|f| self.decide(f, &mut used))
            .collect();
        let unmatched = self
            .suppressions
            .iter()
            .zip(&used)
            .filter(|(_, &u)| !u)
            .map(|(s, _)| format!("{}: this suppression matched no finding", s.origin))
            .collect();
        Verdict {
            dispositions,
            unmatched,
        }
    }

    fn decide(&self, finding: &Finding, used: &mut [bool]) -> Disposition {
        let level = self.levels.level(finding);
        let suppressed = self.suppressions.iter().position(|s| s.matches(finding));
        let status = if let Some(i) = suppressed {
            used[i] = true;
            Status::Suppressed {
                reason: self.suppressions[i].reason.clone(),
            }
        } else if self
            .baseline
            .as_ref()
            .is_some_and(|b| b.contains(&finding.fingerprint))
        {
            Status::Baselined
        } else {
            Status::New
        };
        Disposition { level, status }
    }
}

impl Verdict {
    pub fn failed(&self) -> bool {
        self.dispositions.iter().any(Disposition::fails)
    }

    /// The process exit code for this verdict.
    pub fn exit_code(&self) -> u8 {
        if self.failed() {
            EXIT_FAIL
        } else {
            EXIT_OK
        }
    }

    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for d in &self.dispositions {
            match (&d.status, d.level) {
                (Status::Suppressed { .. }, _) => t.suppressed += 1,
                (Status::Baselined, _) => t.baselined += 1,
                (Status::New, Level::Deny) => t.denied += 1,
                (Status::New, Level::Warn) => t.warned += 1,
                (Status::New, Level::Allow) => t.allowed += 1,
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockscope_detector::finding::Detail;

    fn finding(kind: FindingKind, fp_part: &str) -> Finding {
        let detail = Detail::DataRace {
            var: fp_part.to_owned(),
        };
        Finding::new(kind, &[fp_part], detail)
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            findings,
            ..Report::default()
        }
    }

    #[test]
    fn default_levels_follow_severity() {
        let gate = Gate::default();
        let r = report(vec![
            finding(FindingKind::LongHold, "a"),
            finding(FindingKind::Starvation, "b"),
        ]);
        let v = gate.judge(&r);
        assert_eq!(v.dispositions[0].level, Level::Allow);
        assert_eq!(v.dispositions[1].level, Level::Warn);
        assert!(!v.failed());
        let r = report(vec![finding(FindingKind::Deadlock, "c")]);
        assert!(gate.judge(&r).failed());
        assert_eq!(gate.judge(&r).exit_code(), EXIT_FAIL);
    }

    #[test]
    fn explicit_levels_override_and_all_works() {
        let mut gate = Gate::default();
        gate.levels.set("all", Level::Warn, "--warn").unwrap();
        gate.levels.set("long_hold", Level::Deny, "--deny").unwrap();
        let r = report(vec![
            finding(FindingKind::Deadlock, "a"),
            finding(FindingKind::LongHold, "b"),
        ]);
        let v = gate.judge(&r);
        assert_eq!(v.dispositions[0].level, Level::Warn);
        assert_eq!(v.dispositions[1].level, Level::Deny);
        assert!(v.failed());
    }

    #[test]
    fn unknown_kind_names_the_choices() {
        let err = Levels::default()
            .set("deadlok", Level::Deny, "--deny")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--deny: unknown finding kind \"deadlok\""),
            "{err}"
        );
        assert!(err.contains("potential_deadlock"), "{err}");
    }

    #[test]
    fn baseline_lets_known_findings_pass() {
        let known = finding(FindingKind::Deadlock, "old");
        let gate = Gate {
            baseline: Some(HashSet::from([known.fingerprint.clone()])),
            ..Gate::default()
        };
        let v = gate.judge(&report(vec![known.clone()]));
        assert!(!v.failed());
        assert_eq!(v.tally().baselined, 1);
        let v = gate.judge(&report(vec![known, finding(FindingKind::Deadlock, "new")]));
        assert!(v.failed());
        assert_eq!(v.tally().denied, 1);
    }
}
