//! `stdsync::Barrier`: the examples of std's `Barrier` documentation,
//! written against `stdsync` (they run with and without the `record`
//! feature), and what a wait records.

#[cfg(feature = "record")]
mod stdsync_support;
#[cfg(feature = "record")]
mod support;

use std::thread;

use lockscope_sync::stdsync::{Barrier, Mutex};

#[test]
fn ten_threads_all_arrive_before_any_leaves_and_one_leads() {
    let n = 10;
    let barrier = Barrier::new(n);
    let log = Mutex::new(Vec::new());
    let leaders = thread::scope(|s| {
        let threads: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    log.lock().unwrap().push("before wait");
                    let r = barrier.wait();
                    log.lock().unwrap().push("after wait");
                    r.is_leader()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|&leader| leader)
            .count()
    });
    assert_eq!(leaders, 1);
    let log = log.into_inner().unwrap();
    let (before, after) = log.split_at(n);
    assert!(before.iter().all(|m| *m == "before wait"), "{log:?}");
    assert!(after.iter().all(|m| *m == "after wait"), "{log:?}");
}

#[test]
fn a_barrier_of_one_never_blocks_and_its_waiter_leads() {
    let barrier = Barrier::new(1);
    let result = barrier.wait();
    assert!(result.is_leader());
    assert_eq!(
        format!("{result:?}"),
        "BarrierWaitResult { is_leader: true }"
    );
    assert_eq!(format!("{barrier:?}"), "Barrier { .. }");
    // `0` acts as `1`, as std's does.
    assert!(Barrier::new(0).wait().is_leader());
}

#[test]
fn a_const_barrier_is_reusable_generation_after_generation() {
    static TWO: Barrier = Barrier::new(2);
    for _ in 0..3 {
        let leaders = thread::scope(|s| {
            let other = s.spawn(|| TWO.wait().is_leader());
            usize::from(TWO.wait().is_leader()) + usize::from(other.join().unwrap())
        });
        assert_eq!(leaders, 1);
    }
}

#[cfg(feature = "record")]
mod recorded {
    use super::{stdsync_support, support};
    use lockscope_sync::stdsync::Barrier;

    #[test]
    fn a_wait_is_recorded_at_the_callers_line() {
        let barrier = Barrier::new(1);
        let (line, t) = support::record(|| {
            let line = line!() + 1;
            barrier.wait();
            line
        });
        let names: Vec<_> = stdsync_support::thread_of_line(&t, line)
            .into_iter()
            .map(|e| (e.kind.type_name(), t.site_line(e)))
            .filter(|(name, _)| name.starts_with("barrier"))
            .collect();
        assert_eq!(
            names,
            [("barrier_wait", Some(line)), ("barrier_passed", Some(line))]
        );
    }
}
