//! [`StdReader`]: a streaming reader of RAPID's STD text format
//! (`T1|acq(L2)|86`, one event per line).
//!
//! Mapping (the full table is in `docs/trace-format.md`): `acq` ->
//! [`EventKind::Acquired`] (exclusive, `depth` counted per thread so
//! re-entrant Java acquisitions show as depth 2, 3, ...), `rel` ->
//! `Released`, `req` -> `Request` (exclusive), `r`/`w` -> `Read`/`Write`,
//! `fork`/`join` -> `Fork`/`Join` (the operand is interned as a thread, and
//! a forked thread's parent is the forking thread), `begin()`/`end()` ->
//! `Begin`/`End`. Every lock is a [`PrimitiveKind::ReentrantMutex`]: the
//! traces come from Java, whose monitors are re-entrant, and saying so in
//! the model keeps that meaning when the trace is converted to another
//! encoding. The location field becomes an interned [`Site::Label`]. Time is the 0-based event
//! index and the header's clock is [`ClockUnit::Sequence`]. Names are kept as
//! labels in the meta tables. Blank lines (including a trailing one) are
//! skipped; CRLF line ends are accepted.
//!
//! # Errors
//! A malformed line is a [`TraceErrorKind::StdSyntax`] or
//! [`TraceErrorKind::UnknownEvent`] error at `file:line:column`. A last line
//! without `\n` that does not parse is a warning in
//! [`TraceMeta::warnings`] and ends the stream.
//!
//! # Performance
//! Byte-level parsing of a line split by `memchr`, no allocation per line
//! once every name has been seen. Names are interned (see [`Interner`]):
//! `T1`/`L2`/`V9`-style names and numeric locations index a vector, other
//! short names are packed into a `u128` key of a hashbrown map (foldhash:
//! one multiply-fold per key, several times cheaper than SipHash, and
//! hashbrown looks up borrowed keys without allocating), long names are
//! byte keys. The last thread is cached: consecutive lines usually come
//! from the same thread.
//!
//! # Limitations
//! Names are bytes; labels are stored as UTF-8 with invalid bytes replaced.

use std::io::Read;

use super::intern::{pack, Interner};
use super::line::{parse_line, LineError, StdLine, StdOp, STD_OPS};
use crate::trace::error::{Position, TraceError, TraceErrorKind};
use crate::trace::event::{
    Event, EventKind, LockMode, ObjId, PrimitiveKind, SiteId, ThreadId, VarId,
};
use crate::trace::input::lines::Lines;
use crate::trace::meta::{
    ClockUnit, PrimitiveInfo, Site, SourceFormat, ThreadInfo, TraceMeta, VarInfo,
};
use crate::trace::source::EventSource;

fn label(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Reads RAPID STD text. See the module docs.
#[derive(Debug)]
pub struct StdReader<R> {
    lines: Lines<R>,
    state: State,
    done: bool,
}

/// Everything but the line splitter, so a line borrowed from the splitter
/// can be decoded into it.
#[derive(Debug)]
struct State {
    name: String,
    meta: TraceMeta,
    threads: Interner,
    locks: Interner,
    vars: Interner,
    sites: Interner,
    /// Per thread: locks held and their re-entrancy depth.
    held: Vec<Vec<(ObjId, u32)>>,
    /// The last thread name seen (packed, see [`pack`]) and its id.
    last_thread: Option<(u128, ThreadId)>,
    index: u64,
}

impl<R: Read> StdReader<R> {
    /// A reader of `input`; `name` is the input's name in error messages.
    pub fn new(name: &str, input: R) -> Self {
        let mut meta = TraceMeta::new(SourceFormat::Std);
        meta.header.clock = ClockUnit::Sequence;
        let state = State {
            name: name.to_owned(),
            meta,
            threads: Interner::default(),
            locks: Interner::default(),
            vars: Interner::default(),
            sites: Interner::default(),
            held: Vec::new(),
            last_thread: None,
            index: 0,
        };
        StdReader {
            lines: Lines::new(input),
            state,
            done: false,
        }
    }
}

impl State {
    #[inline]
    fn thread(&mut self, name: &[u8]) -> ThreadId {
        let key = pack(name);
        if let (Some(key), Some((last, id))) = (key, self.last_thread) {
            if key == last {
                return id;
            }
        }
        let id = self.intern_thread(name);
        self.last_thread = key.map(|k| (k, id));
        id
    }

    fn intern_thread(&mut self, name: &[u8]) -> ThreadId {
        if let Some(id) = self.threads.get(name) {
            return ThreadId(id);
        }
        let id = self.meta.push_thread(ThreadInfo {
            label: label(name),
            ..ThreadInfo::default()
        });
        self.threads.insert(name, id.0);
        self.held.push(Vec::new());
        id
    }

    #[inline]
    fn lock(&mut self, name: &[u8]) -> ObjId {
        if let Some(id) = self.locks.get(name) {
            return ObjId(id);
        }
        let id = self.meta.push_primitive(PrimitiveInfo {
            label: label(name),
            kind: PrimitiveKind::ReentrantMutex,
            name: None,
            site: None,
            permits: None,
            rank: None,
            class: None,
        });
        self.locks.insert(name, id.0);
        id
    }

    #[inline]
    fn var(&mut self, name: &[u8]) -> VarId {
        if let Some(id) = self.vars.get(name) {
            return VarId(id);
        }
        let id = self.meta.push_var(VarInfo {
            label: label(name),
            ..VarInfo::default()
        });
        self.vars.insert(name, id.0);
        id
    }

    #[inline]
    fn site(&mut self, name: &[u8]) -> SiteId {
        if let Some(id) = self.sites.get(name) {
            return SiteId(id);
        }
        let id = self.meta.push_site(Site::Label(label(name)));
        self.sites.insert(name, id.0);
        id
    }

    /// The re-entrancy depth after `thread` acquires `obj`.
    #[inline]
    fn enter(&mut self, thread: ThreadId, obj: ObjId) -> u32 {
        let held = &mut self.held[thread.index()];
        match held.iter_mut().find(|(o, _)| *o == obj) {
            Some((_, depth)) => {
                *depth += 1;
                *depth
            }
            None => {
                held.push((obj, 1));
                1
            }
        }
    }

    /// `thread` releases one level of `obj` (a release of a lock not held is
    /// passed through for the analyses to judge).
    #[inline]
    fn exit(&mut self, thread: ThreadId, obj: ObjId) {
        let held = &mut self.held[thread.index()];
        if let Some(i) = held.iter().position(|(o, _)| *o == obj) {
            held[i].1 -= 1;
            if held[i].1 == 0 {
                held.swap_remove(i);
            }
        }
    }

    fn event(&mut self, line: &StdLine<'_>) -> Event {
        let thread = self.thread(line.thread);
        let site = line.location.map(|l| self.site(l));
        let kind = match line.op {
            StdOp::Acq => {
                let obj = self.lock(line.operand);
                let depth = self.enter(thread, obj);
                EventKind::Acquired {
                    obj,
                    mode: LockMode::Exclusive,
                    depth,
                }
            }
            StdOp::Rel => {
                let obj = self.lock(line.operand);
                self.exit(thread, obj);
                EventKind::Released {
                    obj,
                    mode: LockMode::Exclusive,
                }
            }
            StdOp::Req => EventKind::Request {
                obj: self.lock(line.operand),
                mode: LockMode::Exclusive,
            },
            StdOp::Read => EventKind::Read {
                var: self.var(line.operand),
            },
            StdOp::Write => EventKind::Write {
                var: self.var(line.operand),
            },
            StdOp::Fork => EventKind::Fork {
                child: self.fork(thread, line.operand),
            },
            StdOp::Join => EventKind::Join {
                child: self.intern_thread(line.operand),
            },
            StdOp::Begin => EventKind::Begin,
            StdOp::End => EventKind::End,
        };
        let time = self.index;
        self.index += 1;
        Event {
            time,
            thread,
            site,
            backtrace: None,
            kind,
        }
    }

    /// Interns a forked thread; records `parent` if the child has none.
    fn fork(&mut self, parent: ThreadId, child: &[u8]) -> ThreadId {
        let child = self.intern_thread(child);
        let info = &mut self.meta.threads[child.index()];
        if info.parent.is_none() && child != parent {
            info.parent = Some(parent);
        }
        child
    }

    fn error(&self, line: &[u8], number: u64, err: LineError) -> TraceError {
        let column = char_column(line, err.offset());
        let kind = match err {
            LineError::Syntax {
                found, expected, ..
            } => TraceErrorKind::StdSyntax { found, expected },
            LineError::UnknownOp { found, .. } => TraceErrorKind::UnknownEvent {
                found,
                expected: STD_OPS,
            },
        };
        let position = Position {
            file: self.name.clone(),
            line: number,
            column,
            byte: None,
        };
        TraceError::new(position, kind)
    }
}

/// The 1-based character column of byte `offset` in `line`.
fn char_column(line: &[u8], offset: usize) -> u64 {
    let upto = &line[..offset.min(line.len())];
    let chars = upto.iter().filter(|b| (**b & 0xC0) != 0x80).count();
    chars as u64 + 1 + offset.saturating_sub(line.len()) as u64
}

/// Whether the line is empty or only whitespace.
#[inline]
fn is_blank(line: &[u8]) -> bool {
    line.first().is_none_or(u8::is_ascii_whitespace) && line.iter().all(u8::is_ascii_whitespace)
}

impl<R: Read> EventSource for StdReader<R> {
    fn meta(&self) -> &TraceMeta {
        &self.state.meta
    }

    fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        if self.done {
            return Ok(None);
        }
        loop {
            let line = match self.lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    return Ok(None);
                }
                Err(e) => {
                    self.done = true;
                    return Err(e.at(&self.state.name, self.lines.line_number() + 1));
                }
            };
            if is_blank(line.bytes) {
                continue;
            }
            match parse_line(line.bytes) {
                Ok(parsed) => return Ok(Some(self.state.event(&parsed))),
                Err(_) if !line.terminated => {
                    self.done = true;
                    let warning = format!(
                        "{}:{}: truncated last line ignored (the writer probably crashed)",
                        self.state.name, line.number
                    );
                    self.state.meta.warnings.push(warning);
                    self.state.meta.truncated = true;
                    return Ok(None);
                }
                Err(e) => {
                    self.done = true;
                    return Err(self.state.error(line.bytes, line.number, e));
                }
            }
        }
    }
}
