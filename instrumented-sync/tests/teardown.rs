//! The recorder keeps recording while a thread's thread-locals are torn
//! down: a lock taken in a thread-local's destructor, after lockscope's own
//! per-thread state is gone, still reaches the trace.

#![cfg(feature = "record")]

mod support;

use lockscope_sync::prelude::*;
use lockscope_sync::Mutex;

static LOCKED_IN_TEARDOWN: Mutex<u32> = Mutex::new(0);

/// Takes [`LOCKED_IN_TEARDOWN`] when dropped.
struct LocksOnDrop;

impl Drop for LocksOnDrop {
    fn drop(&mut self) {
        *LOCKED_IN_TEARDOWN.lock() += 1;
    }
}

thread_local! {
    static LOCKS_ON_DROP: LocksOnDrop = const { LocksOnDrop };
}

#[test]
fn a_lock_taken_in_a_thread_local_destructor_is_recorded() {
    let id = LOCKED_IN_TEARDOWN.identity().id();
    let (_, t) = support::record(|| {
        std::thread::spawn(|| {
            // Registered first, so destroyed last (destructors run in
            // reverse order): after lockscope's own thread-locals, which the
            // lock below creates.
            LOCKS_ON_DROP.with(|_| ());
            *LOCKED_IN_TEARDOWN.lock() += 1;
        })
        .join()
        .unwrap();
    });
    assert_eq!(*LOCKED_IN_TEARDOWN.lock(), 2);
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "acquired"), 2, "{:?}", t.of(obj));
    assert_eq!(t.count(obj, "released"), 2, "{:?}", t.of(obj));
    support::assert_legal(&t);
}
