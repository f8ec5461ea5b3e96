//! Unsigned LEB128 varints: 7 bits per byte, least significant group
//! first, the high bit set on every byte but the last. A `u64` takes 1 to
//! 10 bytes; values below 128 take one.

/// Why a varint could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VarintError {
    /// The bytes ended inside it.
    Short,
    /// More than 64 bits.
    Overflow,
}

/// Appends `v`.
#[inline]
pub(crate) fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads the varint at `bytes[*at..]`, advancing `*at` past it.
#[inline]
pub(crate) fn get(bytes: &[u8], at: &mut usize) -> Result<u64, VarintError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let Some(&b) = bytes.get(*at) else {
            return Err(VarintError::Short);
        };
        *at += 1;
        let bits = u64::from(b & 0x7F);
        if shift == 63 && bits > 1 {
            return Err(VarintError::Overflow);
        }
        v |= bits << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(VarintError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_every_length() {
        for v in [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            put(&mut buf, v);
            let mut at = 0;
            assert_eq!(get(&buf, &mut at), Ok(v));
            assert_eq!(at, buf.len());
        }
        let mut buf = Vec::new();
        put(&mut buf, 127);
        put(&mut buf, 128);
        assert_eq!(buf, [0x7F, 0x80, 0x01]);
    }

    #[test]
    fn short_and_overlong_inputs_are_refused() {
        assert_eq!(get(&[0x80, 0x80], &mut 0), Err(VarintError::Short));
        assert_eq!(get(&[], &mut 0), Err(VarintError::Short));
        let mut too_big = vec![0xFF; 9];
        too_big.push(0x02);
        assert_eq!(get(&too_big, &mut 0), Err(VarintError::Overflow));
        assert_eq!(get(&[0x80; 11], &mut 0), Err(VarintError::Overflow));
        let mut max = vec![0xFF; 9];
        max.push(0x01);
        assert_eq!(get(&max, &mut 0), Ok(u64::MAX));
    }
}
