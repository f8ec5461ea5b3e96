//! `--format junit` for traces that name their tests (`cargo lockscope
//! nextest`, one process per test): nextest's own JUnit layout, built with
//! nextest's `quick-junit`. One `<testsuite>` per test binary, one
//! `<testcase>` per test (per trace), and a `<failure>` for each test whose
//! trace has a finding that fails the gate, its text the findings' text
//! reports; warned findings go to the test case's `<system-out>`.
//! Findings of traces without a test (and those merged over several
//! traces) count for every test whose trace they came from.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::Ctx;
use crate::gate::{Level, Status};

/// The findings of one trace, as text, by outcome.
#[derive(Default)]
struct Outcome {
    failures: Vec<String>,
    titles: Vec<String>,
    warnings: Vec<String>,
}

/// Whether the report's traces name their tests (then this layout
/// applies).
pub fn applies(cx: &Ctx<'_>) -> bool {
    cx.report.traces.iter().any(|t| t.test.is_some())
}

/// The JUnit document.
pub fn render(cx: &Ctx<'_>) -> String {
    let mut by_trace: BTreeMap<&str, Outcome> = BTreeMap::new();
    for (i, (f, d)) in cx
        .report
        .findings
        .iter()
        .zip(&cx.verdict.dispositions)
        .enumerate()
    {
        if d.status != Status::New || d.level == Level::Allow {
            continue;
        }
        let text = anstream::adapter::strip_str(&super::text::finding(cx, i)).to_string();
        for origin in &f.origins {
            let o = by_trace.entry(origin.trace.as_str()).or_default();
            if d.level == Level::Deny {
                o.failures.push(text.clone());
                o.titles
                    .push(format!("{} [{}]", f.kind.as_str(), f.fingerprint));
            } else {
                o.warnings.push(text.clone());
            }
        }
    }
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    for trace in &cx.report.traces {
        let (binary, name) = match &trace.test {
            Some(t) => (
                t.binary.clone(),
                t.name.clone().unwrap_or_else(|| trace.name.clone()),
            ),
            None => ("lockscope".to_owned(), trace.name.clone()),
        };
        let outcome = by_trace.remove(trace.name.as_str()).unwrap_or_default();
        let status = if outcome.failures.is_empty() {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(outcome.titles.join(", "))
                .set_type("lockscope")
                .set_description(outcome.failures.join("\n"));
            s
        };
        let mut case = TestCase::new(name, status);
        case.set_classname(binary.clone());
        if !outcome.warnings.is_empty() {
            case.set_system_out(outcome.warnings.join("\n"));
        }
        suites
            .entry(binary.clone())
            .or_insert_with(|| TestSuite::new(binary))
            .add_test_case(case);
    }
    let mut report = Report::new("lockscope");
    report.add_test_suites(suites.into_values());
    report.to_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{sample, Fixture};
    use lockscope_detector::trace::TestId;

    #[test]
    fn one_suite_per_binary_one_case_per_test_failing_with_its_findings() {
        let mut report = sample();
        for (trace, test) in report.traces.iter_mut().zip(["transfers", "counts"]) {
            trace.test = Some(TestId {
                binary: "bank".into(),
                name: Some(format!("tests::{test}")),
                ..TestId::default()
            });
        }
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, false);
        assert!(applies(&cx));
        let xml = render(&cx);
        assert_eq!(xml.matches("<testsuite ").count(), 1, "{xml}");
        assert!(xml.contains(r#"<testsuite name="bank" tests="2""#), "{xml}");
        assert!(
            xml.contains(r#"<testcase name="tests::transfers" classname="bank""#),
            "{xml}"
        );
        let transfers = xml.split(r#"name="tests::transfers""#).nth(1).unwrap();
        let transfers = transfers.split("</testcase>").next().unwrap();
        assert!(
            transfers.contains("<failure"),
            "the deadlock's test fails: {xml}"
        );
        assert!(transfers.contains("deadlock ["), "{xml}");
    }

    #[test]
    fn traces_without_tests_keep_the_per_finding_layout() {
        let report = sample();
        let fx = Fixture::new(&report);
        assert!(!applies(&fx.ctx(&report, false, false)));
    }
}
