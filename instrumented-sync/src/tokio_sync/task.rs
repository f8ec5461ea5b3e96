//! Spawning tasks that the trace can see: [`spawn`] and [`spawn_local`]
//! mirror tokio's, and record the task's declaration (name, parent, spawn
//! site), a `fork` in the spawner (the spawning task, or the thread),
//! `thread_start` and `thread_exit` in the task, the end of each of its
//! polls that recorded something, and `join_request` / `join` when its
//! [`JoinHandle`] is awaited. With tokio's task hooks (`--cfg
//! tokio_unstable`), [`hooks`] records the same for every task of a runtime
//! but the join. Both check each poll for blocking locks held when it
//! yields (`held_across_await`, live).
//!
//! Tasks spawned otherwise are still threads of the trace, declared at
//! their first event, without a parent (see `docs/async.md`).

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use lockscope_detector::trace::EventKind;
use tokio::task::{AbortHandle, Id, JoinError};

use super::live;
use crate::recorder::{self, task::TaskEntry};

/// An owned permission to await a task, as `tokio::task::JoinHandle`.
#[derive(Debug)]
#[must_use = "dropping a JoinHandle detaches the task"]
pub struct JoinHandle<T> {
    inner: tokio::task::JoinHandle<T>,
    entry: Arc<TaskEntry>,
    waiting: bool,
}

pin_project_lite::pin_project! {
    /// A task's future with its recording around each poll.
    struct Traced<F> {
        #[pin]
        future: F,
        entry: Arc<TaskEntry>,
        bound: bool,
        done: bool,
    }

    impl<F> PinnedDrop for Traced<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if !*this.done {
                // Aborted or dropped with its runtime: it ends here.
                recorder::task::exit(this.entry);
            }
        }
    }
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if !*this.bound {
            if let Some(id) = tokio::task::try_id() {
                recorder::task::bind(id, this.entry);
                // The task's `thread_start` at the start of its first poll.
                recorder::task::started();
            }
            *this.bound = true;
        }
        let held = live::held::polling();
        let out = this.future.poll(cx);
        live::held::polled(held, out.is_pending());
        if out.is_ready() {
            *this.done = true;
            recorder::task::exit(this.entry);
        }
        recorder::poll_ended();
        out
    }
}

/// Spawns `future` as a task on the current runtime (as `tokio::spawn`).
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let entry = forked(None, Location::caller());
    let inner = tokio::spawn(traced(future, &entry));
    JoinHandle::new(inner, entry)
}

/// [`spawn`] with a name for the task (shown in reports).
#[track_caller]
pub fn spawn_named<F>(name: &str, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let entry = forked(Some(name.to_string()), Location::caller());
    let inner = tokio::spawn(traced(future, &entry));
    JoinHandle::new(inner, entry)
}

/// Spawns a `!Send` future on the current `LocalSet` (as
/// `tokio::task::spawn_local`).
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let entry = forked(None, Location::caller());
    let inner = tokio::task::spawn_local(traced(future, &entry));
    JoinHandle::new(inner, entry)
}

fn forked(name: Option<String>, site: &'static Location<'static>) -> Arc<TaskEntry> {
    let entry = recorder::task::reserve(name, site);
    recorder::task::fork(&entry);
    entry
}

fn traced<F: Future>(future: F, entry: &Arc<TaskEntry>) -> Traced<F> {
    Traced {
        future,
        entry: entry.clone(),
        bound: false,
        done: false,
    }
}

impl<T> JoinHandle<T> {
    fn new(inner: tokio::task::JoinHandle<T>, entry: Arc<TaskEntry>) -> Self {
        JoinHandle {
            inner,
            entry,
            waiting: false,
        }
    }

    /// Cancels the task.
    pub fn abort(&self) {
        self.inner.abort();
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// The task's tokio id.
    pub fn id(&self) -> Id {
        self.inner.id()
    }

    /// A handle that can cancel the task.
    pub fn abort_handle(&self) -> AbortHandle {
        self.inner.abort_handle()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = Pin::new(&mut self.inner).poll(cx);
        let child = self.entry.thread();
        match out {
            Poll::Ready(_) => {
                let after = self.entry.exit_time();
                recorder::task::joined(&self.entry, EventKind::Join { child }, after);
            }
            Poll::Pending if !self.waiting => {
                self.waiting = true;
                recorder::task::joined(&self.entry, EventKind::JoinRequest { child }, 0);
            }
            Poll::Pending => {}
        }
        out
    }
}

#[cfg(tokio_unstable)]
thread_local! {
    /// The blocking locks the thread held when the current poll began.
    static HELD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Installs lockscope's task hooks on a runtime builder (`--cfg
/// tokio_unstable`): every task's spawn (its parent, spawn site and the
/// spawner's `fork`), the end of each poll, and its exit are recorded,
/// however the task was spawned. Use it or lockscope's [`spawn`], not both
/// for one task (its fork would be recorded twice).
#[cfg(tokio_unstable)]
pub fn hooks(builder: &mut tokio::runtime::Builder) -> &mut tokio::runtime::Builder {
    builder
        .on_task_spawn(|meta| {
            let entry = recorder::task::spawned(meta.id(), meta.spawned_at());
            recorder::task::fork(&entry);
        })
        .on_before_task_poll(|_| HELD.with(|h| h.set(live::held::polling())))
        .on_after_task_poll(|_| {
            // Pending or not is not told: a finished task holds no guard.
            live::held::polled(HELD.with(std::cell::Cell::get), true);
            recorder::poll_ended();
        })
        .on_task_terminate(|meta| recorder::task::terminated(meta.id()))
}
