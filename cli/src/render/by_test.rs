//! `lockscope analyze --by-test`: the text report grouped by the test each
//! finding came from (the tests named in the traces' headers, as
//! `cargo lockscope nextest` records them). A finding from several tests
//! is listed under each; findings from traces that name no test come last,
//! under "no test". Tests with nothing to show are counted, not listed.

use std::fmt::Write as _;

use lockscope_detector::trace::TestId;

use super::Ctx;

/// The grouped report, with the usual summary lines at the end.
pub fn render(cx: &Ctx<'_>) -> String {
    let mut groups: Vec<(Option<&TestId>, Vec<usize>)> = Vec::new();
    for t in &cx.report.traces {
        if let Some(test) = t.test.as_ref() {
            if !groups.iter().any(|(g, _)| *g == Some(test)) {
                groups.push((Some(test), Vec::new()));
            }
        }
    }
    groups.push((None, Vec::new()));
    for (i, (f, d)) in cx
        .report
        .findings
        .iter()
        .zip(&cx.verdict.dispositions)
        .enumerate()
    {
        if !d.shown() && !cx.verbose {
            continue;
        }
        let tests = cx.report.tests_of(f);
        for (group, members) in groups.iter_mut() {
            let here = match group {
                Some(test) => tests.contains(test),
                None => tests.is_empty(),
            };
            if here {
                members.push(i);
            }
        }
    }
    let mut out = String::new();
    let mut quiet_tests = 0;
    for (test, members) in &groups {
        if members.is_empty() {
            quiet_tests += usize::from(test.is_some());
            continue;
        }
        if cx.quiet {
            continue;
        }
        let label = test.map_or_else(|| "no test".to_owned(), |t| format!("test {t}"));
        let n = members.len();
        let _ = writeln!(
            out,
            "=== {label}: {n} finding{}",
            if n == 1 { "" } else { "s" }
        );
        out.push('\n');
        for &i in members {
            out.push_str(&super::text::finding(cx, i));
            out.push('\n');
        }
    }
    if quiet_tests > 0 {
        let _ = writeln!(out, "{quiet_tests} more tests with nothing to show");
    }
    super::text::footer(&mut out, cx);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{sample, Fixture};

    #[test]
    fn findings_are_grouped_under_their_tests() {
        let mut report = sample();
        for (trace, name) in report
            .traces
            .iter_mut()
            .zip(["tests::transfers", "tests::counts"])
        {
            trace.test = Some(TestId {
                binary: "bank".into(),
                name: Some(name.into()),
                ..TestId::default()
            });
        }
        let fx = Fixture::new(&report);
        let out = anstream::adapter::strip_str(&render(&fx.ctx(&report, false, false))).to_string();
        let transfers = out.find("=== test bank tests::transfers").expect(&out);
        let counts = out.find("=== test bank tests::counts").expect(&out);
        assert!(transfers < counts, "in trace order: {out}");
        let deadlock = out.find("error[deadlock]").unwrap();
        assert!(transfers < deadlock && deadlock < counts, "{out}");
        assert!(out.contains("gate: FAILED"));
        assert!(!out.contains("=== no test"), "{out}");
    }
}
