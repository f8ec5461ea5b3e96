//! The interface every encoding's writer implements, one record at a time:
//! [`Encoder`]. The public writers ([`JsonLinesWriter`], [`JsonDocWriter`],
//! [`BinaryWriter`]) and [`write_trace`] sit on top of it, so a record type
//! is encoded in one place per encoding.
//!
//! Ids given to an encoder are file ids: the integers the file uses. How
//! dense ids become file ids is a [`FileIds`]: the public writers write the
//! caller's ids as they are ([`SameIds`]); [`write_trace`] assigns its own.
//!
//! [`JsonLinesWriter`]: super::JsonLinesWriter
//! [`JsonDocWriter`]: super::JsonDocWriter
//! [`BinaryWriter`]: super::BinaryWriter
//! [`write_trace`]: super::write_trace

use std::io;

use super::event::{BacktraceId, Event, NoteId, ObjId, SiteId, ThreadId, VarId};
use super::meta::{Header, Note, PrimitiveInfo, Site};

/// How dense ids become the integers written in the file.
pub(crate) trait FileIds {
    fn thread(&self, id: ThreadId) -> u64;
    fn obj(&self, id: ObjId) -> u64;
    fn var(&self, id: VarId) -> u64;
    fn site(&self, id: SiteId) -> u64;
    fn backtrace(&self, id: BacktraceId) -> u64;
    fn note(&self, id: NoteId) -> u64;
}

/// The file id is the dense id (what the runtime's recorder passes).
#[derive(Debug)]
pub(crate) struct SameIds;

impl FileIds for SameIds {
    fn thread(&self, id: ThreadId) -> u64 {
        id.0.into()
    }
    fn obj(&self, id: ObjId) -> u64 {
        id.0.into()
    }
    fn var(&self, id: VarId) -> u64 {
        id.0.into()
    }
    fn site(&self, id: SiteId) -> u64 {
        id.0.into()
    }
    fn backtrace(&self, id: BacktraceId) -> u64 {
        id.0.into()
    }
    fn note(&self, id: NoteId) -> u64 {
        id.0.into()
    }
}

/// Writes the records of one trace in one encoding. Call
/// [`header`](Encoder::header) first and [`finish`](Encoder::finish) last.
pub(crate) trait Encoder {
    /// The header; the first record.
    fn header(&mut self, header: &Header) -> io::Result<()>;
    /// Declares site `id`.
    fn site(&mut self, id: u64, site: &Site) -> io::Result<()>;
    /// Declares thread `id`.
    fn thread(
        &mut self,
        id: u64,
        name: Option<&str>,
        parent: Option<u64>,
        site: Option<u64>,
    ) -> io::Result<()>;
    /// Declares primitive `id`; `name` overrides `info.name`.
    fn primitive(
        &mut self,
        id: u64,
        info: &PrimitiveInfo,
        name: Option<&str>,
        site: Option<u64>,
    ) -> io::Result<()>;
    /// Declares variable `id`.
    fn var(&mut self, id: u64, name: Option<&str>, site: Option<u64>) -> io::Result<()>;
    /// Declares backtrace `id`.
    fn backtrace(&mut self, id: u64, frames: &[String]) -> io::Result<()>;
    /// Declares note `id`.
    fn note(&mut self, id: u64, note: &Note) -> io::Result<()>;
    /// One event, its ids mapped by `ids`.
    fn event(&mut self, ev: &Event, ids: &impl FileIds) -> io::Result<()>;
    /// Hands everything buffered to the underlying writer and flushes it.
    fn flush(&mut self) -> io::Result<()>;
    /// Ends the trace (what the encoding closes it with), then flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// The declaration and event methods of a public writer whose field `enc`
/// is an [`Encoder`], with the caller's ids written as they are.
macro_rules! writer_methods {
    () => {
        /// Declares thread `id` (`parent` and `spawn_site` are written as ids).
        pub fn thread(
            &mut self,
            id: $crate::trace::ThreadId,
            info: &$crate::trace::ThreadInfo,
        ) -> ::std::io::Result<()> {
            let parent = info.parent.map(|p| p.0.into());
            let site = info.spawn_site.map(|s| s.0.into());
            $crate::trace::encode::Encoder::thread(
                &mut self.enc,
                id.0.into(),
                info.name.as_deref(),
                parent,
                site,
            )
        }

        /// Declares primitive `id`.
        pub fn primitive(
            &mut self,
            id: $crate::trace::ObjId,
            info: &$crate::trace::PrimitiveInfo,
        ) -> ::std::io::Result<()> {
            let site = info.site.map(|s| s.0.into());
            $crate::trace::encode::Encoder::primitive(
                &mut self.enc,
                id.0.into(),
                info,
                info.name.as_deref(),
                site,
            )
        }

        /// Declares tracked variable `id`.
        pub fn var(
            &mut self,
            id: $crate::trace::VarId,
            info: &$crate::trace::VarInfo,
        ) -> ::std::io::Result<()> {
            let site = info.site.map(|s| s.0.into());
            $crate::trace::encode::Encoder::var(
                &mut self.enc,
                id.0.into(),
                info.name.as_deref(),
                site,
            )
        }

        /// Declares site `id`.
        pub fn site(
            &mut self,
            id: $crate::trace::SiteId,
            site: &$crate::trace::Site,
        ) -> ::std::io::Result<()> {
            $crate::trace::encode::Encoder::site(&mut self.enc, id.0.into(), site)
        }

        /// Declares backtrace `id` (frames innermost first).
        pub fn backtrace(
            &mut self,
            id: $crate::trace::BacktraceId,
            frames: &[String],
        ) -> ::std::io::Result<()> {
            $crate::trace::encode::Encoder::backtrace(&mut self.enc, id.0.into(), frames)
        }

        /// Declares note `id`.
        pub fn note(
            &mut self,
            id: $crate::trace::NoteId,
            note: &$crate::trace::Note,
        ) -> ::std::io::Result<()> {
            $crate::trace::encode::Encoder::note(&mut self.enc, id.0.into(), note)
        }

        /// Writes one event.
        pub fn event(&mut self, ev: &$crate::trace::Event) -> ::std::io::Result<()> {
            $crate::trace::encode::Encoder::event(
                &mut self.enc,
                ev,
                &$crate::trace::encode::SameIds,
            )
        }

        /// Hands what is buffered to the underlying writer and flushes it.
        pub fn flush(&mut self) -> ::std::io::Result<()> {
            $crate::trace::encode::Encoder::flush(&mut self.enc)
        }
    };
}

pub(crate) use writer_methods;
