use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::report::Report;
use lockscope_detector::trace;

use super::*;
use crate::cmd::timeline::around_findings;
use crate::gate::Gate;
use crate::render::fixtures::{sample, Fixture};
use crate::sites::Root;

fn example(name: &str) -> String {
    format!("{}/../examples/traces/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn analyzed(path: &str) -> Report {
    let input = Input {
        name: path.to_owned(),
        source: trace::open(std::path::Path::new(path)).expect("bundled trace"),
    };
    analyze(vec![input], &Config::default()).expect("reads")
}

fn repo_root() -> Root {
    Root::new(format!("{}/..", env!("CARGO_MANIFEST_DIR")).into())
}

#[test]
fn the_seeds_deadlock_has_its_cycle_scenario_steps_and_timeline() {
    let report = analyzed(&example("deadlock_opposite_order.jsonl"));
    let timelines = around_findings(&report);
    let verdict = Gate::default().judge(&report);
    let root = repo_root();
    let cx = Ctx {
        report: &report,
        verdict: &verdict,
        root: &root,
        verbose: false,
        quiet: false,
    };
    let page = page(&cx, &timelines);
    assert_eq!(page.kinds[0].kind, "deadlock");
    assert_eq!(page.kinds[0].title, "1 deadlock");
    let f = &page.findings[page.kinds[0].findings[0]];
    let cycle = f.cycle.as_ref().expect("a lock cycle");
    let edge = |from: &str, to: &str, thread: &str| {
        cycle
            .edges
            .iter()
            .any(|e| cycle.locks[e.from] == from && cycle.locks[e.to] == to && e.thread == thread)
    };
    assert!(edge("plate", "chopsticks", "task1") && edge("chopsticks", "plate", "task2"));
    assert_eq!(cycle.edges.len(), 2);
    let scenario = f.scenario.as_ref().expect("the scenario");
    assert_eq!(scenario.threads, ["task1", "task2"]);
    assert_eq!(scenario.rows[0].text, "lock(plate);");
    let steps: Vec<_> = f.steps.iter().map(|s| (s.event, s.time)).collect();
    assert_eq!(steps[2], (Some(8), Some(54_540_783)));
    assert_eq!(
        f.steps[0].site.as_deref(),
        Some("examples/deadlock_opposite_order.rs:16:20")
    );
    assert!(f.steps[0]
        .source
        .as_deref()
        .is_some_and(|l| l.contains("lock")));
    let seg = &page.segments[f.segments[0]];
    assert_eq!(seg.tracks, ["main", "task1", "task2"]);
    assert!(seg
        .spans
        .iter()
        .any(|s| s.label == "waits for plate" && s.blocked_by == [1]));
    assert_eq!(page.locks.len(), 2);
    assert!(!page.summary.passed);
}

#[test]
fn a_trace_that_cannot_be_read_again_says_so_and_the_rest_still_renders() {
    let report = sample();
    let fx = Fixture::new(&report);
    let cx = fx.ctx(&report, false, false);
    let why: Vec<Result<Timelines, String>> = report
        .traces
        .iter()
        .map(|_| Err("the trace was read from standard input".to_owned()))
        .collect();
    let page = page(&cx, &why);
    assert!(page.segments.is_empty());
    assert!(page
        .findings
        .iter()
        .all(|f| f.segments.is_empty() && f.no_timeline.is_some()));
    assert_eq!(
        page.traces[0].no_timeline.as_deref(),
        Some("the trace was read from standard input")
    );
    let counted: usize = page.kinds.iter().map(|k| k.count).sum();
    let occurrences: u64 = report.findings.iter().map(|f| f.occurrences).sum();
    assert_eq!(counted as u64, occurrences);
}

#[test]
fn data_cannot_close_the_script_element_it_lives_in() {
    let mut report = sample();
    report.findings[0].steps[0].thread = "</script><script>alert(1)</script><!--".to_owned();
    let fx = Fixture::new(&report);
    let cx = fx.ctx(&report, false, false);
    let html = render(&cx, &[]);
    assert_eq!(html.matches("</script>").count(), 2, "only the page's own");
    assert!(!html.contains("<!--data-->") && !html.contains("<!--script-->"));
    assert!(html.contains("\\u003c/script>\\u003cscript>alert(1)"));
    let start = html.find("type=\"application/json\">").unwrap() + 24;
    let end = start + html[start..].find("</script>").unwrap();
    let page: serde_json::Value = serde_json::from_str(&html[start..end]).expect("the data parses");
    assert_eq!(
        page["findings"][0]["steps"][0]["thread"],
        "</script><script>alert(1)</script><!--"
    );
}

#[test]
fn the_page_loads_nothing() {
    let report = sample();
    let fx = Fixture::new(&report);
    let html = render(&fx.ctx(&report, false, false), &[]);
    assert!(html.contains("content=\"default-src 'none';"));
    for fetch in [
        "src=",
        "href=\"http",
        "url(http",
        "@import",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!html.contains(fetch), "{fetch} in the page");
    }
}
