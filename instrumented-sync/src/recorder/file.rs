//! [`TraceFile`]: the file a recording writes, in the encoding its name
//! asks for:
//! - a name ending in `.jsonl` (or `.jsonl.zst`): JSON Lines, for people
//!   and other tools;
//! - any other name: lockscope's binary encoding, the default (about a
//!   tenth of the bytes of JSON Lines, and an end record, so a trace cut by
//!   a crash or a write error reads as truncated);
//! - a name ending in `.zst`: compressed with zstd as it is written. Every
//!   flush ends a zstd block, so a killed process leaves a readable prefix.
//!
//! Both writers are the detector's; this file only picks one.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use lockscope_detector::trace::{
    BacktraceId, BinaryWriter, Event, Header, JsonLinesWriter, Note, NoteId, ObjId, PrimitiveInfo,
    Site, SiteId, ThreadId, ThreadInfo, VarId, VarInfo,
};

/// The zstd level of a `.zst` trace: zstd's default, fast enough to keep
/// up with the recorder's drains.
const ZSTD_LEVEL: i32 = 3;

/// What a trace path asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Format {
    pub json_lines: bool,
    pub zstd: bool,
}

/// The format the name of `path` asks for (see the module docs).
pub(crate) fn format_of(path: &Path) -> Format {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let zstd = name.ends_with(".zst");
    let base = name.strip_suffix(".zst").unwrap_or(&name);
    Format {
        json_lines: base.ends_with(".jsonl"),
        zstd,
    }
}

/// The bytes under the writer: the file, or a zstd stream into it.
enum Out {
    Plain(File),
    Zstd(zstd::Encoder<'static, File>),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::Plain(f) => f.write(buf),
            Out::Zstd(z) => z.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Out::Plain(f) => f.write_all(buf),
            Out::Zstd(z) => z.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Plain(f) => f.flush(),
            Out::Zstd(z) => z.flush(),
        }
    }
}

impl Out {
    /// Ends the zstd frame, if any, and flushes the file.
    fn finish(self) -> io::Result<()> {
        let mut file = match self {
            Out::Plain(f) => f,
            Out::Zstd(z) => z.finish()?,
        };
        file.flush()
    }
}

enum Writer {
    Binary(BinaryWriter<Out>),
    JsonLines(JsonLinesWriter<Out>),
}

/// Calls `$method` on whichever writer it is.
macro_rules! each {
    ($self:ident, $w:ident => $call:expr) => {
        match &mut $self.writer {
            Writer::Binary($w) => $call,
            Writer::JsonLines($w) => $call,
        }
    };
}

/// A trace file being written. See the module docs.
pub(crate) struct TraceFile {
    writer: Writer,
}

impl std::fmt::Debug for TraceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.writer {
            Writer::Binary(_) => "binary",
            Writer::JsonLines(_) => "json_lines",
        };
        f.debug_struct("TraceFile").field("writer", &name).finish()
    }
}

impl TraceFile {
    /// Writes `header` into `file`, in the format `path` asks for.
    pub fn new(file: File, path: &Path, header: &Header) -> io::Result<Self> {
        let format = format_of(path);
        let out = if format.zstd {
            Out::Zstd(zstd::Encoder::new(file, ZSTD_LEVEL)?)
        } else {
            Out::Plain(file)
        };
        let mut trace = TraceFile {
            writer: if format.json_lines {
                Writer::JsonLines(JsonLinesWriter::new(out))
            } else {
                Writer::Binary(BinaryWriter::new(out))
            },
        };
        each!(trace, w => w.header(header))?;
        Ok(trace)
    }

    pub fn site(&mut self, id: SiteId, site: &Site) -> io::Result<()> {
        each!(self, w => w.site(id, site))
    }

    pub fn backtrace(&mut self, id: BacktraceId, frames: &[String]) -> io::Result<()> {
        each!(self, w => w.backtrace(id, frames))
    }

    pub fn thread(&mut self, id: ThreadId, info: &ThreadInfo) -> io::Result<()> {
        each!(self, w => w.thread(id, info))
    }

    pub fn primitive(&mut self, id: ObjId, info: &PrimitiveInfo) -> io::Result<()> {
        each!(self, w => w.primitive(id, info))
    }

    pub fn var(&mut self, id: VarId, info: &VarInfo) -> io::Result<()> {
        each!(self, w => w.var(id, info))
    }

    pub fn note(&mut self, id: NoteId, note: &Note) -> io::Result<()> {
        each!(self, w => w.note(id, note))
    }

    #[inline]
    pub fn event(&mut self, ev: &Event) -> io::Result<()> {
        each!(self, w => w.event(ev))
    }

    /// Hands everything written so far to the file (a zstd block ends).
    pub fn flush(&mut self) -> io::Result<()> {
        each!(self, w => w.flush())
    }

    /// Ends the trace (the binary end record, the zstd frame) and flushes.
    pub fn finish(self) -> io::Result<()> {
        let out = match self.writer {
            Writer::Binary(w) => w.finish()?,
            Writer::JsonLines(w) => w.into_inner()?,
        };
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_picks_the_encoding_and_the_compression() {
        let f = |p: &str| format_of(Path::new(p));
        assert_eq!(
            f("t.jsonl"),
            Format {
                json_lines: true,
                zstd: false
            }
        );
        assert_eq!(
            f("d/t.jsonl.zst"),
            Format {
                json_lines: true,
                zstd: true
            }
        );
        assert_eq!(
            f("t.lsb"),
            Format {
                json_lines: false,
                zstd: false
            }
        );
        assert_eq!(
            f("t.lsb.zst"),
            Format {
                json_lines: false,
                zstd: true
            }
        );
        assert_eq!(
            f("/dev/null"),
            Format {
                json_lines: false,
                zstd: false
            }
        );
    }
}
