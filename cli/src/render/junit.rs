//! `--format junit`: JUnit XML for CI dashboards.
//!
//! When the traces name their tests (`cargo lockscope nextest`), the layout
//! is nextest's, one case per test ([`super::junit_by_test`]); otherwise:
//!
//! One `<testsuite name="lockscope">` with one `<testcase>` per finding
//! (its occurrences in the name when more than one) and one passing
//! `<testcase>` per finding kind that found nothing, so dashboards show
//! every check. A finding that fails the gate is a `<failure>` whose body is
//! the text report of the finding; a warned one passes with the text in
//! `<system-out>`; an allowed, suppressed or baselined one is `<skipped>`
//! with the reason. Written by nextest's `quick-junit`, as the per-test
//! layout is.

use lockscope_detector::finding::wording::{self, Words};
use lockscope_detector::finding::FindingKind;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::Ctx;
use crate::gate::{Level, Status};

/// One test case per finding, then one passing case per kind that found
/// nothing.
fn cases(cx: &Ctx<'_>) -> Vec<TestCase> {
    let mut out = Vec::new();
    for (i, (f, d)) in cx
        .report
        .findings
        .iter()
        .zip(&cx.verdict.dispositions)
        .enumerate()
    {
        let title = wording::title(f, &Words::PLAIN);
        let name = match wording::occurrences(f.occurrences) {
            None => format!("{title} [{}]", f.fingerprint),
            Some(n) => format!("{title} [{}] {n}", f.fingerprint),
        };
        let skipped = |why: &str| {
            let mut status = TestCaseStatus::skipped();
            status.set_message(why);
            status
        };
        let mut warned = None;
        let status = match (&d.status, d.level) {
            (Status::Suppressed { reason }, _) => skipped(&format!("suppressed: {reason}")),
            (Status::Baselined, _) => skipped("in baseline"),
            (Status::New, Level::Allow) => skipped("allowed"),
            (Status::New, Level::Warn) => {
                warned = Some(finding_text(cx, i));
                TestCaseStatus::success()
            }
            (Status::New, Level::Deny) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(title)
                    .set_type(f.kind.as_str())
                    .set_description(finding_text(cx, i));
                status
            }
        };
        let mut case = TestCase::new(name, status);
        case.set_classname(format!("lockscope.{}", f.kind));
        if let Some(text) = warned {
            case.set_system_out(text);
        }
        out.push(case);
    }
    for kind in FindingKind::ALL {
        if cx.report.count(kind) == 0 {
            let name = format!("no {}", wording::count(kind, 2).trim_start_matches("2 "));
            let mut case = TestCase::new(name, TestCaseStatus::success());
            case.set_classname(format!("lockscope.{kind}"));
            out.push(case);
        }
    }
    out
}

/// The text block of one finding, without colours.
fn finding_text(cx: &Ctx<'_>, index: usize) -> String {
    anstream::adapter::strip_str(&super::text::finding(cx, index)).to_string()
}

/// The JUnit document, with a final newline: nextest's layout (one case per
/// test) when the traces name their tests, else one suite `lockscope` with
/// one case per finding. Both are written by nextest's `quick-junit`.
pub fn render(cx: &Ctx<'_>) -> String {
    if super::junit_by_test::applies(cx) {
        return super::junit_by_test::render(cx);
    }
    let mut suite = TestSuite::new("lockscope");
    suite.add_test_cases(cases(cx));
    let mut report = Report::new("lockscope");
    report.add_test_suite(suite);
    let mut xml = report.to_string().unwrap_or_default();
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{sample, Fixture};

    #[test]
    fn failures_for_denied_skips_for_allowed_passes_for_clean_kinds() {
        let report = sample();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, false);
        let xml = render(&cx);
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        // 5 findings + 9 kinds with no findings.
        let suite = xml
            .lines()
            .find(|l| l.trim_start().starts_with("<testsuite "))
            .expect("one suite");
        for count in [
            "tests=\"14\"",
            "failures=\"4\"",
            "errors=\"0\"",
            "skipped=\"1\"",
        ] {
            assert!(suite.contains(count), "{count}: {xml}");
        }
        assert!(xml.contains("(3 occurrences)"), "{xml}");
        assert!(xml.contains(wording::DEADLOCK), "{xml}");
        assert!(xml.contains("name=\"no data races\"") || !xml.contains("no data race"));
        assert!(xml.contains("name=\"no starved threads\""), "{xml}");
    }

    #[test]
    fn output_parses_back() {
        use quick_xml::events::Event as E;
        let report = sample();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, false);
        let xml = render(&cx);
        let mut reader = quick_xml::Reader::from_str(&xml);
        let (mut cases, mut failures, mut skipped) = (0, 0, 0);
        let mut failure_text = String::new();
        let mut in_failure = false;
        loop {
            match reader.read_event().expect("well-formed JUnit XML") {
                E::Eof => break,
                E::Start(e) | E::Empty(e) => match e.name().as_ref() {
                    b"testcase" => cases += 1,
                    b"failure" => {
                        failures += 1;
                        in_failure = true;
                    }
                    b"skipped" => skipped += 1,
                    _ => {}
                },
                E::Text(t) if in_failure => {
                    failure_text.push_str(&t.decode().expect("UTF-8 text"));
                    in_failure = false;
                }
                _ => {}
            }
        }
        assert_eq!((cases, failures, skipped), (14, 4, 1));
        assert!(
            failure_text.starts_with("error[deadlock]"),
            "{failure_text}"
        );
    }
}
