//! The synchronisation the runtime itself uses, switched between std and
//! loom by the private `lockscope_loom` cfg so loom can model-check it
//! (`tests/loom_*.rs`, `.ci/loom`).
//!
//! Only the recorder's ring buffer and the primitives built on a plain mutex
//! and condvar (semaphore, event, barrier) go through this shim. The raw
//! locks (`raw/`) have a switch of their own: they are generic over a
//! parking lot, which loom checks through a model of it.

#[cfg(not(lockscope_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};

#[cfg(lockscope_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};

/// An `UnsafeCell` with loom's closure API, so the same code runs under both.
#[cfg(not(lockscope_loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(lockscope_loom))]
impl<T> UnsafeCell<T> {
    pub(crate) fn new(v: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(v))
    }

    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(lockscope_loom)]
pub(crate) use loom::cell::UnsafeCell;

/// The plain (uninstrumented) mutex and condvar the semaphore, event and
/// barrier keep their state under.
#[cfg(not(lockscope_loom))]
pub(crate) mod blocking {
    use std::time::Instant;

    pub(crate) type Mutex<T> = crate::raw::Mutex<T>;
    pub(crate) type MutexGuard<'a, T> = crate::raw::MutexGuard<'a, T>;

    #[derive(Debug, Default)]
    pub(crate) struct Condvar(crate::raw::Condvar);

    impl Condvar {
        pub(crate) const fn new() -> Self {
            Condvar(crate::raw::Condvar::new())
        }

        /// Waits until `deadline` (forever for `None`); true if it timed out.
        pub(crate) fn wait_deadline<T>(
            &self,
            g: &mut MutexGuard<'_, T>,
            deadline: Option<Instant>,
        ) -> bool {
            match deadline {
                Some(d) => self.0.wait_until(g, d).timed_out(),
                None => {
                    self.0.wait(g);
                    false
                }
            }
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock()
    }
}

#[cfg(lockscope_loom)]
pub(crate) mod blocking {
    use std::time::Instant;

    pub(crate) type Mutex<T> = loom::sync::Mutex<T>;
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    /// loom's condvar has no timeouts: a timed wait is modelled as an
    /// untimed one (loom explores the interleavings, not the clock).
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait_deadline<T>(
            &self,
            g: &mut MutexGuard<'_, T>,
            _deadline: Option<Instant>,
        ) -> bool {
            take_mut(g, |g| self.0.wait(g).unwrap());
            false
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    /// Replaces `*slot` by `f(*slot)`; aborts if `f` unwinds (the slot
    /// would otherwise be read twice).
    fn take_mut<T>(slot: &mut T, f: impl FnOnce(T) -> T) {
        struct Abort;
        impl Drop for Abort {
            fn drop(&mut self) {
                std::process::abort();
            }
        }
        let bomb = Abort;
        // SAFETY: the value is read out once and a new one written back
        // before anyone can observe the slot; `bomb` aborts on unwind.
        unsafe {
            let old = std::ptr::read(slot);
            std::ptr::write(slot, f(old));
        }
        std::mem::forget(bomb);
    }

    pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock().unwrap()
    }
}
