//! [`Bytes`]: a cursor over the binary records at hand, with the reads the
//! decoder needs. Each read says [`Stop::More`] when the bytes end inside
//! the value (the reader then reads more input and parses the record
//! again) and [`Stop::Bad`] when the value is malformed.

use super::varint::{self, VarintError};
use crate::trace::error::{TraceErrorKind, MAX_RECORD_BYTES};

/// Why a record could not be parsed from the bytes at hand.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The bytes end inside the record.
    More,
    /// The record is malformed at offset `.0` of the bytes. Boxed: every
    /// read returns a `Result` with this, and only errors pay for its size.
    Bad(Box<(usize, TraceErrorKind)>),
}

impl Stop {
    /// Malformed at `at`: `kind`.
    pub fn at(at: usize, kind: TraceErrorKind) -> Self {
        Stop::Bad(Box::new((at, kind)))
    }
}

/// A malformed value at `at`.
pub(crate) fn bad(at: usize, found: String, expected: &str) -> Stop {
    Stop::at(
        at,
        TraceErrorKind::Binary {
            found,
            expected: expected.to_owned(),
        },
    )
}

/// A cursor over bytes.
#[derive(Debug)]
pub(crate) struct Bytes<'a> {
    bytes: &'a [u8],
    /// The offset of the next byte.
    pub at: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Bytes { bytes, at: 0 }
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8, Stop> {
        let b = *self.bytes.get(self.at).ok_or(Stop::More)?;
        self.at += 1;
        Ok(b)
    }

    /// `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Stop> {
        let end = self.at.checked_add(n).ok_or(Stop::More)?;
        let taken = self.bytes.get(self.at..end).ok_or(Stop::More)?;
        self.at = end;
        Ok(taken)
    }

    #[inline]
    pub fn varint(&mut self) -> Result<u64, Stop> {
        // Most varints in a trace are one or two bytes.
        match self.bytes.get(self.at..) {
            Some([b0, ..]) if *b0 < 0x80 => {
                self.at += 1;
                Ok(u64::from(*b0))
            }
            Some([b0, b1, ..]) if *b1 < 0x80 => {
                self.at += 2;
                Ok(u64::from(b0 & 0x7F) | u64::from(*b1) << 7)
            }
            _ => self.long_varint(),
        }
    }

    #[cold]
    fn long_varint(&mut self) -> Result<u64, Stop> {
        let start = self.at;
        varint::get(self.bytes, &mut self.at).map_err(|e| match e {
            VarintError::Short => Stop::More,
            VarintError::Overflow => bad(
                start,
                "a varint longer than 64 bits".into(),
                "an unsigned LEB128 number of at most 10 bytes",
            ),
        })
    }

    /// A varint that must fit 32 bits; `what` names it in the error.
    pub fn u32(&mut self, what: &str) -> Result<u32, Stop> {
        let start = self.at;
        let v = self.varint()?;
        u32::try_from(v).map_err(|_| bad(start, format!("{what} {v}"), "a number below 2^32"))
    }

    /// A length-prefixed UTF-8 string; `what` names it in errors.
    pub fn string(&mut self, what: &str) -> Result<String, Stop> {
        let start = self.at;
        let len = self.varint()?;
        if len > MAX_RECORD_BYTES as u64 {
            let kind = TraceErrorKind::TooLong {
                what: "string",
                limit: MAX_RECORD_BYTES,
            };
            return Err(Stop::at(start, kind));
        }
        let bytes = self.take(len as usize)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(bad(
                start,
                format!("{what} that is not UTF-8 (byte {} of it)", e.valid_up_to()),
                "UTF-8 text",
            )),
        }
    }

    /// A count of items that each take at least one byte: refused when the
    /// bytes at hand could not hold them and the record would be longer
    /// than a record can be.
    pub fn count(&mut self, what: &str) -> Result<usize, Stop> {
        let start = self.at;
        let n = self.varint()?;
        if n > MAX_RECORD_BYTES as u64 {
            return Err(bad(
                start,
                format!("{n} {what}"),
                &format!("at most {MAX_RECORD_BYTES} {what} in a record"),
            ));
        }
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_read_the_same_on_every_path() {
        let values: Vec<u64> = (0..20_000).chain([1 << 21, 1 << 35, u64::MAX]).collect();
        let mut buf = Vec::new();
        for &v in &values {
            varint::put(&mut buf, v);
        }
        let mut b = Bytes::new(&buf);
        for &v in &values {
            assert_eq!(b.varint().ok(), Some(v));
        }
        assert_eq!(b.at, buf.len());
        // Cut after the first byte of a two-byte varint: more is needed.
        assert!(matches!(Bytes::new(&[0x80 | 5]).varint(), Err(Stop::More)));
    }

    #[test]
    fn short_values_ask_for_more_and_bad_ones_say_where() {
        assert!(matches!(Bytes::new(&[0x80]).varint(), Err(Stop::More)));
        assert!(matches!(
            Bytes::new(&[3, b'a']).string("s"),
            Err(Stop::More)
        ));
        fn at<T>(r: Result<T, Stop>) -> Option<usize> {
            match r {
                Err(Stop::Bad(bad)) => Some(bad.0),
                _ => None,
            }
        }
        assert_eq!(at(Bytes::new(&[2, 0xC3, 0x28]).string("name")), Some(0));
        let mut b = Bytes::new(&[0, 0x80, 0x80, 0x80, 0x80, 0x10]);
        b.u8().unwrap();
        assert_eq!(at(b.u32("depth")), Some(1));
        let mut huge = Vec::new();
        varint::put(&mut huge, 1 << 40);
        let Err(Stop::Bad(bad)) = Bytes::new(&huge).string("s") else {
            panic!("a string of 2^40 bytes is refused")
        };
        assert!(matches!(bad.1, TraceErrorKind::TooLong { .. }));
    }
}
