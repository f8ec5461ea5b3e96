//! What the raw locks stand on: a state word and a parking lot.
//!
//! The locks in this folder are written once, generic over a [`Lot`]: the
//! atomic types of their state word and the parking lot's park and unpark
//! calls. [`Os`] is the real one (std's atomics and `parking_lot_core`,
//! which parks OS threads in a global table of queues keyed by address);
//! under the private `lockscope_loom` cfg a second lot, a model of
//! `parking_lot_core` on loom's primitives, lets loom check the same code
//! (`loom_lot.rs`, `tests/loom_raw_*.rs`).
//!
//! The contract is `parking_lot_core`'s: `park` runs `validate` under the
//! queue's lock and parks only if it returns true; `unpark_*` run their
//! callbacks under the same lock; a thread woken with a token reads it after
//! the unparker wrote it, and everything the unparker did before writing it
//! happens before the woken thread goes on (the queue lock orders them).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub use parking_lot_core::{FilterOp, ParkResult, ParkToken, RequeueOp, UnparkResult, UnparkToken};

/// How long a waiter may wait before it asks for the lock to be handed to
/// it (see the fairness section of `raw/mod.rs`).
pub const FAIR_AFTER: Duration = Duration::from_micros(500);

/// The atomic operations the raw locks use on a state word.
pub trait Atomic: Sync {
    /// The word's value type.
    type V: Copy + Eq;
    fn load(&self, order: Ordering) -> Self::V;
    fn compare_exchange(
        &self,
        current: Self::V,
        new: Self::V,
        success: Ordering,
        failure: Ordering,
    ) -> Result<Self::V, Self::V>;
    fn compare_exchange_weak(
        &self,
        current: Self::V,
        new: Self::V,
        success: Ordering,
        failure: Ordering,
    ) -> Result<Self::V, Self::V>;
    fn store(&self, value: Self::V, order: Ordering);
    fn fetch_add(&self, value: Self::V, order: Ordering) -> Self::V;
    fn fetch_sub(&self, value: Self::V, order: Ordering) -> Self::V;
    fn fetch_and(&self, value: Self::V, order: Ordering) -> Self::V;
    fn fetch_or(&self, value: Self::V, order: Ordering) -> Self::V;
}

/// A spin-then-park back-off: `spin` spins (or yields) and returns true
/// while spinning is still worth it.
pub trait Spin: Default {
    fn spin(&mut self) -> bool;
}

/// A parking lot: the atomic types and the park/unpark calls of
/// `parking_lot_core`, with its safety contract (see its docs): keys are
/// addresses the caller owns; `validate`, `timed_out` and the unpark
/// callbacks run under the queue lock and must not unwind or park.
pub trait Lot: Sized + 'static {
    type U8: Atomic<V = u8>;
    type Usize: Atomic<V = usize>;
    type Spin: Spin;

    /// See `parking_lot_core::park`.
    ///
    /// # Safety
    /// `parking_lot_core::park`'s contract.
    unsafe fn park(
        key: usize,
        validate: impl FnOnce() -> bool,
        before_sleep: impl FnOnce(),
        timed_out: impl FnOnce(usize, bool),
        token: ParkToken,
        timeout: Option<Instant>,
    ) -> ParkResult;

    /// See `parking_lot_core::unpark_one`.
    ///
    /// # Safety
    /// `parking_lot_core::unpark_one`'s contract.
    unsafe fn unpark_one(
        key: usize,
        callback: impl FnOnce(UnparkResult) -> UnparkToken,
    ) -> UnparkResult;

    /// See `parking_lot_core::unpark_filter`.
    ///
    /// # Safety
    /// `parking_lot_core::unpark_filter`'s contract.
    unsafe fn unpark_filter(
        key: usize,
        filter: impl FnMut(ParkToken) -> FilterOp,
        callback: impl FnOnce(UnparkResult) -> UnparkToken,
    ) -> UnparkResult;

    /// See `parking_lot_core::unpark_requeue`.
    ///
    /// # Safety
    /// `parking_lot_core::unpark_requeue`'s contract.
    unsafe fn unpark_requeue(
        from: usize,
        to: usize,
        validate: impl FnOnce() -> RequeueOp,
        callback: impl FnOnce(RequeueOp, UnparkResult) -> UnparkToken,
    ) -> UnparkResult;

    /// Whether a waiter that first parked at `since` has waited long enough
    /// to ask for a hand-over.
    fn waited_long(since: Instant) -> bool;
}

macro_rules! atomic {
    ($atomic:ty, $v:ty) => {
        impl Atomic for $atomic {
            type V = $v;
            #[inline(always)]
            fn load(&self, order: ::std::sync::atomic::Ordering) -> $v {
                <$atomic>::load(self, order)
            }
            #[inline(always)]
            fn compare_exchange(
                &self,
                current: $v,
                new: $v,
                success: ::std::sync::atomic::Ordering,
                failure: ::std::sync::atomic::Ordering,
            ) -> Result<$v, $v> {
                <$atomic>::compare_exchange(self, current, new, success, failure)
            }
            #[inline(always)]
            fn compare_exchange_weak(
                &self,
                current: $v,
                new: $v,
                success: ::std::sync::atomic::Ordering,
                failure: ::std::sync::atomic::Ordering,
            ) -> Result<$v, $v> {
                <$atomic>::compare_exchange_weak(self, current, new, success, failure)
            }
            #[inline(always)]
            fn store(&self, value: $v, order: ::std::sync::atomic::Ordering) {
                <$atomic>::store(self, value, order)
            }
            #[inline(always)]
            fn fetch_add(&self, value: $v, order: ::std::sync::atomic::Ordering) -> $v {
                <$atomic>::fetch_add(self, value, order)
            }
            #[inline(always)]
            fn fetch_sub(&self, value: $v, order: ::std::sync::atomic::Ordering) -> $v {
                <$atomic>::fetch_sub(self, value, order)
            }
            #[inline(always)]
            fn fetch_and(&self, value: $v, order: ::std::sync::atomic::Ordering) -> $v {
                <$atomic>::fetch_and(self, value, order)
            }
            #[inline(always)]
            fn fetch_or(&self, value: $v, order: ::std::sync::atomic::Ordering) -> $v {
                <$atomic>::fetch_or(self, value, order)
            }
        }
    };
}
#[cfg(lockscope_loom)]
pub(crate) use atomic;

atomic!(std::sync::atomic::AtomicU8, u8);
atomic!(std::sync::atomic::AtomicUsize, usize);

impl Spin for parking_lot_core::SpinWait {
    #[inline]
    fn spin(&mut self) -> bool {
        parking_lot_core::SpinWait::spin(self)
    }
}

/// The real parking lot: std's atomics and `parking_lot_core`.
#[derive(Debug)]
pub struct Os;

impl Lot for Os {
    type U8 = std::sync::atomic::AtomicU8;
    type Usize = std::sync::atomic::AtomicUsize;
    type Spin = parking_lot_core::SpinWait;

    #[inline]
    unsafe fn park(
        key: usize,
        validate: impl FnOnce() -> bool,
        before_sleep: impl FnOnce(),
        timed_out: impl FnOnce(usize, bool),
        token: ParkToken,
        timeout: Option<Instant>,
    ) -> ParkResult {
        // SAFETY: the caller keeps `parking_lot_core::park`'s contract.
        unsafe { parking_lot_core::park(key, validate, before_sleep, timed_out, token, timeout) }
    }

    #[inline]
    unsafe fn unpark_one(
        key: usize,
        callback: impl FnOnce(UnparkResult) -> UnparkToken,
    ) -> UnparkResult {
        // SAFETY: the caller keeps `parking_lot_core::unpark_one`'s contract.
        unsafe { parking_lot_core::unpark_one(key, callback) }
    }

    #[inline]
    unsafe fn unpark_filter(
        key: usize,
        filter: impl FnMut(ParkToken) -> FilterOp,
        callback: impl FnOnce(UnparkResult) -> UnparkToken,
    ) -> UnparkResult {
        // SAFETY: the caller keeps `parking_lot_core::unpark_filter`'s contract.
        unsafe { parking_lot_core::unpark_filter(key, filter, callback) }
    }

    #[inline]
    unsafe fn unpark_requeue(
        from: usize,
        to: usize,
        validate: impl FnOnce() -> RequeueOp,
        callback: impl FnOnce(RequeueOp, UnparkResult) -> UnparkToken,
    ) -> UnparkResult {
        // SAFETY: the caller keeps `parking_lot_core::unpark_requeue`'s contract.
        unsafe { parking_lot_core::unpark_requeue(from, to, validate, callback) }
    }

    #[inline]
    fn waited_long(since: Instant) -> bool {
        since.elapsed() >= FAIR_AFTER
    }
}

/// The token a waiter is woken with when the lock is free for it to take.
pub const TOKEN_RETRY: UnparkToken = UnparkToken(0);
/// The token a waiter is woken with when the lock (in the mode it asked
/// for) is already its own: the unparker handed it over.
pub const TOKEN_HANDOFF: UnparkToken = UnparkToken(1);
