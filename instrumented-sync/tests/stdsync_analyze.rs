//! A program written against `std::sync`'s API through `stdsync`,
//! recorded and analyzed by `lockscope_detector::analysis::analyze`: its
//! lock-order inversions are found, with the program's own lines as the
//! sites of the acquisitions.

#![cfg(feature = "record")]

use std::path::Path;
use std::thread;

use lockscope_detector::analysis::{self, Config, Input};
use lockscope_detector::finding::{Finding, FindingKind};
use lockscope_detector::report::Report;
use lockscope_detector::trace;
use lockscope_sync::stdsync::{Arc, Mutex, OnceLock};

/// Runs `f` on a new thread and returns what it returns.
fn on_a_thread<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    thread::spawn(f).join().unwrap()
}

/// Two transfers between the same accounts, locking them in opposite
/// orders on two threads; returns the lines of the four `lock` calls.
fn transfers(accounts: &Arc<(Mutex<i64>, Mutex<i64>)>) -> Vec<u32> {
    let a = Arc::clone(accounts);
    let there = on_a_thread(move || {
        let (mut from, first) = (a.0.lock().unwrap(), line!());
        let (mut to, second) = (a.1.lock().unwrap(), line!());
        *from -= 10;
        *to += 10;
        [first, second]
    });
    let a = Arc::clone(accounts);
    let back = on_a_thread(move || {
        let (mut from, first) = (a.1.lock().unwrap(), line!());
        let (mut to, second) = (a.0.lock().unwrap(), line!());
        *from -= 10;
        *to += 10;
        [first, second]
    });
    there.into_iter().chain(back).collect()
}

/// A cell whose initialiser takes `registry`, and (after the cell is
/// emptied again) a thread holding `registry` that initialises it; returns
/// the lines of the `get_or_init` and `lock` calls.
fn config_and_registry(registry: &Arc<Mutex<Vec<u8>>>) -> Vec<u32> {
    let mut config = Arc::new(OnceLock::new());
    let (c, r) = (Arc::clone(&config), Arc::clone(registry));
    let init = on_a_thread(move || {
        let line = line!() + 1;
        c.get_or_init(|| r.lock().unwrap().len());
        line
    });
    Arc::get_mut(&mut config).unwrap().take();
    let (c, r) = (Arc::clone(&config), Arc::clone(registry));
    let holder = on_a_thread(move || {
        let (_held, held_line) = (r.lock().unwrap(), line!());
        let line = line!() + 1;
        c.get_or_init(|| 0);
        [held_line, line]
    });
    [init].into_iter().chain(holder).collect()
}

fn analyze(path: &Path) -> Report {
    let source = trace::open(path).unwrap();
    let input = Input {
        name: "stdsync".into(),
        source,
    };
    analysis::analyze(vec![input], &Config::default()).unwrap()
}

/// The potential deadlock whose steps include every one of `lines` of
/// this file.
fn inversion_at<'r>(report: &'r Report, lines: &[u32]) -> &'r Finding {
    let here = |line: u32| format!("{}:{line}:", file!());
    report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::PotentialDeadlock)
        .find(|f| {
            lines.iter().all(|&line| {
                f.steps.iter().any(|s| {
                    s.site
                        .as_deref()
                        .is_some_and(|site| site.contains(&here(line)))
                })
            })
        })
        .unwrap_or_else(|| panic!("no inversion at lines {lines:?} in {report:#?}"))
}

#[test]
fn inversions_of_a_std_sync_program_are_found_at_its_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stdsync.jsonl");
    let accounts = Arc::new((Mutex::new(100), Mutex::new(50)));
    let registry = Arc::new(Mutex::new(Vec::new()));
    let recording = lockscope_sync::record_to(&path).unwrap();
    let transfer_lines = transfers(&accounts);
    let config_lines = config_and_registry(&registry);
    recording.finish().unwrap();

    let report = analyze(&path);
    // The second lock of each transfer is taken while holding the first.
    inversion_at(&report, &[transfer_lines[1], transfer_lines[3]]);
    // The initialiser's lock of the registry happens inside `get_or_init`,
    // at the closure's line; the holder initialises at its own line.
    inversion_at(&report, &[config_lines[0], config_lines[2]]);
    let (a, b) = Arc::try_unwrap(accounts).unwrap();
    assert_eq!(
        (a.into_inner().unwrap(), b.into_inner().unwrap()),
        (100, 50)
    );
}
