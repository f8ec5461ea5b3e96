//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! - one rule per finding kind (`id` = wire name), with the kind's help text
//!   and its default level;
//! - one result per finding (its occurrences a property): `level` from the
//!   gate (`error` denied, `warning` warned, `note` allowed), the first
//!   source site as its location (file relative to the repository root,
//!   `uriBaseId` `%SRCROOT%`), every other site as a related location,
//!   `partialFingerprints["lockscope/v1"]` = the finding's fingerprint, and a
//!   code flow with one thread flow per thread holding that thread's steps;
//! - the tests a finding came from (when its traces' headers name them,
//!   as under `cargo lockscope nextest`) are the `tests` property;
//! - suppressed findings carry `suppressions` (kind `external`, the reason
//!   as justification); with a baseline, `baselineState` is `new` or
//!   `unchanged`;
//! - allowed findings (level `allow`) are left out: code scanning would
//!   open an alert for each;
//! - `automationDetails.id` is `lockscope/` (the code-scanning category),
//!   and the tool's `informationUri` is the CI guide in the repository
//!   (the workspace's `repository` field);
//! - GitHub's limits are kept ([`LIMITS`]): past them results, related
//!   locations and thread-flow locations are cut (the most severe results
//!   first), and a tool notification says what was cut.
//!
//! # Limitations
//! Findings without a source site (STD traces have only location labels)
//! are located at line 1 of the trace file, so code scanning still accepts
//! them.

use lockscope_detector::finding::wording::{self, Words};
use lockscope_detector::finding::{Finding, FindingKind, Step};
use serde_json::{json, Value};

use super::Ctx;
use crate::gate::{Disposition, Level, Status};
use crate::sites::{self, Root};

/// The schema URI written in `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The code-scanning category of lockscope's results.
pub const AUTOMATION_ID: &str = "lockscope/";

/// The documentation the tool entry points at.
pub const INFORMATION_URI: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/ci.md");

/// What GitHub code scanning keeps of one upload: only the first this
/// many of each are shown.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub results: usize,
    pub related_locations: usize,
    pub thread_flow_locations: usize,
}

/// GitHub's documented limits for a SARIF upload.
pub const LIMITS: Limits = Limits {
    results: 5_000,
    related_locations: 100,
    thread_flow_locations: 1_000,
};

/// The SARIF log, pretty-printed, with a final newline.
pub fn render(cx: &Ctx<'_>, with_baseline: bool) -> String {
    render_within(cx, with_baseline, LIMITS)
}

/// [`render`] within `limits`.
pub fn render_within(cx: &Ctx<'_>, with_baseline: bool, limits: Limits) -> String {
    let kinds = FindingKind::ALL;
    let rules: Vec<Value> = kinds.iter().map(|&k| rule(k)).collect();
    let mut uploaded: Vec<(&Finding, &Disposition)> = cx
        .report
        .findings
        .iter()
        .zip(&cx.verdict.dispositions)
        .filter(|(_, d)| d.level != Level::Allow)
        .collect();
    // Denied before warned (a stable sort keeps the report's order within).
    uploaded.sort_by_key(|(_, d)| d.level != Level::Deny);
    let mut cut = Cut::default();
    if uploaded.len() > limits.results {
        cut.results = uploaded.len() - limits.results;
        uploaded.truncate(limits.results);
    }
    let results: Vec<Value> = uploaded
        .into_iter()
        .map(|(f, d)| {
            let index = kinds.iter().position(|&k| k == f.kind).unwrap_or(0);
            let tests = cx
                .report
                .tests_of(f)
                .iter()
                .map(ToString::to_string)
                .collect();
            let r = result(cx.root, f, d, index, with_baseline, limits, &mut cut);
            with_tests(r, tests)
        })
        .collect();
    let artifacts: Vec<Value> = cx
        .report
        .traces
        .iter()
        .map(|t| json!({"location": {"uri": uri(cx.root, &t.name)}, "roles": ["analysisTarget"]}))
        .collect();
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lockscope",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "automationDetails": {"id": AUTOMATION_ID},
            "invocations": [invocation(&cut)],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
            "artifacts": artifacts,
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

/// Adds the tests a result came from (`BINARY TEST`) as the `tests`
/// property, when its traces name any.
fn with_tests(mut r: Value, tests: Vec<String>) -> Value {
    if !tests.is_empty() {
        r["properties"]["tests"] = json!(tests);
    }
    r
}

/// What [`render_within`] left out to stay within the limits.
#[derive(Debug, Default)]
struct Cut {
    results: usize,
    related_locations: usize,
    thread_flow_locations: usize,
}

/// The run's invocation, with a notification per kind of cut.
fn invocation(cut: &Cut) -> Value {
    let notes: Vec<Value> = [
        (cut.results, "results", LIMITS.results, "per upload"),
        (
            cut.related_locations,
            "related locations",
            LIMITS.related_locations,
            "per result",
        ),
        (
            cut.thread_flow_locations,
            "thread-flow locations",
            LIMITS.thread_flow_locations,
            "per result",
        ),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, what, limit, per)| {
        json!({
            "level": "warning",
            "message": {"text": format!(
                "{n} {what} left out to stay within GitHub code scanning's limit of {limit} {per}; \
                 the text or JSON report has them all"
            )},
        })
    })
    .collect();
    let mut inv = json!({"executionSuccessful": true});
    if !notes.is_empty() {
        inv["toolExecutionNotifications"] = Value::Array(notes);
    }
    inv
}

fn rule(kind: FindingKind) -> Value {
    let name: String = kind
        .as_str()
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or_else(String::new, |h| h.to_uppercase().chain(c).collect())
        })
        .collect();
    json!({
        "id": kind.as_str(),
        "name": name,
        "shortDescription": {"text": kind.as_str().replace('_', " ")},
        "fullDescription": {"text": wording::help(kind)},
        "help": {
            "text": wording::help(kind),
            "markdown": format!("**{}**: {}", kind.as_str(), wording::help(kind)),
        },
        "defaultConfiguration": {"level": sarif_level(Level::for_severity(kind.default_severity()))},
        "properties": {"tags": ["concurrency"], "problem.severity": kind.default_severity().as_str()},
    })
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "note",
    }
}

fn uri(root: &Root, file: &str) -> String {
    root.relative(file)
}

/// A physical location for `site`, or `None` for a site without a file.
fn physical(root: &Root, site: Option<&str>) -> Option<Value> {
    let s = sites::parse(site?)?;
    Some(json!({
        "artifactLocation": {"uri": uri(root, &s.file), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": s.line.max(1), "startColumn": s.column.max(1)},
    }))
}

fn result(
    root: &Root,
    f: &Finding,
    d: &Disposition,
    index: usize,
    baseline: bool,
    limits: Limits,
    cut: &mut Cut,
) -> Value {
    let mut located = f
        .steps
        .iter()
        .filter_map(|s| physical(root, s.site.as_deref()).map(|p| (s, p)));
    let primary = located.next().map(|(_, p)| p).unwrap_or_else(|| {
        let trace = f.origins.first().map_or("trace", |o| o.trace.as_str());
        json!({"artifactLocation": {"uri": uri(root, trace)}, "region": {"startLine": 1}})
    });
    let mut related: Vec<Value> = located
        .enumerate()
        .map(|(i, (s, p))| json!({"id": i + 1, "physicalLocation": p, "message": {"text": step_text(s)}}))
        .collect();
    if related.len() > limits.related_locations {
        cut.related_locations += related.len() - limits.related_locations;
        related.truncate(limits.related_locations);
    }
    let mut r = json!({
        "ruleId": f.kind.as_str(),
        "ruleIndex": index,
        "level": sarif_level(d.level),
        "message": {"text": message(f)},
        "locations": [{"physicalLocation": primary}],
        "partialFingerprints": {"lockscope/v1": f.fingerprint},
        "properties": {
            "severity": f.severity.as_str(),
            "occurrences": f.occurrences,
            "threads": f.threads,
            "locks": f.primitives,
            "vars": f.vars,
        },
    });
    if !related.is_empty() {
        r["relatedLocations"] = Value::Array(related);
    }
    if let Some(flow) = code_flow(root, f, limits, cut) {
        r["codeFlows"] = json!([flow]);
    }
    if let Status::Suppressed { reason } = &d.status {
        r["suppressions"] = json!([{"kind": "external", "justification": reason}]);
    }
    if baseline {
        let state = if d.status == Status::Baselined {
            "unchanged"
        } else {
            "new"
        };
        r["baselineState"] = json!(state);
    }
    r
}

fn message(f: &Finding) -> String {
    let mut m = wording::title(f, &Words::PLAIN);
    if let Some(n) = wording::occurrences(f.occurrences) {
        m = format!("{m} {n}");
    }
    let traces: Vec<&str> = f.origins.iter().map(|o| o.trace.as_str()).collect();
    match traces.len() {
        0 => {}
        1 => m.push_str(&format!(" (trace {})", traces[0])),
        _ => m.push_str(&format!(" (traces {})", traces.join(", "))),
    }
    m
}

fn step_text(s: &Step) -> String {
    format!("{}: {}", s.thread, wording::step(s))
}

/// One thread flow per thread, each with that thread's steps in order
/// (the first `limits.thread_flow_locations` steps of the finding).
fn code_flow(root: &Root, f: &Finding, limits: Limits, cut: &mut Cut) -> Option<Value> {
    if f.steps.is_empty() {
        return None;
    }
    let kept = f.steps.len().min(limits.thread_flow_locations);
    cut.thread_flow_locations += f.steps.len() - kept;
    let steps = &f.steps[..kept];
    let mut threads: Vec<&str> = Vec::new();
    for s in steps {
        if !threads.contains(&s.thread.as_str()) {
            threads.push(&s.thread);
        }
    }
    let flows: Vec<Value> = threads
        .iter()
        .map(|&t| {
            let locations: Vec<Value> = steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.thread == t)
                .map(|(order, s)| {
                    let mut loc = json!({"message": {"text": step_text(s)}});
                    if let Some(p) = physical(root, s.site.as_deref()) {
                        loc["physicalLocation"] = p;
                    }
                    json!({"location": loc, "executionOrder": order + 1})
                })
                .collect();
            json!({"id": t, "message": {"text": format!("thread {t}")}, "locations": locations})
        })
        .collect();
    Some(json!({"message": {"text": wording::title(f, &Words::PLAIN)}, "threadFlows": flows}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Gate;
    use crate::render::fixtures::{sample, Fixture};

    fn log() -> Value {
        let report = sample();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, false);
        serde_json::from_str(&render(&cx, false)).unwrap()
    }

    #[test]
    fn results_are_located_relative_to_the_root() {
        let log = log();
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 14);
        let r0 = &run["results"][0];
        assert_eq!(r0["ruleId"], "deadlock");
        assert_eq!(r0["level"], "error");
        let loc = &r0["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "src/bank.rs");
        assert_eq!(loc["region"]["startLine"], 10);
        assert_eq!(r0["relatedLocations"].as_array().unwrap().len(), 3);
        assert_eq!(r0["properties"]["occurrences"], 1);
        let flows = r0["codeFlows"][0]["threadFlows"].as_array().unwrap();
        assert_eq!(flows.len(), 2);
        assert_eq!(flows[1]["locations"][0]["executionOrder"], 2);
        assert!(r0["partialFingerprints"]["lockscope/v1"].is_string());
    }

    /// The complete SARIF 2.1.0 schema (tests/data/sarif-schema, with its
    /// licence).
    fn validator() -> jsonschema::Validator {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/sarif-schema/sarif-2.1.0-rtm.5.json"
        );
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        jsonschema::draft4::new(&schema).expect("schema compiles")
    }

    #[test]
    fn output_validates_against_the_sarif_schema() {
        let v = validator();
        let log = log();
        let errors: Vec<String> = v
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // The schema is strict enough to catch a misspelt level or property.
        let mut bad = log.clone();
        bad["runs"][0]["results"][0]["level"] = json!("fatal");
        assert!(!v.is_valid(&bad));
        let mut bad = log;
        bad["runs"][0]["results"][0]["fingerprint"] = json!("x");
        assert!(!v.is_valid(&bad));
    }

    #[test]
    fn the_run_names_its_category_and_documentation() {
        let log = log();
        let run = &log["runs"][0];
        assert_eq!(run["automationDetails"]["id"], "lockscope/");
        let uri = run["tool"]["driver"]["informationUri"].as_str().unwrap();
        assert!(
            uri.starts_with("https://") && uri.ends_with("/docs/ci.md"),
            "{uri}"
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn allowed_findings_are_not_uploaded() {
        let report = sample();
        let mut gate = Gate::default();
        gate.levels
            .set("data_race", Level::Allow, "--allow")
            .unwrap();
        let fx = Fixture::with_gate(&report, &gate);
        let cx = fx.ctx(&report, false, false);
        let log: Value = serde_json::from_str(&render(&cx, false)).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(report
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::DataRace));
        assert!(results.iter().all(|r| r["ruleId"] != "data_race"));
        let not_allowed = fx
            .ctx(&report, false, false)
            .verdict
            .dispositions
            .iter()
            .filter(|d| d.level != Level::Allow)
            .count();
        assert_eq!(results.len(), not_allowed);
    }

    #[test]
    fn past_githubs_limits_the_most_severe_are_kept_and_the_cut_is_said() {
        let report = sample();
        let mut gate = Gate::default();
        gate.levels.set("deadlock", Level::Warn, "--warn").unwrap();
        let fx = Fixture::with_gate(&report, &gate);
        let cx = fx.ctx(&report, false, false);
        let tight = Limits {
            results: 1,
            related_locations: 1,
            thread_flow_locations: 2,
        };
        let log: Value = serde_json::from_str(&render_within(&cx, false, tight)).unwrap();
        assert!(validator().is_valid(&log));
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(
            results[0]["level"], "error",
            "a denied finding is kept first"
        );
        let related = results[0]["relatedLocations"].as_array();
        assert!(related.map_or(0, Vec::len) <= 1);
        let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap();
        let text: Vec<&str> = notes
            .iter()
            .map(|n| n["message"]["text"].as_str().unwrap())
            .collect();
        let uploaded = cx
            .verdict
            .dispositions
            .iter()
            .filter(|d| d.level != Level::Allow)
            .count();
        let left_out = uploaded - 1;
        assert!(
            text[0].starts_with(&format!("{left_out} results left out")),
            "{text:?}"
        );
    }

    #[test]
    fn suppressed_and_baselined_results_are_marked() {
        let report = sample();
        let cfg = crate::config_file::parse(
            "[[suppress]]\nkind = \"data_race\"\nreason = \"benign flag\"\n",
            "l.toml",
            &Root::new("/repo".into()),
        )
        .unwrap();
        let gate = Gate {
            suppressions: cfg.suppressions,
            baseline: Some([report.findings[0].fingerprint.clone()].into()),
            ..Gate::default()
        };
        let fx = Fixture::with_gate(&report, &gate);
        let cx = fx.ctx(&report, false, false);
        let log: Value = serde_json::from_str(&render(&cx, true)).unwrap();
        assert!(validator().is_valid(&log));
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results[0]["baselineState"], "unchanged");
        assert_eq!(results[1]["baselineState"], "new");
        let race = results.iter().find(|r| r["ruleId"] == "data_race").unwrap();
        assert_eq!(race["suppressions"][0]["justification"], "benign flag");
        assert_eq!(race["suppressions"][0]["kind"], "external");
    }

    #[test]
    fn label_only_sites_fall_back_to_the_trace_file() {
        let log = log();
        let pot = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "potential_deadlock")
            .unwrap()
            .clone();
        assert_eq!(
            pot["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
    }
}
