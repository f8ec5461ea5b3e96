//! The live checks' tests' locks: lockscope's own primitives under short
//! constructors (a name, a rank), so each test reads as the scenario it
//! checks. Plus helpers that capture findings and serialise tests that
//! touch global state.

#![allow(dead_code)]

use std::sync::mpsc;
use std::sync::{Arc, Mutex as StdMutex, MutexGuard as StdGuard};
use std::time::Duration;

use lockscope_sync::order::acquire::{Acquirable, LockInfo};
use lockscope_sync::policy::{self, Action, Finding, Policy};
use lockscope_sync::prelude::*;
use lockscope_sync::{
    Event, Mutex, MutexGuard, ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockReadGuard,
    RwLockWriteGuard,
};

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

/// A named mutex guarding nothing.
pub struct TMutex(Mutex<()>);

impl TMutex {
    #[track_caller]
    pub fn new(name: &'static str) -> Self {
        TMutex(Mutex::named(name, ()))
    }

    #[cfg(feature = "record")]
    #[track_caller]
    pub fn ranked(name: &'static str, rank: u64) -> Self {
        TMutex(Mutex::from_raw(
            lockscope_sync::RawMutex::ranked(Some(name), rank),
            (),
        ))
    }

    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, ()> {
        self.0.lock()
    }

    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, ()>> {
        self.0.try_lock()
    }
}

impl Acquirable for TMutex {
    type Guard<'a> = MutexGuard<'a, ()>;
    fn info(&self) -> LockInfo {
        self.0.info()
    }
    #[track_caller]
    fn lock_for_acquire(&self) -> MutexGuard<'_, ()> {
        self.0.lock_for_acquire()
    }
}

/// A named rwlock guarding nothing.
pub struct TRwLock(RwLock<()>);

impl TRwLock {
    #[track_caller]
    pub fn new(name: &'static str) -> Self {
        TRwLock(RwLock::named(name, ()))
    }

    #[track_caller]
    pub fn read(&self) -> RwLockReadGuard<'_, ()> {
        self.0.read()
    }

    #[track_caller]
    pub fn write(&self) -> RwLockWriteGuard<'_, ()> {
        self.0.write()
    }

    #[track_caller]
    pub fn try_read_for(&self, timeout: Duration) -> Option<RwLockReadGuard<'_, ()>> {
        self.0.try_read_for(timeout)
    }
}

impl Acquirable for TRwLock {
    type Guard<'a> = RwLockWriteGuard<'a, ()>;
    fn info(&self) -> LockInfo {
        self.0.info()
    }
    #[track_caller]
    fn lock_for_acquire(&self) -> RwLockWriteGuard<'_, ()> {
        self.0.lock_for_acquire()
    }
}

/// A named reentrant mutex guarding nothing.
pub struct TReentrant(ReentrantMutex<()>);

impl TReentrant {
    #[track_caller]
    pub fn new(name: &'static str) -> Self {
        TReentrant(ReentrantMutex::named(name, ()))
    }

    #[track_caller]
    pub fn lock(&self) -> ReentrantMutexGuard<'_, ()> {
        self.0.lock()
    }
}

/// A named event that only the test sets.
pub struct TEvent(Event);

impl TEvent {
    #[track_caller]
    pub fn new(name: &'static str) -> Self {
        TEvent(Event::named(name))
    }

    pub fn set(&self) {
        self.0.set();
    }

    #[track_caller]
    pub fn wait(&self) {
        self.0.wait();
    }
}
