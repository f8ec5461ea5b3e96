//! Fingerprints: the same bug in two runs has the same fingerprint, because
//! it hashes the kind and the names and sites that identify the bug, never
//! ids, addresses, times or event indices. Baselines and suppressions key
//! on it, and findings are aggregated by it.

use super::kind::FindingKind;

/// A stable 64-bit FNV-1a hash of `kind` and `identity`, as 16 hex digits.
///
/// Stable across runs, platforms and lockscope versions: it depends only on
/// the bytes of the kind's wire name and of each identity string.
pub fn fingerprint(kind: FindingKind, identity: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
        // A separator no identity string contains, so ["ab","c"] != ["a","bc"].
        hash ^= 0xff;
        hash = hash.wrapping_mul(PRIME);
    };
    feed(kind.as_str().as_bytes());
    for part in identity {
        feed(part.as_bytes());
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_separates_parts() {
        let a = fingerprint(FindingKind::Deadlock, &["L1", "L2"]);
        assert_eq!(a, fingerprint(FindingKind::Deadlock, &["L1", "L2"]));
        assert_ne!(a, fingerprint(FindingKind::Deadlock, &["L1L", "2"]));
        assert_ne!(
            a,
            fingerprint(FindingKind::PotentialDeadlock, &["L1", "L2"])
        );
        // Pinned: a change here breaks every user's baseline file.
        assert_eq!(fingerprint(FindingKind::Deadlock, &[]), "52b1d1f0b8a6397d");
    }
}
