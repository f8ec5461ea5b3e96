//! `stdsync::Mutex`: the examples of std's `Mutex`, `PoisonError` and
//! `TryLockError` documentation, written against `stdsync` (they run with
//! and without the `record` feature), and what a lock records.

#[cfg(feature = "record")]
mod stdsync_support;
#[cfg(feature = "record")]
mod support;

use std::collections::HashSet;
use std::thread;

use lockscope_sync::stdsync::{mpsc, Arc, Mutex, PoisonError, TryLockError};

/// Runs `f` on a thread that panics while `f`'s guard is held, and waits
/// for it: the way std's examples poison a lock.
fn panic_holding<T: Send + 'static>(m: &Arc<Mutex<T>>, f: impl FnOnce(&mut T) + Send + 'static) {
    let m = Arc::clone(m);
    let joined = thread::spawn(move || {
        let mut guard = m.lock().unwrap();
        f(&mut guard);
        panic!("poisoning the mutex on purpose");
    })
    .join();
    assert!(joined.is_err());
}

#[test]
fn counter_shared_by_ten_threads_signals_when_all_have_counted() {
    const N: usize = 10;
    let count = Arc::new(Mutex::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..N {
        let (count, done_tx) = (Arc::clone(&count), done_tx.clone());
        thread::spawn(move || {
            let mut n = count.lock().unwrap();
            *n += 1;
            if *n == N {
                done_tx.send(()).unwrap();
            }
        });
    }
    done_rx.recv().unwrap();
    assert_eq!(*count.lock().unwrap(), N);
}

#[test]
fn a_poisoned_lock_still_hands_out_its_guard() {
    let m = Arc::new(Mutex::new(0_u32));
    panic_holding(&m, |_| {});
    let mut guard = match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    *guard += 1;
    assert_eq!(*guard, 1);
}

#[test]
fn guards_released_early_by_scope_or_drop_let_the_others_work() {
    const N: usize = 3;
    let items = Arc::new(Mutex::new(vec![1, 2, 3, 4]));
    let total = Arc::new(Mutex::new(0));
    let workers: Vec<_> = (0..N)
        .map(|_| {
            let (items, total) = (Arc::clone(&items), Arc::clone(&total));
            thread::spawn(move || {
                let doubled_sum = {
                    let mut items = items.lock().unwrap();
                    let s = items.iter().fold(0, |acc, x| acc + x * 2);
                    items.push(s);
                    s
                };
                *total.lock().unwrap() += doubled_sum;
            })
        })
        .collect();
    let mut mine = items.lock().unwrap();
    let s = mine.iter().fold(0, |acc, x| acc + x * 2);
    mine.push(s);
    drop(mine);
    *total.lock().unwrap() += s;
    for w in workers {
        w.join().unwrap();
    }
    // 20, 60, 180, 540 in whatever order the four got the lock.
    assert_eq!(*total.lock().unwrap(), 800);
}

#[test]
fn lock_from_another_thread_then_read_here() {
    let m = Arc::new(Mutex::new(0));
    let m2 = Arc::clone(&m);
    thread::spawn(move || *m2.lock().unwrap() = 10)
        .join()
        .unwrap();
    assert_eq!(*m.lock().unwrap(), 10);
}

#[test]
fn try_lock_succeeds_on_a_free_mutex_and_would_block_on_a_held_one() {
    let m = Arc::new(Mutex::new(0));
    let m2 = Arc::clone(&m);
    thread::spawn(move || {
        if let Ok(ref mut n) = m2.try_lock() {
            **n = 10;
        } else {
            panic!("the mutex is free");
        }
    })
    .join()
    .unwrap();
    assert_eq!(*m.lock().unwrap(), 10);
    let held = m.lock().unwrap();
    assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
    drop(held);
}

#[test]
fn is_poisoned_after_a_panic_and_clear_poison_recovers() {
    let m = Arc::new(Mutex::new(0));
    assert!(!m.is_poisoned());
    panic_holding(&m, |_| {});
    assert!(m.is_poisoned());
    let fixed = m.lock().unwrap_or_else(|mut e| {
        **e.get_mut() = 1;
        m.clear_poison();
        e.into_inner()
    });
    assert!(!m.is_poisoned());
    assert_eq!(*fixed, 1);
}

#[test]
fn try_lock_on_a_poisoned_mutex_is_poisoned_with_the_guard() {
    let m = Arc::new(Mutex::new(5));
    panic_holding(&m, |n| *n = 6);
    match m.try_lock() {
        Err(TryLockError::Poisoned(e)) => assert_eq!(**e.get_ref(), 6),
        _ => panic!("expected Poisoned"),
    };
}

#[test]
fn into_inner_and_get_mut_without_locking() {
    let m = Mutex::new(0);
    assert_eq!(m.into_inner().unwrap(), 0);
    let mut m = Mutex::new(0);
    *m.get_mut().unwrap() = 10;
    assert_eq!(*m.lock().unwrap(), 10);
}

#[test]
fn into_inner_and_get_mut_of_a_poisoned_mutex_are_errors_with_the_data() {
    let m = Arc::new(Mutex::new(String::from("a")));
    panic_holding(&m, |s| s.push('b'));
    let mut m = Arc::try_unwrap(m).unwrap();
    assert_eq!(m.get_mut().unwrap_err().into_inner(), "ab");
    assert_eq!(m.into_inner().unwrap_err().into_inner(), "ab");
}

#[test]
fn poison_error_get_ref_shows_what_the_panicking_thread_wrote() {
    let m = Arc::new(Mutex::new(1));
    panic_holding(&m, |n| *n = 2);
    match m.lock() {
        Ok(_) => panic!("the mutex is poisoned"),
        Err(e) => assert_eq!(**e.get_ref(), 2),
    };
}

#[test]
fn poison_error_into_inner_recovers_the_items() {
    let m = Arc::new(Mutex::new(HashSet::new()));
    panic_holding(&m, |set| {
        set.insert(10);
    });
    let e = m.lock().unwrap_err();
    let set = e.into_inner();
    assert_eq!(set.len(), 1);
}

#[test]
fn try_lock_error_converts_from_poison_error_and_prints_as_std() {
    let m = Arc::new(Mutex::new(()));
    panic_holding(&m, |_| {});
    let e: TryLockError<_> = m.lock().unwrap_err().into();
    assert!(matches!(e, TryLockError::Poisoned(_)));
    assert_eq!(e.to_string(), "poisoned lock: another task failed inside");
    let held = m.try_lock();
    let would_block = m.try_lock().err().unwrap();
    assert_eq!(
        would_block.to_string(),
        "try_lock failed because the operation would block"
    );
    drop(held);
    let p: PoisonError<u8> = PoisonError::new(3);
    assert_eq!(p.into_inner(), 3);
}

#[test]
fn new_is_const_and_default_and_from_build_unlocked_mutexes() {
    static HITS: Mutex<u32> = Mutex::new(0);
    *HITS.lock().unwrap() += 1;
    assert!(*HITS.lock().unwrap() >= 1);
    let d: Mutex<Vec<u8>> = Mutex::default();
    assert!(d.lock().unwrap().is_empty());
    let f = Mutex::from(7);
    assert_eq!(*f.lock().unwrap(), 7);
}

#[test]
fn debug_shows_data_locked_and_poisoned_like_std() {
    let m = Arc::new(Mutex::new(1));
    assert_eq!(format!("{m:?}"), "Mutex { data: 1, poisoned: false, .. }");
    let g = m.lock().unwrap();
    assert_eq!(
        format!("{m:?}"),
        "Mutex { data: \"<locked>\", poisoned: false, .. }"
    );
    assert_eq!(format!("{g:?} {g}"), "1 1");
    drop(g);
    panic_holding(&m, |n| *n = 2);
    assert_eq!(format!("{m:?}"), "Mutex { data: 2, poisoned: true, .. }");
}

#[test]
fn a_lock_taken_while_already_panicking_does_not_poison() {
    struct LockOnDrop<'a>(&'a Mutex<u8>);
    impl Drop for LockOnDrop<'_> {
        fn drop(&mut self) {
            *self.0.lock().unwrap() += 1;
        }
    }
    let m = Mutex::new(0);
    let r = std::panic::catch_unwind(|| {
        let _d = LockOnDrop(&m);
        panic!("unwinding through a drop that locks");
    });
    assert!(r.is_err());
    assert!(!m.is_poisoned());
    assert_eq!(*m.lock().unwrap(), 1);
}

#[test]
fn unsized_data_behind_an_arc() {
    let m: Arc<Mutex<[u8]>> = Arc::new(Mutex::new([1, 2, 3]));
    m.lock().unwrap()[0] = 9;
    assert_eq!(&*m.lock().unwrap(), &[9, 2, 3]);
}

/// What a lock records: the user's line for `lock` and `try_lock`.
#[cfg(feature = "record")]
mod recorded {
    use super::{stdsync_support, support};
    use lockscope_detector::trace::{EventKind, LockMode};
    use lockscope_sync::stdsync::Mutex;

    #[test]
    fn lock_and_try_lock_are_recorded_at_the_callers_line() {
        let m = Mutex::new(0);
        let (lines, t) = support::record(|| {
            let first = line!() + 1;
            *m.lock().unwrap() += 1;
            let second = line!() + 1;
            let g = m.try_lock().unwrap();
            drop(g);
            [first, second]
        });
        let acquired: Vec<_> = stdsync_support::thread_of_line(&t, lines[0])
            .into_iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::Acquired {
                        mode: LockMode::Exclusive,
                        ..
                    }
                )
            })
            .collect();
        assert_eq!(acquired.len(), 2, "{:?}", t.events);
        for (e, line) in acquired.iter().zip(lines) {
            assert_eq!(t.site_line(e), Some(line));
            match t.meta.site(e.site.unwrap()) {
                lockscope_detector::trace::Site::Source { file, .. } => {
                    assert!(file.ends_with("stdsync_mutex.rs"), "{file}")
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(t.count(acquired[0].kind.obj().unwrap(), "released"), 2);
    }
}
