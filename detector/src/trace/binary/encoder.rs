//! [`BinaryEncoder`]: the binary encoding's [`Encoder`]. Layout:
//! `docs/trace-format.md`, "Binary".
//!
//! # Performance
//! An event is a tag byte, the varints of its thread (when it changes),
//! time delta, operands and site, appended to the [`Spill`] buffer: no
//! allocation, no formatting.

use std::io::{self, Write};

use hashbrown::HashMap;

use super::shape::parts;
use super::tag::{self, Record};
use super::varint;
use super::MAGIC;
use crate::trace::encode::{Encoder, FileIds};
use crate::trace::event::{Event, PrimitiveKind};
use crate::trace::meta::{ClockUnit, Header, Note, PrimitiveInfo, Site};
use crate::trace::output::Spill;

/// Writes the binary encoding.
#[derive(Debug)]
pub(crate) struct BinaryEncoder<W: Write> {
    out: Spill<W>,
    /// The previous event's thread (file id).
    thread: Option<u64>,
    /// The previous event's time.
    time: u64,
    /// Source file names of the sites written, by their number.
    files: HashMap<String, u64>,
    events: u64,
    /// The header is written.
    started: bool,
}

impl<W: Write> BinaryEncoder<W> {
    pub fn new(out: W) -> Self {
        BinaryEncoder {
            out: Spill::new(out),
            thread: None,
            time: 0,
            files: HashMap::new(),
            events: 0,
            started: false,
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner()
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        self.out.buf.push(b);
    }

    #[inline]
    fn varint(&mut self, v: u64) {
        varint::put(&mut self.out.buf, v);
    }

    fn string(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.out.buf.extend_from_slice(s.as_bytes());
    }

    fn opt_varint(&mut self, v: Option<u64>) {
        if let Some(v) = v {
            self.varint(v);
        }
    }

    fn opt_string(&mut self, s: Option<&str>) {
        if let Some(s) = s {
            self.string(s);
        }
    }
}

/// A flags byte: bit `i` set when `present[i]`.
fn flags(present: &[bool]) -> u8 {
    present
        .iter()
        .enumerate()
        .fold(0, |acc, (i, &p)| acc | (u8::from(p) << i))
}

impl<W: Write> Encoder for BinaryEncoder<W> {
    fn header(&mut self, h: &Header) -> io::Result<()> {
        if std::mem::replace(&mut self.started, true) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the binary trace header was already written",
            ));
        }
        self.out.buf.extend_from_slice(&MAGIC);
        self.varint(h.version.major.into());
        self.varint(h.version.minor.into());
        self.byte(match h.clock {
            ClockUnit::Nanoseconds => 0,
            ClockUnit::Sequence => 1,
        });
        self.byte(flags(&[
            h.pid.is_some(),
            h.start_time.is_some(),
            h.test.is_some(),
        ]));
        self.varint(h.command.len() as u64);
        for arg in &h.command {
            self.string(arg);
        }
        self.opt_varint(h.pid.map(u64::from));
        self.opt_string(h.start_time.as_deref());
        if let Some(t) = &h.test {
            self.string(&t.binary);
            self.byte(flags(&[
                t.name.is_some(),
                t.run_id.is_some(),
                t.attempt.is_some(),
            ]));
            self.opt_string(t.name.as_deref());
            self.opt_string(t.run_id.as_deref());
            self.opt_varint(t.attempt.map(u64::from));
        }
        self.out.end_record()
    }

    fn site(&mut self, id: u64, site: &Site) -> io::Result<()> {
        self.byte(Record::Site.tag());
        self.varint(id);
        match site {
            Site::Label(label) => {
                self.varint(0);
                self.string(label);
            }
            Site::Source { file, line, column } => {
                match self.files.get(file.as_str()) {
                    Some(&n) => self.varint(2 + n),
                    None => {
                        let n = self.files.len() as u64;
                        self.files.insert(file.clone(), n);
                        self.varint(1);
                        self.string(file);
                    }
                }
                self.varint((*line).into());
                self.varint((*column).into());
            }
        }
        self.out.end_record()
    }

    fn thread(
        &mut self,
        id: u64,
        name: Option<&str>,
        parent: Option<u64>,
        site: Option<u64>,
    ) -> io::Result<()> {
        self.byte(Record::Thread.tag());
        self.varint(id);
        self.byte(flags(&[name.is_some(), parent.is_some(), site.is_some()]));
        self.opt_string(name);
        self.opt_varint(parent);
        self.opt_varint(site);
        self.out.end_record()
    }

    fn primitive(
        &mut self,
        id: u64,
        info: &PrimitiveInfo,
        name: Option<&str>,
        site: Option<u64>,
    ) -> io::Result<()> {
        self.byte(Record::Primitive.tag());
        self.varint(id);
        let kind = PrimitiveKind::ALL.iter().position(|&k| k == info.kind);
        self.byte(kind.unwrap_or(0) as u8);
        let present = [
            name.is_some(),
            site.is_some(),
            info.permits.is_some(),
            info.rank.is_some(),
            info.class.is_some(),
        ];
        self.byte(flags(&present));
        self.opt_string(name);
        self.opt_varint(site);
        self.opt_varint(info.permits.map(u64::from));
        self.opt_varint(info.rank);
        self.opt_string(info.class.as_deref());
        self.out.end_record()
    }

    fn var(&mut self, id: u64, name: Option<&str>, site: Option<u64>) -> io::Result<()> {
        self.byte(Record::Var.tag());
        self.varint(id);
        self.byte(flags(&[name.is_some(), site.is_some()]));
        self.opt_string(name);
        self.opt_varint(site);
        self.out.end_record()
    }

    fn backtrace(&mut self, id: u64, frames: &[String]) -> io::Result<()> {
        self.byte(Record::Backtrace.tag());
        self.varint(id);
        self.varint(frames.len() as u64);
        for frame in frames {
            self.string(frame);
        }
        self.out.end_record()
    }

    fn note(&mut self, id: u64, note: &Note) -> io::Result<()> {
        self.byte(Record::NoteText.tag());
        self.varint(id);
        self.string(&note.kind);
        self.string(&note.text);
        self.out.end_record()
    }

    #[inline]
    fn event(&mut self, ev: &Event, ids: &impl FileIds) -> io::Result<()> {
        let p = parts(&ev.kind, ids);
        let thread = ids.thread(ev.thread);
        let bit = |on: bool, bit: u8| if on { bit } else { 0 };
        let options = bit(ev.backtrace.is_some(), tag::OPT_BACKTRACE)
            | tag::mode_bits(p.mode)
            | bit(p.flag, tag::OPT_FLAG)
            | bit(p.value.is_some(), tag::OPT_VALUE);
        let same = self.thread == Some(thread);
        let tag = ev.kind.event_type().code()
            | bit(same, tag::SAME_THREAD)
            | bit(ev.site.is_some(), tag::HAS_SITE)
            | bit(options != 0, tag::HAS_OPTIONS);
        self.byte(tag);
        if options != 0 {
            self.byte(options);
        }
        if !same {
            self.varint(thread);
            self.thread = Some(thread);
        }
        // Times never decrease in the model every reader produces; an
        // earlier one is written as the previous time, as readers read it.
        let time = ev.time.max(self.time);
        self.varint(time - self.time);
        self.time = time;
        let n = super::shape::shape(ev.kind.event_type()).operands;
        for &id in &p.operands[..n] {
            self.varint(id);
        }
        self.opt_varint(p.value);
        self.opt_varint(ev.site.map(|s| ids.site(s)));
        self.opt_varint(ev.backtrace.map(|b| ids.backtrace(b)));
        self.events += 1;
        self.out.end_record()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.started {
            self.header(&Header::default())?;
        }
        self.byte(Record::End.tag());
        self.varint(self.events);
        self.out.flush()
    }
}
