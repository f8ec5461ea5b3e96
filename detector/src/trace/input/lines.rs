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
//! A single line must fit in memory; the buffer grows to the longest line.

use std::io::{self, Read};

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

/// Splits a byte stream into lines.
#[derive(Debug)]
pub(crate) struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
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
            eof: false,
            number: 0,
        }
    }

    /// The number of the line last returned (0 before the first).
    pub fn line_number(&self) -> u64 {
        self.number
    }

    /// The next line, `None` at end of input.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let from = self.start;
                self.start += i + 1;
                return Ok(Some(self.line(from, from + i, true)));
            }
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
    fn refill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
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
                Err(e) => return Err(e),
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
    fn empty_input_has_no_lines() {
        assert!(collect(b"").is_empty());
    }
}
