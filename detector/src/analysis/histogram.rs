//! A fixed-size, log-bucketed histogram of `u64` durations, for percentiles
//! in bounded memory.
//!
//! Values below 16 have a bucket each; above, every power of two is split
//! into 16 equal sub-buckets (HdrHistogram's layout with one significant
//! hex digit), so a bucket is at most 1/16 = 6.25% of its values wide.
//! [`quantile`](LogHistogram::quantile) returns the upper bound of the
//! bucket holding the requested rank, clamped to the largest value
//! recorded: it never under-reports and is at most 6.25% high.
//!
//! Why not the `hdrhistogram` crate: its current release needs Rust 1.88
//! (the workspace promises 1.85), it resizes on demand, and its precision
//! is more than a contention table prints; this is 976 counters, fixed.
//!
//! # Performance
//! [`record`](LogHistogram::record) is O(1) (a leading-zeros count and a
//! shift); [`quantile`](LogHistogram::quantile) walks the 976 buckets.
//! Memory: 7.8 KB per histogram, allocated once.

const SUB_BITS: u32 = 4;
const SUB: usize = 1 << SUB_BITS;
/// 16 exact buckets, then 16 per power of two from 2^4 to 2^63.
const BUCKETS: usize = SUB + (64 - SUB_BITS as usize) * SUB;

/// See the module docs.
#[derive(Clone, Debug)]
pub(crate) struct LogHistogram {
    counts: Box<[u64; BUCKETS]>,
    total: u64,
    max: u64,
}

impl Default for LogHistogram {
    fn default() -> Self {
        LogHistogram {
            counts: Box::new([0; BUCKETS]),
            total: 0,
            max: 0,
        }
    }
}

impl LogHistogram {
    /// Counts one value.
    #[inline]
    pub(crate) fn record(&mut self, value: u64) {
        self.counts[bucket(value)] += 1;
        self.total += 1;
        self.max = self.max.max(value);
    }

    /// The value at quantile `q` (0.0..=1.0); 0 when empty.
    pub(crate) fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        // The rank (1-based) of the value at q: ceil(q * n), at least 1.
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return upper_bound(i).min(self.max);
            }
        }
        self.max
    }
}

/// The bucket of `v`.
#[inline]
fn bucket(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros(); // >= SUB_BITS
    let sub = ((v >> (exp - SUB_BITS)) as usize) & (SUB - 1);
    SUB + (exp - SUB_BITS) as usize * SUB + sub
}

/// The largest value that falls in bucket `i`.
fn upper_bound(i: usize) -> u64 {
    if i < SUB {
        return i as u64;
    }
    let exp = (i - SUB) / SUB + SUB_BITS as usize;
    let sub = ((i - SUB) % SUB) as u64;
    let width_shift = exp - SUB_BITS as usize;
    let lower = (1u64 << exp) | (sub << width_shift);
    lower + ((1u64 << width_shift) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        let mut h = LogHistogram::default();
        for v in 0..10 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), 4);
        assert_eq!(h.quantile(1.0), 9);
        assert_eq!(h.quantile(0.0), 0);
    }

    #[test]
    fn buckets_cover_every_value_contiguously() {
        for v in [16u64, 17, 31, 32, 1000, 1 << 40, u64::MAX] {
            let b = bucket(v);
            assert!(v <= upper_bound(b), "{v} above its bucket {b}");
            assert!(
                b == 0 || v > upper_bound(b - 1),
                "{v} not above bucket {}",
                b - 1
            );
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        assert_eq!(upper_bound(BUCKETS - 1), u64::MAX);
    }

    #[test]
    fn p99_is_within_one_bucket_and_never_below() {
        let mut h = LogHistogram::default();
        for v in 1..=10_000u64 {
            h.record(v * 1000);
        }
        let p99 = h.quantile(0.99);
        let exact = 9_900_000u64;
        assert!(
            p99 >= exact && (p99 - exact) as f64 <= exact as f64 / 16.0,
            "{p99}"
        );
        assert_eq!(h.quantile(1.0), 10_000_000);
    }

    #[test]
    fn empty_histogram_reports_zero() {
        assert_eq!(LogHistogram::default().quantile(0.99), 0);
    }
}
