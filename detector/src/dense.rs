//! Dense tables indexed by a trace's ids (one entry per thread, primitive,
//! variable or site), grown to an id the first time it is used.
//!
//! A table grows by a quarter of its capacity at a time, not by doubling:
//! traces of real test suites have hundreds of thousands of threads and
//! locks, and a doubled table of a million entries would carry up to a
//! million unused ones. Growing by a quarter keeps the slack under 25% at
//! the cost of about five copies of each entry over the table's life
//! instead of two, each copy a `memcpy`.

/// Makes `v` at least `index + 1` long, new entries made by `fill`.
#[inline]
pub(crate) fn grow<T>(v: &mut Vec<T>, index: usize, fill: impl FnMut() -> T) {
    if index < v.len() {
        return;
    }
    reserve_for(v, index + 1);
    v.resize_with(index + 1, fill);
}

/// Entry `index` of `v`, growing `v` to it first (see [`grow`]).
#[inline]
pub(crate) fn entry<T>(v: &mut Vec<T>, index: usize, fill: impl FnMut() -> T) -> &mut T {
    grow(v, index, fill);
    &mut v[index]
}

/// Appends `item` to `v`, growing it by a quarter when it is full.
#[inline]
pub(crate) fn push<T>(v: &mut Vec<T>, item: T) {
    reserve_for(v, v.len() + 1);
    v.push(item);
}

#[inline]
fn reserve_for<T>(v: &mut Vec<T>, len: usize) {
    if len > v.capacity() {
        let target = len.max(v.capacity() + v.capacity() / 4).max(16);
        v.reserve_exact(target - v.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_grows_to_the_id_with_a_quarter_of_slack_at_most() {
        let mut v: Vec<u64> = Vec::new();
        for i in 0..1_000_000 {
            *entry(&mut v, i, || 0) += 1;
            assert!(v.capacity() <= (v.len() + v.len() / 4).max(16) + 1, "{i}");
        }
        assert!(v.iter().all(|&n| n == 1));
        grow(&mut v, 1_000_009, || 7);
        assert_eq!((v.len(), v[1_000_009], v[999_999]), (1_000_010, 7, 1));
    }

    #[test]
    fn push_grows_by_a_quarter() {
        let mut v = Vec::new();
        for i in 0..100_000u32 {
            push(&mut v, i);
        }
        assert!(v.capacity() < 125_001, "{}", v.capacity());
        assert_eq!(v[99_999], 99_999);
    }
}
