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

/// Scoped threads, as `std::thread::scope`, with each thread's start and
/// join in the trace: threads that borrow from the caller's stack, all
/// joined before `scope` returns. A thread not joined explicitly is joined
/// by the scope's end, and recorded as joined there.
///
/// ```
/// let mut n = 0;
/// lockscope_sync::thread::scope(|s| {
///     s.spawn(|| println!("borrowing {n}"));
/// });
/// n += 1;
/// ```
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&Scope<'scope, 'env>) -> T,
{
    let site = Location::caller();
    let children: Children = Default::default();
    let out = std::thread::scope(|inner| {
        let scope = Scope {
            inner,
            children: children.clone(),
        };
        f(&scope)
    });
    // Every thread of the scope has exited and been joined by std.
    let children = std::mem::take(&mut *children.lock().unwrap_or_else(|e| e.into_inner()));
    for (child, link) in children {
        if !link.joined.load(std::sync::atomic::Ordering::Relaxed) {
            recorder::join(child, &link.link, false, site);
            recorder::join(child, &link.link, true, site);
        }
    }
    out
}

/// A thread's recorder link and whether it was joined explicitly.
#[derive(Debug)]
struct Child {
    link: std::sync::Arc<recorder::ThreadLink>,
    joined: std::sync::atomic::AtomicBool,
}

/// The threads a scope spawned, by lockscope id.
type Children = std::sync::Arc<std::sync::Mutex<Vec<(u64, std::sync::Arc<Child>)>>>;

/// A scope to spawn scoped threads in (see [`scope`]).
#[derive(Debug)]
pub struct Scope<'scope, 'env: 'scope> {
    inner: &'scope std::thread::Scope<'scope, 'env>,
    children: Children,
}

impl<'scope> Scope<'scope, '_> {
    /// Spawns a scoped thread (panics if the OS cannot create one).
    #[track_caller]
    pub fn spawn<F, T>(&self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let site = Location::caller();
        let child = crate::thread_id::allocate();
        let origin = recorder::fork(child, None, site);
        let record = std::sync::Arc::new(Child {
            link: origin.link.clone(),
            joined: std::sync::atomic::AtomicBool::new(false),
        });
        self.children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((child, record.clone()));
        let inner = self.inner.spawn(move || {
            recorder::start_thread(child, origin);
            // Exits in the trace even when `f` panics: the scope's end may
            // join this thread before its thread-locals are destroyed.
            struct Exit;
            impl Drop for Exit {
                fn drop(&mut self) {
                    recorder::exit_thread();
                }
            }
            let _exit = Exit;
            f()
        });
        ScopedJoinHandle {
            inner,
            child,
            record,
        }
    }
}

/// An owned permission to join a scoped thread, as
/// `std::thread::ScopedJoinHandle`.
#[derive(Debug)]
pub struct ScopedJoinHandle<'scope, T> {
    inner: std::thread::ScopedJoinHandle<'scope, T>,
    child: u64,
    record: std::sync::Arc<Child>,
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread to finish; `Err` carries its panic.
    #[track_caller]
    pub fn join(self) -> Result<T> {
        let site = Location::caller();
        let link = &self.record.link;
        recorder::join(self.child, link, false, site);
        live::before_block(Wait::Join { thread: self.child }, site);
        let result = self.inner.join();
        recorder::tick();
        live::wait_ended();
        recorder::join(self.child, link, true, site);
        self.record
            .joined
            .store(true, std::sync::atomic::Ordering::Relaxed);
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
}
