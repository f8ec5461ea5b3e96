//! lockscope: a deadlock and race detector for Rust with a lock-order checker.
//!
//! This facade re-exports the two libraries so a program under test adds one
//! dependency:
//!
//! - [`sync`]: drop-in instrumented locks and primitives that record a trace
//!   and check lock order live (`lockscope-sync`).
//! - [`detector`]: the trace format, its readers and writers, and every
//!   offline analysis (`lockscope-detector`).
//!
//! The `lockscope` command-line tool (crate `lockscope-cli`) analyzes traces.

pub use lockscope_detector as detector;
pub use lockscope_sync as sync;

/// With `default-features = false` the facade's locks are lock_api's types
/// over lockscope's uninstrumented raw locks, and record nothing (`cargo
/// test -p lockscope --no-default-features --lib`, run by CI).
#[cfg(all(test, not(feature = "record")))]
mod record_off {
    use crate::sync::{RawCondvar, RawMutex, RawRwLock, RawThreadId};

    /// Compiles only if `value` has type `T`.
    fn is<T>(_value: &T) {}

    #[test]
    fn the_facades_locks_are_lock_api_types_over_the_raw_locks() {
        let m = crate::sync::Mutex::new(1);
        is::<lock_api::Mutex<RawMutex, u32>>(&m);
        let r = crate::sync::RwLock::new(2);
        is::<lock_api::RwLock<RawRwLock, u32>>(&r);
        let re = crate::sync::ReentrantMutex::new(3);
        is::<lock_api::ReentrantMutex<RawMutex, RawThreadId, u32>>(&re);
        let c = crate::sync::Condvar::new();
        is::<lock_api::Condvar<RawCondvar>>(&c);
        assert_eq!(*m.lock() + *r.read() + *re.lock(), 6);
        c.notify_all();
    }

    #[test]
    fn the_facades_locks_record_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let rec = crate::sync::record_to(dir.path().join("t.jsonl")).unwrap();
        let m = crate::sync::Mutex::new(0);
        *m.lock() += 1;
        *crate::sync::RwLock::new(0).write() += 1;
        assert_eq!(rec.finish().unwrap().events, 0);
    }
}
