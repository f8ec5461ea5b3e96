//! Inputs of pathological shapes: each is analyzed to the end, with a
//! bounded heap, and every cut is said in the report's limits. The traces
//! are generated here (STD text), never stored.
//!
//! A counting global allocator measures the heap each analysis needs at
//! its peak; the tests run one at a time so none disturbs another's
//! measurement.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::FindingKind;
use lockscope_detector::report::Report;
use lockscope_detector::trace::StdReader;

/// The system allocator, counting live and peak bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` with the caller's arguments,
// so `Counting` upholds `GlobalAlloc`'s contract exactly as `System` does;
// the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from `alloc` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time, so no other test allocates while one measures.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

const MB: usize = 1 << 20;

/// Analyzes STD `text` with `config`; returns the report and the heap it
/// took at its peak, above what was live before.
fn analyze_measured(text: &str, config: &Config) -> (Report, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let input = Input {
        name: "hostile".into(),
        source: Box::new(StdReader::new("hostile", text.as_bytes())),
    };
    let report = analyze(vec![input], config).expect("generated STD is valid");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    (report, peak)
}

fn limits_mention(report: &Report, text: &str) -> bool {
    report.limits.iter().any(|l| l.contains(text))
}

/// One thread walks 100,000 locks hand over hand, as a linked-list
/// traversal does: a chain of lock-order edges 100,000 long.
#[test]
fn a_hand_over_hand_walk_of_100k_locks_needs_no_deep_stack() {
    let _one = serial();
    let n = 100_000;
    let mut text = String::from("T1|acq(L0)|1\n");
    for i in 1..n {
        text += &format!("T1|acq(L{i})|2\nT1|rel(L{})|3\n", i - 1);
    }
    // The test thread's stack (2 MB) is smaller than a main thread's; a
    // recursion per lock would overflow it.
    let (report, peak) = analyze_measured(&text, &Config::default());
    assert_eq!(report.count(FindingKind::PotentialDeadlock), 0);
    assert!(peak < 200 * MB, "peak heap {} MB", peak / MB);
}

/// Two threads nest 800 locks in opposite orders: 640,000 lock pairs.
/// Held sets are shared, not copied into each edge; edges come from the
/// innermost 256 held locks, and the report says so.
#[test]
fn two_threads_nesting_800_locks_in_opposite_orders_stay_bounded() {
    let _one = serial();
    let n = 800;
    let mut text = String::new();
    for i in 0..n {
        text += &format!("T1|acq(L{i})|{i}\n");
    }
    for i in (0..n).rev() {
        text += &format!("T1|rel(L{i})|{i}\n");
    }
    for i in (0..n).rev() {
        text += &format!("T2|acq(L{i})|{i}\n");
    }
    for i in 0..n {
        text += &format!("T2|rel(L{i})|{i}\n");
    }
    let (report, peak) = analyze_measured(&text, &Config::default());
    assert!(report.count(FindingKind::PotentialDeadlock) > 0);
    assert!(limits_mention(&report, "holding more than 256 locks"));
    assert!(peak < 256 * MB, "peak heap {} MB", peak / MB);
}

/// 40,000 threads, each forked and writing one variable: clocks must not
/// grow with the square of the thread count.
#[test]
fn forty_thousand_threads_keep_clocks_small() {
    let _one = serial();
    let n = 40_000;
    let mut text = String::new();
    for i in 1..n {
        text += &format!("T0|fork(T{i})|1\nT{i}|w(V0)|2\n");
    }
    let (report, peak) = analyze_measured(&text, &Config::default());
    // Siblings' writes are unordered: a race, one site pair.
    assert_eq!(report.count(FindingKind::DataRace), 1);
    assert!(limits_mention(&report, "threads were alive at once"));
    assert!(peak < 100 * MB, "peak heap {} MB", peak / MB);
}

/// 20,000 threads that each take one lock and write a variable: every
/// thread learns the clock of all before it through the lock.
#[test]
fn twenty_thousand_threads_through_one_lock_share_their_clocks() {
    let _one = serial();
    let n = 20_000;
    let mut text = String::new();
    for i in 1..n {
        text += &format!("T{i}|acq(L0)|1\nT{i}|w(V{})|2\nT{i}|rel(L0)|3\n", i % 7);
    }
    let (report, peak) = analyze_measured(&text, &Config::default());
    assert_eq!(report.count(FindingKind::DataRace), 0);
    assert!(peak < 100 * MB, "peak heap {} MB", peak / MB);
}

/// A long, repetitive trace (what a 2.6 MB `.gz` of a loop expands to):
/// the feasibility grader keeps a window, so twice the events need no more
/// memory.
#[test]
fn a_long_repetitive_trace_needs_memory_bounded_by_the_window() {
    let _one = serial();
    let config = Config {
        feasibility_window: 1 << 16,
        ..Config::default()
    };
    let block = "T1|acq(L1)|1\nT1|acq(L2)|2\nT1|w(V1)|5\nT1|rel(L2)|3\nT1|rel(L1)|4\n\
                 T2|acq(L2)|6\nT2|acq(L1)|7\nT2|w(V1)|8\nT2|rel(L1)|9\nT2|rel(L2)|10\n";
    let (short, short_peak) = analyze_measured(&block.repeat(20_000), &config);
    let (long, long_peak) = analyze_measured(&block.repeat(80_000), &config);
    for report in [&short, &long] {
        assert_eq!(report.count(FindingKind::PotentialDeadlock), 1);
    }
    // The trace text itself is not counted (it is allocated before).
    assert!(
        long_peak < short_peak + 2 * MB,
        "{} KB for 200k events, {} KB for 800k",
        short_peak >> 10,
        long_peak >> 10
    );
}

/// 200,000 racy site pairs: past 10,000 distinct ones per kind, further
/// occurrences are counted, not kept.
#[test]
fn many_distinct_racy_sites_keep_findings_bounded() {
    let _one = serial();
    let mut text = String::new();
    for i in 0..200_000 {
        text += &format!("T1|w(V1)|{i}\nT2|w(V1)|{i}\n");
    }
    let (report, peak) = analyze_measured(&text, &Config::default());
    assert_eq!(report.count(FindingKind::DataRace), 10_000);
    assert!(limits_mention(
        &report,
        "more than 10000 distinct racy site pairs"
    ));
    assert!(peak < 200 * MB, "peak heap {} MB", peak / MB);
}

/// 200,000 short-lived threads, each forked, taking a lock of its own
/// once and joined (what a test suite's per-test caches and worker threads
/// look like): a lock or thread that has ended keeps a few hundred bytes.
#[test]
fn locks_and_threads_by_the_hundred_thousand_cost_bytes_each() {
    let _one = serial();
    let n = 200_000;
    let mut text = String::new();
    for i in 1..=n {
        text += &format!(
            "T0|fork(T{i})|1\nT{i}|acq(L{i})|2\nT{i}|w(V{})|3\nT{i}|rel(L{i})|4\nT0|join(T{i})|5\n",
            i % 16
        );
    }
    let (report, peak) = analyze_measured(&text, &Config::default());
    assert_eq!(report.stats.len(), n);
    assert_eq!(report.count(FindingKind::DataRace), 0);
    // Measured: 1,643 bytes per lock and thread, the trace's tables, the
    // replay state, every analysis (the race analysis's second, SHB, clock
    // per lock and the deadlock witness log's 8 bytes per event included)
    // and the report's statistics rows together.
    assert!(peak < n * 1750, "{} bytes per lock and thread", peak / n);
}

/// A short trace whose unreachable inversion is explored state by state,
/// with 1,500 more threads each writing one shared variable: every order
/// of those writes is another state, and each state's key has a word per
/// thread. The exploration stops at its allowance, which counts such
/// states as several, and says so.
#[test]
fn an_explored_trace_with_many_threads_stays_within_its_allowance() {
    let _one = serial();
    let mut text = String::from(
        "T1|acq(A)|1\nT1|acq(B)|2\nT1|rel(B)|3\nT1|rel(A)|4\nT1|w(x)|5\n\
         T2|r(x)|6\nT2|acq(B)|7\nT2|acq(A)|8\nT2|rel(A)|9\nT2|rel(B)|10\n",
    );
    for t in 3..1_503 {
        text += &format!("T{t}|w(y)|11\n");
    }
    let (report, peak) = analyze_measured(&text, &Config::default());
    assert_eq!(report.count(FindingKind::PotentialDeadlock), 1);
    assert!(
        limits_mention(&report, "exploration of reorderings ran out of states"),
        "{:?}",
        report.limits
    );
    assert!(peak < 100 * MB, "peak heap {} MB", peak / MB);
}
