//! The recorder: every instrumented operation becomes an [`Event`](lockscope_detector::trace::Event) of the
//! detector's trace model, buffered per thread and written to one trace
//! file: lockscope's binary encoding by default, JSON Lines when the file
//! is named `*.jsonl`, either compressed with zstd when the name ends in
//! `.zst` (`trace.lsb`, `trace.jsonl`, `trace.lsb.zst`; see `file`).
//!
//! Turn it on with `LOCKSCOPE_TRACE=path` (see [`config`]) or in code with
//! [`record_to`] / [`record_default`], which return a [`Recording`] guard
//! that finishes the file when dropped. The trace is also flushed on normal
//! exit (an `atexit` hook), on panic (a panic hook that runs the previous
//! hook, then flushes), every 100 ms by a background thread, and on
//! [`flush`] (for the deadlock watchdog, which also writes its reports as
//! notes through [`note`]). A process killed mid-run leaves a trace readable
//! up to the last flush. A recording chosen in code ([`record_to`]) stops
//! `LOCKSCOPE_TRACE` from starting another.
//!
//! A write error (a full disk) is reported on stderr when it happens; the
//! trace keeps what was written before it and reads as truncated (a binary
//! trace has no end record then). See `sink`.
//!
//! # Guarantees
//! - Nothing recorded while the trace is open is lost (an event racing
//!   with the opening of a recording belongs to the previous one and is
//!   dropped, counted in [`RecordingStats::stale`]).
//! - Declarations precede the events that use them.
//! - The file's order is a legal one: an acquisition follows the release
//!   of the previous holder, a wake-up its notification, a thread's first
//!   event its fork, a join the thread's exit (see `sink`'s docs).
//! - The recorder never uses an instrumented lock, and keeps working while
//!   thread-locals are destroyed.
//!
//! # Performance
//! With no trace open, an operation pays one relaxed load. Recording costs a
//! thread-local ring push of a 32-byte event (the call site as an address,
//! interned by the sink when it collects the ring) plus a relaxed load or
//! store of the object's clock: a few ns (see `docs/performance.md`).
//!
//! # Limitations
//! Only one trace is open at a time; opening another finishes the first.
//! Timestamps have about 1 ms resolution between blocking operations (see
//! `clock`).

#![cfg_attr(not(feature = "record"), allow(dead_code))]

pub mod config;

pub(crate) mod class;
mod clock;
mod declared;
mod file;
mod local;
mod obj;
pub(crate) mod ring;
mod sink;
#[cfg(feature = "tokio")]
pub(crate) mod task;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;
use std::time::Duration;

use lockscope_detector::trace::{EventKind, Note};

#[cfg(feature = "tokio")]
pub(crate) use local::current_thread;
#[cfg(all(feature = "tokio", feature = "record"))]
pub(crate) use local::poll_ended;
pub(crate) use local::{emit, emit_with, exit_thread, fork, join, start_thread, ThreadLink};
pub(crate) use obj::{obj_id, ObjRec, Sync, VarRec};
#[cfg(feature = "record")]
pub(crate) use obj::{ReadersClock, CLOCK_OFFSET};
pub use sink::RecordingStats;

/// No recording decided yet (the environment is read on first use).
const UNINIT: u32 = 0;
/// Not recording.
const OFF: u32 = 1;

static SESSION: AtomicU32 = AtomicU32::new(UNINIT);
static NEXT_SESSION: AtomicU32 = AtomicU32::new(2);
static ENV_INIT: Once = Once::new();
static PROCESS_HOOKS: Once = Once::new();

/// The open recording's number, if a trace is being recorded.
#[inline]
pub(crate) fn active() -> Option<u32> {
    if !cfg!(feature = "record") {
        return None;
    }
    match SESSION.load(Ordering::Relaxed) {
        UNINIT => init_from_env(),
        OFF => None,
        s => Some(s),
    }
}

/// [`active`] once it is decided (the environment read), else `None`:
/// no call, for the lock fast path.
#[inline(always)]
pub(crate) fn active_if_decided() -> Option<Option<u32>> {
    if !cfg!(feature = "record") {
        return Some(None);
    }
    match SESSION.load(Ordering::Relaxed) {
        UNINIT => None,
        OFF => Some(None),
        s => Some(Some(s)),
    }
}

#[cold]
fn init_from_env() -> Option<u32> {
    ENV_INIT.call_once(|| {
        let started = config::env_path().and_then(|path| match start(&path) {
            Ok(_) => Some(()),
            Err(e) => {
                eprintln!(
                    "lockscope: {} is set but recording cannot start: {e}",
                    config::TRACE_ENV
                );
                None
            }
        });
        if started.is_none() {
            let _ = SESSION.compare_exchange(UNINIT, OFF, Ordering::Relaxed, Ordering::Relaxed);
        }
    });
    match SESSION.load(Ordering::Relaxed) {
        UNINIT | OFF => None,
        s => Some(s),
    }
}

fn start(path: &Path) -> io::Result<u32> {
    install_process_hooks();
    let session = NEXT_SESSION.fetch_add(1, Ordering::Relaxed);
    let base = clock::precise();
    sink::open(path, session, base)?;
    SESSION.store(session, Ordering::Release);
    Ok(session)
}

/// A trace being recorded; finishing it (explicitly or by drop) writes every
/// remaining event and closes the file.
#[derive(Debug)]
#[must_use = "the recording ends when this guard is dropped"]
pub struct Recording {
    session: u32,
    path: PathBuf,
}

impl Recording {
    /// The trace file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops recording and writes the rest of the trace.
    pub fn finish(self) -> io::Result<RecordingStats> {
        let stats = finish_session(self.session);
        std::mem::forget(self);
        stats?.ok_or_else(|| io::Error::other("the recording was already replaced by another"))
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if let Err(e) = finish_session(self.session) {
            eprintln!("lockscope: finishing trace {}: {e}", self.path.display());
        }
    }
}

fn finish_session(session: u32) -> io::Result<Option<RecordingStats>> {
    let _ = SESSION.compare_exchange(session, OFF, Ordering::AcqRel, Ordering::Relaxed);
    sink::close(Some(session))
}

/// Records a trace to `path` (created with its parent directories) until the
/// returned guard is dropped. A recording already open is finished first.
pub fn record_to(path: impl AsRef<Path>) -> io::Result<Recording> {
    // Recording chosen in code: the environment must not start another one
    // later (at the first instrumented operation of some thread).
    ENV_INIT.call_once(|| {});
    let path = path.as_ref().to_path_buf();
    let session = start(&path)?;
    Ok(Recording { session, path })
}

/// Records to the path `LOCKSCOPE_TRACE` names if it is set, else to
/// `default` (what the examples use).
pub fn record_default(default: impl AsRef<Path>) -> io::Result<Recording> {
    match config::env_path() {
        Some(path) => record_to(path),
        None => record_to(default),
    }
}

/// Raises the recorder's clock to the exact time (after a thread blocked),
/// if a trace is open.
pub(crate) fn tick() {
    if active().is_some() {
        clock::precise();
    }
}

/// Whether a trace is being recorded.
pub fn is_recording() -> bool {
    active().is_some()
}

/// Writes every buffered event that can be written in a legal order and
/// flushes the file (for the deadlock watchdog, before it reports).
pub fn flush() -> io::Result<()> {
    if active().is_none() {
        return Ok(());
    }
    sink::drain()
}

/// Writes a note (for example a live deadlock report) into the trace as an
/// event of the calling thread.
pub fn note(kind: &str, text: &str) {
    let Some(session) = active() else { return };
    let note = Note {
        kind: kind.to_string(),
        text: text.to_string(),
    };
    if let Some(id) = sink::with(session, |s| s.note(&note)) {
        emit(session, EventKind::Note { note: id }, None, 0);
    }
}

/// Finishes whatever recording is open (the `atexit` hook).
fn finish_any() {
    SESSION.store(OFF, Ordering::Release);
    if let Err(e) = sink::close(None) {
        eprintln!("lockscope: finishing trace at exit: {e}");
    }
}

extern "C" fn at_exit() {
    finish_any();
}

fn install_process_hooks() {
    PROCESS_HOOKS.call_once(|| {
        crate::trace_sink::install(crate::trace_sink::TraceSink {
            note,
            flush: || {
                if let Err(e) = flush() {
                    eprintln!("lockscope: flushing trace: {e}");
                }
            },
            finish: finish_any,
        });
        // SAFETY: `at_exit` is a plain `extern "C" fn()` that does not
        // unwind (errors are printed, not propagated).
        unsafe {
            libc::atexit(at_exit);
        }
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            if let Err(e) = flush() {
                eprintln!("lockscope: flushing trace on panic: {e}");
            }
        }));
        let spawned = std::thread::Builder::new()
            .name("lockscope-flusher".to_string())
            .spawn(background);
        if let Err(e) = spawned {
            eprintln!("lockscope: no background flusher ({e}); the trace is written at exit");
        }
    });
}

/// Raises the coarse clock every millisecond and drains every 100 ms while
/// a trace is open.
fn background() {
    // lockscope's own service thread: it must not keep the watchdog from
    // seeing that every thread of the program is stalled.
    crate::service_threads::mark_internal();
    let mut ticks = 0u32;
    loop {
        if active().is_some() {
            std::thread::sleep(Duration::from_millis(1));
            clock::precise();
            ticks += 1;
            if ticks % 100 == 0 {
                let _ = flush();
            }
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
