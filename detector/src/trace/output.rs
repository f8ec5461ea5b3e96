//! [`Spill`]: the output buffer under every writer of lockscope's own
//! encodings. Records are built in it directly and handed to the writer
//! in 64 KiB pieces, each made of whole records.
//!
//! # Guarantees
//! The writer only ever receives whole records, and once a write fails it
//! receives nothing more: a trace cut at a failure is a readable prefix (at
//! worst its last record torn by the failed write), never records spliced
//! onto a fragment. A writer that panics is never handed the same bytes
//! twice.
//!
//! # Performance
//! One `write_all` per 64 KiB; no copy besides building the records.

use std::io::{self, Write};

/// Bytes buffered before they are handed to the writer.
pub(crate) const SPILL_AT: usize = 64 * 1024;

/// A write buffer that stops at the first failed write. See the module
/// docs.
#[derive(Debug)]
pub(crate) struct Spill<W: Write> {
    /// `None` only after [`Self::into_inner`].
    out: Option<W>,
    /// Complete records not yet written, then the record being built.
    pub buf: Vec<u8>,
    /// The kind of the write error that stopped the output, if one did.
    failed: Option<io::ErrorKind>,
}

impl<W: Write> Spill<W> {
    pub fn new(out: W) -> Self {
        Spill {
            out: Some(out),
            buf: Vec::with_capacity(SPILL_AT + 1024),
            failed: None,
        }
    }

    /// The record being built in `buf` is complete: hands the buffer to the
    /// writer once it is full.
    #[inline]
    pub fn end_record(&mut self) -> io::Result<()> {
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

    /// Writes everything buffered and flushes the writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.spill()?;
        self.out.as_mut().map_or(Ok(()), W::flush)
    }

    /// Flushes and returns the writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.out.take().expect("only into_inner takes the writer"))
    }
}

/// Like a `BufWriter`, a buffer dropped without a flush writes what it
/// holds (unless a write already failed; errors are ignored here: call
/// `flush` to see them).
impl<W: Write> Drop for Spill<W> {
    fn drop(&mut self) {
        if self.failed.is_none() {
            let _ = self.spill();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_buffer_writes_what_it_held() {
        let mut file = Vec::new();
        {
            let mut out = Spill::new(&mut file);
            out.buf.extend_from_slice(b"kept");
            out.end_record().expect("in memory");
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

    fn record(i: u64) -> Vec<u8> {
        format!("{{\"n\":{i}}}\n").into_bytes()
    }

    fn records<W: Write>(out: &mut Spill<W>, n: u64) -> Vec<io::Result<()>> {
        (0..n)
            .map(|i| {
                out.buf.extend_from_slice(&record(i));
                out.end_record()
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
        let mut out = Spill::new(&mut w);
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
        let all: Vec<u8> = (0..20_000u64).flat_map(record).collect();
        let first = w.out.len() - 100;
        assert!(first >= SPILL_AT, "the first spill was written whole");
        assert_eq!(all[first - 1], b'\n', "the first spill ends with a record");
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
            let mut out = Spill::new(&mut w);
            let _ = records(&mut out, 3);
            let _ = out.flush();
        }));
        assert!(unwound.is_err(), "the writer panicked");
        // It took 10 bytes, then panicked; dropping the buffer while
        // unwinding must not hand it those 10 bytes again.
        assert_eq!(w.out, b"{\"n\":0}\n{\"");
    }

    #[test]
    fn output_reaches_the_writer_in_order_across_spills() {
        let mut out = Spill::new(Vec::new());
        let results = records(&mut out, 20_000);
        assert!(results.iter().all(Result::is_ok));
        let expected: Vec<u8> = (0..20_000u64).flat_map(record).collect();
        assert_eq!(out.into_inner().expect("in memory"), expected);
    }
}
