//! What the benches measure that users never call: a mutex that runs the
//! live checks exactly as lockscope's primitives do, without the recorder,
//! so `benches/order.rs` can show the live checks' cost alone.

use std::panic::Location;

use lockscope_detector::trace::{LockMode, PrimitiveKind};

use crate::hook::{self, Wait};
use crate::meta::PrimitiveMeta;
use crate::raw;

/// lockscope's raw mutex with the live checks and no recorder.
#[allow(missing_debug_implementations)]
pub struct LiveMutex {
    inner: raw::Mutex<()>,
    meta: PrimitiveMeta,
}

/// A [`LiveMutex`] held; released (checks first) when dropped.
#[allow(missing_debug_implementations)]
pub struct LiveGuard<'a> {
    m: &'a LiveMutex,
    _g: raw::MutexGuard<'a, ()>,
}

impl Default for LiveMutex {
    #[track_caller]
    fn default() -> Self {
        LiveMutex {
            inner: raw::Mutex::new(()),
            meta: PrimitiveMeta::new(PrimitiveKind::Mutex, None),
        }
    }
}

impl LiveMutex {
    #[track_caller]
    pub fn lock(&self) -> LiveGuard<'_> {
        let site = Location::caller();
        let mode = LockMode::Exclusive;
        let g = match self.inner.try_lock() {
            Some(g) => g,
            None => {
                let wait = Wait::Lock {
                    lock: &self.meta,
                    mode,
                };
                hook::before_block(wait, site);
                self.inner.lock()
            }
        };
        hook::acquired(&self.meta, mode, true, site);
        LiveGuard { m: self, _g: g }
    }
}

impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        hook::released(&self.m.meta, LockMode::Exclusive);
    }
}

impl Drop for LiveMutex {
    fn drop(&mut self) {
        hook::dropped(&self.meta);
    }
}
