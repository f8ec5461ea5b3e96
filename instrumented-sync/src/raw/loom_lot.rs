//! A model of `parking_lot_core` on loom's primitives, so loom can check
//! the raw locks' own algorithms (`tests/loom_raw_*.rs`, `.ci/loom`).
//!
//! One queue of parked threads (oldest first), each with its key and park
//! token, under one loom mutex; a parked thread sleeps on a condvar of its
//! own until an unpark gives it a token. `validate`, `timed_out` and the
//! unpark callbacks run under the queue's mutex, as in the real lot. A
//! timed park has no clock to wait for: once queued it may time out at
//! any point loom schedules it to look, unless it was unparked first,
//! which covers every order of a timeout against an unpark. A requeued
//! thread keeps its place in the queue under its new key. Spinning is off
//! (it only adds states), and every second park counts as a long wait, so
//! the fair paths are explored.

use std::time::Instant;

use loom::sync::{Arc, Condvar, Mutex};

use super::lot::{
    atomic, Atomic, FilterOp, Lot, ParkResult, ParkToken, RequeueOp, Spin, UnparkResult,
    UnparkToken,
};

atomic!(loom::sync::atomic::AtomicU8, u8);
atomic!(loom::sync::atomic::AtomicUsize, usize);

/// A parked thread's wake-up: the token, once given.
#[derive(Default)]
struct Wake {
    token: Mutex<Option<UnparkToken>>,
    woken: Condvar,
}

impl Wake {
    fn give(&self, token: UnparkToken) {
        *self.token.lock().unwrap() = Some(token);
        self.woken.notify_one();
    }

    fn wait(&self) -> UnparkToken {
        let mut token = self.token.lock().unwrap();
        loop {
            if let Some(t) = *token {
                return t;
            }
            token = self.woken.wait(token).unwrap();
        }
    }
}

struct Parked {
    key: usize,
    token: ParkToken,
    wake: Arc<Wake>,
}

loom::lazy_static! {
    static ref QUEUE: Mutex<Vec<Parked>> = Mutex::new(Vec::new());
}

fn has_key(queue: &[Parked], key: usize) -> bool {
    queue.iter().any(|p| p.key == key)
}

/// No spinning under loom.
#[derive(Default)]
pub struct NoSpin;

impl Spin for NoSpin {
    fn spin(&mut self) -> bool {
        false
    }
}

/// The parking lot model (see the module docs).
#[derive(Debug)]
pub struct Loom;

impl Lot for Loom {
    type U8 = loom::sync::atomic::AtomicU8;
    type Usize = loom::sync::atomic::AtomicUsize;
    type Spin = NoSpin;

    unsafe fn park(
        key: usize,
        validate: impl FnOnce() -> bool,
        before_sleep: impl FnOnce(),
        timed_out: impl FnOnce(usize, bool),
        token: ParkToken,
        timeout: Option<Instant>,
    ) -> ParkResult {
        let wake = Arc::new(Wake::default());
        {
            let mut queue = QUEUE.lock().unwrap();
            if !validate() {
                return ParkResult::Invalid;
            }
            queue.push(Parked {
                key,
                token,
                wake: wake.clone(),
            });
        }
        before_sleep();
        if timeout.is_some() {
            let mut queue = QUEUE.lock().unwrap();
            if let Some(i) = queue.iter().position(|p| Arc::ptr_eq(&p.wake, &wake)) {
                let key = queue.remove(i).key;
                let was_last = !has_key(&queue, key);
                timed_out(key, was_last);
                return ParkResult::TimedOut;
            }
        }
        ParkResult::Unparked(wake.wait())
    }

    unsafe fn unpark_one(
        key: usize,
        callback: impl FnOnce(UnparkResult) -> UnparkToken,
    ) -> UnparkResult {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            Self::unpark_filter(
                key,
                {
                    let mut first = true;
                    move |_| {
                        if std::mem::take(&mut first) {
                            FilterOp::Unpark
                        } else {
                            FilterOp::Stop
                        }
                    }
                },
                callback,
            )
        }
    }

    unsafe fn unpark_filter(
        key: usize,
        mut filter: impl FnMut(ParkToken) -> FilterOp,
        callback: impl FnOnce(UnparkResult) -> UnparkToken,
    ) -> UnparkResult {
        let mut queue = QUEUE.lock().unwrap();
        let mut result = UnparkResult::default();
        let mut woken = Vec::new();
        let mut i = 0;
        while i < queue.len() {
            if queue[i].key != key {
                i += 1;
                continue;
            }
            match filter(queue[i].token) {
                FilterOp::Unpark => woken.push(queue.remove(i).wake),
                FilterOp::Skip => {
                    result.have_more_threads = true;
                    i += 1;
                }
                FilterOp::Stop => {
                    result.have_more_threads = true;
                    break;
                }
            }
        }
        result.unparked_threads = woken.len();
        let token = callback(result);
        for w in woken {
            w.give(token);
        }
        result
    }

    unsafe fn unpark_requeue(
        from: usize,
        to: usize,
        validate: impl FnOnce() -> RequeueOp,
        callback: impl FnOnce(RequeueOp, UnparkResult) -> UnparkToken,
    ) -> UnparkResult {
        let mut queue = QUEUE.lock().unwrap();
        let op = validate();
        let mut result = UnparkResult::default();
        if op == RequeueOp::Abort {
            return result;
        }
        let mut woken = None;
        let mut requeue_left = match op {
            RequeueOp::UnparkOneRequeueRest | RequeueOp::RequeueAll => usize::MAX,
            RequeueOp::RequeueOne => 1,
            _ => 0,
        };
        let mut unpark_left = matches!(op, RequeueOp::UnparkOne | RequeueOp::UnparkOneRequeueRest);
        let mut i = 0;
        while i < queue.len() {
            if queue[i].key != from {
                i += 1;
            } else if std::mem::take(&mut unpark_left) {
                woken = Some(queue.remove(i).wake);
            } else if requeue_left > 0 {
                requeue_left -= 1;
                queue[i].key = to;
                result.requeued_threads += 1;
                i += 1;
            } else {
                i += 1;
            }
        }
        result.unparked_threads = usize::from(woken.is_some());
        result.have_more_threads = has_key(&queue, from);
        let token = callback(op, result);
        if let Some(w) = woken {
            w.give(token);
        }
        result
    }

    fn waited_long(_since: Instant) -> bool {
        true
    }
}

/// The raw locks on the model, for the loom tests.
pub type LoomMutex = super::mutex::RawMutexOn<Loom>;
pub type LoomRwLock = super::rwlock::RawRwLockOn<Loom>;
pub type LoomCondvar = super::condvar::RawCondvarOn<Loom>;

impl LoomMutex {
    /// An unlocked mutex.
    pub fn new_loom() -> Self {
        Self::with_state(loom::sync::atomic::AtomicU8::new(0))
    }
}

impl LoomRwLock {
    /// An unlocked rwlock.
    pub fn new_loom() -> Self {
        Self::with_state(loom::sync::atomic::AtomicUsize::new(0))
    }
}

impl LoomCondvar {
    /// A condvar nobody waits on.
    pub fn new_loom() -> Self {
        Self::with_state(loom::sync::atomic::AtomicUsize::new(0))
    }
}
