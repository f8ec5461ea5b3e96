//! `stdsync`'s types implement `Send`, `Sync`, `UnwindSafe`,
//! `RefUnwindSafe` and `Unpin` exactly when std's do: checked when this
//! file compiles, for each type over data types that have each mix of
//! those traits.
//!
//! Each check compares two `const` answers, std's type's and stdsync's:
//! `Probe::<T>::YES` is the inherent constant (true) when `T` has the
//! trait, else the trait's default (false). A difference fails the build
//! of this test, naming the trait and the type; the file has no test
//! functions.

#![allow(dead_code)]

use std::cell::Cell;
use std::marker::PhantomPinned;
use std::rc::Rc;

macro_rules! probe {
    ($($module:ident: $trait:path),* $(,)?) => {$(
        mod $module {
            pub struct Probe<T: ?Sized>(::std::marker::PhantomData<T>);
            pub trait No {
                const YES: bool = false;
            }
            impl<T: ?Sized> No for Probe<T> {}
            impl<T: ?Sized + $trait> Probe<T> {
                pub const YES: bool = true;
            }
        }
    )*};
}

probe!(
    send: Send,
    sync: Sync,
    unwind_safe: std::panic::UnwindSafe,
    ref_unwind_safe: std::panic::RefUnwindSafe,
    unpin: Unpin,
);

// The fallback answers (false) for every probe.
use ref_unwind_safe::No as _;
use send::No as _;
use sync::No as _;
use unpin::No as _;
use unwind_safe::No as _;

/// For each `Name[generic args]`, std's and stdsync's types must answer
/// every probe alike.
macro_rules! same_as_std {
    (@check $std:ident, $ours:ident, $probe:ident, $trait:literal, $($what:tt)*) => {
        assert!(
            $probe::Probe::<$std>::YES == $probe::Probe::<$ours>::YES,
            concat!($trait, " differs from std's for ", stringify!($($what)*))
        );
    };
    ($($name:ident $([$($args:tt)*])?),* $(,)?) => {$(
        const _: () = {
            type Std = std::sync::$name $(<$($args)*>)?;
            type Ours = lockscope_sync::stdsync::$name $(<$($args)*>)?;
            same_as_std!(@check Std, Ours, send, "Send", $name $([$($args)*])?);
            same_as_std!(@check Std, Ours, sync, "Sync", $name $([$($args)*])?);
            same_as_std!(@check Std, Ours, unwind_safe, "UnwindSafe", $name $([$($args)*])?);
            same_as_std!(@check Std, Ours, ref_unwind_safe, "RefUnwindSafe", $name $([$($args)*])?);
            same_as_std!(@check Std, Ours, unpin, "Unpin", $name $([$($args)*])?);
        };
    )*};
}

/// Data types, one per mix of the probed traits.
type Plain = u8; // all five
type NotSync = Cell<u8>; // Send, UnwindSafe, not Sync nor RefUnwindSafe
type Local = Rc<u8>; // neither Send nor Sync
type SyncNotSend = std::sync::MutexGuard<'static, u8>; // Sync, not Send
type NotUnwindSafe = &'static mut u8; // Send + Sync, not UnwindSafe
type Pinned = PhantomPinned; // not Unpin
type Unsized = dyn std::fmt::Debug; // !Send, !Sync, unsized

same_as_std!(
    Mutex[Plain], Mutex[NotSync], Mutex[Local], Mutex[SyncNotSend],
    Mutex[NotUnwindSafe], Mutex[Pinned], Mutex[Unsized], Mutex[[u8]],
    MutexGuard['static, Plain], MutexGuard['static, NotSync], MutexGuard['static, Local],
    MutexGuard['static, SyncNotSend], MutexGuard['static, NotUnwindSafe],
    MutexGuard['static, Pinned], MutexGuard['static, Unsized],
    RwLock[Plain], RwLock[NotSync], RwLock[Local], RwLock[SyncNotSend],
    RwLock[NotUnwindSafe], RwLock[Pinned], RwLock[Unsized],
    RwLockReadGuard['static, Plain], RwLockReadGuard['static, NotSync],
    RwLockReadGuard['static, Local], RwLockReadGuard['static, SyncNotSend],
    RwLockReadGuard['static, NotUnwindSafe], RwLockReadGuard['static, Pinned],
    RwLockReadGuard['static, Unsized],
    RwLockWriteGuard['static, Plain], RwLockWriteGuard['static, NotSync],
    RwLockWriteGuard['static, Local], RwLockWriteGuard['static, SyncNotSend],
    RwLockWriteGuard['static, NotUnwindSafe], RwLockWriteGuard['static, Pinned],
    RwLockWriteGuard['static, Unsized],
    OnceLock[Plain], OnceLock[NotSync], OnceLock[Local], OnceLock[SyncNotSend],
    OnceLock[NotUnwindSafe], OnceLock[Pinned],
    LazyLock[Plain], LazyLock[NotSync], LazyLock[Local], LazyLock[SyncNotSend],
    LazyLock[NotUnwindSafe], LazyLock[Pinned],
    LazyLock[Plain, NotSync], LazyLock[Plain, Local], LazyLock[Plain, SyncNotSend],
    LazyLock[Plain, NotUnwindSafe], LazyLock[Plain, Pinned], LazyLock[NotSync, Local],
    Condvar, WaitTimeoutResult, Barrier, BarrierWaitResult,
);

// The probes themselves answer both ways, so the comparisons above can
// fail.
const _: () = {
    use send::No as _;
    use sync::No as _;
    use unpin::No as _;
    use unwind_safe::No as _;
    assert!(send::Probe::<Plain>::YES && !send::Probe::<Local>::YES);
    assert!(sync::Probe::<SyncNotSend>::YES && !sync::Probe::<NotSync>::YES);
    assert!(unwind_safe::Probe::<NotSync>::YES && !unwind_safe::Probe::<NotUnwindSafe>::YES);
    assert!(unpin::Probe::<Plain>::YES && !unpin::Probe::<Pinned>::YES);
    // std's guard is `Sync` without `T: Send`, which lock_api's is not.
    assert!(!sync::Probe::<lockscope_sync::MutexGuard<'static, SyncNotSend>>::YES);
};
