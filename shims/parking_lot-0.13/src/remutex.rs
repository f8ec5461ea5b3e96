//! `ReentrantMutex`: lock_api 0.5's reentrant mutex over lockscope's raw
//! mutex, with parking_lot's thread id.
//!
//! # Limitations
//! lock_api 0.5 takes the raw mutex inside a closure, so the outermost
//! acquisition is recorded at lock_api's line, not the caller's;
//! re-entries are not recorded.

use std::num::NonZeroUsize;

use lockscope_sync::RawMutex;

/// parking_lot's thread id for reentrant mutexes: the address of a
/// thread-local variable.
#[derive(Debug)]
pub struct RawThreadId;

// SAFETY: a thread-local variable's address is unique among live threads and
// non-zero (the variable has a non-zero size).
unsafe impl lock_api::GetThreadId for RawThreadId {
    const INIT: RawThreadId = RawThreadId;

    fn nonzero_thread_id(&self) -> NonZeroUsize {
        thread_local!(static KEY: u8 = const { 0 });
        KEY.with(|x| {
            NonZeroUsize::new(x as *const _ as usize)
                .expect("thread-local variable address is null")
        })
    }
}

/// A mutex its owner may lock again, recorded at its outermost acquisition.
pub type ReentrantMutex<T> = lock_api::ReentrantMutex<RawMutex, RawThreadId, T>;
/// A held [`ReentrantMutex`].
pub type ReentrantMutexGuard<'a, T> = lock_api::ReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;
/// A [`ReentrantMutexGuard`] mapped to a part of the value.
pub type MappedReentrantMutexGuard<'a, T> =
    lock_api::MappedReentrantMutexGuard<'a, RawMutex, RawThreadId, T>;
