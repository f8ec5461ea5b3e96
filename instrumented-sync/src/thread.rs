//! Thread spawning that the trace can see: `spawn` and [`Builder`] mirror
//! `std::thread`, and record the child's declaration (name, parent, spawn
//! site), a `fork` in the parent, `thread_start` / `thread_exit` in the child
//! and `join_request` / `join` in the joiner. The trace's order follows the
//! program's: the child's first event after the fork, the join after the
//! child's exit.
//!
//! Threads started otherwise (the main thread, `std::thread::spawn`) are
//! declared at their first instrumented operation, without a parent.

use std::io;
use std::panic::Location;

use crate::hook::{self as live, Wait};
use crate::recorder;

pub use std::thread::{current, sleep, yield_now, Result, Thread};

/// Spawns a thread (panics if the OS cannot create one, as
/// `std::thread::spawn` does).
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let site = Location::caller();
    Builder::new()
        .spawn_at(f, site)
        .expect("failed to spawn thread")
}

/// Thread configuration, as `std::thread::Builder`.
#[derive(Debug)]
pub struct Builder {
    inner: std::thread::Builder,
    name: Option<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with no name and the default stack size.
    pub fn new() -> Self {
        Builder {
            inner: std::thread::Builder::new(),
            name: None,
        }
    }

    /// Names the thread (shown in reports).
    pub fn name(mut self, name: String) -> Self {
        self.inner = self.inner.name(name.clone());
        self.name = Some(name);
        self
    }

    /// Sets the stack size.
    pub fn stack_size(mut self, size: usize) -> Self {
        self.inner = self.inner.stack_size(size);
        self
    }

    /// Spawns the thread.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let site = Location::caller();
        self.spawn_at(f, site)
    }

    fn spawn_at<F, T>(self, f: F, site: &'static Location<'static>) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let child = crate::thread_id::allocate();
        let origin = recorder::fork(child, self.name.as_deref(), site);
        let link = origin.link.clone();
        let inner = self.inner.spawn(move || {
            recorder::start_thread(child, origin);
            f()
        })?;
        Ok(JoinHandle { inner, child, link })
    }
}

/// An owned permission to join a thread, as `std::thread::JoinHandle`.
#[derive(Debug)]
pub struct JoinHandle<T> {
    inner: std::thread::JoinHandle<T>,
    child: u64,
    link: std::sync::Arc<recorder::ThreadLink>,
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish; `Err` carries its panic.
    #[track_caller]
    pub fn join(self) -> Result<T> {
        let site = Location::caller();
        recorder::join(self.child, &self.link, false, site);
        live::before_block(Wait::Join { thread: self.child }, site);
        let result = self.inner.join();
        recorder::tick();
        live::wait_ended();
        recorder::join(self.child, &self.link, true, site);
        result
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Whether the thread has finished.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// The thread's lockscope id (its thread id in the trace).
    pub fn lockscope_id(&self) -> u64 {
        self.child
    }
}
