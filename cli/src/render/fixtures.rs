//! A hand-built report with one finding of each shape the renderers treat
//! specially, for the renderers' unit tests.

use super::Ctx;
use crate::gate::{Gate, Verdict};
use crate::sites::Root;
use lockscope_detector::report::{
    Feasibility, Finding, FindingKind, LockStats, Report, Scenario, Severity, Step, TraceSummary,
};

fn step(event: u64, thread: &str, site: &str, what: &str) -> Step {
    Step {
        event: Some(event),
        thread: thread.into(),
        site: Some(site.into()),
        what: what.into(),
        backtrace: vec![],
    }
}

fn deadlock() -> Finding {
    let mut f = Finding::new(
        FindingKind::Deadlock,
        "deadlock: T1 and T2 wait for each other on L1, L2",
        &["L1", "L2"],
    );
    f.threads = vec!["T1".into(), "T2".into()];
    f.primitives = vec!["L1".into(), "L2".into()];
    f.steps = vec![
        step(3, "T1", "/repo/src/bank.rs:10:5", "acquired L1"),
        step(5, "T2", "/repo/src/bank.rs:20:5", "acquired L2"),
        step(
            7,
            "T1",
            "/repo/src/bank.rs:11:5",
            "requested L2 while holding L1",
        ),
        step(
            9,
            "T2",
            "/repo/src/bank.rs:21:5",
            "requested L1 while holding L2",
        ),
    ];
    f.feasibility = Some(Feasibility::Confirmed);
    f.scenario = Some(Scenario {
        threads: vec!["T1".into(), "T2".into()],
        rows: vec![
            (0, "lock(L1);".into()),
            (1, "lock(L2);".into()),
            (0, "lock(L2);".into()),
            (1, "lock(L1);".into()),
            (0, "*** DEADLOCK ***".into()),
        ],
    });
    f.trace = Some("bank.jsonl".into());
    f
}

fn potential() -> Finding {
    let mut f = Finding::new(
        FindingKind::PotentialDeadlock,
        "potential deadlock: L1 -> L2 -> L1",
        &["L1", "L2", "loc 12"],
    );
    f.threads = vec!["T1".into(), "T3".into()];
    f.primitives = vec!["L1".into(), "L2".into()];
    f.steps = vec![
        step(1, "T1", "loc 12", "acquired L2 while holding L1"),
        step(30, "T3", "loc 40", "acquired L1 while holding L2"),
    ];
    f.feasibility = Some(Feasibility::Feasible);
    f
}

fn lost_update(n: u64) -> Finding {
    let mut f = Finding::new(
        FindingKind::LostUpdate,
        "lost update of x: worker's write overwrites another thread's update",
        &["x", "src/counter.rs:8:9", "src/counter.rs:10:9"],
    );
    f.threads = vec![format!("worker-{n}"), "worker-0".into()];
    f.vars = vec!["x".into()];
    f.steps = vec![
        step(n, &f.threads[0], "/repo/src/counter.rs:8:9", "read x"),
        step(n + 1, "worker-0", "/repo/src/counter.rs:10:9", "wrote x"),
        step(
            n + 2,
            &f.threads[0],
            "/repo/src/counter.rs:10:9",
            "wrote x from the stale read",
        ),
    ];
    f
}

fn race() -> Finding {
    let mut f = Finding::new(FindingKind::DataRace, "data race on flag", &["flag"]);
    f.threads = vec!["main".into(), "T9".into()];
    f.vars = vec!["flag".into()];
    // Worded and ordered as the race analysis does (current access first).
    f.steps = vec![
        step(
            41,
            "T9",
            "/repo/src/flag.rs:7:1",
            "Write of flag by thread T9",
        ),
        step(
            40,
            "main",
            "/repo/src/flag.rs:3:1",
            "Previous read of flag by thread main",
        ),
    ];
    f.notes = vec![
        "Thread T9 created at /repo/src/main.rs:5:5".into(),
        "SUMMARY: data race on flag at /repo/src/flag.rs:7:1 and /repo/src/flag.rs:3:1".into(),
    ];
    f
}

fn long_hold() -> Finding {
    let mut f = Finding::new(FindingKind::LongHold, "L1 held for 120 ms", &["L1"]);
    f.severity = Severity::Info;
    f.primitives = vec!["L1".into()];
    f
}

/// One report: a deadlock, a potential deadlock, three lost updates with one
/// fingerprint, a data race and an info-level long hold, over two traces.
pub fn sample() -> Report {
    let mut r = Report {
        findings: vec![
            deadlock(),
            potential(),
            lost_update(100),
            lost_update(200),
            lost_update(300),
            race(),
            long_hold(),
        ],
        traces: vec![
            TraceSummary {
                name: "bank.jsonl".into(),
                format: "jsonl".into(),
                events: 12,
                threads: 2,
                primitives: 2,
                clock: "ns".into(),
                ..TraceSummary::default()
            },
            TraceSummary {
                name: "counter.jsonl".into(),
                format: "jsonl".into(),
                events: 400,
                threads: 4,
                vars: 1,
                clock: "ns".into(),
                ..TraceSummary::default()
            },
        ],
        stats: vec![LockStats {
            trace: "bank.jsonl".into(),
            name: "L1".into(),
            kind: "mutex".into(),
            acquisitions: 10,
            contended: 3,
            wait_total: 3_000_000,
            wait_max: 2_000_000,
            hold_total: 5_000,
            hold_max: 1_200,
            owner_changes: 4,
            ..LockStats::default()
        }],
        limits: vec![],
    };
    r.sort();
    r
}

/// The verdict and repository root every renderer test renders with: the
/// gate's judgement of the report, and `/repo` as the root.
pub struct Fixture {
    verdict: Verdict,
    root: Root,
}

impl Fixture {
    /// With the default gate.
    pub fn new(report: &Report) -> Self {
        Self::with_gate(report, &Gate::default())
    }

    pub fn with_gate(report: &Report, gate: &Gate) -> Self {
        Fixture {
            verdict: gate.judge(report),
            root: Root::new("/repo".into()),
        }
    }

    /// A rendering context for `report` (the one the fixture judged).
    pub fn ctx<'a>(&'a self, report: &'a Report, verbose: bool, quiet: bool) -> Ctx<'a> {
        Ctx {
            report,
            verdict: &self.verdict,
            root: &self.root,
            verbose,
            quiet,
        }
    }
}
