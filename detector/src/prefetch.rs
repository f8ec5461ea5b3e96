//! Cache prefetch hints: an analysis told of an event some events before
//! it sees it (see [`Analysis::prefetch`](crate::analysis::Analysis::prefetch))
//! asks for the memory that event will touch, so the cache misses of
//! per-variable state overlap with the work on the events in between
//! instead of stalling one after another.
//!
//! A hint has no effect a program can observe but time: it never faults,
//! whatever the address, and changes no value.

/// Asks for the cache line holding `p`.
#[inline(always)]
pub(crate) fn line<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` is a hint; it reads nothing observable and does
    // not fault on any address. SSE, its target feature, is part of the
    // x86_64 baseline.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Asks for the cache lines of `value` (its first and last byte: a value
/// of up to 64 bytes may straddle two lines).
#[inline(always)]
pub(crate) fn value<T>(value: &T) {
    let start = (value as *const T).cast::<u8>();
    line(start);
    line(start.wrapping_add(std::mem::size_of::<T>().saturating_sub(1)));
}

/// Asks for the cache lines of `slice`'s first `bytes` bytes.
#[inline(always)]
pub(crate) fn lines<T>(slice: &[T], bytes: usize) {
    let start = slice.as_ptr().cast::<u8>();
    let len = std::mem::size_of_val(slice).min(bytes);
    let mut off = 0;
    while off < len {
        line(start.wrapping_add(off));
        off += 64;
    }
}
