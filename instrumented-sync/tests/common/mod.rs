//! Minimal primitives that follow the `live` contract exactly as
//! lockscope's own do (fast path, `before_block`, slices with
//! `check_abort`, `acquired`, `released` before unlock, `dropped`), so the
//! live checks are tested through `live.rs` alone. Plus helpers that
//! capture findings and serialise tests that touch global state.

#![allow(dead_code)]

use std::panic::Location;
use std::sync::mpsc;
use std::sync::{Arc, Mutex as StdMutex, MutexGuard as StdGuard};
use std::time::Duration;

use lockscope_detector::trace::{LockMode, PrimitiveKind};
use lockscope_sync::live::{self, Wait};
use lockscope_sync::meta::PrimitiveMeta;
use lockscope_sync::order::acquire::Acquirable;
use lockscope_sync::policy::{self, Action, Finding, Policy};

/// Serialises tests that change the policy or rely on the watchdog.
pub fn serial() -> StdGuard<'static, ()> {
    static LOCK: StdMutex<()> = StdMutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs a policy whose every action (or the given ones) records into
/// the returned sink.
pub fn capture(base: Policy) -> Arc<StdMutex<Vec<Finding>>> {
    let sink: Arc<StdMutex<Vec<Finding>>> = Arc::default();
    let s = sink.clone();
    let cb = Action::callback(move |f| s.lock().unwrap().push(f.clone()));
    policy::set_policy(base.on_lock_order(cb.clone()).on_self_deadlock(cb));
    sink
}

/// A finding in the runtime's words (what it prints).
pub fn report(f: &Finding) -> String {
    use lockscope_detector::finding::wording;
    wording::report(f, &wording::Words::PLAIN)
}

/// Runs `f` on a thread and fails the test (instead of hanging) if it does
/// not finish within `secs`.
pub fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("did not finish within {secs} s"))
}

fn slice() -> Duration {
    live::block_slice().unwrap_or(Duration::from_secs(3600))
}

pub struct TMutex {
    inner: parking_lot::Mutex<()>,
    pub meta: PrimitiveMeta,
}

pub struct TGuard<'a> {
    m: &'a TMutex,
    _g: Option<parking_lot::MutexGuard<'a, ()>>,
}

impl TMutex {
    #[track_caller]
    pub fn new(name: &'static str) -> Self {
        TMutex {
            inner: parking_lot::Mutex::new(()),
            meta: PrimitiveMeta::new(PrimitiveKind::Mutex, Some(name)),
        }
    }

    #[track_caller]
    pub fn ranked(name: &'static str, rank: u64) -> Self {
        TMutex {
            inner: parking_lot::Mutex::new(()),
            meta: PrimitiveMeta::new(PrimitiveKind::Mutex, Some(name)).with_rank(rank),
        }
    }

    #[track_caller]
    pub fn lock(&self) -> TGuard<'_> {
        let site = Location::caller();
        let g = match self.inner.try_lock() {
            Some(g) => g,
            None => {
                let wait = Wait::Lock {
                    lock: &self.meta,
                    mode: LockMode::Exclusive,
                };
                live::before_block(wait, site);
                loop {
                    if let Some(g) = self.inner.try_lock_for(slice()) {
                        break g;
                    }
                    live::check_abort();
                }
            }
        };
        let guard = TGuard {
            m: self,
            _g: Some(g),
        };
        live::acquired(&self.meta, LockMode::Exclusive, true, site);
        guard
    }

    #[track_caller]
    pub fn try_lock(&self) -> Option<TGuard<'_>> {
        let g = self.inner.try_lock()?;
        let guard = TGuard {
            m: self,
            _g: Some(g),
        };
        live::acquired(&self.meta, LockMode::Exclusive, false, Location::caller());
        Some(guard)
    }
}

impl Drop for TGuard<'_> {
    fn drop(&mut self) {
        live::released(&self.m.meta, LockMode::Exclusive);
    }
}

impl Drop for TMutex {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}

impl Acquirable for TMutex {
    type Guard<'a> = TGuard<'a>;
    fn info(&self) -> lockscope_sync::thread_state::LockInfo {
        lockscope_sync::thread_state::LockInfo::of(&self.meta)
    }
    #[track_caller]
    fn lock_for_acquire(&self) -> TGuard<'_> {
        self.lock()
    }
}

pub struct TRwLock {
    inner: parking_lot::RwLock<()>,
    pub meta: PrimitiveMeta,
}

pub enum RwGuardInner<'a> {
    Read(parking_lot::RwLockReadGuard<'a, ()>),
    Write(parking_lot::RwLockWriteGuard<'a, ()>),
}

pub struct TRwGuard<'a> {
    l: &'a TRwLock,
    mode: LockMode,
    _g: RwGuardInner<'a>,
}

impl TRwLock {
    #[track_caller]
    pub fn new(name: &'static str) -> Self {
        TRwLock {
            inner: parking_lot::RwLock::new(()),
            meta: PrimitiveMeta::new(PrimitiveKind::RwLock, Some(name)),
        }
    }

    #[track_caller]
    pub fn read(&self) -> TRwGuard<'_> {
        let site = Location::caller();
        let g = match self.inner.try_read() {
            Some(g) => g,
            None => {
                let wait = Wait::Lock {
                    lock: &self.meta,
                    mode: LockMode::Shared,
                };
                live::before_block(wait, site);
                loop {
                    if let Some(g) = self.inner.try_read_for(slice()) {
                        break g;
                    }
                    live::check_abort();
                }
            }
        };
        let guard = TRwGuard {
            l: self,
            mode: LockMode::Shared,
            _g: RwGuardInner::Read(g),
        };
        live::acquired(&self.meta, LockMode::Shared, true, site);
        guard
    }

    #[track_caller]
    pub fn write(&self) -> TRwGuard<'_> {
        let site = Location::caller();
        let g = match self.inner.try_write() {
            Some(g) => g,
            None => {
                let wait = Wait::Lock {
                    lock: &self.meta,
                    mode: LockMode::Exclusive,
                };
                live::before_block(wait, site);
                loop {
                    if let Some(g) = self.inner.try_write_for(slice()) {
                        break g;
                    }
                    live::check_abort();
                }
            }
        };
        let guard = TRwGuard {
            l: self,
            mode: LockMode::Exclusive,
            _g: RwGuardInner::Write(g),
        };
        live::acquired(&self.meta, LockMode::Exclusive, true, site);
        guard
    }
}

impl Drop for TRwGuard<'_> {
    fn drop(&mut self) {
        live::released(&self.l.meta, self.mode);
    }
}

impl Drop for TRwLock {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}

impl Acquirable for TRwLock {
    type Guard<'a> = TRwGuard<'a>;
    fn info(&self) -> lockscope_sync::thread_state::LockInfo {
        lockscope_sync::thread_state::LockInfo::of(&self.meta)
    }
    #[track_caller]
    fn lock_for_acquire(&self) -> TRwGuard<'_> {
        self.write()
    }
}

pub struct TReentrant {
    inner: parking_lot::ReentrantMutex<()>,
    pub meta: PrimitiveMeta,
}

pub struct TReGuard<'a> {
    m: &'a TReentrant,
    _g: parking_lot::ReentrantMutexGuard<'a, ()>,
}

impl TReentrant {
    #[track_caller]
    pub fn new(name: &'static str) -> Self {
        TReentrant {
            inner: parking_lot::ReentrantMutex::new(()),
            meta: PrimitiveMeta::new(PrimitiveKind::ReentrantMutex, Some(name)),
        }
    }

    #[track_caller]
    pub fn lock(&self) -> TReGuard<'_> {
        let site = Location::caller();
        let g = match self.inner.try_lock() {
            Some(g) => g,
            None => {
                let wait = Wait::Lock {
                    lock: &self.meta,
                    mode: LockMode::Exclusive,
                };
                live::before_block(wait, site);
                loop {
                    if let Some(g) = self.inner.try_lock_for(slice()) {
                        break g;
                    }
                    live::check_abort();
                }
            }
        };
        let guard = TReGuard { m: self, _g: g };
        live::acquired(&self.meta, LockMode::Exclusive, true, site);
        guard
    }
}

impl Drop for TReGuard<'_> {
    fn drop(&mut self) {
        live::released(&self.m.meta, LockMode::Exclusive);
    }
}

impl Acquirable for TReentrant {
    type Guard<'a> = TReGuard<'a>;
    fn info(&self) -> lockscope_sync::thread_state::LockInfo {
        lockscope_sync::thread_state::LockInfo::of(&self.meta)
    }
    #[track_caller]
    fn lock_for_acquire(&self) -> TReGuard<'_> {
        self.lock()
    }
}

/// An event that is never set: blocks (in slices, checking for abort) until
/// `stop` says so.
pub struct TEvent {
    pub meta: PrimitiveMeta,
    set: std::sync::atomic::AtomicBool,
}

impl TEvent {
    #[track_caller]
    pub fn new(name: &'static str) -> Self {
        TEvent {
            meta: PrimitiveMeta::new(PrimitiveKind::Event, Some(name)),
            set: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn set(&self) {
        self.set.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    #[track_caller]
    pub fn wait(&self) {
        live::before_block(Wait::Event { event: &self.meta }, Location::caller());
        while !self.set.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(slice());
            live::check_abort();
        }
        live::wait_ended();
    }
}
