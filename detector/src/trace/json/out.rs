//! [`JsonOut`]: the JSON record builder shared by the JSON Lines and JSON
//! document encodings: one function per record type of
//! `docs/trace-format.md`, formatting into one output buffer. How records
//! are framed (lines, or the elements of a document) is `framing`'s.
//!
//! # Performance
//! Records are built directly in the 64 KiB output buffer ([`Spill`]) that
//! is handed to the writer whole once it is full, with no second copy per
//! record.
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
use crate::trace::output::Spill;

/// Writes JSON objects field by field into one [`Spill`] buffer, handed
/// to the writer whenever a record or separator leaves it full. See
/// [`Spill`] for what a failed write leaves in the file.
#[derive(Debug)]
pub(crate) struct JsonOut<W: Write> {
    spill: Spill<W>,
}

impl<W: Write> JsonOut<W> {
    pub fn new(out: W) -> Self {
        JsonOut {
            spill: Spill::new(out),
        }
    }

    /// Writes `bytes` between records (separators, newlines).
    #[inline]
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.spill.buf.extend_from_slice(bytes);
        self.spill.end_record()
    }

    /// Appends to the record being built. Inlined with its callers down to
    /// the literal, so a key's copy has a constant length and needs no
    /// `memcpy` call.
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.spill.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Ends the record being built.
    fn close(&mut self) -> io::Result<()> {
        self.spill.buf.push(b'}');
        self.spill.end_record()
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.spill.flush()
    }

    pub fn into_inner(self) -> io::Result<W> {
        self.spill.into_inner()
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

    /// `key: true` when `v`, nothing otherwise (the field's default is false).
    fn flag_if_true(&mut self, key: &str, v: bool) -> io::Result<()> {
        if v {
            self.bool(key, true)
        } else {
            Ok(())
        }
    }

    fn str(&mut self, key: &str, v: &str) -> io::Result<()> {
        self.key(key)?;
        serde_json::to_writer(&mut self.spill.buf, v).map_err(io::Error::from)
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
        serde_json::to_writer(&mut self.spill.buf, &h.command).map_err(io::Error::from)?;
        self.opt_u64("pid", h.pid.map(u64::from))?;
        self.opt_str("start_time", h.start_time.as_deref())?;
        self.name("clock", h.clock.as_str())?;
        if let Some(t) = &h.test {
            self.key("test")?;
            let mut test = serde_json::Map::new();
            test.insert("binary".into(), t.binary.clone().into());
            if let Some(name) = &t.name {
                test.insert("name".into(), name.clone().into());
            }
            if let Some(run) = &t.run_id {
                test.insert("run_id".into(), run.clone().into());
            }
            if let Some(n) = t.attempt {
                test.insert("attempt".into(), n.into());
            }
            serde_json::to_writer(&mut self.spill.buf, &test).map_err(io::Error::from)?;
        }
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
        self.opt_str("class", info.class.as_deref())?;
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
        serde_json::to_writer(&mut self.spill.buf, frames).map_err(io::Error::from)?;
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
            | EventKind::BarrierWait { obj } => self.u64("obj", ids.obj(obj)),
            EventKind::EventWait { obj, timed } => {
                self.u64("obj", ids.obj(obj))?;
                self.flag_if_true("timed", timed)
            }
            EventKind::Downgraded { obj, to } => {
                self.u64("obj", ids.obj(obj))?;
                self.name("to", to.as_str())
            }
            EventKind::CondWait {
                condvar,
                mutex,
                timed,
            } => {
                self.u64("condvar", ids.obj(condvar))?;
                self.u64("mutex", ids.obj(mutex))?;
                self.flag_if_true("timed", timed)
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
            EventKind::Scheduled { worker } => self.u64("worker", ids.thread(worker)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_built_field_by_field() {
        let mut out = JsonOut::new(Vec::new());
        out.open("x").unwrap();
        out.u64("n", 7).unwrap();
        out.bool("b", true).unwrap();
        out.str("s", "a\"b").unwrap();
        out.close().unwrap();
        let text = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(text, r#"{"type":"x","n":7,"b":true,"s":"a\"b"}"#);
    }
}
