//! The same test bodies, compiled once against `std::sync` and once
//! against `lockscope_sync::stdsync` (only the `use` line differs), write
//! down what they observe step by step: poisoning and its recovery, every
//! `try_*` outcome, the condvar's results on a poisoned mutex, `Debug`
//! text, panic messages. The two transcripts must be equal.

// std's API as the toolchain that builds this has it: `downgrade` (1.92)
// and `LazyLock::get` (1.94) are newer than the crate's MSRV.
#![allow(clippy::incompatible_msrv)]

use std::panic;

macro_rules! scenarios {
    ($($sync:ident)::+) => {
        use std::panic::AssertUnwindSafe;
        use std::thread;
        use std::time::Duration;

        use $($sync)::+::{
            Arc, Barrier, Condvar, LazyLock, Mutex, OnceLock, RwLock, RwLockWriteGuard,
            TryLockError,
        };

        /// What a `try_*` returned, in words.
        fn outcome<G, E: std::fmt::Debug>(r: Result<G, TryLockError<E>>) -> String {
            match r {
                Ok(_) => "ok".into(),
                Err(TryLockError::WouldBlock) => "would block".into(),
                Err(TryLockError::Poisoned(e)) => format!("poisoned {:?}", e.get_ref()),
            }
        }

        /// Panics while holding a lock, with the closure given the guard.
        fn panic_holding<G>(take: impl FnOnce() -> G + std::panic::UnwindSafe) -> bool {
            std::panic::catch_unwind(move || {
                let _guard = take();
                panic!("poisoning on purpose");
            })
            .is_err()
        }

        pub fn mutex_poisoning() -> Vec<String> {
            let mut log = Vec::new();
            let m = Mutex::new(vec![1]);
            log.push(format!("{m:?} {}", m.is_poisoned()));
            let held = m.lock().unwrap();
            log.push(format!("{m:?} {}", outcome(m.try_lock())));
            drop(held);
            // `&Mutex` is `UnwindSafe`, as std's.
            log.push(format!("panicked: {}", panic_holding(|| m.lock().unwrap())));
            log.push(format!("{m:?} {}", m.is_poisoned()));
            log.push(format!("{}", outcome(m.try_lock())));
            let mut recovered = m.lock().unwrap_err().into_inner();
            recovered.push(2);
            log.push(format!("{recovered:?} {recovered:?}"));
            drop(recovered);
            log.push(format!("{}", m.lock().unwrap_err()));
            m.clear_poison();
            log.push(format!("{m:?} {}", outcome(m.try_lock())));
            // A lock taken by a thread that is already panicking does not
            // poison.
            struct LockInDrop<'a>(&'a Mutex<Vec<i32>>);
            impl Drop for LockInDrop<'_> {
                fn drop(&mut self) {
                    self.0.lock().unwrap().push(3);
                }
            }
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
                let _d = LockInDrop(&m);
                panic!("unwinding");
            }));
            log.push(format!("{} {m:?}", r.is_err()));
            // A guard taken before the panic, dropped during it, poisons.
            let m = Arc::new(m);
            let m2 = Arc::clone(&m);
            let joined = thread::spawn(move || {
                let mut g = m2.lock().unwrap();
                g.push(4);
                panic!("poisoning from a thread");
            })
            .join();
            log.push(format!("{} {m:?}", joined.is_err()));
            let mut m = Arc::try_unwrap(m).unwrap();
            log.push(format!("{:?}", m.get_mut().map(|v| v.len()).map_err(|e| e.to_string())));
            log.push(format!("{:?}", m.into_inner().map_err(|e| e.into_inner())));
            log
        }

        pub fn rwlock_poisoning() -> Vec<String> {
            let mut log = Vec::new();
            let l = RwLock::new(1);
            let r = l.read().unwrap();
            log.push(format!("{l:?} {} {}", outcome(l.try_read()), outcome(l.try_write())));
            drop(r);
            let w = l.write().unwrap();
            log.push(format!("{l:?} {} {}", outcome(l.try_read()), outcome(l.try_write())));
            drop(w);
            log.push(format!("reader panicked: {}", panic_holding(|| l.read().unwrap())));
            log.push(format!("{l:?}"));
            log.push(format!("writer panicked: {}", panic_holding(|| l.write().unwrap())));
            log.push(format!("{l:?} {} {}", outcome(l.try_read()), outcome(l.try_write())));
            let read_poisoned = l.read().is_err();
            let write_poisoned = l.write().is_err();
            log.push(format!("{read_poisoned} {write_poisoned}"));
            l.clear_poison();
            // A write guard downgraded while its thread panics does not
            // poison.
            struct DowngradeInDrop<'a>(Option<RwLockWriteGuard<'a, i32>>);
            impl Drop for DowngradeInDrop<'_> {
                fn drop(&mut self) {
                    if let Some(w) = self.0.take() {
                        drop(RwLockWriteGuard::downgrade(w));
                    }
                }
            }
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
                let _d = DowngradeInDrop(Some(l.write().unwrap()));
                panic!("unwinding");
            }));
            log.push(format!("{} {l:?}", r.is_err()));
            let w = l.write().unwrap();
            let r = RwLockWriteGuard::downgrade(w);
            log.push(format!("{r} {l:?} {}", outcome(l.try_write())));
            log
        }

        pub fn condvar_on_a_poisoned_mutex() -> Vec<String> {
            let mut log = Vec::new();
            let m = Mutex::new(0);
            let c = Condvar::new();
            log.push(format!("{c:?}"));
            panic_holding(|| m.lock().unwrap());
            let g = m.lock().unwrap_err().into_inner();
            // The condition is false at once: no wait, no error.
            let g = match c.wait_while(g, |_| false) {
                Ok(g) => {
                    log.push("wait_while: ok".into());
                    g
                }
                Err(e) => {
                    log.push("wait_while: poisoned".into());
                    e.into_inner()
                }
            };
            let ms = Duration::from_millis(5);
            let g = match c.wait_timeout_while(g, ms, |_| false) {
                Ok((g, r)) => {
                    log.push(format!("wait_timeout_while false: ok {r:?}"));
                    g
                }
                Err(e) => {
                    log.push("wait_timeout_while false: poisoned".into());
                    e.into_inner().0
                }
            };
            let (g, r) = c.wait_timeout_while(g, ms, |_| true).unwrap_err().into_inner();
            log.push(format!("wait_timeout_while true: poisoned {r:?}"));
            let (g, r) = c.wait_timeout(g, ms).unwrap_err().into_inner();
            log.push(format!("wait_timeout: poisoned, timed out {}", r.timed_out()));
            #[allow(deprecated)]
            let (g, in_time) = c.wait_timeout_ms(g, 5).unwrap_err().into_inner();
            log.push(format!("wait_timeout_ms: poisoned, in time {in_time}"));
            m.clear_poison();
            let (g, r) = c.wait_timeout_while(g, ms, |_| true).unwrap();
            log.push(format!("wait_timeout_while true: ok {r:?} {g:?}"));
            log
        }

        pub fn barrier_once_lock_lazy_lock() -> Vec<String> {
            let mut log = Vec::new();
            let b = Barrier::new(0);
            log.push(format!("{b:?} {:?}", b.wait()));
            let cell = OnceLock::new();
            log.push(format!("{cell:?} {:?}", cell.get()));
            let r = std::panic::catch_unwind(|| cell.get_or_init(|| panic!("no value")));
            log.push(format!("{} {cell:?}", r.is_err()));
            log.push(format!("{:?} {:?} {cell:?}", cell.set(1), cell.set(2)));
            log.push(format!("{:?} {}", cell.clone(), cell == OnceLock::from(1)));
            let lazy: LazyLock<u8> = LazyLock::new(|| panic!("no value"));
            log.push(format!("{lazy:?}"));
            for _ in 0..2 {
                let e = std::panic::catch_unwind(AssertUnwindSafe(|| *lazy)).unwrap_err();
                let text = e
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| e.downcast_ref::<String>().cloned());
                log.push(format!("{text:?} {:?} {lazy:?}", LazyLock::get(&lazy)));
            }
            let lazy = LazyLock::new(|| 9);
            log.push(format!("{lazy:?} {} {lazy:?}", *lazy));
            log
        }
    };
}

mod on_std {
    scenarios!(std::sync);
}

mod on_stdsync {
    scenarios!(lockscope_sync::stdsync);
}

/// Runs one scenario on both and compares the transcripts; panics inside
/// the scenarios are on purpose, and kept off the test output.
fn same(std_run: fn() -> Vec<String>, ours_run: fn() -> Vec<String>) {
    let (std_log, our_log) = quiet_panics(|| (std_run(), ours_run()));
    assert!(std_log.len() > 3, "{std_log:#?}");
    assert_eq!(std_log, our_log);
}

fn quiet_panics<R>(f: impl FnOnce() -> R) -> R {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let text = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| info.payload().downcast_ref::<String>().map(|s| s.as_str()))
                .unwrap_or_default();
            let on_purpose = [
                "poisoning",
                "unwinding",
                "no value",
                "previously been poisoned",
            ];
            if !on_purpose.iter().any(|p| text.contains(p)) {
                default(info);
            }
        }));
    });
    f()
}

#[test]
fn mutex_poisoning_and_recovery() {
    same(on_std::mutex_poisoning, on_stdsync::mutex_poisoning);
}

#[test]
fn rwlock_poisoning_and_downgrade() {
    same(on_std::rwlock_poisoning, on_stdsync::rwlock_poisoning);
}

#[test]
fn condvar_waits_on_a_poisoned_mutex() {
    same(
        on_std::condvar_on_a_poisoned_mutex,
        on_stdsync::condvar_on_a_poisoned_mutex,
    );
}

#[test]
fn barrier_once_lock_and_lazy_lock() {
    same(
        on_std::barrier_once_lock_lazy_lock,
        on_stdsync::barrier_once_lock_lazy_lock,
    );
}
