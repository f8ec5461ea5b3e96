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
//! with the reason.

use std::io::Cursor;

use lockscope_detector::finding::wording::{self, Words};
use lockscope_detector::finding::FindingKind;
use quick_xml::events::{BytesCData, BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::Ctx;
use crate::gate::{Level, Status};

struct Case {
    class: String,
    name: String,
    outcome: Outcome,
}

enum Outcome {
    Pass,
    Warn(String),
    Fail { message: String, body: String },
    Skip(String),
}

fn cases(cx: &Ctx<'_>) -> Vec<Case> {
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
        let body = || finding_text(cx, i);
        let outcome = match (&d.status, d.level) {
            (Status::Suppressed { reason }, _) => Outcome::Skip(format!("suppressed: {reason}")),
            (Status::Baselined, _) => Outcome::Skip("in baseline".to_owned()),
            (Status::New, Level::Allow) => Outcome::Skip("allowed".to_owned()),
            (Status::New, Level::Warn) => Outcome::Warn(body()),
            (Status::New, Level::Deny) => Outcome::Fail {
                message: title.clone(),
                body: body(),
            },
        };
        out.push(Case {
            class: format!("lockscope.{}", f.kind),
            name,
            outcome,
        });
    }
    for kind in FindingKind::ALL {
        if cx.report.count(kind) == 0 {
            out.push(Case {
                class: format!("lockscope.{kind}"),
                name: format!("no {}", wording::count(kind, 2).trim_start_matches("2 ")),
                outcome: Outcome::Pass,
            });
        }
    }
    out
}

/// The text block of one finding, without colours.
fn finding_text(cx: &Ctx<'_>, index: usize) -> String {
    anstream::adapter::strip_str(&super::text::finding(cx, index)).to_string()
}

/// The JUnit document, with a final newline: nextest's layout (one case per
/// test) when the traces name their tests, else one case per finding.
pub fn render(cx: &Ctx<'_>) -> String {
    if super::junit_by_test::applies(cx) {
        return super::junit_by_test::render(cx);
    }
    let cases = cases(cx);
    let count =
        |p: fn(&Outcome) -> bool| cases.iter().filter(|c| p(&c.outcome)).count().to_string();
    let tests = cases.len().to_string();
    let failures = count(|o| matches!(o, Outcome::Fail { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skip(_)));
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    let attrs = [
        ("name", "lockscope"),
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", "0"),
        ("skipped", skipped.as_str()),
    ];
    // Writing into a Vec cannot fail; errors are ignored rather than unwrapped.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = w.write_event(Event::Start(
        BytesStart::new("testsuites").with_attributes(attrs),
    ));
    let _ = w.write_event(Event::Start(
        BytesStart::new("testsuite").with_attributes(attrs),
    ));
    for c in &cases {
        write_case(&mut w, c);
    }
    let _ = w.write_event(Event::End(BytesEnd::new("testsuite")));
    let _ = w.write_event(Event::End(BytesEnd::new("testsuites")));
    let mut s = String::from_utf8_lossy(&w.into_inner().into_inner()).into_owned();
    s.push('\n');
    s
}

fn write_case(w: &mut Writer<Cursor<Vec<u8>>>, c: &Case) {
    let start = BytesStart::new("testcase")
        .with_attributes([("classname", c.class.as_str()), ("name", c.name.as_str())]);
    if let Outcome::Pass = c.outcome {
        let _ = w.write_event(Event::Empty(start));
        return;
    }
    let _ = w.write_event(Event::Start(start));
    match &c.outcome {
        Outcome::Pass => {}
        Outcome::Skip(why) => {
            let _ = w.write_event(Event::Empty(
                BytesStart::new("skipped").with_attributes([("message", why.as_str())]),
            ));
        }
        Outcome::Warn(body) => text_element(w, "system-out", &[], body),
        Outcome::Fail { message, body } => {
            let kind = c.class.trim_start_matches("lockscope.");
            text_element(w, "failure", &[("message", message), ("type", kind)], body);
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new("testcase")));
}

fn text_element(w: &mut Writer<Cursor<Vec<u8>>>, tag: &str, attrs: &[(&str, &str)], body: &str) {
    let _ = w.write_event(Event::Start(
        BytesStart::new(tag).with_attributes(attrs.iter().copied()),
    ));
    if body.contains("]]>") {
        let _ = w.write_event(Event::Text(BytesText::new(body)));
    } else {
        let _ = w.write_event(Event::CData(BytesCData::new(body)));
    }
    let _ = w.write_event(Event::End(BytesEnd::new(tag)));
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
        assert!(
            xml.contains("tests=\"14\" failures=\"4\" errors=\"0\" skipped=\"1\""),
            "{xml}"
        );
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
                E::CData(t) if in_failure => {
                    failure_text.push_str(&String::from_utf8_lossy(&t.into_inner()));
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
