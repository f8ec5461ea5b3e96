//! A reusable line splitter over any [`Read`]: the shared front end of the
//! JSON Lines and STD readers.
//!
//! [`Lines::next_line`] hands out each line as a slice of one internal
//! buffer (no copy, no allocation once the buffer has grown to the longest
//! line), with the trailing `\n` and an optional `\r` before it removed, and
//! says whether the line was terminated by `\n` (an unterminated last line
//! is how a crashed writer shows).
//!
//! # Performance
//! One `read` per 256 KiB of input and one `memchr` per line; the unread
//! tail is moved to the front of the buffer once per refill.
//!
//! # Limitations
//! A line is at most [`MAX_RECORD_BYTES`] long: the buffer grows to the
//! longest line up to that, and a longer one is [`LinesError::TooLong`],
//! so no input makes a reader allocate more.

use std::io::{self, Read};

use crate::trace::error::{Position, TraceError, TraceErrorKind, MAX_RECORD_BYTES};

/// The initial (and usual) buffer size.
const CHUNK: usize = 256 * 1024;

/// One line of input.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    /// The line without its `\n` (and without a `\r` before it).
    pub bytes: &'a [u8],
    /// False for a last line that ended at end of input without `\n`.
    pub terminated: bool,
    /// 1-based line number.
    pub number: u64,
}

/// Why no line could be returned.
#[derive(Debug)]
pub(crate) enum LinesError {
    /// Reading the input failed.
    Io(io::Error),
    /// The next line is longer than [`MAX_RECORD_BYTES`].
    TooLong,
}

impl LinesError {
    /// The reader error for line `line` of `file`.
    pub fn at(self, file: &str, line: u64) -> TraceError {
        let mut err = match self {
            LinesError::Io(e) => TraceError::io(file, e),
            LinesError::TooLong => TraceError::new(
                Position::default(),
                TraceErrorKind::TooLong {
                    what: "line",
                    limit: MAX_RECORD_BYTES,
                },
            ),
        };
        err.position.file = file.to_owned();
        err.position.line = line;
        err
    }
}

/// Splits a byte stream into lines.
#[derive(Debug)]
pub(crate) struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// `buf[start..scanned]` holds no newline: a long line is searched
    /// once, not again after every read.
    scanned: usize,
    eof: bool,
    number: u64,
}

impl<R: Read> Lines<R> {
    pub fn new(input: R) -> Self {
        Lines {
            input,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            scanned: 0,
            eof: false,
            number: 0,
        }
    }

    /// The number of the line last returned (0 before the first).
    pub fn line_number(&self) -> u64 {
        self.number
    }

    /// The next line, `None` at end of input.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, LinesError> {
        loop {
            let from = self.scanned.max(self.start);
            if let Some(i) = memchr::memchr(b'\n', &self.buf[from..self.end]) {
                let (line_start, nl) = (self.start, from + i);
                self.start = nl + 1;
                return Ok(Some(self.line(line_start, nl, true)));
            }
            self.scanned = self.end;
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let (from, to) = (self.start, self.end);
                self.start = self.end;
                return Ok(Some(self.line(from, to, false)));
            }
            self.refill()?;
        }
    }

    fn line(&mut self, from: usize, mut to: usize, terminated: bool) -> Line<'_> {
        if to > from && self.buf[to - 1] == b'\r' {
            to -= 1;
        }
        self.number += 1;
        Line {
            bytes: &self.buf[from..to],
            terminated,
            number: self.number,
        }
    }

    /// Moves the unread tail to the front and reads more after it.
    fn refill(&mut self) -> Result<(), LinesError> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scanned -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if self.end >= MAX_RECORD_BYTES {
                return Err(LinesError::TooLong);
            }
            let grown = (self.buf.len() * 2).min(MAX_RECORD_BYTES);
            self.buf.resize(grown, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LinesError::Io(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> Vec<(String, bool, u64)> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().unwrap() {
            out.push((
                String::from_utf8_lossy(l.bytes).into_owned(),
                l.terminated,
                l.number,
            ));
        }
        out
    }

    #[test]
    fn splits_lf_and_crlf_and_flags_the_unterminated_tail() {
        let got = collect(b"a|b\r\nc\n\nlast");
        assert_eq!(
            got,
            vec![
                ("a|b".into(), true, 1),
                ("c".into(), true, 2),
                ("".into(), true, 3),
                ("last".into(), false, 4)
            ]
        );
    }

    #[test]
    fn grows_for_lines_longer_than_the_buffer() {
        let long = vec![b'x'; CHUNK * 3 + 7];
        let mut input = long.clone();
        input.extend_from_slice(b"\nend\n");
        let got = collect(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.len(), long.len());
        assert_eq!(got[1].0, "end");
    }

    #[test]
    fn a_line_longer_than_a_record_can_be_is_refused_without_reading_it_all() {
        let input = io::repeat(b'x').take(4 * MAX_RECORD_BYTES as u64);
        let mut lines = Lines::new(input);
        assert!(matches!(lines.next_line(), Err(LinesError::TooLong)));
        assert!(lines.buf.len() <= MAX_RECORD_BYTES);
        let mut ok = vec![b'y'; MAX_RECORD_BYTES - 1];
        ok.push(b'\n');
        let mut lines = Lines::new(&ok[..]);
        assert_eq!(
            lines.next_line().unwrap().unwrap().bytes.len(),
            MAX_RECORD_BYTES - 1
        );
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(collect(b"").is_empty());
    }
}
