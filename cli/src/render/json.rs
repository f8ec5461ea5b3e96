//! `--format json`: the report's serde form plus the gate's verdict and the
//! summary counts. Specified in `docs/json-report.md`; this is its only
//! writer and [`crate::baseline`] its reader.

use lockscope_detector::report::{Finding, LockStats, Report, TraceSummary};
use serde::Serialize;

use super::{counts_by_kind, summary_line, Ctx};
use crate::gate::{Disposition, Tally};

/// The document's `format` value.
pub const FORMAT: &str = "lockscope-report";
/// The document's `version`: bumped on any incompatible change.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    lockscope_version: &'static str,
    verdict: VerdictJson,
    summary: Summary,
    findings: Vec<FindingJson<'a>>,
    traces: &'a [TraceSummary],
    stats: &'a [LockStats],
    limits: &'a [String],
}

#[derive(Serialize)]
struct VerdictJson {
    passed: bool,
    exit_code: u8,
    #[serde(flatten)]
    tally: Tally,
}

#[derive(Serialize)]
struct Summary {
    /// The same line the text report ends with.
    line: String,
    traces: usize,
    findings: usize,
    /// Distinct fingerprints.
    distinct: usize,
    by_kind: std::collections::BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    gate: &'a Disposition,
}

/// The JSON report, pretty-printed, with a final newline.
pub fn render(cx: &Ctx<'_>) -> String {
    let report: &Report = cx.report;
    let doc = Document {
        format: FORMAT,
        version: VERSION,
        lockscope_version: env!("CARGO_PKG_VERSION"),
        verdict: VerdictJson {
            passed: !cx.verdict.failed(),
            exit_code: cx.verdict.exit_code(),
            tally: cx.verdict.tally(),
        },
        summary: Summary {
            line: summary_line(report),
            traces: report.traces.len(),
            findings: report.findings.len(),
            distinct: super::groups(report).len(),
            by_kind: counts_by_kind(report),
        },
        findings: report
            .findings
            .iter()
            .zip(&cx.verdict.dispositions)
            .map(|(finding, gate)| FindingJson { finding, gate })
            .collect(),
        traces: &report.traces,
        stats: &report.stats,
        limits: &report.limits,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{sample, Fixture};

    #[test]
    fn document_has_verdict_summary_and_every_finding() {
        let report = sample();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, true);
        let v: serde_json::Value = serde_json::from_str(&render(&cx)).unwrap();
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["verdict"]["passed"], false);
        assert_eq!(v["verdict"]["exit_code"], 1);
        assert_eq!(v["verdict"]["denied"], 6);
        assert_eq!(v["summary"]["findings"], 7);
        assert_eq!(v["summary"]["distinct"], 5);
        assert_eq!(v["summary"]["by_kind"]["lost_update"], 3);
        assert_eq!(v["summary"]["by_kind"]["starvation"], 0);
        let f0 = &v["findings"][0];
        assert_eq!(f0["kind"], "deadlock");
        assert_eq!(f0["gate"]["level"], "deny");
        assert_eq!(f0["gate"]["status"], "new");
        assert_eq!(v["stats"][0]["name"], "L1");
        // What this writes, the baseline reader reads.
        let fps = crate::baseline::parse(&render(&cx), "r.json").unwrap();
        assert_eq!(fps.len(), 5);
        // And the findings are the Report's serde form.
        let back: Finding = serde_json::from_value(f0.clone()).unwrap();
        assert_eq!(back, report.findings[0]);
    }

    /// docs/json-report.md names every field this writes (top level,
    /// verdict, summary, gate), so the spec cannot silently fall behind.
    #[test]
    fn the_spec_documents_every_field() {
        let spec = include_str!("../../../docs/json-report.md");
        let report = sample();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, true);
        let v: serde_json::Value = serde_json::from_str(&render(&cx)).unwrap();
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect()
        };
        let mut fields = keys(&v);
        fields.extend(keys(&v["verdict"]));
        fields.extend(keys(&v["summary"]));
        fields.extend(
            keys(&v["findings"][0]["gate"])
                .into_iter()
                .map(|k| format!("gate.{k}")),
        );
        for field in fields {
            assert!(
                spec.contains(&format!("`{field}`")),
                "docs/json-report.md lacks `{field}`"
            );
        }
    }
}
