//! `OnceLock` with `std::sync::OnceLock`'s API: std's own cell for the
//! value, and a recorded lock and condvar around its initialisation.
//!
//! Reading an initialised cell is std's: one load, nothing recorded. A
//! thread that has to initialise the cell, or to wait for another thread
//! doing so (`get_or_init`, `set`, `wait`), takes the cell's initialisation
//! lock, a lockscope [`crate::Mutex`], at its caller's site, and holds it
//! while the initialiser runs; `wait` on a cell nobody initialises yet
//! waits on the cell's [`crate::Condvar`], which the initialiser notifies.
//! So every blocking wait is one the trace, the lock-order check and the
//! watchdog can see: an initialiser that takes lock `L` and a thread
//! holding `L` that waits for the value are a lock-order inversion, and
//! their deadlock a wait-for cycle, like any two locks'.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};

/// A cell written at most once, with `std::sync::OnceLock`'s API; waits for
/// its initialisation are recorded.
///
/// ```
/// use lockscope_sync::stdsync::OnceLock;
///
/// static CONFIG: OnceLock<String> = OnceLock::new();
/// assert_eq!(CONFIG.get_or_init(|| "debug".into()), "debug");
/// assert_eq!(CONFIG.set("release".into()), Err("release".into()));
/// ```
pub struct OnceLock<T> {
    cell: std::sync::OnceLock<T>,
    /// Held by whoever initialises `cell`; taken by whoever waits for it.
    init: crate::Mutex<()>,
    /// Notified, under `init`, when `cell` is set.
    ready: crate::Condvar,
}

impl<T: RefUnwindSafe + UnwindSafe> RefUnwindSafe for OnceLock<T> {}
impl<T: UnwindSafe> UnwindSafe for OnceLock<T> {}

impl<T> OnceLock<T> {
    /// An empty cell.
    #[track_caller]
    pub const fn new() -> OnceLock<T> {
        OnceLock::holding(std::sync::OnceLock::new())
    }

    #[track_caller]
    const fn holding(cell: std::sync::OnceLock<T>) -> OnceLock<T> {
        OnceLock {
            cell,
            init: crate::Mutex::new(()),
            ready: crate::Condvar::new(),
        }
    }

    /// The value, if the cell is initialised; never blocks.
    pub fn get(&self) -> Option<&T> {
        self.cell.get()
    }

    /// The value, mutably, if the cell is initialised; never blocks.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.cell.get_mut()
    }

    /// Blocks until the cell is initialised.
    #[track_caller]
    pub fn wait(&self) -> &T {
        if let Some(value) = self.cell.get() {
            return value;
        }
        let mut init = self.init.lock();
        loop {
            if let Some(value) = self.cell.get() {
                return value;
            }
            self.ready.wait(&mut init);
        }
    }

    /// Stores `value` if the cell is empty (`Err(value)` otherwise),
    /// waiting for an initialisation in progress.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        if self.cell.get().is_some() {
            return Err(value);
        }
        let _init = self.init.lock();
        self.cell.set(value)?;
        self.ready.notify_all();
        Ok(())
    }

    /// The value, initialised by `f` if the cell is empty. Only one `f`
    /// runs at a time, and once one has returned no other runs; a caller
    /// that finds an `f` running waits for it.
    ///
    /// # Panics
    /// If `f` panics, with its panic (the cell stays empty). Initialising
    /// the cell again from `f` is a self-deadlock: std's hangs, here the
    /// live checks report it (and by default panic, see
    /// [`policy`](crate::policy)).
    #[track_caller]
    pub fn get_or_init<F>(&self, f: F) -> &T
    where
        F: FnOnce() -> T,
    {
        if let Some(value) = self.cell.get() {
            return value;
        }
        let _init = self.init.lock();
        let mut ran = false;
        let value = self.cell.get_or_init(|| {
            ran = true;
            f()
        });
        if ran {
            self.ready.notify_all();
        }
        value
    }

    /// The value, if the cell was initialised.
    pub fn into_inner(self) -> Option<T> {
        self.cell.into_inner()
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        self.cell.take()
    }
}

impl<T> Default for OnceLock<T> {
    #[track_caller]
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        OnceLock::holding(std::sync::OnceLock::from(value))
    }
}

impl<T: Clone> Clone for OnceLock<T> {
    #[track_caller]
    fn clone(&self) -> OnceLock<T> {
        OnceLock::holding(self.cell.clone())
    }
}

impl<T: PartialEq> PartialEq for OnceLock<T> {
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.cell == other.cell
    }
}

impl<T: Eq> Eq for OnceLock<T> {}

/// As std's: `OnceLock(value)` or `OnceLock(<uninit>)`.
impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cell, f)
    }
}
