//! [`JsonOut`]: the JSON record builder shared by the JSON Lines and JSON
//! document encodings: one function per record type of
//! `docs/trace-format.md`, formatting into one output buffer. How records
//! are framed (lines, or the elements of a document) is `framing`'s.
//!
//! # Performance
//! Records are built directly in a 64 KiB output buffer that is handed to
//! the writer whole once it is full, with no second copy per record.
//! Fixed keys are byte literals, so each key's copy has a constant length
//! and is a few moves, not a `memcpy` call; integers go through `itoa`;
//! strings are escaped by serde_json; no intermediate `Value` is built.
//! `detector/benches/writers.rs` measures an event against serde's derived
//! serializer and against copying pre-rendered lines.

use std::io::{self, Write};

use super::record::Declaration;
use crate::trace::encode::FileIds;
use crate::trace::event::{Event, EventKind};
use crate::trace::meta::{Header, Note, PrimitiveInfo, Site, FORMAT_NAME};

/// Bytes buffered before they are handed to the writer.
const SPILL_AT: usize = 64 * 1024;

/// Writes JSON objects field by field into one buffer, handed to the
/// writer whenever a record or separator leaves it over [`SPILL_AT`].
///
/// The writer only ever receives whole records, and once a write fails
/// it receives nothing more: a trace cut at a failure is a readable
/// prefix (at worst its last line torn by the failed write), never
/// records spliced onto a fragment. A writer that panics is never handed
/// the same bytes twice.
#[derive(Debug)]
pub(crate) struct JsonOut<W: Write> {
    /// `None` only after [`Self::into_inner`].
    out: Option<W>,
    /// Complete records and separators not yet written, then the record
    /// being built.
    buf: Vec<u8>,
    /// The kind of the write error that stopped the output, if one did.
    failed: Option<io::ErrorKind>,
}

impl<W: Write> JsonOut<W> {
    pub fn new(out: W) -> Self {
        JsonOut {
            out: Some(out),
            buf: Vec::with_capacity(SPILL_AT + 1024),
            failed: None,
        }
    }

    /// Writes `bytes` between records (separators, newlines).
    #[inline]
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        self.spill_if_full()
    }

    /// Appends to the record being built. Inlined with its callers down to
    /// the literal, so a key's copy has a constant length and needs no
    /// `memcpy` call.
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Ends the record being built.
    fn close(&mut self) -> io::Result<()> {
        self.buf.push(b'}');
        self.spill_if_full()
    }

    /// Hands the buffer to the writer once it is full.
    #[inline]
    fn spill_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() < SPILL_AT {
            return Ok(());
        }
        self.spill()
    }

    /// Hands the buffer to the writer and empties it. After a failed write
    /// nothing more is written (every later call reports the failure) and
    /// what is buffered is dropped, so the buffer stays bounded. The buffer
    /// is taken out while the writer runs: if the writer panics, nothing
    /// is left to hand it again on drop.
    fn spill(&mut self) -> io::Result<()> {
        if let Some(kind) = self.failed {
            self.buf.clear();
            return Err(io::Error::new(
                kind,
                "an earlier write to this trace failed; nothing after it was written",
            ));
        }
        let Some(out) = self.out.as_mut() else {
            self.buf.clear();
            return Ok(());
        };
        let mut buf = std::mem::take(&mut self.buf);
        let r = out.write_all(&buf);
        buf.clear();
        self.buf = buf;
        if let Err(e) = &r {
            self.failed = Some(e.kind());
        }
        r
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.spill()?;
        self.out.as_mut().map_or(Ok(()), W::flush)
    }

    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.out.take().expect("only into_inner takes the writer"))
    }
}

/// Like a `BufWriter`, a writer dropped without a flush writes what it
/// buffered (unless a write already failed; errors are ignored here: call
/// `flush` to see them).
impl<W: Write> Drop for JsonOut<W> {
    fn drop(&mut self) {
        if self.failed.is_none() {
            let _ = self.spill();
        }
    }
}

impl<W: Write> JsonOut<W> {
    /// `{"type":"<ty>"` (or `{` without a type when `ty` is empty).
    fn open(&mut self, ty: &str) -> io::Result<()> {
        if ty.is_empty() {
            return self.put(b"{");
        }
        self.put(b"{\"type\":\"")?;
        self.put(ty.as_bytes())?;
        self.put(b"\"")
    }

    #[inline(always)]
    fn key(&mut self, key: &str) -> io::Result<()> {
        self.put(b",\"")?;
        self.put(key.as_bytes())?;
        self.put(b"\":")
    }

    #[inline(always)]
    fn u64(&mut self, key: &str, v: u64) -> io::Result<()> {
        self.key(key)?;
        self.put(itoa::Buffer::new().format(v).as_bytes())
    }

    #[inline(always)]
    fn opt_u64(&mut self, key: &str, v: Option<u64>) -> io::Result<()> {
        match v {
            Some(v) => self.u64(key, v),
            None => Ok(()),
        }
    }

    #[inline(always)]
    fn bool(&mut self, key: &str, v: bool) -> io::Result<()> {
        self.key(key)?;
        self.put(if v { b"true" } else { b"false" })
    }

    fn str(&mut self, key: &str, v: &str) -> io::Result<()> {
        self.key(key)?;
        serde_json::to_writer(&mut self.buf, v).map_err(io::Error::from)
    }

    /// A wire name that needs no escaping (`exclusive`, `mutex`).
    #[inline(always)]
    fn name(&mut self, key: &str, v: &str) -> io::Result<()> {
        self.key(key)?;
        self.put(b"\"")?;
        self.put(v.as_bytes())?;
        self.put(b"\"")
    }

    fn opt_str(&mut self, key: &str, v: Option<&str>) -> io::Result<()> {
        v.map_or(Ok(()), |v| self.str(key, v))
    }

    /// The header object; `ty` is `"header"` in JSON Lines, empty in a
    /// document's `"header"` member.
    pub fn header(&mut self, ty: &str, h: &Header) -> io::Result<()> {
        self.open(ty)?;
        if ty.is_empty() {
            // No leading comma before the first key of a type-less object.
            self.put(b"\"format\":\"")?;
        } else {
            self.put(b",\"format\":\"")?;
        }
        self.put(FORMAT_NAME.as_bytes())?;
        self.put(b"\"")?;
        self.str("version", &h.version.to_string())?;
        self.key("command")?;
        serde_json::to_writer(&mut self.buf, &h.command).map_err(io::Error::from)?;
        self.opt_u64("pid", h.pid.map(u64::from))?;
        self.opt_str("start_time", h.start_time.as_deref())?;
        self.name("clock", h.clock.as_str())?;
        self.close()
    }

    pub fn site(&mut self, id: u64, site: &Site) -> io::Result<()> {
        self.open(Declaration::Site.name())?;
        self.u64("id", id)?;
        match site {
            Site::Source { file, line, column } => {
                self.str("file", file)?;
                self.u64("line", (*line).into())?;
                self.u64("column", (*column).into())?;
            }
            Site::Label(label) => self.str("label", label)?,
        }
        self.close()
    }

    /// A thread declaration; `name` overrides `info.name` (write_trace keeps
    /// a non-numeric label there).
    pub fn thread(
        &mut self,
        id: u64,
        name: Option<&str>,
        parent: Option<u64>,
        site: Option<u64>,
    ) -> io::Result<()> {
        self.open(Declaration::Thread.name())?;
        self.u64("id", id)?;
        self.opt_str("name", name)?;
        self.opt_u64("parent", parent)?;
        self.opt_u64("site", site)?;
        self.close()
    }

    pub fn primitive(
        &mut self,
        id: u64,
        info: &PrimitiveInfo,
        name: Option<&str>,
        site: Option<u64>,
    ) -> io::Result<()> {
        self.open(Declaration::Primitive.name())?;
        self.u64("id", id)?;
        self.name("kind", info.kind.as_str())?;
        self.opt_str("name", name)?;
        self.opt_u64("site", site)?;
        self.opt_u64("permits", info.permits.map(u64::from))?;
        self.opt_u64("rank", info.rank)?;
        self.close()
    }

    pub fn var(&mut self, id: u64, name: Option<&str>, site: Option<u64>) -> io::Result<()> {
        self.open(Declaration::Var.name())?;
        self.u64("id", id)?;
        self.opt_str("name", name)?;
        self.opt_u64("site", site)?;
        self.close()
    }

    pub fn backtrace(&mut self, id: u64, frames: &[String]) -> io::Result<()> {
        self.open(Declaration::Backtrace.name())?;
        self.u64("id", id)?;
        self.key("frames")?;
        serde_json::to_writer(&mut self.buf, frames).map_err(io::Error::from)?;
        self.close()
    }

    pub fn note(&mut self, id: u64, note: &Note) -> io::Result<()> {
        self.open(Declaration::NoteText.name())?;
        self.u64("id", id)?;
        self.str("kind", &note.kind)?;
        self.str("text", &note.text)?;
        self.close()
    }

    pub fn event(&mut self, ev: &Event, ids: &impl FileIds) -> io::Result<()> {
        self.open(ev.kind.type_name())?;
        self.u64("t", ev.time)?;
        self.u64("thread", ids.thread(ev.thread))?;
        self.event_fields(&ev.kind, ids)?;
        self.opt_u64("site", ev.site.map(|s| ids.site(s)))?;
        self.opt_u64("bt", ev.backtrace.map(|b| ids.backtrace(b)))?;
        self.close()
    }

    fn event_fields(&mut self, kind: &EventKind, ids: &impl FileIds) -> io::Result<()> {
        match *kind {
            EventKind::ThreadStart { parent } => {
                self.opt_u64("parent", parent.map(|p| ids.thread(p)))
            }
            EventKind::ThreadExit | EventKind::Begin | EventKind::End => Ok(()),
            EventKind::Fork { child }
            | EventKind::JoinRequest { child }
            | EventKind::Join { child } => self.u64("child", ids.thread(child)),
            EventKind::Request { obj, mode }
            | EventKind::TryFailed { obj, mode }
            | EventKind::Released { obj, mode } => {
                self.u64("obj", ids.obj(obj))?;
                self.name("mode", mode.as_str())
            }
            EventKind::Acquired { obj, mode, depth } => {
                self.u64("obj", ids.obj(obj))?;
                self.name("mode", mode.as_str())?;
                self.u64("depth", depth.into())
            }
            EventKind::Upgraded { obj }
            | EventKind::EventSet { obj }
            | EventKind::EventClear { obj }
            | EventKind::EventWait { obj }
            | EventKind::BarrierWait { obj } => self.u64("obj", ids.obj(obj)),
            EventKind::Downgraded { obj, to } => {
                self.u64("obj", ids.obj(obj))?;
                self.name("to", to.as_str())
            }
            EventKind::CondWait { condvar, mutex } => {
                self.u64("condvar", ids.obj(condvar))?;
                self.u64("mutex", ids.obj(mutex))
            }
            EventKind::CondWoken {
                condvar,
                mutex,
                timed_out,
            } => {
                self.u64("condvar", ids.obj(condvar))?;
                self.u64("mutex", ids.obj(mutex))?;
                self.bool("timed_out", timed_out)
            }
            EventKind::Notify {
                condvar,
                all,
                woken,
            } => {
                self.u64("condvar", ids.obj(condvar))?;
                self.bool("all", all)?;
                self.u64("woken", woken.into())
            }
            EventKind::SemAcquired { obj, permits } | EventKind::SemReleased { obj, permits } => {
                self.u64("obj", ids.obj(obj))?;
                self.u64("permits", permits.into())
            }
            EventKind::EventWoken { obj, timed_out } => {
                self.u64("obj", ids.obj(obj))?;
                self.bool("timed_out", timed_out)
            }
            EventKind::BarrierPassed { obj, leader } => {
                self.u64("obj", ids.obj(obj))?;
                self.bool("leader", leader)
            }
            EventKind::Read { var } | EventKind::Write { var } | EventKind::Update { var } => {
                self.u64("var", ids.var(var))
            }
            EventKind::Note { note } => self.u64("note", ids.note(note)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_encoder_writes_what_it_buffered() {
        let mut file = Vec::new();
        {
            let mut out = JsonOut::new(&mut file);
            out.raw(b"kept").expect("in memory");
        }
        assert_eq!(file, b"kept");
    }

    /// Accepts `ok` writes, then fails once (having taken `partial`
    /// bytes), then accepts everything again.
    struct FailsOnce {
        out: Vec<u8>,
        ok: usize,
        partial: usize,
        panics: bool,
    }

    impl Write for FailsOnce {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.ok > 0 {
                self.ok -= 1;
                self.out.extend_from_slice(b);
                return Ok(b.len());
            }
            if self.partial > 0 {
                let n = self.partial.min(b.len());
                self.partial = 0;
                self.out.extend_from_slice(&b[..n]);
                return Ok(n);
            }
            if self.panics {
                self.panics = false;
                self.ok = usize::MAX;
                panic!("the writer panics");
            }
            self.ok = usize::MAX;
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn records(out: &mut JsonOut<&mut FailsOnce>, n: u64) -> Vec<io::Result<()>> {
        (0..n)
            .map(|i| {
                out.open("")?;
                out.u64("n", i)?;
                out.close()?;
                out.raw(b"\n")
            })
            .collect()
    }

    #[test]
    fn nothing_is_written_after_a_failed_write() {
        let mut w = FailsOnce {
            out: Vec::new(),
            ok: 1,
            partial: 100,
            panics: false,
        };
        let mut out = JsonOut::new(&mut w);
        let results = records(&mut out, 20_000);
        assert!(
            results.iter().any(Result::is_err),
            "the failure is reported"
        );
        let err = out.flush().expect_err("later calls report it too");
        assert!(err.to_string().contains("earlier write"), "{err}");
        drop(out);
        // The first spill whole, then the 100 bytes the failed write took,
        // then nothing: a prefix of the records, torn only at its end.
        let all: Vec<u8> = (0..20_000u64)
            .flat_map(|i| format!("{{,\"n\":{i}}}\n").into_bytes())
            .collect();
        let first = w.out.len() - 100;
        assert!(first >= SPILL_AT, "the first spill was written whole");
        assert!(
            matches!(all[first - 1], b'}' | b'\n'),
            "the first spill ends with a record or its newline"
        );
        assert_eq!(w.out[..], all[..w.out.len()], "a prefix, nothing spliced");
    }

    #[test]
    fn a_writer_that_panics_never_gets_the_same_bytes_twice() {
        let mut w = FailsOnce {
            out: Vec::new(),
            ok: 0,
            partial: 10,
            panics: true,
        };
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut out = JsonOut::new(&mut w);
            let _ = records(&mut out, 3);
            let _ = out.flush();
        }));
        assert!(unwound.is_err(), "the writer panicked");
        // It took 10 bytes, then panicked; dropping the encoder while
        // unwinding must not hand it the buffer (those 10 bytes) again.
        assert_eq!(w.out, b"{,\"n\":0}\n{");
    }

    #[test]
    fn output_reaches_the_writer_in_order_across_spills() {
        let mut out = JsonOut::new(Vec::new());
        let mut expected = Vec::new();
        for i in 0..20_000u64 {
            out.open("").expect("in memory");
            out.u64("n", i).expect("in memory");
            out.close().expect("in memory");
            out.raw(b"\n").expect("in memory");
            expected.extend_from_slice(format!("{{,\"n\":{i}}}\n").as_bytes());
        }
        assert_eq!(out.into_inner().expect("in memory"), expected);
    }
}
