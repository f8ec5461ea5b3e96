//! A hand-built report with one finding of each shape the renderers treat
//! specially, for the renderers' unit tests.

use super::Ctx;
use crate::gate::{Gate, Verdict};
use crate::sites::Root;
use lockscope_detector::finding::build::{self, At, SeenEdge, Taken, Waiter};
use lockscope_detector::finding::{
    Access, Detail, Duration, End, Finding, FindingKind, Grade, OrderEdge, Origin, Role, Step,
    TimeUnit, WaitOn,
};
use lockscope_detector::report::{LockStats, Report, TraceSummary};

/// Event `event` at `site`.
fn at(event: u64, site: &str) -> At {
    At {
        site: Some(site.into()),
        event: Some(event),
        ..At::default()
    }
}

fn deadlock() -> Finding {
    let waiter = |thread: &str, holds: &str, wants: &str, events: (u64, u64), line: u32| Waiter {
        thread: thread.into(),
        holds: Some(Taken {
            lock: holds.into(),
            mode: None,
            at: at(events.0, &format!("/repo/src/bank.rs:{line}:5")),
        }),
        waits_for: WaitOn::lock(wants),
        blocked: at(events.1, &format!("/repo/src/bank.rs:{}:5", line + 1)),
    };
    let mut f = build::deadlock(
        vec![
            waiter("T1", "L1", "L2", (3, 7), 10),
            waiter("T2", "L2", "L1", (5, 9), 20),
        ],
        End::Hung,
    );
    f.origins = vec![Origin::trace("bank.jsonl")];
    f
}

fn potential() -> Finding {
    let edge =
        |thread: &str, from: &str, to: &str, sites: (&str, &str), events: (u64, u64)| SeenEdge {
            edge: OrderEdge {
                thread: thread.into(),
                from: from.into(),
                to: to.into(),
                site_from: Some(sites.0.into()),
                site_to: Some(sites.1.into()),
                mode_from: None,
                mode_to: None,
                count: 1,
            },
            acquired: Some(events.0),
            requested: Some(events.1),
        };
    let mut f = build::potential_deadlock(vec![
        edge("T1", "L1", "L2", ("loc 11", "loc 12"), (0, 1)),
        edge("T3", "L2", "L1", ("loc 39", "loc 40"), (29, 30)),
    ])
    .graded(Grade::Feasible);
    f.origins = vec![Origin::trace("bank.jsonl")];
    f
}

fn step(thread: &str, role: Role, event: u64, site: &str) -> Step {
    let mut s = Step::new(thread, role).at(Some(site.into()));
    s.event = Some(event);
    s
}

/// The three accesses of a lost update by `worker-n` from event `n`.
fn lost_steps(n: u64) -> Vec<Step> {
    let (me, x) = (format!("worker-{n}"), || "x".to_owned());
    let wrote = Role::Wrote {
        var: x(),
        unseen_by: Some(me.clone()),
    };
    let overwrote = Role::Overwrote {
        var: x(),
        lost: "worker-0".into(),
    };
    vec![
        step(&me, Role::Read { var: x() }, n, "/repo/src/counter.rs:8:9"),
        step("worker-0", wrote, n + 1, "/repo/src/counter.rs:10:9"),
        step(&me, overwrote, n + 2, "/repo/src/counter.rs:10:9"),
    ]
}

fn lost_update() -> Finding {
    let detail = Detail::LostUpdate {
        var: "x".into(),
        thread: "worker-100".into(),
        overwritten: "worker-0".into(),
    };
    let identity = ["x", "src/counter.rs:8:9", "src/counter.rs:10:9"];
    let mut f = Finding::new(FindingKind::LostUpdate, &identity, detail);
    f.threads = vec!["worker-100".into(), "worker-0".into()];
    f.vars = vec!["x".into()];
    f.steps = lost_steps(100);
    f.examples = vec![lost_steps(200), lost_steps(300)];
    f.occurrences = 3;
    f.origins = vec![Origin::trace("counter.jsonl")];
    f
}

fn race() -> Finding {
    let flag = || "flag".to_owned();
    let mut f = Finding::new(
        FindingKind::DataRace,
        &["flag"],
        Detail::DataRace { var: flag() },
    );
    f.threads = vec!["T9".into(), "main".into()];
    f.vars = vec![flag()];
    let wrote = Role::Wrote {
        var: flag(),
        unseen_by: None,
    };
    let read = Role::PreviousAccess {
        var: flag(),
        access: Access::Read,
    };
    f.steps = vec![
        step("T9", wrote, 41, "/repo/src/flag.rs:7:1"),
        step("main", read, 40, "/repo/src/flag.rs:3:1"),
        Step::new("T9", Role::Created).at(Some("/repo/src/main.rs:5:5".into())),
    ];
    f.origins = vec![Origin::trace("counter.jsonl")];
    f
}

fn long_hold() -> Finding {
    let ms = |n: u64| Duration {
        amount: n * 1_000_000,
        unit: TimeUnit::Nanoseconds,
    };
    let detail = Detail::LongHold {
        lock: "L1".into(),
        thread: "T1".into(),
        held: ms(120),
        others: 9,
        others_mean: ms(1),
    };
    let mut f = Finding::new(FindingKind::LongHold, &["L1"], detail);
    f.primitives = vec!["L1".into()];
    f
}

/// One report: a deadlock, a potential deadlock, a lost update that
/// occurred three times, a data race and an info-level long hold, over two
/// traces.
pub fn sample() -> Report {
    let mut r = Report {
        findings: vec![deadlock(), potential(), lost_update(), race(), long_hold()],
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
        thread_stats: Vec::new(),
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
