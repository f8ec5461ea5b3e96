//! What the async locks' guards share: `Deref`, `Debug`, `Display` by
//! delegation to tokio's guard inside, and the lifetime extension that makes
//! an owned guard from a borrowed one.

/// Implements `Deref` (and `DerefMut` if asked), `Debug` and `Display` for
/// a guard type by delegation to its field `$field`.
macro_rules! delegate_guard {
    ($ty:ty, $target:ty, [$($gen:tt)*], $($field:ident).+) => {
        impl<$($gen)*> std::ops::Deref for $ty {
            type Target = $target;
            fn deref(&self) -> &$target {
                &self.$($field).+
            }
        }
        impl<$($gen)*> std::fmt::Debug for $ty
        where
            $target: std::fmt::Debug,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }
        impl<$($gen)*> std::fmt::Display for $ty
        where
            $target: std::fmt::Display,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}

/// [`delegate_guard!`] plus `DerefMut`.
macro_rules! delegate_guard_mut {
    ($ty:ty, $target:ty, [$($gen:tt)*], $($field:ident).+) => {
        $crate::tokio_sync::guard::delegate_guard!($ty, $target, [$($gen)*], $($field).+);
        impl<$($gen)*> std::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $target {
                &mut self.$($field).+
            }
        }
    };
}

pub(crate) use {delegate_guard, delegate_guard_mut};

/// `guard` with its borrow of the lock extended to `'static`.
///
/// # Safety
/// The caller keeps the lock it borrows alive (an `Arc` stored beside the
/// result) and drops the result before that `Arc`.
pub(crate) unsafe fn extend<'a, G, H>(guard: G) -> H
where
    G: 'a,
{
    debug_assert_eq!(std::mem::size_of::<G>(), std::mem::size_of::<H>());
    let guard = std::mem::ManuallyDrop::new(guard);
    // SAFETY: `H` is `G` with `'static` for `'a` (the caller's contract;
    // both are the same type but for a lifetime, so the layout is the
    // same), and the value is moved out of `guard` once.
    unsafe { std::ptr::read(&*guard as *const G as *const H) }
}
