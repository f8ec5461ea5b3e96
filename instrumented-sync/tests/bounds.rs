//! `Send`/`Sync` as parking_lot has them, checked when compiling: the locks
//! and primitives can be shared between threads, and a reentrant mutex's
//! guards (a level belongs to the thread that took it) cannot move to
//! another thread.

#![cfg(feature = "record")]

use std::cell::Cell;

use lockscope_sync::{
    ArcReentrantMutexGuard, Barrier, Condvar, Event, MappedReentrantMutexGuard, Mutex,
    ReentrantMutex, ReentrantMutexGuard, RwLock, Semaphore, Tracked,
};

fn send_and_sync<T: Send + Sync + ?Sized>() {}

/// Fails to compile if `$t` is `Send`: with `Send` both impls apply and
/// the call is ambiguous (the technique of the static_assertions crate).
macro_rules! assert_not_send {
    ($t:ty) => {{
        trait AmbiguousIfSend<A> {
            fn check() {}
        }
        impl<T: ?Sized> AmbiguousIfSend<()> for T {}
        #[allow(dead_code)]
        struct Invalid;
        impl<T: ?Sized + Send> AmbiguousIfSend<Invalid> for T {}
        <$t as AmbiguousIfSend<_>>::check();
    }};
}

#[test]
fn locks_and_primitives_are_shared_between_threads() {
    send_and_sync::<Mutex<Vec<u8>>>();
    send_and_sync::<RwLock<Vec<u8>>>();
    // As parking_lot's: only `Send` is asked of the value.
    send_and_sync::<ReentrantMutex<Cell<u8>>>();
    send_and_sync::<Condvar>();
    send_and_sync::<Semaphore>();
    send_and_sync::<Event>();
    send_and_sync::<Barrier>();
    send_and_sync::<Tracked<u64>>();
}

#[test]
fn an_arc_guard_is_shared_as_lock_apis_is() {
    sync_only::<ArcReentrantMutexGuard<Vec<u8>>>();
}

fn sync_only<T: Sync + ?Sized>() {}

#[test]
fn reentrant_guards_stay_on_their_thread() {
    assert_not_send!(ReentrantMutexGuard<'static, u8>);
    assert_not_send!(MappedReentrantMutexGuard<'static, u8>);
    assert_not_send!(ArcReentrantMutexGuard<u8>);
}
