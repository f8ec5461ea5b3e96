//! Data races by happens-before: unordered accesses race,
//! every synchronisation edge suppresses them, fork/join operands that do
//! not name the child are detected and ignored.

mod support;

use lockscope_detector::analysis::Config;
use lockscope_detector::finding::{wording, Access, Finding, FindingKind, Grade, Role, Severity};
use lockscope_detector::report::Report;
use lockscope_detector::trace::{EventKind, PrimitiveKind};
use support::Trace;

const RACE: FindingKind = FindingKind::DataRace;

fn races(report: &Report) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.kind == RACE).collect()
}

#[test]
fn unlocked_writes_race_in_thread_sanitizer_layout() {
    let mut tr = Trace::new();
    let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
    tr.read(t1, x, "a.rs:1").write(t2, x, "b.rs:2");
    let report = tr.analyze();
    let found = races(&report);
    assert_eq!(found.len(), 1);
    let f = found[0];
    assert_eq!(f.title(), "data race on x");
    let x = || "x".to_owned();
    assert_eq!(
        f.steps[0].role,
        Role::Wrote {
            var: x(),
            unseen_by: None
        }
    );
    assert_eq!(f.steps[0].thread, "T2");
    assert_eq!(f.steps[0].site.as_deref(), Some("loc b.rs:2"));
    assert_eq!(
        f.steps[1].role,
        Role::PreviousAccess {
            var: x(),
            access: Access::Read
        }
    );
    assert_eq!(f.steps[1].thread, "T1");
    assert_eq!(f.steps[1].event, Some(0));
    let body = wording::plain_text(&wording::body(f, &wording::Words::PLAIN));
    assert!(
        body.starts_with("WARNING: lockscope: data race\n  Write of x by thread T2:\n"),
        "{body}"
    );
    assert!(
        body.ends_with("\nSUMMARY: lockscope: data race on x at loc b.rs:2 and loc a.rs:1\n"),
        "{body}"
    );
}

#[test]
fn one_pair_of_sites_is_one_finding_naming_its_variables() {
    // The same two lines race on ten values of one field: one finding,
    // ten occurrences, the first eight variables named; a race at other
    // sites is another finding.
    let mut tr = Trace::new();
    let (t1, t2) = (tr.thread("T1"), tr.thread("T2"));
    for i in 0..10 {
        let v = tr.var(&format!("account{i}.balance"));
        tr.read(t1, v, "a.rs:1").write(t2, v, "b.rs:2");
    }
    let y = tr.var("y");
    tr.write(t1, y, "c.rs:3").write(t2, y, "c.rs:3");
    let report = tr.analyze();
    let found = races(&report);
    assert_eq!(found.len(), 2);
    let pair = found[0];
    assert_eq!(pair.occurrences, 10);
    assert_eq!(pair.vars.len(), 8);
    assert_eq!(pair.vars[0], "account0.balance");
    assert_eq!(pair.vars[7], "account7.balance");
    assert_eq!(found[1].vars, ["y"]);
}

#[test]
fn properly_locked_accesses_do_not_race() {
    let mut tr = Trace::new();
    let (t1, t2, x, l) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"), tr.mutex("L"));
    for _ in 0..3 {
        tr.lock(t1, l, "").update(t1, x, "inc").unlock(t1, l, "");
        tr.lock(t2, l, "")
            .read(t2, x, "get")
            .write(t2, x, "set")
            .unlock(t2, l, "");
    }
    assert_eq!(tr.analyze().count(RACE), 0);
}

#[test]
fn atomic_updates_of_one_variable_never_race_with_each_other() {
    // 100 threads each add one with `Tracked::update`.
    let mut tr = Trace::new();
    let x = tr.var("counter");
    let threads: Vec<_> = (0..100).map(|i| tr.thread(&format!("T{i}"))).collect();
    for &t in &threads {
        tr.update(t, x, "update");
    }
    let report = tr.analyze();
    assert_eq!(report.count(RACE), 0, "{:#?}", report.findings);
    assert_eq!(report.count(FindingKind::LostUpdate), 0);
    // An update orders what its thread did before it for the next update's
    // thread, as a release-acquire pair does.
    let y = tr.var("y");
    let (a, b) = (tr.thread("A"), tr.thread("B"));
    tr.write(a, y, "publish").update(a, x, "update");
    tr.update(b, x, "update").read(b, y, "consume");
    assert_eq!(tr.analyze().count(RACE), 0);
    // A plain write is no update: it races with one.
    tr.write(a, x, "set");
    assert_eq!(tr.analyze().count(RACE), 1);
}

#[test]
fn accesses_under_different_locks_race() {
    let mut tr = Trace::new();
    let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
    let (a, b) = (tr.mutex("A"), tr.mutex("B"));
    tr.lock(t1, a, "").write(t1, x, "w1").unlock(t1, a, "");
    tr.lock(t2, b, "").write(t2, x, "w2").unlock(t2, b, "");
    assert_eq!(tr.analyze().count(RACE), 1);
}

#[test]
fn a_racy_site_pair_is_one_finding_with_its_occurrences() {
    let mut tr = Trace::new();
    let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
    for _ in 0..10 {
        tr.write(t1, x, "w1").write(t2, x, "w2");
    }
    let report = tr.analyze();
    assert_eq!(report.count(RACE), 1);
    let f = races(&report)[0];
    assert_eq!(f.occurrences, 19);
}

#[test]
fn a_write_after_shared_reads_races_with_each_read_site() {
    let mut tr = Trace::new();
    let (t1, t2, t3, x) = (
        tr.thread("T1"),
        tr.thread("T2"),
        tr.thread("T3"),
        tr.var("x"),
    );
    tr.read(t1, x, "r1").read(t2, x, "r2").write(t3, x, "w");
    assert_eq!(tr.analyze().count(RACE), 2);
}

#[test]
fn an_earlier_write_hidden_behind_the_last_one_still_races() {
    // T2 writes x after taking L from T1, so T1's write is ordered before
    // T2's; T3 reads x with no order to either. FastTrack compares the read
    // with the last write only; both site pairs race.
    let mut tr = Trace::new();
    let (t1, t2, t3) = (tr.thread("T1"), tr.thread("T2"), tr.thread("T3"));
    let (x, l) = (tr.var("x"), tr.mutex("L"));
    tr.write(t1, x, "w1").lock(t1, l, "").unlock(t1, l, "");
    tr.lock(t2, l, "").write(t2, x, "w2").unlock(t2, l, "");
    tr.read(t3, x, "r");
    let report = tr.analyze();
    let mut pairs: Vec<(String, String)> = races(&report)
        .iter()
        .map(|f| {
            let site = |i: usize| f.steps[i].site.clone().expect("a site");
            (site(0), site(1))
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("loc r".to_owned(), "loc w1".to_owned()),
            ("loc r".to_owned(), "loc w2".to_owned()),
        ]
    );
}

#[test]
fn races_are_sound_unless_a_read_must_see_the_other_write_first() {
    // T2 reads T1's write of x, then writes y. T1's write of x and T2's
    // read of it can run together (the read is what races): sound. T1
    // then reads y with no order to T2's write of y: sound too. T3 writes
    // x after reading y as written by T2, whose read of x saw T1's write:
    // happens-before leaves T3's write unordered with T1's, but running
    // them together needs T3's read of y to see another write: hb_only.
    let mut tr = Trace::new();
    let (t1, t2, t3) = (tr.thread("T1"), tr.thread("T2"), tr.thread("T3"));
    let (x, y) = (tr.var("x"), tr.var("y"));
    tr.write(t1, x, "t1 writes x");
    tr.read(t2, x, "t2 reads x").write(t2, y, "t2 writes y");
    tr.read(t3, y, "t3 reads y").write(t3, x, "t3 writes x");
    let report = tr.analyze();
    let mut grades: Vec<(String, Grade, Severity)> = races(&report)
        .iter()
        .map(|f| {
            let sites: Vec<String> = f.steps[..2]
                .iter()
                .map(|s| s.site.clone().expect("a site"))
                .collect();
            (sites.join(" / "), f.grade.expect("graded"), f.severity)
        })
        .collect();
    grades.sort();
    let g = |s: &str, grade| {
        let severity = if grade == Grade::Sound {
            Severity::Error
        } else {
            Severity::Warning
        };
        (s.to_owned(), grade, severity)
    };
    assert_eq!(
        grades,
        [
            g("loc t2 reads x / loc t1 writes x", Grade::Sound),
            g("loc t3 reads y / loc t2 writes y", Grade::Sound),
            g("loc t3 writes x / loc t1 writes x", Grade::HbOnly),
            g("loc t3 writes x / loc t2 reads x", Grade::HbOnly),
        ]
    );
}

/// main writes x, forks a child that writes x, joins it, reads x.
fn fork_join_trace(child_ran_before_fork: bool) -> Trace {
    let mut tr = Trace::new();
    let (main, child, x) = (tr.thread("main"), tr.thread("child"), tr.var("x"));
    if child_ran_before_fork {
        tr.push(child, EventKind::Begin, "");
        tr.read(child, x, "early");
    }
    tr.write(main, x, "init").fork(main, child);
    tr.write(child, x, "child")
        .push(child, EventKind::ThreadExit, "");
    tr.join(main, child).read(main, x, "after join");
    tr
}

#[test]
fn fork_and_join_order_parent_and_child() {
    let report = fork_join_trace(false).analyze();
    assert_eq!(report.count(RACE), 0);
    assert!(report.limits.is_empty(), "{:?}", report.limits);
}

#[test]
fn fork_join_is_ignored_when_the_config_says_so() {
    let config = Config {
        trust_fork_join: false,
        ..Config::default()
    };
    // init/child (write-write) and child/after join (write-read).
    assert_eq!(fork_join_trace(false).analyze_with(&config).count(RACE), 2);
}

#[test]
fn a_child_that_runs_before_its_fork_makes_fork_join_untrusted() {
    let report = fork_join_trace(true).analyze();
    // Without fork/join: early read vs init write is ordered by nothing
    // either, so three racy site pairs.
    assert_eq!(report.count(RACE), 3);
    assert!(
        report
            .limits
            .iter()
            .any(|l| l.contains("fork(child) comes after child already ran")),
        "{:?}",
        report.limits
    );
}

#[test]
fn begin_markers_before_the_fork_are_not_running() {
    // Deadlock.std style: every thread's begin() at the very start.
    let mut with_begin = Trace::new();
    let (main, child, x) = (
        with_begin.thread("main"),
        with_begin.thread("child"),
        with_begin.var("x"),
    );
    with_begin.push(child, EventKind::Begin, "");
    with_begin
        .write(main, x, "init")
        .fork(main, child)
        .write(child, x, "child");
    let report = with_begin.analyze();
    assert_eq!(report.count(RACE), 0);
    assert!(report.limits.is_empty(), "{:?}", report.limits);
}

#[test]
fn a_fork_of_a_thread_that_never_runs_orders_nothing_and_is_noted() {
    // DeadlockFuzzer: `T0|fork(T1)` while the child runs as T2.
    let mut tr = Trace::new();
    let (t0, t1, t2, x) = (
        tr.thread("T0"),
        tr.thread("T1"),
        tr.thread("T2"),
        tr.var("x"),
    );
    tr.write(t0, x, "init").fork(t0, t1).write(t2, x, "child");
    let report = tr.analyze();
    assert_eq!(report.count(RACE), 1);
    assert!(
        report.limits.iter().any(|l| l.contains("T1 never runs")),
        "{:?}",
        report.limits
    );
}

#[test]
fn condvar_notify_orders_the_woken_thread_unless_it_timed_out() {
    for (timed_out, expected) in [(false, 0), (true, 1)] {
        let mut tr = Trace::new();
        let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
        let (m, c) = (tr.mutex("m"), tr.prim("c", PrimitiveKind::Condvar, None));
        tr.lock(t2, m, "");
        tr.push(
            t2,
            EventKind::CondWait {
                condvar: c,
                mutex: m,
                timed: false,
            },
            "",
        );
        tr.write(t1, x, "produce");
        tr.push(
            t1,
            EventKind::Notify {
                condvar: c,
                all: false,
                woken: 1,
            },
            "",
        );
        tr.push(
            t2,
            EventKind::CondWoken {
                condvar: c,
                mutex: m,
                timed_out,
            },
            "",
        );
        tr.read(t2, x, "consume");
        assert_eq!(
            tr.analyze().count(RACE),
            expected,
            "timed_out = {timed_out}"
        );
    }
}

#[test]
fn event_set_orders_the_woken_thread_unless_it_timed_out() {
    for (timed_out, expected) in [(false, 0), (true, 1)] {
        let mut tr = Trace::new();
        let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
        let e = tr.prim("ready", PrimitiveKind::Event, None);
        tr.push(
            t2,
            EventKind::EventWait {
                obj: e,
                timed: false,
            },
            "",
        );
        tr.write(t1, x, "produce")
            .push(t1, EventKind::EventSet { obj: e }, "");
        tr.push(t2, EventKind::EventWoken { obj: e, timed_out }, "");
        tr.read(t2, x, "consume");
        assert_eq!(
            tr.analyze().count(RACE),
            expected,
            "timed_out = {timed_out}"
        );
    }
}

#[test]
fn semaphore_release_orders_a_later_acquire() {
    let mut tr = Trace::new();
    let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
    let s = tr.prim("s", PrimitiveKind::Semaphore, Some(0));
    tr.write(t1, x, "produce")
        .push(t1, EventKind::SemReleased { obj: s, permits: 1 }, "");
    tr.push(t2, EventKind::SemAcquired { obj: s, permits: 1 }, "")
        .read(t2, x, "consume");
    assert_eq!(tr.analyze().count(RACE), 0);
}

#[test]
fn a_barrier_orders_every_arrival_before_every_pass() {
    let mut tr = Trace::new();
    let (t1, t2, x, y) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"), tr.var("y"));
    let b = tr.prim("b", PrimitiveKind::Barrier, Some(2));
    tr.write(t1, x, "w1").write(t2, y, "w2");
    tr.push(t1, EventKind::BarrierWait { obj: b }, "").push(
        t2,
        EventKind::BarrierWait { obj: b },
        "",
    );
    tr.push(
        t2,
        EventKind::BarrierPassed {
            obj: b,
            leader: true,
        },
        "",
    );
    tr.push(
        t1,
        EventKind::BarrierPassed {
            obj: b,
            leader: false,
        },
        "",
    );
    tr.read(t2, x, "r2").read(t1, y, "r1");
    assert_eq!(tr.analyze().count(RACE), 0);
}
