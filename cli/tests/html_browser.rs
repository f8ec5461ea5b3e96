//! The HTML report opened in headless Chromium: what the page shows after
//! its script ran, read from the live DOM, for the seeds' opposite-order
//! deadlock, the seeds' lost update, a benchmark trace and 10,000 findings.
//! Each page must make no request but its own and log no error. Screenshots
//! go to `target/tmp/html-report/` (and, with `LOCKSCOPE_DOC_SCREENSHOTS=DIR`,
//! one per view into DIR, as docs/report.md shows them).
//!
//! Skipped, with the reason printed, only when no Chromium is installed
//! (Debian's `chromium` package; `.ci/test` installs it).

mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;

use browser::Browser;
use common::lockscope;

/// One browser at a time: the machine is small.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn shots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report")
}

/// A rendered report: the HTML file and the same report as JSON.
struct Rendered {
    _dir: tempfile::TempDir,
    html: PathBuf,
    json: Value,
}

/// `lockscope analyze ARGS` from the repository root (so sites are relative
/// and source lines readable), as HTML and as JSON.
fn render(args: &[&str]) -> Rendered {
    let dir = tempfile::tempdir().expect("temp dir");
    let html = dir.path().join("report.html");
    let run = |format: &str, out: &Path| {
        let a = lockscope()
            .current_dir(repo())
            .args(["analyze", "--no-config", "--format", format, "-o"])
            .arg(out)
            .args(args)
            .assert();
        let code = a.get_output().status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "analyze {args:?}: {:?}",
            a.get_output()
        );
    };
    run("html", &html);
    let json_path = dir.path().join("report.json");
    run("json", &json_path);
    let json = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    Rendered {
        _dir: dir,
        html,
        json,
    }
}

/// Chromium with `page` loaded and its script done; `None` (with the
/// reason printed) when there is no Chromium.
fn open(page: &Path) -> Option<(Browser, String)> {
    let Some(chromium) = browser::find() else {
        eprintln!(
            "skipped: no Chromium found (install Debian's `chromium`, or set LOCKSCOPE_CHROMIUM)"
        );
        return None;
    };
    let mut b = Browser::launch(&chromium, 1200, 900).expect("Chromium starts");
    let url = format!("file://{}", page.display());
    b.navigate(&url).expect("the page loads");
    b.wait_for("document.documentElement.dataset.ready === 'true'")
        .expect("the script finishes");
    Some((b, url))
}

fn strings(b: &mut Browser, expr: &str) -> Vec<String> {
    let v = b.eval(expr).expect(expr);
    v.as_array()
        .unwrap_or_else(|| panic!("{expr} gave {v}"))
        .iter()
        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
        .collect()
}

fn number(b: &mut Browser, expr: &str) -> u64 {
    b.eval(expr)
        .expect(expr)
        .as_u64()
        .unwrap_or_else(|| panic!("{expr}: not a count"))
}

/// The page requested nothing but itself and logged no error.
fn assert_clean(b: &mut Browser, url: &str) {
    assert_eq!(
        number(b, "performance.getEntriesByType('resource').length"),
        0,
        "resources fetched"
    );
    let others: Vec<&String> = b.observed.requests.iter().filter(|r| *r != url).collect();
    assert!(others.is_empty(), "the page requested {others:?}");
    assert!(
        b.observed.errors.is_empty(),
        "errors: {:?}",
        b.observed.errors
    );
}

/// The counts the page shows equal the JSON report's.
fn assert_counts(b: &mut Browser, json: &Value) {
    let shown = number(
        b,
        "[...document.querySelectorAll('details.kind')].reduce((n, d) => n + Number(d.dataset.count), 0)",
    );
    assert_eq!(shown, json["summary"]["occurrences"].as_u64().unwrap());
    let line = b
        .eval("document.getElementById('summary-line').textContent")
        .unwrap();
    assert_eq!(line, json["summary"]["line"]);
    let verdict = b
        .eval("document.getElementById('gate-verdict').textContent")
        .unwrap();
    let passed = json["verdict"]["passed"].as_bool().unwrap();
    assert_eq!(
        verdict,
        if passed {
            "gate: passed"
        } else {
            "gate: FAILED"
        }
    );
}

/// Opens the kind group and its first finding; returns the finding's
/// element selector.
fn open_first(b: &mut Browser, kind: &str) -> String {
    let group = format!("details.kind[data-kind=\"{kind}\"]");
    b.eval(&format!(
        "document.querySelector('{group} > summary').click()"
    ))
    .unwrap();
    b.wait_for(&format!(
        "document.querySelector('{group} details.finding')"
    ))
    .unwrap();
    let finding = format!("{group} details.finding");
    b.eval(&format!(
        "document.querySelector('{finding} > summary').click()"
    ))
    .unwrap();
    b.wait_for(&format!(
        "document.querySelector('{finding} .finding-body').childNodes.length > 0"
    ))
    .unwrap();
    finding
}

/// The events of the JSON report's first finding of `kind`, sorted.
fn step_events(json: &Value, kind: &str) -> Vec<String> {
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == kind)
        .unwrap();
    let mut events: Vec<u64> = f["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["event"].as_u64())
        .collect();
    events.sort_unstable();
    events.dedup();
    events.iter().map(u64::to_string).collect()
}

fn doc_shot(b: &mut Browser, selector: &str, name: &str) {
    if let Some(dir) = std::env::var_os("LOCKSCOPE_DOC_SCREENSHOTS") {
        // Relative to the repository root, whatever the test's directory.
        let path = repo().join(dir).join(name);
        b.screenshot(Some(selector), &path).expect("screenshot");
    }
}

#[test]
fn the_seeds_deadlock_in_a_browser() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let r = render(&["examples/traces/deadlock_opposite_order.jsonl"]);
    let Some((mut b, url)) = open(&r.html) else {
        return;
    };
    assert_counts(&mut b, &r.json);
    doc_shot(&mut b, "main", "report-overview.png");
    let f = open_first(&mut b, "deadlock");
    let body = format!("{f} .finding-body");

    let threads = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{body} .name.thread')].map(e => e.textContent)"),
    );
    assert_eq!(threads, ["task1", "task2"]);
    let locks = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{body} .name.lock')].map(e => e.textContent)"),
    );
    assert_eq!(locks, ["chopsticks", "plate"]);
    let nodes = strings(
        &mut b,
        &format!(
            "[...document.querySelectorAll('{body} svg.cycle .node')].map(e => e.dataset.lock)"
        ),
    );
    assert_eq!(nodes, ["chopsticks", "plate"]);
    let edges = strings(&mut b, &format!("[...document.querySelectorAll('{body} svg.cycle .edge')].map(e => e.dataset.from + '>' + e.dataset.to)"));
    assert_eq!(edges.len(), 2);
    assert!(
        edges.contains(&"plate>chopsticks".to_owned())
            && edges.contains(&"chopsticks>plate".to_owned())
    );
    let scenario = strings(
        &mut b,
        &format!(
            "[...document.querySelectorAll('{body} table.scenario th')].map(e => e.textContent)"
        ),
    );
    assert_eq!(scenario, ["task1", "task2"]);

    // One track per thread, named, and the deadlock's steps highlighted.
    let tl = format!("{body} .timeline");
    let tracks = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{tl} .tl-track')].map(e => e.dataset.thread)"),
    );
    assert_eq!(tracks, ["main", "task1", "task2"]);
    assert_eq!(
        number(
            &mut b,
            &format!("Number(document.querySelector('{tl}').dataset.tracks)")
        ),
        3
    );
    let mut marked = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{tl} .tl-step')].map(e => e.dataset.event)"),
    );
    marked.sort_by_key(|e| e.parse::<u64>().unwrap());
    assert_eq!(marked, step_events(&r.json, "deadlock"));
    let holds = strings(&mut b, &format!("[...new Set([...document.querySelectorAll('{tl} .tl-hold')].map(e => e.dataset.lock))].sort()"));
    assert_eq!(holds, ["chopsticks", "plate"]);
    assert!(
        number(
            &mut b,
            &format!("document.querySelectorAll('{tl} .tl-wait').length")
        ) >= 2
    );

    doc_shot(&mut b, &f, "report-deadlock.png");
    doc_shot(&mut b, &tl, "report-timeline.png");

    // A step's link flashes its marker in the timeline.
    b.eval(&format!(
        "document.querySelectorAll('{body} ol.steps li')[2].querySelector('button.goto').click()"
    ))
    .unwrap();
    b.wait_for(&format!(
        "document.querySelector('{tl} .tl-step[data-event=\"8\"]').classList.contains('flash')"
    ))
    .unwrap();

    // A marker in the timeline flashes its step in the list.
    b.eval(&format!(
        "document.querySelector('{tl} .tl-step[data-event=\"9\"]').dispatchEvent(new MouseEvent('click', {{ bubbles: true }}))"
    ))
    .unwrap();
    b.wait_for(&format!(
        "document.querySelectorAll('{body} ol.steps li')[3].classList.contains('flash')"
    ))
    .unwrap();

    // The contention table sorts.
    let rows = strings(
        &mut b,
        "[...document.querySelectorAll('#lock-table tbody tr')].map(e => e.dataset.lock)",
    );
    assert_eq!(rows, ["plate", "chopsticks"], "by wait total");
    b.eval("document.querySelector('#lock-table th[data-key=hold_total]').click()")
        .unwrap();
    let rows = strings(
        &mut b,
        "[...document.querySelectorAll('#lock-table tbody tr')].map(e => e.dataset.lock)",
    );
    assert_eq!(rows, ["chopsticks", "plate"], "by hold total");
    assert_eq!(
        b.eval("document.querySelector('#lock-table th[data-key=hold_total]').getAttribute('aria-sort')").unwrap(),
        "descending"
    );

    doc_shot(&mut b, "#contention", "report-contention.png");
    b.screenshot(None, &shots().join("deadlock_opposite_order.png"))
        .unwrap();
    assert_clean(&mut b, &url);
}

#[test]
fn the_seeds_lost_update_in_a_browser() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let r = render(&["examples/traces/lost_update.jsonl"]);
    let Some((mut b, url)) = open(&r.html) else {
        return;
    };
    assert_counts(&mut b, &r.json);
    let kind = "details.kind[data-kind=\"lost_update\"]";
    assert_eq!(
        number(
            &mut b,
            &format!("Number(document.querySelector('{kind}').dataset.count)")
        ),
        99
    );
    let f = open_first(&mut b, "lost_update");
    let count = b
        .eval(&format!("document.querySelector('{f} .count').textContent"))
        .unwrap();
    assert_eq!(count, "\u{d7}99");
    let body = format!("{f} .finding-body");
    let threads = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{body} .name.thread')].map(e => e.textContent)"),
    );
    assert_eq!(threads, ["thread-3", "thread-1"]);
    let vars = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{body} .name.var')].map(e => e.textContent)"),
    );
    assert_eq!(vars, ["x"]);
    let source = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{body} pre.source')].map(e => e.textContent)"),
    );
    assert_eq!(source.len(), 3, "each step's source line: {source:?}");

    let mut marked = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{body} .tl-step')].map(e => e.dataset.event)"),
    );
    marked.sort_by_key(|e| e.parse::<u64>().unwrap());
    assert_eq!(marked, step_events(&r.json, "lost_update"));
    for tl in 0..number(
        &mut b,
        &format!("document.querySelectorAll('{body} .timeline').length"),
    ) {
        let t = format!("document.querySelectorAll('{body} .timeline')[{tl}]");
        let tracks = number(&mut b, &format!("{t}.querySelectorAll('.tl-track').length"));
        assert_eq!(
            tracks,
            number(&mut b, &format!("Number({t}.dataset.tracks)"))
        );
        let names = strings(
            &mut b,
            &format!("[...{t}.querySelectorAll('.tl-track')].map(e => e.dataset.thread)"),
        );
        assert!(
            names
                .iter()
                .all(|n| n.starts_with("thread-") || n == "main"),
            "{names:?}"
        );
    }
    b.screenshot(None, &shots().join("lost_update.png"))
        .unwrap();
    assert_clean(&mut b, &url);
}

#[test]
fn a_benchmark_trace_without_a_clock_in_a_browser() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let r = render(&["tests/data/std/DiningPhil.std"]);
    let Some((mut b, url)) = open(&r.html) else {
        return;
    };
    assert_counts(&mut b, &r.json);
    let f = open_first(&mut b, "potential_deadlock");
    let body = format!("{f} .finding-body");
    let finding = &r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "potential_deadlock")
        .unwrap()
        .clone();
    let mut locks: Vec<String> = finding["primitives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    locks.sort();
    let mut nodes = strings(
        &mut b,
        &format!(
            "[...document.querySelectorAll('{body} svg.cycle .node')].map(e => e.dataset.lock)"
        ),
    );
    nodes.sort();
    assert_eq!(nodes, locks, "the cycle's locks");
    assert_eq!(
        number(
            &mut b,
            &format!("document.querySelectorAll('{body} svg.cycle .edge').length")
        ) as usize,
        locks.len(),
        "one edge per lock of the cycle"
    );
    let tl = format!("{body} .timeline");
    let tracks = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{tl} .tl-track')].map(e => e.dataset.thread)"),
    );
    assert_eq!(
        tracks.len() as u64,
        number(
            &mut b,
            &format!("Number(document.querySelector('{tl}').dataset.tracks)")
        )
    );
    assert!(tracks.iter().all(|t| t.starts_with('T')), "{tracks:?}");
    let range = b
        .eval(&format!(
            "document.querySelector('{tl} .tl-range').textContent"
        ))
        .unwrap();
    assert!(
        range.as_str().unwrap().contains(" ev"),
        "a clockless trace counts events: {range}"
    );
    let mut marked = strings(
        &mut b,
        &format!("[...document.querySelectorAll('{tl} .tl-step')].map(e => e.dataset.event)"),
    );
    marked.sort_by_key(|e| e.parse::<u64>().unwrap());
    assert_eq!(marked, step_events(&r.json, "potential_deadlock"));
    b.screenshot(None, &shots().join("DiningPhil.png")).unwrap();
    assert_clean(&mut b, &url);
}

/// 10,000 lost updates on 10,000 variables: distinct findings.
fn ten_thousand_findings(path: &Path) {
    let mut lines = vec![
        r#"{"type":"header","format":"lockscope-trace","version":"1.0","clock":"ns"}"#.to_owned(),
        r#"{"type":"thread","id":1,"name":"reader"}"#.to_owned(),
        r#"{"type":"thread","id":2,"name":"writer"}"#.to_owned(),
    ];
    for v in 0..10_000 {
        lines.push(format!(r#"{{"type":"var","id":{v},"name":"v{v}"}}"#));
    }
    let mut t = 0;
    for v in 0..10_000 {
        for (thread, op) in [(1, "read"), (2, "write"), (1, "write")] {
            t += 1;
            lines.push(format!(
                r#"{{"type":"{op}","t":{t},"thread":{thread},"var":{v}}}"#
            ));
        }
    }
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn ten_thousand_findings_stay_collapsed_until_opened() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("many.jsonl");
    ten_thousand_findings(&trace);
    let r = render(&[trace.to_str().unwrap()]);
    let lost = r.json["summary"]["by_kind"]["lost_update"]
        .as_u64()
        .unwrap();
    assert_eq!(lost, 10_000);
    let Some((mut b, url)) = open(&r.html) else {
        return;
    };
    assert_counts(&mut b, &r.json);
    assert_eq!(
        number(
            &mut b,
            "document.querySelectorAll('details.finding').length"
        ),
        0
    );
    assert!(number(&mut b, "document.getElementsByTagName('*').length") < 300);
    open_first(&mut b, "lost_update");
    let kind = "details.kind[data-kind=\"lost_update\"]";
    assert_eq!(
        number(
            &mut b,
            &format!("document.querySelectorAll('{kind} details.finding').length")
        ),
        100
    );
    b.eval(&format!(
        "document.querySelector('{kind} button.more').click()"
    ))
    .unwrap();
    assert_eq!(
        number(
            &mut b,
            &format!("document.querySelectorAll('{kind} details.finding').length")
        ),
        200
    );
    let more = b
        .eval(&format!(
            "document.querySelector('{kind} button.more').textContent"
        ))
        .unwrap();
    assert_eq!(more, "show 100 more of 9800");
    assert_clean(&mut b, &url);
}
