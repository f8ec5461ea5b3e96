//! Async lock costs against tokio's own `Mutex`, in one run (the "Async
//! locks" table in `docs/performance.md` comes from here):
//!
//! `cargo bench -p lockscope-sync --features tokio --bench async_locks`
//!
//! Every row runs inside a tokio task (so the recorder names the task of
//! each event, as it does in a program) on a current-thread runtime, and
//! awaits uncontended locks. Rows: `tokio` is `tokio::sync::Mutex`;
//! `lockscope_off` is `lockscope_sync::tokio_sync::Mutex` with no trace
//! open; `lockscope_rec` records into a trace (written to /dev/null), in
//! batches of at most 3 000 events flushed outside the timed region (the
//! event push is timed, not the serialisation).

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use lockscope_sync::tokio_sync;

/// Events a recording batch may produce: below a ring's 4 096.
const EVENTS_PER_BATCH: u64 = 3_000;

/// The calling thread's CPU time.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a
    // constant Linux and the BSDs define.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(r, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
}

/// Times `op` (which records `events` events when recording) `iters`
/// times inside one task; with `recording`, in batches flushed between,
/// outside the timed region.
fn timed<F, Fut>(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    recording: bool,
    events: u64,
    op: F,
) -> Duration
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let task = rt.spawn(async move {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = if recording {
                left.min(EVENTS_PER_BATCH / events)
            } else {
                left
            };
            let start = cpu_time();
            for _ in 0..n {
                op().await;
            }
            total += cpu_time() - start;
            if recording {
                lockscope_sync::flush().expect("flush");
            }
            left -= n;
        }
        total
    });
    rt.block_on(task).expect("the timed task panicked")
}

fn recording() -> lockscope_sync::Recording {
    lockscope_sync::record_to("/dev/null").expect("record to /dev/null")
}

fn uncontended(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("async_uncontended_lock_unlock");
    let tk = Arc::new(tokio::sync::Mutex::new(0u64));
    g.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            let m = tk.clone();
            timed(&rt, iters, false, 2, move || {
                let m = m.clone();
                async move { *m.lock().await += 1 }
            })
        })
    });
    let ls = Arc::new(tokio_sync::Mutex::new(0u64));
    for (name, rec) in [("lockscope_off", false), ("lockscope_rec", true)] {
        g.bench_function(name, |b| {
            let _rec = rec.then(recording);
            b.iter_custom(|iters| {
                let m = ls.clone();
                timed(&rt, iters, rec, 2, move || {
                    let m = m.clone();
                    async move { *m.lock().await += 1 }
                })
            })
        });
    }
    g.finish();
}

fn nested_pair(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("async_nested_pair");
    let tk = Arc::new((tokio::sync::Mutex::new(0u64), tokio::sync::Mutex::new(0u64)));
    g.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            let p = tk.clone();
            timed(&rt, iters, false, 4, move || {
                let p = p.clone();
                async move {
                    let mut a = p.0.lock().await;
                    let mut b = p.1.lock().await;
                    *a += 1;
                    *b += black_box(1);
                }
            })
        })
    });
    let ls = Arc::new((tokio_sync::Mutex::new(0u64), tokio_sync::Mutex::new(0u64)));
    for (name, rec) in [("lockscope_off", false), ("lockscope_rec", true)] {
        g.bench_function(name, |b| {
            let _rec = rec.then(recording);
            b.iter_custom(|iters| {
                let p = ls.clone();
                timed(&rt, iters, rec, 4, move || {
                    let p = p.clone();
                    async move {
                        let mut a = p.0.lock().await;
                        let mut b = p.1.lock().await;
                        *a += 1;
                        *b += black_box(1);
                    }
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, uncontended, nested_pair);
criterion_main!(benches);
