//! Lost updates: the seed scenarios 1, 2 and 5 as traces,
//! and the dependency rules between reads and writes.

mod support;

use lockscope_detector::finding::{Finding, FindingKind, Role, EXAMPLES};
use lockscope_detector::report::Report;
use lockscope_detector::trace::{EventKind, PrimitiveKind, ThreadId};
use support::Trace;

const LOST: FindingKind = FindingKind::LostUpdate;

/// Seed scenario 1 (and 5 with `semaphore`): `x = 100`, then `n` threads
/// each do `temp = x; sleep; x = temp - 1`. All `group` threads in a group
/// read before any of them writes (the sleep); a semaphore with `group`
/// permits, when given, lets one group in at a time.
fn decrement_scenario(n: usize, group: usize, semaphore: bool) -> Trace {
    let mut tr = Trace::new();
    let main = tr.thread("main");
    let x = tr.var("x");
    let sem = tr.prim("sem", PrimitiveKind::Semaphore, Some(group as u32));
    tr.write(main, x, "main.rs:3 x = 100");
    let workers: Vec<ThreadId> = (0..n).map(|i| tr.thread(&format!("worker-{i}"))).collect();
    for &w in &workers {
        tr.fork(main, w);
    }
    for chunk in workers.chunks(group) {
        for &w in chunk {
            if semaphore {
                tr.push(
                    w,
                    EventKind::Request {
                        obj: sem,
                        mode: lockscope_detector::trace::LockMode::Exclusive,
                    },
                    "main.rs:7 sem.acquire()",
                );
                tr.push(
                    w,
                    EventKind::SemAcquired {
                        obj: sem,
                        permits: 1,
                    },
                    "main.rs:7 sem.acquire()",
                );
            }
            tr.read(w, x, "main.rs:8 temp = x");
        }
        for &w in chunk {
            tr.write(w, x, "main.rs:10 x = temp - 1");
            if semaphore {
                tr.push(
                    w,
                    EventKind::SemReleased {
                        obj: sem,
                        permits: 1,
                    },
                    "main.rs:11 sem.release()",
                );
            }
        }
    }
    for &w in &workers {
        tr.join(main, w);
    }
    tr.read(main, x, "main.rs:14 print(x)");
    tr
}

fn lost(report: &Report) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.kind == LOST).collect()
}

#[test]
fn seed_1_hundred_threads_lose_99_updates() {
    let report = decrement_scenario(100, 100, false).analyze();
    // One bug (one fingerprint: var + sites), 99 times.
    assert_eq!(report.count(LOST), 1);
    assert_eq!(report.occurrences(LOST), 99);
    let f = lost(&report)[0];
    assert_eq!(f.vars, vec!["x"]);
    assert_eq!(f.steps.len(), 3);
    assert_eq!(f.steps[0].role, Role::Read { var: "x".into() });
    assert_eq!(f.steps[0].site.as_deref(), Some("loc main.rs:8 temp = x"));
    assert_eq!(
        f.steps[2].site.as_deref(),
        Some("loc main.rs:10 x = temp - 1")
    );
    // The overwriting thread reads first and writes last.
    assert_eq!(f.steps[0].thread, f.steps[2].thread);
    assert_ne!(f.steps[1].thread, f.steps[2].thread);
    assert!(f.title().starts_with("lost update on x"), "{}", f.title());
    // Unordered too: read/write and write/write between the workers; the
    // initial write is ordered before them by the forks.
    assert_eq!(report.count(FindingKind::DataRace), 2);
}

#[test]
fn seed_2_lock_around_the_whole_update_loses_nothing() {
    let mut tr = Trace::new();
    let x = tr.var("x");
    let l = tr.mutex("lock");
    let workers: Vec<_> = (0..100).map(|i| tr.thread(&format!("w{i}"))).collect();
    for &w in &workers {
        tr.lock(w, l, "with lock")
            .read(w, x, "temp = x")
            .write(w, x, "x = temp - 1");
        tr.unlock(w, l, "end with");
    }
    let report = tr.analyze();
    assert_eq!(report.count(LOST), 0);
    assert_eq!(report.count(FindingKind::DataRace), 0);
}

#[test]
fn seed_5_semaphore_of_five_still_loses_updates() {
    let report = decrement_scenario(30, 5, true).analyze();
    // Six groups of five: in each, four of the five writes overwrite a
    // write of the same group made after their read.
    assert_eq!(report.occurrences(LOST), 24);
}

#[test]
fn every_access_in_its_own_critical_section_is_still_a_lost_update() {
    let mut tr = Trace::new();
    let (t1, t2) = (tr.thread("T1"), tr.thread("T2"));
    let (x, l) = (tr.var("x"), tr.mutex("L"));
    tr.lock(t1, l, "a").read(t1, x, "get").unlock(t1, l, "a");
    tr.lock(t2, l, "a").read(t2, x, "get").unlock(t2, l, "a");
    tr.lock(t1, l, "a").write(t1, x, "set").unlock(t1, l, "a");
    tr.lock(t2, l, "a").write(t2, x, "set").unlock(t2, l, "a");
    let report = tr.analyze();
    assert_eq!(report.count(LOST), 1);
    assert_eq!(
        report.count(FindingKind::DataRace),
        0,
        "no race: all locked"
    );
    let f = lost(&report)[0];
    let threads: Vec<_> = f.steps.iter().map(|s| s.thread.as_str()).collect();
    assert_eq!(threads, ["T2", "T1", "T2"]);
}

#[test]
fn a_fresh_read_after_the_other_write_is_no_lost_update() {
    let mut tr = Trace::new();
    let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
    tr.read(t1, x, "r")
        .write(t2, x, "w2")
        .read(t1, x, "r")
        .write(t1, x, "w1");
    assert_eq!(tr.analyze().count(LOST), 0);
}

#[test]
fn a_write_after_the_threads_own_write_depends_on_no_read() {
    let mut tr = Trace::new();
    let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
    tr.read(t1, x, "r")
        .write(t1, x, "w")
        .write(t2, x, "w2")
        .write(t1, x, "w");
    assert_eq!(tr.analyze().count(LOST), 0);
}

#[test]
fn an_update_can_be_overwritten_but_never_overwrites() {
    let mut tr = Trace::new();
    let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
    // T2's atomic update is lost by T1's stale write.
    tr.read(t1, x, "r").update(t2, x, "u").write(t1, x, "w");
    // Updates against updates lose nothing.
    tr.update(t1, x, "u").update(t2, x, "u").update(t1, x, "u");
    // An update ends its thread's pending read.
    tr.read(t2, x, "r")
        .update(t2, x, "u")
        .write(t1, x, "w0")
        .write(t2, x, "w");
    assert_eq!(tr.analyze().occurrences(LOST), 1);
}

#[test]
fn fingerprint_names_variable_and_sites_not_threads() {
    let mut tr = Trace::new();
    let (t1, t2, t3) = (tr.thread("T1"), tr.thread("T2"), tr.thread("T3"));
    let x = tr.var("x");
    tr.read(t1, x, "r").write(t2, x, "w").write(t1, x, "w");
    tr.read(t3, x, "r").write(t1, x, "w").write(t3, x, "w");
    tr.read(t3, x, "r2").write(t1, x, "w").write(t3, x, "w");
    let report = tr.analyze();
    let found: Vec<_> = lost(&report)
        .iter()
        .map(|f| (f.steps[0].site.clone(), f.occurrences))
        .collect();
    // T1's and T3's read at `r` are one bug; T3's read at `r2` another.
    assert_eq!(
        found,
        [
            (Some("loc r".to_owned()), 2),
            (Some("loc r2".to_owned()), 1)
        ]
    );
}

#[test]
fn occurrences_are_counted_not_kept() {
    let mut tr = Trace::new();
    let (t1, t2, x) = (tr.thread("T1"), tr.thread("T2"), tr.var("x"));
    for _ in 0..5000 {
        tr.read(t1, x, "r").write(t2, x, "w2").write(t1, x, "w");
    }
    let report = tr.analyze();
    let found = lost(&report);
    assert_eq!(found.len(), 1);
    let f = found[0];
    assert_eq!(f.occurrences, 5000);
    // The first few occurrences in full, the rest only counted.
    assert_eq!(f.examples.len(), EXAMPLES - 1);
    assert_eq!(f.site_tuples, 1);
    assert!(report.limits.is_empty(), "{:?}", report.limits);
}
