//! Structured random traces thrown at every analysis: any sequence of
//! events over declared threads, primitives and variables, legal or not
//! (a release of a lock never taken, a join of a thread never started, a
//! notify of a mutex), gives a report, never a panic and never an error;
//! the same trace written in the binary encoding and read back gives a
//! report or a positioned reader error (exit 0/1 or 2 at the command
//! line), never a panic; a pass per analysis part, merged, is the whole
//! analysis, and a part finds nothing in a trace with no event it acts on. What the analyses keep is bounded by the trace:
//! no more findings than events.

mod support;

use lockscope_detector::analysis::{
    analyze, analyze_part, contention, deadlock, lock_order, Config, Input, Part,
};
use lockscope_detector::report::Report;
use lockscope_detector::trace::{
    from_reader, write_trace, EventKind, LockMode, ObjId, OutputFormat, PrimitiveKind, ThreadId,
    VarId,
};
use proptest::prelude::*;
use support::Trace;

/// One event before its ids are resolved: every operand is an index taken
/// modulo the declared count of its kind.
#[derive(Clone, Debug)]
struct Op {
    thread: usize,
    kind: u8,
    a: usize,
    b: usize,
    flag: bool,
    n: u32,
    site: u8,
}

fn op() -> impl Strategy<Value = Op> {
    (
        0usize..8,
        0u8..29,
        0usize..16,
        0usize..16,
        any::<bool>(),
        0u32..4,
        0u8..6,
    )
        .prop_map(|(thread, kind, a, b, flag, n, site)| Op {
            thread,
            kind,
            a,
            b,
            flag,
            n,
            site,
        })
}

fn mode(i: usize) -> LockMode {
    [LockMode::Exclusive, LockMode::Shared, LockMode::Upgradable][i % 3]
}

/// The event `op` names, over `threads`, `objs` and `vars`.
fn kind_of(op: &Op, threads: &[ThreadId], objs: &[ObjId], vars: &[VarId]) -> EventKind {
    let t = threads[op.b % threads.len()];
    let o = objs[op.a % objs.len()];
    let o2 = objs[op.b % objs.len()];
    let v = vars[op.a % vars.len()];
    let m = mode(op.b);
    match op.kind {
        0 => EventKind::ThreadStart {
            parent: op.flag.then_some(t),
        },
        1 => EventKind::ThreadExit,
        2 => EventKind::Fork { child: t },
        3 => EventKind::JoinRequest { child: t },
        4 => EventKind::Join { child: t },
        5 => EventKind::Request { obj: o, mode: m },
        6 | 7 => EventKind::Acquired {
            obj: o,
            mode: m,
            depth: op.n.max(1),
        },
        8 => EventKind::TryFailed { obj: o, mode: m },
        9 | 10 => EventKind::Released { obj: o, mode: m },
        11 => EventKind::Upgraded { obj: o },
        12 => EventKind::Downgraded { obj: o, to: m },
        13 => EventKind::CondWait {
            condvar: o,
            mutex: o2,
            timed: op.flag,
        },
        14 => EventKind::CondWoken {
            condvar: o,
            mutex: o2,
            timed_out: op.flag,
        },
        15 => EventKind::Notify {
            condvar: o,
            all: op.flag,
            woken: op.n,
        },
        16 => EventKind::SemAcquired {
            obj: o,
            permits: op.n,
        },
        17 => EventKind::SemReleased {
            obj: o,
            permits: op.n,
        },
        18 => EventKind::EventSet { obj: o },
        19 => EventKind::EventClear { obj: o },
        20 => EventKind::EventWait {
            obj: o,
            timed: op.flag,
        },
        21 => EventKind::EventWoken {
            obj: o,
            timed_out: op.flag,
        },
        22 => EventKind::BarrierWait { obj: o },
        23 => EventKind::BarrierPassed {
            obj: o,
            leader: op.flag,
        },
        24 => EventKind::Read { var: v },
        25 => EventKind::Write { var: v },
        26 => EventKind::Update { var: v },
        27 => EventKind::Begin,
        _ => EventKind::End,
    }
}

/// A trace of `threads` threads, two primitives of every kind, `vars`
/// variables and `ops`; nanosecond clock unless `std`.
fn build(std: bool, threads: usize, vars: usize, ops: &[Op]) -> Trace {
    let mut trace = if std { Trace::std() } else { Trace::new() };
    let threads: Vec<ThreadId> = (0..threads)
        .map(|i| trace.thread(&format!("t{i}")))
        .collect();
    let mut objs = Vec::new();
    for kind in PrimitiveKind::ALL {
        for i in 0..2 {
            let permits = (kind == PrimitiveKind::Semaphore).then_some(2);
            objs.push(trace.prim(&format!("{kind:?}{i}"), kind, permits));
        }
    }
    let vars: Vec<VarId> = (0..vars).map(|i| trace.var(&format!("v{i}"))).collect();
    for op in ops {
        let kind = kind_of(op, &threads, &objs, &vars);
        let site = if op.site == 0 {
            String::new()
        } else {
            format!("s{}", op.site)
        };
        trace.push(threads[op.thread % threads.len()], kind, &site);
        if op.kind == 27 && op.flag {
            trace.advance(u64::from(op.n) * 1_000_000_000);
        }
    }
    trace
}

fn input(trace: &Trace) -> Vec<Input<'static>> {
    vec![Input {
        name: "random".into(),
        source: Box::new(trace.source()),
    }]
}

/// Every analysis, with `config`, and what `stats` and `graph` run.
fn every_analysis(trace: &Trace, config: &Config) -> Report {
    let report = analyze(input(trace), config).expect("an in-memory trace always reads");
    contention::statistics(input(trace), config).expect("statistics read");
    lock_order::graph(input(trace), config).expect("the lock-order graph reads");
    deadlock::wait_for_graphs(input(trace), config).expect("the wait-for graphs read");
    report
}

/// A window of four events: the feasibility grader's bound is reached
/// at once.
fn small_window() -> Config {
    Config {
        feasibility_window: 4,
        max_cycle_len: 3,
        max_cycles_per_component: 2,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_analysis_reports_on_any_event_sequence(
        std in any::<bool>(),
        threads in 1usize..6,
        vars in 1usize..4,
        ops in proptest::collection::vec(op(), 0..120),
    ) {
        let trace = build(std, threads, vars, &ops);
        for config in [Config::default(), small_window()] {
            let report = every_analysis(&trace, &config);
            prop_assert!(report.findings.len() <= ops.len().max(1));
            prop_assert_eq!(report.traces.len(), 1);
        }
    }

    #[test]
    fn the_parts_merged_are_the_whole_analysis(
        std in any::<bool>(),
        threads in 1usize..6,
        vars in 1usize..4,
        ops in proptest::collection::vec(op(), 0..120),
    ) {
        let trace = build(std, threads, vars, &ops);
        let config = Config::default();
        let whole = analyze(input(&trace), &config).expect("an in-memory trace always reads");
        let parts: Vec<Report> = Part::ALL
            .into_iter()
            .map(|part| analyze_part(input(&trace), &config, part).expect("reads"))
            .collect();
        for (part, report) in Part::ALL.into_iter().zip(&parts) {
            let acted_on = trace.events().iter().any(|ev| part.acts_on(ev));
            if !acted_on {
                prop_assert!(report.findings.is_empty(), "{part:?}: {:#?}", report.findings);
                prop_assert!(report.limits.is_empty(), "{part:?}: {:?}", report.limits);
                prop_assert!(report.stats.is_empty() && report.thread_stats.is_empty());
            }
        }
        prop_assert_eq!(Report::merge(parts), whole);
    }

    #[test]
    fn the_binary_encoding_of_any_event_sequence_reads_or_errs_at_a_position(
        threads in 1usize..6,
        vars in 1usize..4,
        ops in proptest::collection::vec(op(), 0..80),
    ) {
        let trace = build(false, threads, vars, &ops);
        let mut bytes = Vec::new();
        if write_trace(&mut trace.source(), OutputFormat::Binary, &mut bytes).is_err() {
            return Ok(());
        }
        let Ok(source) = from_reader("random.lsb", Box::new(std::io::Cursor::new(bytes))) else {
            return Ok(());
        };
        let inputs = vec![Input { name: "random.lsb".into(), source }];
        match analyze(inputs, &Config::default()) {
            Ok(report) => prop_assert!(report.findings.len() <= ops.len().max(1)),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
