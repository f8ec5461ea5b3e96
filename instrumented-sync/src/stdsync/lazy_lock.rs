//! `LazyLock` with `std::sync::LazyLock`'s API: std's `OnceLock` for the
//! value, and the initialising function kept inside a recorded lock that
//! the initialiser holds while it runs.
//!
//! As for [`OnceLock`](super::OnceLock), the first access (or a wait for
//! it) takes that lock at its caller's site (a dereference included:
//! `Deref` is `#[track_caller]`), so a deadlock on an initialisation is
//! seen like any other. Poisoning is std's: if the function panics, every
//! later access panics with std's message, and `get` returns `None`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::{RefUnwindSafe, UnwindSafe};

/// A value initialised on first access, with `std::sync::LazyLock`'s API;
/// waits for its initialisation are recorded.
///
/// ```
/// use lockscope_sync::stdsync::LazyLock;
///
/// static PRIMES: LazyLock<Vec<u32>> = LazyLock::new(|| vec![2, 3, 5, 7]);
/// assert_eq!(PRIMES.len(), 4);
/// ```
pub struct LazyLock<T, F = fn() -> T> {
    cell: std::sync::OnceLock<T>,
    /// The function, until it runs; held while it runs.
    init: crate::Mutex<Option<F>>,
}

impl<T: RefUnwindSafe + UnwindSafe, F: UnwindSafe> RefUnwindSafe for LazyLock<T, F> {}
impl<T: UnwindSafe, F: UnwindSafe> UnwindSafe for LazyLock<T, F> {}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// A value that `f` computes on first access.
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock {
            cell: std::sync::OnceLock::new(),
            init: crate::Mutex::new(Some(f)),
        }
    }

    /// The value, computing it first if needed (or waiting while another
    /// thread computes it).
    ///
    /// # Panics
    /// If the function panics (with its panic), and on every access after
    /// that.
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        match this.cell.get() {
            Some(value) => value,
            None => Self::force_slow(this),
        }
    }

    #[cold]
    #[track_caller]
    fn force_slow(this: &LazyLock<T, F>) -> &T {
        let mut init = this.init.lock();
        this.cell.get_or_init(|| run(init.take()))
    }

    /// The value, mutably, computing it first if needed; never blocks.
    ///
    /// # Panics
    /// As [`force`](Self::force).
    pub fn force_mut(this: &mut LazyLock<T, F>) -> &mut T {
        if this.cell.get().is_none() {
            let value = run(this.init.get_mut().take());
            // Nothing else can reach the cell: it is empty.
            let _ = this.cell.set(value);
        }
        this.cell
            .get_mut()
            .expect("the cell holds the value just stored")
    }
}

impl<T, F> LazyLock<T, F> {
    /// The value if it has been computed (not if the function panicked).
    pub fn get(this: &LazyLock<T, F>) -> Option<&T> {
        this.cell.get()
    }

    /// The value, mutably, if it has been computed.
    pub fn get_mut(this: &mut LazyLock<T, F>) -> Option<&mut T> {
        this.cell.get_mut()
    }
}

/// Runs the initialising function, or panics as std's `LazyLock` does when
/// an earlier run panicked.
fn run<T, F: FnOnce() -> T>(f: Option<F>) -> T {
    match f {
        Some(f) => f(),
        None => panic!("LazyLock instance has previously been poisoned"),
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    #[track_caller]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T, F: FnOnce() -> T> DerefMut for LazyLock<T, F> {
    fn deref_mut(&mut self) -> &mut T {
        LazyLock::force_mut(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

/// As std's: `LazyLock(value)` or `LazyLock(<uninit>)`.
impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("LazyLock");
        match LazyLock::get(self) {
            Some(value) => d.field(value),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}
