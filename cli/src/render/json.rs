//! `--format json`: the report's serde form plus the gate's verdict and the
//! summary counts, with the sentences of the text report next to the data
//! (each finding's `title` and `notes`, each step's `text`). Specified in
//! `docs/json-report.md`; this is its only writer and [`crate::baseline`]
//! its reader.

use lockscope_detector::finding::wording::{self, Words};
use lockscope_detector::finding::{Finding, FindingKind, Step};
use lockscope_detector::report::{LockStats, Report, ThreadStats, TraceSummary};
use serde::Serialize;
use serde_json::Value;

use super::Ctx;
use crate::gate::{Disposition, Tally};

/// The document's `format` value.
pub const FORMAT: &str = "lockscope-report";
/// The document's `version`: bumped on any incompatible change.
pub const VERSION: u32 = 2;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    lockscope_version: &'static str,
    verdict: VerdictJson,
    summary: Summary,
    findings: Vec<Value>,
    traces: &'a [TraceSummary],
    stats: &'a [LockStats],
    thread_stats: &'a [ThreadStats],
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
    /// Findings (distinct fingerprints).
    findings: usize,
    /// Their occurrences in all.
    occurrences: u64,
    /// Findings per kind.
    by_kind: std::collections::BTreeMap<&'static str, usize>,
}

/// The JSON report, pretty-printed, with a final newline.
pub fn render(cx: &Ctx<'_>) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only when allocation does.
    let _ = write(cx, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the JSON report to `out` as it is serialized: a report with a
/// million statistics rows is never a string in memory.
pub fn write(cx: &Ctx<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
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
            line: report.summary_line(),
            traces: report.traces.len(),
            findings: report.findings.len(),
            occurrences: report.findings.iter().map(|f| f.occurrences).sum(),
            by_kind: FindingKind::ALL
                .iter()
                .map(|&k| (k.as_str(), report.count(k)))
                .collect(),
        },
        findings: report
            .findings
            .iter()
            .zip(&cx.verdict.dispositions)
            .map(|(f, gate)| {
                let mut v = finding(f, gate);
                // The tests it came from, when the traces name them.
                let tests = report.tests_of(f);
                if !tests.is_empty() {
                    v["tests"] = serde_json::to_value(tests).unwrap_or_default();
                }
                v
            })
            .collect(),
        traces: &report.traces,
        stats: &report.stats,
        thread_stats: &report.thread_stats,
        limits: &report.limits,
    };
    // Serializing plain structs of strings and numbers fails only when
    // writing does.
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// `f` in its serde form with its sentences and the gate's decision.
fn finding(f: &Finding, gate: &Disposition) -> Value {
    let w = Words::PLAIN;
    let mut v = serde_json::to_value(f).unwrap_or_default();
    v["title"] = wording::title(f, &w).into();
    v["notes"] = wording::notes(f, &w).into();
    worded(&mut v["steps"], &f.steps);
    for (i, steps) in f.examples.iter().enumerate() {
        worded(&mut v["examples"][i], steps);
    }
    v["gate"] = serde_json::to_value(gate).unwrap_or_default();
    v
}

/// Adds each step's sentence as its `text`.
fn worded(json: &mut Value, steps: &[Step]) {
    for (i, s) in steps.iter().enumerate() {
        json[i]["text"] = wording::step(s).into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{sample, Fixture};

    #[test]
    fn findings_name_the_tests_of_their_traces() {
        let mut report = sample();
        report.traces[0].test = Some(lockscope_detector::trace::TestId {
            binary: "bank".into(),
            name: Some("tests::transfers".into()),
            ..Default::default()
        });
        let fx = Fixture::new(&report);
        let v: serde_json::Value =
            serde_json::from_str(&render(&fx.ctx(&report, false, true))).unwrap();
        let from_bank = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["origins"][0]["trace"] == "bank.jsonl")
            .unwrap();
        assert_eq!(from_bank["tests"][0]["name"], "tests::transfers");
        assert_eq!(v["traces"][0]["test"]["binary"], "bank");
    }

    #[test]
    fn document_has_verdict_summary_and_every_finding() {
        let report = sample();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, true);
        let v: serde_json::Value = serde_json::from_str(&render(&cx)).unwrap();
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["verdict"]["passed"], false);
        assert_eq!(v["verdict"]["exit_code"], 1);
        assert_eq!(v["verdict"]["denied"], 4);
        assert_eq!(v["summary"]["findings"], 5);
        assert_eq!(v["summary"]["occurrences"], 7);
        assert_eq!(v["summary"]["by_kind"]["lost_update"], 1);
        assert_eq!(v["summary"]["by_kind"]["starvation"], 0);
        let f0 = &v["findings"][0];
        assert_eq!(f0["kind"], "deadlock");
        assert_eq!(f0["gate"]["level"], "deny");
        assert_eq!(f0["gate"]["status"], "new");
        assert_eq!(v["stats"][0]["name"], "L1");
        // Sentences next to the data.
        assert_eq!(
            f0["title"],
            "deadlock: T1 holds L1 and waits for L2; T2 holds L2 and waits for L1"
        );
        assert_eq!(f0["steps"][0]["role"], "acquired");
        assert_eq!(f0["steps"][0]["text"], "acquired L1");
        let lost = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "lost_update")
            .unwrap();
        assert_eq!(lost["occurrences"], 3);
        assert_eq!(lost["examples"][1][0]["text"], "read x");
        // What this writes, the baseline reader reads.
        let fps = crate::baseline::parse(&render(&cx), "r.json").unwrap();
        assert_eq!(fps.len(), 5);
        // And the findings are the Report's serde form.
        let back: Finding = serde_json::from_value(f0.clone()).unwrap();
        assert_eq!(back, report.findings[0]);
    }

    /// docs/json-report.md names every field this writes (top level,
    /// verdict, summary, findings, steps, gate), so the spec cannot
    /// silently fall behind.
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
        for f in v["findings"].as_array().unwrap() {
            fields.extend(keys(f));
            for s in f["steps"].as_array().unwrap() {
                fields.extend(keys(s));
            }
        }
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
