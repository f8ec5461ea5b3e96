//! The one sink all threads' events go to: a trace file written with the
//! detector's writers ([`TraceFile`]: binary by default, JSON Lines for a
//! `.jsonl` name), behind one plain mutex (never an instrumented lock).
//!
//! # Write errors
//! The first failed write (a full disk, a file size limit) is reported on
//! stderr when it happens, and nothing more is written: the file keeps
//! what was written before it, and a binary trace lacks its end record, so
//! readers say it is truncated. The error is returned again by every
//! [`flush`](super::flush) and when the recording ends.
//!
//! # Declarations before use
//! Threads, primitives, variables, sites and backtraces are written to the
//! file the moment they are declared, while events wait in the threads'
//! rings and reach the file only at a drain, under the same mutex and so
//! later. An event therefore never precedes a declaration it refers to.
//!
//! # A legal order across threads
//! Event times come from [`clock`](super::clock): happens-before implies a
//! smaller time. A drain snapshots every ring's published end twice. If no
//! ring moved between the two snapshots, the first one is a consistent cut:
//! an event outside it cannot happen-before one inside (the release that
//! would link them was published before the later thread's snapshot, so the
//! second pass would have seen it move). For rings that did move, the first
//! event past the snapshot bounds the times of anything that could precede a
//! snapshotted event, so only events below that bound are written; the rest
//! wait for the next drain. A notify publishes its time before it is in its
//! ring (what it wakes is timed after it, and may be pushed first), so its
//! thread announces that time on its ring meanwhile and the cut writes
//! nothing at or after it (`Ring::announce`). Pending events are written
//! in time order, and an event arriving later with an earlier time
//! (necessarily concurrent with what was written) is clamped to the last
//! written time.
//!
//! # Performance
//! A thread whose ring fills only moves the events of every ring into the
//! pending set (a copy of a few ns per event); serialising them (a few
//! hundred ns per event) is left to the background thread, every 100 ms,
//! to [`flush`](super::flush) and to the end of the recording, unless more
//! than 2^20 events are pending, when the full thread writes them itself.
//! A write is O(n log n) in the events pending (sorted outside the sink's
//! lock) and, but for the collection that starts it and the end of the
//! recording, holds the sink's lock only per chunk of 4 096 events: a thread
//! declaring itself or a lock while a drain writes waits for one chunk (see
//! `WRITING`). The pending set keeps its largest allocation until the
//! recording ends, and a thread whose ring fills during a write compares
//! the limit with what is pending apart from the events being written, so
//! up to about twice the limit can be buffered.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lockscope_detector::trace::{
    BacktraceId, Event, EventKind, Header, Note, NoteId, ObjId, PrimitiveInfo, Site, SiteId,
    ThreadId, ThreadInfo, VarId, VarInfo,
};

use super::declared::Declared;
use super::file::TraceFile;
use super::ring::{Raw, Ring};
use crate::raw::Mutex;

/// Every thread's ring; rings of exited threads are dropped once drained.
static RINGS: Mutex<Vec<Arc<Ring>>> = Mutex::new(Vec::new());
/// The open trace, if any.
static SINK: Mutex<Option<Sink>> = Mutex::new(None);
/// Held for the whole of every write of events (a drain, the back-pressure
/// write of a thread whose ring is full, the end of a recording), so two
/// writes never interleave. A drain takes `SINK` itself to collect the
/// rings, then only per [`CHUNK`] of events written, so a thread declaring
/// itself or a new lock waits for a chunk, not for a whole drain (which
/// held it for tens of ms: every new thread of a program starting threads
/// in batches waited for it, docs/performance.md); the end of a recording
/// holds `SINK` throughout. Lock order: `WRITING`, then `SINK`, then
/// `RINGS`.
static WRITING: Mutex<()> = Mutex::new(());
/// Events written per hold of `SINK` in a write.
const CHUNK: usize = 4096;

/// What a finished recording wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingStats {
    /// The trace file.
    pub path: PathBuf,
    /// Events written.
    pub events: u64,
    /// Events dropped because they raced with the opening of this
    /// recording and belong to the previous one (normally 0).
    pub stale: u64,
}

pub(crate) struct Sink {
    /// Buffered by the writer itself (64 KiB): a second `BufWriter`
    /// underneath copied every byte twice.
    out: TraceFile,
    path: PathBuf,
    session: u32,
    /// Clock value at the start; written times are relative to it.
    base: u64,
    pending: Vec<Event>,
    /// Only pending events below this time may be written (from the latest
    /// cut, which is valid for everything collected so far).
    bound: u64,
    last_written: u64,
    events: u64,
    sites: HashMap<(&'static str, u32, u32), SiteId>,
    /// The same sites by `Location` address: the rings carry addresses, and
    /// one pointer hash per collected event is cheaper than hashing the
    /// file name (distinct `Location`s of one line share the id).
    site_addrs: foldhash::HashMap<usize, SiteId>,
    /// Ring events being converted (kept to reuse its allocation).
    scratch: Vec<Raw>,
    backtraces: HashMap<Vec<String>, BacktraceId>,
    notes: u32,
    declared: Declared,
    /// Events dropped because they belong to a previous recording.
    stale: u64,
    /// The first write error: reported on stderr when it happens, and
    /// again by every flush and when the recording ends.
    error: Option<io::Error>,
}

pub(crate) fn register(ring: Arc<Ring>) {
    RINGS.lock().push(ring);
}

/// Runs `f` on the sink if recording `session` is still open.
pub(crate) fn with<R>(session: u32, f: impl FnOnce(&mut Sink) -> R) -> Option<R> {
    let mut sink = SINK.lock();
    match sink.as_mut() {
        Some(s) if s.session == session => Some(f(s)),
        _ => None,
    }
}

/// Opens `path` as the trace of `session`, replacing any open one (which is
/// finished first).
pub(crate) fn open(path: &Path, session: u32, base: u64) -> io::Result<Option<RecordingStats>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| annotate(e, "cannot create directory", dir))?;
    }
    let file = File::create(path).map_err(|e| annotate(e, "cannot create trace file", path))?;
    let out = TraceFile::new(file, path, &header())
        .map_err(|e| annotate(e, "cannot write trace file", path))?;
    let _writing = WRITING.lock();
    let mut sink = SINK.lock();
    let previous = sink.take().map(Sink::finish).transpose()?;
    // Events left from a previous recording belong to no open trace.
    discard_rings();
    *sink = Some(Sink {
        out,
        path: path.to_path_buf(),
        session,
        base,
        pending: Vec::new(),
        bound: u64::MAX,
        last_written: 0,
        events: 0,
        sites: HashMap::new(),
        site_addrs: foldhash::HashMap::default(),
        scratch: Vec::new(),
        backtraces: HashMap::new(),
        notes: 0,
        declared: Declared::default(),
        stale: 0,
        error: None,
    });
    Ok(previous)
}

/// Finishes the open trace if it is `session`'s (any, for `None`).
pub(crate) fn close(session: Option<u32>) -> io::Result<Option<RecordingStats>> {
    let _writing = WRITING.lock();
    let mut sink = SINK.lock();
    match sink.as_ref() {
        Some(s) if session.is_none_or(|id| id == s.session) => {}
        _ => return Ok(None),
    }
    sink.take().map(Sink::finish).transpose()
}

/// Pending events above which a thread whose ring is full writes them
/// itself instead of leaving that to the background thread (back-pressure).
const PENDING_LIMIT: usize = 1 << 20;

/// A thread's ring is full: move every ring's events into the pending set
/// (a memory copy, no serialisation), writing them only if the background
/// thread has fallen far behind.
pub(crate) fn collect() {
    let behind = match SINK.lock().as_mut() {
        Some(s) => {
            s.collect();
            s.pending.len() > PENDING_LIMIT
        }
        None => {
            discard_rings();
            false
        }
    };
    if behind {
        write_ready();
    }
}

/// Drains every ring into the open trace and flushes the file.
pub(crate) fn drain() -> io::Result<()> {
    if !write_ready() {
        return Ok(());
    }
    match SINK.lock().as_mut() {
        Some(s) => s.flush_file(),
        None => Ok(()),
    }
}

/// Collects every ring and writes the events that may be written (see the
/// module docs), in chunks (see [`WRITING`]); false if no trace is open.
fn write_ready() -> bool {
    let _writing = WRITING.lock();
    let (mut events, bound) = match SINK.lock().as_mut() {
        Some(s) => {
            s.collect();
            (std::mem::take(&mut s.pending), s.bound)
        }
        None => {
            discard_rings();
            return false;
        }
    };
    events.sort_by_key(|e| e.time);
    let cut = events.partition_point(|e| e.time < bound);
    for chunk in events[..cut].chunks_mut(CHUNK) {
        // Some: a trace is closed or replaced only under `WRITING`.
        if let Some(s) = SINK.lock().as_mut() {
            s.write_events(chunk);
        }
    }
    if let Some(s) = SINK.lock().as_mut() {
        // What stays pending keeps this allocation (a new one for every
        // drain is a page fault per 4 KiB of events as it grows); events
        // collected meanwhile join it, sorted at the next write.
        events.drain(..cut);
        events.append(&mut s.pending);
        s.pending = events;
    }
    true
}

fn discard_rings() {
    let mut scratch = Vec::new();
    let mut rings = RINGS.lock();
    for r in rings.iter() {
        // SAFETY: the consumer side is only used under the SINK lock (held
        // by every caller) or with it known to be empty; `upto` is `tail()`.
        unsafe { r.consume_to(r.tail(), &mut scratch) };
        scratch.clear();
        r.reset_belongs();
    }
    rings.retain(|r| !(r.is_closed() && r.is_drained()));
}

fn header() -> Header {
    Header {
        command: std::env::args().collect(),
        pid: Some(std::process::id()),
        start_time: Some(super::config::rfc3339_now()),
        test: super::config::header_test(),
        ..Header::default()
    }
}

fn annotate(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

impl Sink {
    /// Keeps the first write error, and says so on stderr right away.
    fn keep<T>(&mut self, r: io::Result<T>) {
        let Err(e) = r else { return };
        if self.error.is_none() {
            let message = format!(
                "lockscope: writing trace {}: {e}; the trace is cut here (nothing recorded \
                 from now on reaches it) and will read as truncated",
                self.path.display()
            );
            eprintln!("{message}");
            // For whoever analyzes the run (`lockscope run`): a trace that
            // ends early because of a write error, not a crash. Best
            // effort: with the disk full this may fail too.
            let mut marker = self.path.clone().into_os_string();
            marker.push(".error");
            let _ = std::fs::write(marker, message + "\n");
            self.error = Some(e);
        }
    }

    /// The trace-relative time of clock value `t`.
    pub(crate) fn relative(&self, t: u64) -> u64 {
        t.saturating_sub(self.base)
    }

    pub(crate) fn site(&mut self, loc: &'static Location<'static>) -> SiteId {
        let addr = loc as *const Location<'static> as usize;
        if let Some(id) = self.site_addrs.get(&addr) {
            return *id;
        }
        let id = self.site_by_text(loc);
        self.site_addrs.insert(addr, id);
        id
    }

    fn site_by_text(&mut self, loc: &'static Location<'static>) -> SiteId {
        let key = (loc.file(), loc.line(), loc.column());
        if let Some(id) = self.sites.get(&key) {
            return *id;
        }
        let id = SiteId(u32::try_from(self.sites.len()).unwrap_or(u32::MAX));
        let site = Site::Source {
            file: loc.file().to_string(),
            line: loc.line(),
            column: loc.column(),
        };
        let r = self.out.site(id, &site);
        self.keep(r);
        self.declared.sites = self.sites.len() + 1;
        self.sites.insert(key, id);
        id
    }

    pub(crate) fn backtrace(&mut self, frames: Vec<String>) -> BacktraceId {
        if let Some(id) = self.backtraces.get(&frames) {
            return *id;
        }
        let id = BacktraceId(u32::try_from(self.backtraces.len()).unwrap_or(u32::MAX));
        let r = self.out.backtrace(id, &frames);
        self.keep(r);
        self.declared.backtraces = self.backtraces.len() + 1;
        self.backtraces.insert(frames, id);
        id
    }

    pub(crate) fn thread(&mut self, id: ThreadId, info: &ThreadInfo) {
        let r = self.out.thread(id, info);
        self.keep(r);
        self.declared.thread(id.0);
    }

    pub(crate) fn primitive(&mut self, id: ObjId, info: &PrimitiveInfo) {
        let r = self.out.primitive(id, info);
        self.keep(r);
        self.declared.obj(id.0);
    }

    pub(crate) fn var(&mut self, id: VarId, info: &VarInfo) {
        let r = self.out.var(id, info);
        self.keep(r);
        self.declared.var(id.0);
    }

    pub(crate) fn note(&mut self, note: &Note) -> NoteId {
        let id = NoteId(self.notes);
        self.notes += 1;
        let r = self.out.note(id, note);
        self.keep(r);
        self.declared.notes = self.notes as usize;
        id
    }

    /// Adds an event that bypasses the rings (a thread whose thread-locals
    /// are gone, an event with a backtrace).
    pub(crate) fn push(&mut self, ev: Event) {
        self.pending.push(ev);
    }

    /// Adds a ring event of `thread` that could not go through its ring.
    /// A switch (see `Ring::event`) is passed with the ring's own thread
    /// and becomes the `scheduled` of the thread it names.
    pub(crate) fn push_raw(&mut self, thread: ThreadId, ev: Raw) {
        let (thread, ev) = match ev.kind {
            EventKind::Scheduled { worker: to } => {
                let kind = EventKind::Scheduled { worker: thread };
                (to, Raw { kind, ..ev })
            }
            _ => (thread, ev),
        };
        let ev = self.event(thread, ev);
        self.pending.push(ev);
    }

    /// The trace event for ring event `ev` of `thread` (its site interned).
    fn event(&mut self, thread: ThreadId, ev: Raw) -> Event {
        Event {
            time: ev.time,
            thread,
            site: ev.site.map(|loc| self.site(loc)),
            backtrace: None,
            kind: ev.kind,
        }
    }

    /// Moves the events of a consistent cut into `pending`.
    fn collect(&mut self) {
        let rings: Vec<Arc<Ring>> = RINGS.lock().clone();
        let refs: Vec<&Ring> = rings.iter().map(|r| &**r).collect();
        // SAFETY: we are the only consumer (SINK lock held).
        let (snapshot, bound) = unsafe { super::ring::cut(&refs) };
        let mut raw = std::mem::take(&mut self.scratch);
        for (r, &pos) in rings.iter().zip(&snapshot) {
            // SAFETY: consumer under the SINK lock; `pos` came from tail().
            unsafe { r.consume_to(pos, &mut raw) };
            for ev in raw.drain(..) {
                let (thread, ev) = r.event(ev);
                let ev = self.event(thread, ev);
                self.pending.push(ev);
            }
        }
        self.scratch = raw;
        RINGS.lock().retain(|r| !(r.is_closed() && r.is_drained()));
        self.bound = bound;
    }

    /// The end of the recording: every ring collected and every pending
    /// event written, in time order.
    fn write_all(&mut self) {
        self.collect();
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_by_key(|e| e.time);
        self.write_events(&mut pending);
    }

    /// Writes `events`, sorted by time and later than everything written
    /// so far but for concurrent events (see the module docs).
    fn write_events(&mut self, events: &mut [Event]) {
        // By reference: moving each event out copied it to the stack in
        // pieces that its time was then read across, a failed store
        // forward on every event (70% of this loop's samples).
        for ev in events {
            if !self.declared.covers(ev) {
                self.stale += 1;
                continue;
            }
            ev.time = self.relative(ev.time).max(self.last_written);
            self.last_written = ev.time;
            self.events += 1;
            let r = self.out.event(ev);
            self.keep(r);
        }
    }

    fn flush_file(&mut self) -> io::Result<()> {
        let r = self.out.flush();
        self.keep(r);
        match &self.error {
            Some(e) => Err(io::Error::new(
                e.kind(),
                format!("writing trace {}: {e}", self.path.display()),
            )),
            None => Ok(()),
        }
    }

    fn finish(mut self) -> io::Result<RecordingStats> {
        self.write_all();
        self.flush_file()?;
        let path = self.path.clone();
        self.out
            .finish()
            .map_err(|e| annotate(e, "cannot finish trace", &path))?;
        Ok(RecordingStats {
            path: self.path,
            events: self.events,
            stale: self.stale,
        })
    }
}
