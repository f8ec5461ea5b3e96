//! [`Interner`]: maps the names of an STD trace (threads, locks,
//! variables, locations) to dense ids without allocating per lookup.
//!
//! # Performance
//! See the type: most STD names never reach a hash function.
//!
//! # Limitations
//! The direct table grows to the largest number seen below
//! [`DIRECT_LIMIT`] (4 MiB at most per table), not to the number of names.

use hashbrown::HashMap;

/// Names seen so far, mapped to dense ids.
///
/// Three tiers, fastest first:
/// - Names made of one letter (or none) and a canonical decimal number
///   below [`DIRECT_LIMIT`] (`T1`, `L12`, `V4711`, location `86`), for the
///   first such letter seen, index a vector by their number: no hashing.
/// - Other names of at most 15 bytes are packed with their length into a
///   `u128` key: one integer hash and compare, no `memcmp` call.
/// - Longer names use a byte-keyed map.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    prefix: Option<u8>,
    direct: Vec<u32>,
    short: HashMap<u128, u32>,
    long: HashMap<Box<[u8]>, u32>,
}

/// Numbers up to this index the direct table (4 MiB at most).
const DIRECT_LIMIT: usize = 1 << 20;

/// An empty slot of the direct table.
const EMPTY: u32 = u32::MAX;

/// `name` as (letter or 0, number) if it is a letter and a canonical
/// decimal number below [`DIRECT_LIMIT`].
#[inline]
fn numeric(name: &[u8]) -> Option<(u8, usize)> {
    let (prefix, digits) = match *name.first()? {
        b'0'..=b'9' => (0, name),
        c if c.is_ascii_alphabetic() => (c, &name[1..]),
        _ => return None,
    };
    if digits.is_empty() || digits.len() > 7 || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let mut n = 0usize;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + usize::from(d - b'0');
    }
    (n < DIRECT_LIMIT).then_some((prefix, n))
}

/// `name` packed with its length into a `u128`, if it is short enough.
#[inline]
pub(crate) fn pack(name: &[u8]) -> Option<u128> {
    let len = name.len();
    if len > 15 {
        return None;
    }
    // Byte by byte: names are a few bytes long, and a `copy_from_slice`
    // of a length only known at run time is a `memcpy` call.
    let mut key = (len as u128) << 120;
    for (i, &b) in name.iter().enumerate() {
        key |= u128::from(b) << (8 * i);
    }
    Some(key)
}

impl Interner {
    /// The id of `name`, or `None` if it is new.
    #[inline]
    pub fn get(&self, name: &[u8]) -> Option<u32> {
        if let Some((prefix, n)) = numeric(name) {
            if self.prefix == Some(prefix) {
                return self.direct.get(n).copied().filter(|&id| id != EMPTY);
            }
        }
        match pack(name) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(name).copied(),
        }
    }

    pub fn insert(&mut self, name: &[u8], id: u32) {
        if let Some((prefix, n)) = numeric(name) {
            if *self.prefix.get_or_insert(prefix) == prefix {
                crate::dense::grow(&mut self.direct, n, || EMPTY);
                self.direct[n] = id;
                return;
            }
        }
        match pack(name) {
            Some(key) => self.short.insert(key, id),
            None => self.long.insert(name.into(), id),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_tiers_keep_distinct_names_distinct() {
        let names: [&[u8]; 10] = [
            b"V1",
            b"V01",
            b"L1",
            b"1",
            b"01",
            b"V1048576",
            b"some-long-thread-name-0",
            b"some-long-thread-name-1",
            b"x\xff",
            b"V",
        ];
        let mut interner = Interner::default();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(interner.get(name), None, "{i}");
            interner.insert(name, i as u32);
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(interner.get(name), Some(i as u32), "{i}");
        }
        assert_eq!(interner.get(b"V2"), None);
        assert_eq!(interner.get(b"L2"), None);
    }

    #[test]
    fn numeric_names_are_canonical_and_bounded() {
        assert_eq!(numeric(b"T12"), Some((b'T', 12)));
        assert_eq!(numeric(b"86"), Some((0, 86)));
        assert_eq!(numeric(b"T012"), None);
        assert_eq!(numeric(b"T1x"), None);
        assert_eq!(numeric(b"725849473024"), None);
    }
}
