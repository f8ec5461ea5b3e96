//! A blocking lock held across an `.await`: a task takes a
//! `lockscope::sync::stdsync::Mutex` guard, then awaits a timer while
//! holding it. Meanwhile another task runs on the same thread. Had it taken
//! the same lock, it would have blocked the thread, and with it the task
//! that holds the lock: the whole runtime hangs. `lockscope analyze`
//! reports `held_across_await`, with the lock, where it was taken and the
//! task that ran on the thread while it was held. The tasks are spawned
//! with lockscope's `spawn_local`, which sees each poll end: the live check
//! reports the yield on stderr as it happens (a plain
//! `tokio::task::spawn_local` leaves it to the trace's analysis).
//!
//! `cargo run --features tokio --example guard_across_await`, then
//! `lockscope analyze target/lockscope-traces/guard_across_await.jsonl`.
//! With `-- fixed`, the guard is dropped before the `.await`: no finding.
//!
//! A blocking guard is not `Send`, so the tasks are local tasks
//! (`spawn_local` on a `LocalSet`): `tokio::spawn` would refuse a future
//! holding one across an await.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::record_default;
use lockscope::sync::stdsync::Mutex;
use lockscope::sync::tokio_sync::spawn_local;
use tokio::task::LocalSet;

/// Takes a request from the cache, then waits for the network.
async fn refresh(cache: Arc<Mutex<Vec<u32>>>, fixed: bool) {
    let mut entries = cache.lock().unwrap();
    entries.push(1);
    if fixed {
        drop(entries);
        tokio::time::sleep(Duration::from_millis(20)).await;
    } else {
        tokio::time::sleep(Duration::from_millis(20)).await;
        entries.push(2);
    }
}

fn main() -> std::io::Result<()> {
    let fixed = std::env::args().nth(1).as_deref() == Some("fixed");
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/guard_across_await.jsonl"
    ))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let cache = Arc::new(Mutex::new(Vec::new()));
    let stats = Arc::new(Mutex::new(0u64));
    LocalSet::new().block_on(&rt, async {
        let refresher = spawn_local(refresh(cache.clone(), fixed));
        let counter = spawn_local({
            let stats = stats.clone();
            async move { *stats.lock().unwrap() += 1 }
        });
        counter.await.expect("the counter panicked");
        refresher.await.expect("the refresher panicked");
    });
    println!("cache: {:?}", cache.lock().unwrap());
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
