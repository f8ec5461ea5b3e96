//! Two tasks transfer money between two accounts guarded by async mutexes,
//! in opposite orders: `alice -> bob` locks alice then bob, `bob -> alice`
//! bob then alice.
//!
//! `cargo run --features tokio --example async_transfer`: the lucky
//! schedule. Both tasks start at once, but the second waits 100 ms before
//! its transfer, so the first is done by then; nothing hangs. The learned
//! lock order reports the inversion between the two tasks on stderr as the
//! second task takes it (a potential deadlock, lockdep's report with both
//! tasks' lock sites), and `lockscope analyze` reports it from the trace
//! and fails its gate on it.
//!
//! `cargo run --features tokio --example async_transfer -- hang`: the
//! schedules line up (each task holds its first account when the other
//! asks for it). Both tasks pend forever on each other's lock; no thread is
//! blocked, the runtime goes on. The learned order reports the inversion
//! as the second request is made, and the watchdog reports the two pending
//! tasks on stderr within a fraction of a second (lockdep's report, as for
//! threads) and lets the program go on. The program gives up waiting after
//! a second, and the trace ends with the two pending tasks, which
//! `lockscope analyze` reports as a deadlock.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::record_default;
use lockscope::sync::tokio_sync::{self, Mutex};
use tokio::sync::Barrier;

type Account = Arc<Mutex<i64>>;

/// How the two transfers are timed.
#[derive(Clone)]
enum Timing {
    /// The second transfer waits this long first.
    Late(Duration),
    /// Both hold their first account before asking for the second.
    Together(Arc<Barrier>),
}

/// Moves `amount` from `from` to `to`.
async fn transfer(from: Account, to: Account, amount: i64, timing: Timing) {
    if let Timing::Late(delay) = timing {
        tokio::time::sleep(delay).await;
    }
    let mut source = from.lock().await;
    if let Timing::Together(both) = timing {
        both.wait().await;
    }
    let mut target = to.lock().await;
    *source -= amount;
    *target += amount;
}

fn main() -> std::io::Result<()> {
    let hang = std::env::args().nth(1).as_deref() == Some("hang");
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/async_transfer.jsonl"
    ))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()?;
    let alice: Account = Arc::new(Mutex::named("alice", 100));
    let bob: Account = Arc::new(Mutex::named("bob", 100));
    let (first_timing, second_timing) = if hang {
        let both = Timing::Together(Arc::new(Barrier::new(2)));
        (both.clone(), both)
    } else {
        (
            Timing::Late(Duration::ZERO),
            Timing::Late(Duration::from_millis(100)),
        )
    };
    let done = rt.block_on(async {
        let first = tokio_sync::spawn_named(
            "alice -> bob",
            transfer(alice.clone(), bob.clone(), 10, first_timing),
        );
        let second = tokio_sync::spawn_named(
            "bob -> alice",
            transfer(bob.clone(), alice.clone(), 5, second_timing),
        );
        tokio::time::timeout(Duration::from_secs(1), async {
            first.await.expect("the first transfer panicked");
            second.await.expect("the second transfer panicked");
        })
        .await
    });
    match done {
        Ok(()) => println!("both transfers done: no deadlock this time"),
        Err(_) => println!("both transfers are still pending after 1 s: an async deadlock"),
    }
    // Finish the trace while the tasks are still pending (dropping the
    // runtime cancels them).
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
