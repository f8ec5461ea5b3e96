//! The thread id `lock_api::ReentrantMutex` asks for: the address of a
//! thread-local byte, non-zero and unique among live threads (a thread's
//! locals outlive every lock it holds).

use std::num::NonZeroUsize;

/// The current thread's id for [`ReentrantMutex`](super::ReentrantMutex).
#[derive(Debug)]
pub struct RawThreadId;

// SAFETY: each live thread has its own `KEY`, at an address no other live
// thread's `KEY` has; the address of a `static` thread-local is never 0.
unsafe impl lock_api::GetThreadId for RawThreadId {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawThreadId;

    #[inline]
    fn nonzero_thread_id(&self) -> NonZeroUsize {
        // `const` and without `Drop`: readable for the whole life of the
        // thread, its thread-local destructors included.
        thread_local!(static KEY: u8 = const { 0 });
        let addr = KEY.with(|key| std::ptr::from_ref(key).addr());
        NonZeroUsize::new(addr).expect("a thread-local's address is not 0")
    }
}
