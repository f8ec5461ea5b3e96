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

/// With `default-features = false` the facade's locks are parking_lot's own
/// types (`cargo test -p lockscope --no-default-features --lib`, run by CI).
#[cfg(all(test, not(feature = "record")))]
mod record_off {
    #[test]
    fn the_facades_locks_are_parking_lots_types() {
        let m: parking_lot::Mutex<u32> = crate::sync::Mutex::new(1);
        let r: parking_lot::RwLock<u32> = crate::sync::RwLock::new(2);
        let c: parking_lot::Condvar = crate::sync::Condvar::new();
        assert_eq!(*m.lock() + *r.read(), 3);
        c.notify_all();
    }
}
