//! `Once` and `OnceState` with parking_lot 0.13's API; the initialisation
//! is a recorded critical section.
//!
//! A thread that runs the closure, or waits for another thread running it,
//! takes the `Once`'s lock (a lockscope [`Mutex`](lockscope_sync::Mutex))
//! at its caller's line and holds it while the closure runs. So a thread
//! that waits for an initialisation is a blocked lock acquisition that the
//! trace, the lock-order check and the watchdog see: an initialiser that
//! takes lock `L` while a holder of `L` calls `call_once` is a lock-order
//! inversion, and their deadlock a wait-for cycle. A completed `Once` is
//! one atomic load, nothing recorded.
//!
//! # Panics
//! As parking_lot's: `call_once` and `wait` on a poisoned `Once` (whose
//! closure panicked) panic; `call_once_force` runs its closure again.

use std::sync::atomic::{AtomicU8, Ordering};

/// The state of a [`Once`].
#[derive(Copy, Clone, Eq, PartialEq, Debug)]
pub enum OnceState {
    /// No closure has run yet.
    New,
    /// A closure panicked; the `Once` is poisoned.
    Poisoned,
    /// A thread is running a closure now.
    InProgress,
    /// A closure ran to completion.
    Done,
}

impl OnceState {
    /// Whether a closure panicked while running.
    #[inline]
    pub const fn is_poisoned(self) -> bool {
        matches!(self, OnceState::Poisoned)
    }

    /// Whether a closure panicked while running.
    #[inline]
    pub const fn poisoned(self) -> bool {
        self.is_poisoned()
    }

    /// Whether a closure completed.
    #[inline]
    pub const fn is_completed(self) -> bool {
        matches!(self, OnceState::Done)
    }

    /// Whether a closure completed.
    #[inline]
    pub const fn done(self) -> bool {
        self.is_completed()
    }
}

const NEW: u8 = 0;
const POISONED: u8 = 1;
const IN_PROGRESS: u8 = 2;
const DONE: u8 = 3;

/// A synchronization primitive that runs a one-time initialisation.
pub struct Once {
    state: AtomicU8,
    /// Held by the thread running the closure; taken by every thread that
    /// has to run it or wait for it.
    lock: lockscope_sync::Mutex<()>,
    /// Notified, under `lock`, when a closure completes (for `wait`).
    completed: lockscope_sync::Condvar,
}

impl Once {
    /// A new `Once`.
    #[inline]
    #[track_caller]
    pub const fn new() -> Once {
        Once::in_state(NEW)
    }

    /// A `Once` whose closure has already completed.
    #[inline]
    #[track_caller]
    pub const fn new_completed() -> Once {
        Once::in_state(DONE)
    }

    #[track_caller]
    const fn in_state(state: u8) -> Once {
        Once {
            state: AtomicU8::new(state),
            lock: lockscope_sync::Mutex::new(()),
            completed: lockscope_sync::Condvar::new(),
        }
    }

    /// Whether a closure has completed.
    #[inline]
    pub fn is_completed(&self) -> bool {
        self.state.load(Ordering::Acquire) == DONE
    }

    /// Blocks until a closure has completed (a recorded wait).
    ///
    /// # Panics
    /// If the `Once` is poisoned.
    #[track_caller]
    pub fn wait(&self) {
        self.wait_slow(false);
    }

    /// Blocks until a closure has completed, whether or not the `Once` is
    /// poisoned.
    #[track_caller]
    pub fn wait_force(&self) {
        self.wait_slow(true);
    }

    #[track_caller]
    fn wait_slow(&self, ignore_poison: bool) {
        if self.is_completed() {
            return;
        }
        let mut lock = self.lock.lock();
        loop {
            match self.state() {
                OnceState::Done => return,
                OnceState::Poisoned if !ignore_poison => {
                    panic!("Once instance has previously been poisoned")
                }
                _ => self.completed.wait(&mut lock),
            }
        }
    }

    /// The current state.
    #[inline]
    pub fn state(&self) -> OnceState {
        match self.state.load(Ordering::Acquire) {
            NEW => OnceState::New,
            POISONED => OnceState::Poisoned,
            IN_PROGRESS => OnceState::InProgress,
            _ => OnceState::Done,
        }
    }

    /// Runs `f` if no closure has completed yet; otherwise returns at once.
    /// A thread that finds another running a closure waits for it.
    ///
    /// # Panics
    /// If the `Once` is poisoned, or `f` panics (which poisons it).
    #[inline]
    #[track_caller]
    pub fn call_once<F>(&self, f: F)
    where
        F: FnOnce(),
    {
        if self.state.load(Ordering::Acquire) == DONE {
            return;
        }
        let mut f = Some(f);
        self.call_once_slow(false, &mut |_| {
            if let Some(f) = f.take() {
                f()
            }
        });
    }

    /// As [`call_once`](Self::call_once), but runs `f` on a poisoned
    /// `Once` too, telling it the state.
    #[inline]
    #[track_caller]
    pub fn call_once_force<F>(&self, f: F)
    where
        F: FnOnce(OnceState),
    {
        if self.state.load(Ordering::Acquire) == DONE {
            return;
        }
        let mut f = Some(f);
        self.call_once_slow(true, &mut |state| {
            if let Some(f) = f.take() {
                f(state)
            }
        });
    }

    /// Takes the lock (at the caller's line), then runs `f` unless another
    /// thread completed a closure first.
    #[cold]
    #[track_caller]
    fn call_once_slow(&self, ignore_poison: bool, f: &mut dyn FnMut(OnceState)) {
        let _init = self.lock.lock();
        let before = self.state();
        match before {
            OnceState::Done => return,
            OnceState::Poisoned if !ignore_poison => {
                panic!("Once instance has previously been poisoned")
            }
            _ => {}
        }
        self.state.store(IN_PROGRESS, Ordering::Release);
        /// Poisons the `Once` if the closure unwinds.
        struct PoisonOnUnwind<'a>(&'a AtomicU8);
        impl Drop for PoisonOnUnwind<'_> {
            fn drop(&mut self) {
                self.0.store(POISONED, Ordering::Release);
            }
        }
        let poison = PoisonOnUnwind(&self.state);
        f(before);
        std::mem::forget(poison);
        self.state.store(DONE, Ordering::Release);
        self.completed.notify_all();
    }
}

// parking_lot's `Once` is an atomic, so unwind-safe; this one is too: a
// closure that unwinds poisons it, and its lock holds no data.
impl std::panic::RefUnwindSafe for Once {}
impl std::panic::UnwindSafe for Once {}

impl Default for Once {
    #[inline]
    #[track_caller]
    fn default() -> Once {
        Once::new()
    }
}

impl std::fmt::Debug for Once {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Once")
            .field("state", &self.state())
            .finish()
    }
}
