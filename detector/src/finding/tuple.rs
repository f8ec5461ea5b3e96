//! Site tuples: the sites of an occurrence's steps, hashed, so a finding can
//! count its distinct tuples in 8 bytes each. A site hashes by the text a
//! finding shows for it, so the same site hashes alike in every trace and
//! in the runtime; an analysis hashes each of its trace's sites once
//! ([`site_hash`]) and combines them per occurrence ([`tuple_of`]), which
//! costs a few multiplications.

use std::collections::HashSet;
use std::fmt::{self, Display, Write as _};
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};

/// The hash of one site, as a finding shows it (`file:line:col`, `loc N`).
pub fn site_hash(site: impl Display) -> u64 {
    struct Feed<'a>(&'a mut DefaultHasher);
    impl fmt::Write for Feed<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut h = DefaultHasher::new();
    // Writing into a hasher cannot fail.
    let _ = write!(Feed(&mut h), "{site}");
    h.finish()
}

/// The tuple of sites with these hashes (`None` for an unknown site), in
/// order.
pub fn tuple_of(hashes: impl IntoIterator<Item = Option<u64>>) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for site in hashes {
        h = (h ^ site.unwrap_or(0x5eed))
            .wrapping_mul(PRIME)
            .rotate_left(29);
    }
    h
}

/// The tuple of `sites`, each hashed with [`site_hash`].
pub fn site_tuple<S: Display>(sites: impl IntoIterator<Item = Option<S>>) -> u64 {
    tuple_of(sites.into_iter().map(|s| s.map(site_hash)))
}

/// A set of tuple hashes: they are hashes already, so the set does not hash
/// them again.
pub(super) type Tuples = HashSet<u64, BuildHasherDefault<AsIs>>;

/// A hasher that passes a `u64` through.
#[derive(Debug, Default)]
pub(super) struct AsIs(u64);

impl Hasher for AsIs {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_depend_on_sites_and_their_order() {
        let a = site_tuple([Some("a.rs:1:1"), Some("b.rs:2:2")]);
        assert_eq!(
            a,
            tuple_of([Some(site_hash("a.rs:1:1")), Some(site_hash("b.rs:2:2"))])
        );
        assert_ne!(a, site_tuple([Some("b.rs:2:2"), Some("a.rs:1:1")]));
        assert_ne!(a, site_tuple([Some("a.rs:1:1"), None]));
        let mut set = Tuples::default();
        assert!(set.insert(a) && !set.insert(a));
    }
}
