//! A byte cursor over a [`Read`] that knows its line and column and can
//! cut one complete JSON value out of the stream: the structural scanner
//! under the JSON document reader.
//!
//! It never parses values, it only finds where they end (strings with their
//! escapes, nesting of `{}` and `[]`), so a document of any size streams
//! through a fixed buffer and one value at a time is handed to serde_json.
//!
//! # Performance
//! One pass over every byte, with line/column bookkeeping; refills read
//! 64 KiB at a time.

use std::io::{self, Read};

use crate::trace::error::MAX_RECORD_BYTES;

const CHUNK: usize = 64 * 1024;

/// Why a value could not be cut out whole.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// The end of the input came before the value did.
    Eof,
    /// The value is longer than [`MAX_RECORD_BYTES`].
    TooLong,
}

/// A position-tracking byte cursor.
#[derive(Debug)]
pub(crate) struct Scanner<R> {
    input: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// 1-based line and character column of the next byte.
    pub line: u64,
    pub column: u64,
}

impl<R: Read> Scanner<R> {
    pub fn new(input: R) -> Self {
        Scanner {
            input,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            column: 1,
        }
    }

    /// The next byte without consuming it; `None` at the end.
    #[inline]
    pub fn peek(&mut self) -> io::Result<Option<u8>> {
        if self.pos == self.end {
            self.refill()?;
            if self.pos == self.end {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos]))
    }

    /// Consumes the byte `peek` returned.
    #[inline]
    pub fn bump(&mut self) {
        let b = self.buf[self.pos];
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if b & 0xC0 != 0x80 {
            self.column += 1;
        }
    }

    /// Skips whitespace (and a UTF-8 byte-order mark at the very start);
    /// returns the next byte.
    pub fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        while let Some(b) = self.peek()? {
            if b == 0xEF && self.line == 1 && self.column == 1 {
                for _ in 0..3 {
                    if self.peek()?.is_some() {
                        self.pos += 1;
                    }
                }
                continue;
            }
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            self.bump();
        }
        Ok(None)
    }

    /// Appends the JSON value starting at the cursor to `out` and consumes
    /// it. A scalar ends before the next `,`, `}`, `]` or whitespace. A
    /// value longer than [`MAX_RECORD_BYTES`] is not read further.
    pub fn capture(&mut self, out: &mut Vec<u8>) -> io::Result<Result<(), Cut>> {
        let Some(first) = self.peek()? else {
            return Ok(Err(Cut::Eof));
        };
        let limit = out.len() + MAX_RECORD_BYTES;
        if !matches!(first, b'"' | b'{' | b'[') {
            while let Some(b) = self.peek()? {
                if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                    return Ok(Ok(()));
                }
                if out.len() == limit {
                    return Ok(Err(Cut::TooLong));
                }
                out.push(b);
                self.bump();
            }
            return Ok(Err(Cut::Eof));
        }
        let (mut depth, mut in_string, mut escape) = (0u32, false, false);
        while let Some(b) = self.peek()? {
            if out.len() == limit {
                return Ok(Err(Cut::TooLong));
            }
            out.push(b);
            self.bump();
            if in_string {
                if escape {
                    escape = false;
                } else if b == b'\\' {
                    escape = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        return Ok(Ok(()));
                    }
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(Ok(()));
                    }
                }
                _ => {}
            }
        }
        Ok(Err(Cut::Eof))
    }

    fn refill(&mut self) -> io::Result<()> {
        if self.eof {
            return Ok(());
        }
        self.pos = 0;
        self.end = 0;
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end = n;
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

    fn values(text: &str) -> Vec<String> {
        let mut s = Scanner::new(text.as_bytes());
        let mut out = Vec::new();
        loop {
            match s.skip_ws().unwrap() {
                None => return out,
                Some(b',') => s.bump(),
                Some(_) => {
                    let mut v = Vec::new();
                    s.capture(&mut v).unwrap().unwrap();
                    out.push(String::from_utf8(v).unwrap());
                }
            }
        }
    }

    #[test]
    fn cuts_values_at_their_ends() {
        let got = values(r#" {"a":"}\"]","b":[1,{"c":2}]} , "s\\" ,12.5e3, [ ] "#);
        assert_eq!(
            got,
            [
                r#"{"a":"}\"]","b":[1,{"c":2}]}"#,
                r#""s\\""#,
                "12.5e3",
                "[ ]"
            ]
        );
    }

    #[test]
    fn tracks_lines_and_character_columns() {
        let mut s = Scanner::new("\u{feff}\n  é{\"x\":1}".as_bytes());
        assert_eq!(s.skip_ws().unwrap(), Some(0xC3));
        assert_eq!((s.line, s.column), (2, 3));
        s.bump();
        assert_eq!((s.line, s.column), (2, 4));
    }

    #[test]
    fn unfinished_value_is_eof() {
        let mut s = Scanner::new(&b"{\"a\":[1,2"[..]);
        assert_eq!(s.capture(&mut Vec::new()).unwrap(), Err(Cut::Eof));
    }

    #[test]
    fn a_value_longer_than_a_record_can_be_is_cut_short() {
        let long = io::repeat(b'x').take(2 * MAX_RECORD_BYTES as u64);
        let mut s = Scanner::new(io::Cursor::new(b"\"".to_vec()).chain(long));
        let mut out = Vec::new();
        assert_eq!(s.capture(&mut out).unwrap(), Err(Cut::TooLong));
        assert_eq!(out.len(), MAX_RECORD_BYTES);
    }
}
