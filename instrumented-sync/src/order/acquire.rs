//! The seeds' sorted-id acquisition helper (scenario 6): take several locks
//! at once, always in one global order, so two threads taking the same
//! locks can never deadlock on them.
//!
//! ```
//! use lockscope_sync::order::acquire::acquire;
//! use lockscope_sync::{acquire, prelude::*, Mutex, RwLock};
//!
//! let x = Mutex::named("x", 1);
//! let y = Mutex::named("y", 2);
//! let mut guards = acquire(&[&y, &x]).unwrap(); // locks x, then y (x is older)
//! *guards[0] += *guards[1];                     // guards in the order given
//! drop(guards);                                 // releases y, then x
//!
//! let table = RwLock::named("table", ());
//! let both = acquire!(x, table).unwrap();       // mixed kinds, no data access
//! drop(both);
//!
//! let _held = y.lock();
//! let err = acquire(&[&x]).unwrap_err();        // y is held and sorts after x
//! assert!(err.to_string().starts_with("Lock Order Violation"));
//!
//! drop(_held);
//!
//! // Explicit ranks: `first` was created last but sorts before every
//! // unranked lock (an unranked lock's key is its id).
//! use lockscope_sync::RawMutex;
//! let first = Mutex::from_raw(RawMutex::ranked(Some("first"), 0), 0);
//! drop(acquire(&[&x, &first]).unwrap()); // locks `first`, then `x`
//! let _x = x.lock();
//! assert!(acquire(&[&first]).is_err()); // `x` is held and sorts after `first`
//! ```
//!
//! # The order
//! Locks are sorted by [`PrimitiveMeta::order_key`]: the explicit rank if
//! one was set, else the id; ties by id. An id is a process-wide counter
//! assigned at creation (at first use for a `static`), so by default the
//! order is creation order. To impose another order, give locks explicit
//! ranks at construction: lower ranks are taken first, and a ranked lock
//! sorts by its rank before any id. For example
//! `Mutex::from_raw(RawMutex::ranked(Some("accounts"), 10), value)`,
//! `RwLock::from_raw(RawRwLock::ranked(..), value)` or
//! `ReentrantMutex::ranked(Some("log"), 20, value)` (all set
//! [`PrimitiveMeta::with_rank`]).
//!
//! # Violations
//! The thread's locks already held (those taken through this helper, kept
//! in a thread-local list, and every instrumented lock the thread holds)
//! must all sort before the smallest requested lock. Otherwise nothing is
//! locked and [`acquire`] returns [`LockOrderViolation`] naming the held
//! and requested locks with their sites; the violation is written into the
//! trace. [`acquire_or_panic`] raises it as the seeds' `Lock Order
//! Violation` panic. Requesting one lock twice is a violation too.
//!
//! # Without recording
//! With the `record` feature off the helper still sorts and locks: a lock's
//! key is then its address (stable while it is borrowed), and only the
//! helper's own locks are checked against the request (the thread's other
//! held locks are not tracked); nothing is written anywhere.
//!
//! # Limitations
//! RwLocks are taken for write. [`acquire!`](crate::acquire!) (mixed kinds)
//! gives no access to the data: it suits locks that guard no data, like the
//! seeds' bare locks.

use std::cell::RefCell;
use std::fmt;
use std::ops::{Index, IndexMut};
use std::panic::Location;

pub use crate::held::LockInfo;
use crate::thread_state;

/// A lock the helper can take: lockscope's mutexes, reentrant mutexes and
/// rwlocks (for write).
pub trait Acquirable {
    /// The guard a blocking acquisition returns.
    type Guard<'a>: 'a
    where
        Self: 'a;
    /// The lock's identity and order key (see the module docs).
    fn info(&self) -> LockInfo;
    /// Blocks until the lock is taken (exclusively). `#[track_caller]`, so
    /// the acquisition is recorded at the caller's site (the `acquire`
    /// call), through every implementation and `dyn` call.
    #[track_caller]
    fn lock_for_acquire(&self) -> Self::Guard<'_>;
}

impl<L: Acquirable + ?Sized> Acquirable for &L {
    type Guard<'a>
        = L::Guard<'a>
    where
        Self: 'a;
    fn info(&self) -> LockInfo {
        (**self).info()
    }
    #[track_caller]
    fn lock_for_acquire(&self) -> Self::Guard<'_> {
        (**self).lock_for_acquire()
    }
}

/// Any guard, type-erased (for [`acquire_dyn`]).
pub trait ErasedGuard {}
impl<T: ?Sized> ErasedGuard for T {}

/// The object-safe face of [`Acquirable`], for mixed lock kinds.
pub trait AcquireDyn {
    fn info_dyn(&self) -> LockInfo;
    #[track_caller]
    fn lock_erased(&self) -> Box<dyn ErasedGuard + '_>;
}

impl<L: Acquirable> AcquireDyn for L {
    fn info_dyn(&self) -> LockInfo {
        self.info()
    }
    #[track_caller]
    fn lock_erased(&self) -> Box<dyn ErasedGuard + '_> {
        Box::new(self.lock_for_acquire())
    }
}

/// What was wrong with an [`acquire`] call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// The thread holds locks that do not sort before the first requested.
    HeldNotBefore {
        /// The offending held locks and where each was acquired.
        held: Vec<(LockInfo, &'static Location<'static>)>,
    },
    /// The same lock was requested twice.
    Duplicate(LockInfo),
}

/// The helper refused to lock: taking these locks now breaks the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockOrderViolation {
    pub kind: ViolationKind,
    /// The requested locks, sorted by order key.
    pub requested: Vec<LockInfo>,
    /// Where `acquire` was called.
    pub site: &'static Location<'static>,
}

impl fmt::Display for LockOrderViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lock Order Violation at {}: ", self.site)?;
        match &self.kind {
            ViolationKind::HeldNotBefore { held } => {
                write!(f, "the thread holds")?;
                for (l, site) in held {
                    write!(f, " {l} (acquired at {site}, order key {:?})", l.key())?;
                }
                write!(
                    f,
                    ", which must sort before every requested lock, but it requests"
                )?;
            }
            ViolationKind::Duplicate(l) => write!(f, "{l} is requested twice among")?,
        }
        for l in &self.requested {
            write!(f, " {l} (order key {:?})", l.key())?;
        }
        write!(
            f,
            "; take all of them in one acquire call, release the held locks first, \
             or give the locks explicit ranks (with_rank) in the order you need"
        )
    }
}

impl std::error::Error for LockOrderViolation {}

thread_local! {
    /// Locks this thread took through the helper, with their sites.
    static ACQUIRED: RefCell<Vec<(LockInfo, &'static Location<'static>)>> =
        const { RefCell::new(Vec::new()) };
}

/// Sorts the request and checks it against the thread's held locks:
/// the acquisition order (indices into `infos`) or the violation.
fn plan(
    infos: &[LockInfo],
    site: &'static Location<'static>,
) -> Result<Vec<usize>, LockOrderViolation> {
    let held = || {
        let mut held: Vec<(LockInfo, &'static Location<'static>)> = ACQUIRED
            .try_with(|a| a.borrow().clone())
            .unwrap_or_default();
        thread_state::with(|ts| {
            for h in ts.held.borrow().snapshot() {
                if !held.iter().any(|(l, _)| l.id == h.info.id) {
                    held.push((h.info, h.site));
                }
            }
        });
        held
    };
    let thread = || thread_state::with(|ts| (ts.thread, ts.slot.name.clone())).unwrap_or((0, None));
    plan_against(infos, site, held, thread)
}

/// [`plan`] against the locks `held` returns (each with where it was
/// acquired), a violation noted as `thread`'s (its id and name): the
/// async helper's plan, with a task's held async locks.
pub(crate) fn plan_against(
    infos: &[LockInfo],
    site: &'static Location<'static>,
    held: impl FnOnce() -> Vec<(LockInfo, &'static Location<'static>)>,
    thread: impl FnOnce() -> (u64, Option<std::sync::Arc<str>>),
) -> Result<Vec<usize>, LockOrderViolation> {
    let mut order: Vec<usize> = (0..infos.len()).collect();
    order.sort_by_key(|&i| infos[i].key());
    let requested: Vec<LockInfo> = order.iter().map(|&i| infos[i]).collect();
    let fail = |kind| {
        let v = LockOrderViolation {
            kind,
            requested: requested.clone(),
            site,
        };
        note(&v, thread);
        Err(v)
    };
    if let Some(w) = requested.windows(2).find(|w| w[0].id == w[1].id) {
        return fail(ViolationKind::Duplicate(w[0]));
    }
    let Some(first) = requested.first() else {
        return Ok(order);
    };
    let mut held = held();
    held.retain(|(l, _)| l.key() >= first.key());
    if held.is_empty() {
        Ok(order)
    } else {
        fail(ViolationKind::HeldNotBefore { held })
    }
}

/// Writes violation `v` into the trace as a finding of `thread` (it is
/// also returned to the caller, who decides what to do).
fn note(v: &LockOrderViolation, thread: impl FnOnce() -> (u64, Option<std::sync::Arc<str>>)) {
    let Some(first) = v.requested.first() else {
        return;
    };
    let held = match &v.kind {
        ViolationKind::HeldNotBefore { held } => held.first().map(|(l, s)| (l, *s)),
        ViolationKind::Duplicate(l) => Some((l, v.site)),
    };
    let Some(held) = held else { return };
    let (id, name) = thread();
    let f = super::report::order_violation((id, name.as_deref()), first, held, v.site);
    crate::trace_sink::note_finding(&f);
}

fn remember(info: LockInfo, site: &'static Location<'static>) {
    let _ = ACQUIRED.try_with(|a| a.borrow_mut().push((info, site)));
}

fn forget(ids: &[u64]) {
    let _ = ACQUIRED.try_with(|a| a.borrow_mut().retain(|(l, _)| !ids.contains(&l.id)));
}

/// The guards of one [`acquire`] call, indexed in the order the locks were
/// given; dropping it releases the locks in reverse acquisition order.
pub struct Acquired<'a, L: Acquirable + 'a> {
    guards: Vec<Option<L::Guard<'a>>>,
    order: Vec<usize>,
    ids: Vec<u64>,
}

impl<'a, L: Acquirable + 'a> Index<usize> for Acquired<'a, L> {
    type Output = L::Guard<'a>;
    fn index(&self, i: usize) -> &Self::Output {
        self.guards[i]
            .as_ref()
            .expect("guards are present until drop")
    }
}

impl<'a, L: Acquirable + 'a> IndexMut<usize> for Acquired<'a, L> {
    fn index_mut(&mut self, i: usize) -> &mut Self::Output {
        self.guards[i]
            .as_mut()
            .expect("guards are present until drop")
    }
}

impl<'a, L: Acquirable + 'a> Drop for Acquired<'a, L> {
    fn drop(&mut self) {
        for &i in self.order.iter().rev() {
            drop(self.guards[i].take());
        }
        forget(&self.ids);
    }
}

impl<'a, L: Acquirable + 'a> fmt::Debug for Acquired<'a, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquired").field("ids", &self.ids).finish()
    }
}

/// Locks all of `locks` in order-key order, or returns the violation
/// without locking anything. See the module docs.
#[track_caller]
pub fn acquire<'a, L: Acquirable>(locks: &[&'a L]) -> Result<Acquired<'a, L>, LockOrderViolation> {
    let site = Location::caller();
    let infos: Vec<LockInfo> = locks.iter().map(|l| l.info()).collect();
    let order = plan(&infos, site)?;
    let mut guards: Vec<Option<L::Guard<'a>>> = locks.iter().map(|_| None).collect();
    let mut ids = Vec::with_capacity(locks.len());
    for &i in &order {
        guards[i] = Some(locks[i].lock_for_acquire());
        remember(infos[i], site);
        ids.push(infos[i].id);
    }
    Ok(Acquired { guards, order, ids })
}

/// [`acquire`], panicking with the seeds' `Lock Order Violation` message.
#[track_caller]
pub fn acquire_or_panic<'a, L: Acquirable>(locks: &[&'a L]) -> Acquired<'a, L> {
    acquire(locks).unwrap_or_else(|v| panic!("{v}"))
}

/// The guards of one [`acquire_dyn`] call (mixed kinds).
pub struct AcquiredDyn<'a> {
    /// In acquisition order.
    guards: Vec<Box<dyn ErasedGuard + 'a>>,
    ids: Vec<u64>,
}

impl Drop for AcquiredDyn<'_> {
    fn drop(&mut self) {
        while let Some(g) = self.guards.pop() {
            drop(g);
        }
        forget(&self.ids);
    }
}

impl fmt::Debug for AcquiredDyn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquiredDyn")
            .field("ids", &self.ids)
            .finish()
    }
}

/// [`acquire`] for locks of different kinds; what [`acquire!`](crate::acquire!)
/// expands to.
#[track_caller]
pub fn acquire_dyn<'a>(
    locks: &[&'a dyn AcquireDyn],
) -> Result<AcquiredDyn<'a>, LockOrderViolation> {
    let site = Location::caller();
    let infos: Vec<LockInfo> = locks.iter().map(|l| l.info_dyn()).collect();
    let order = plan(&infos, site)?;
    let mut acquired = AcquiredDyn {
        guards: Vec::with_capacity(locks.len()),
        ids: Vec::with_capacity(locks.len()),
    };
    for &i in &order {
        acquired.guards.push(locks[i].lock_erased());
        remember(infos[i], site);
        acquired.ids.push(infos[i].id);
    }
    Ok(acquired)
}

/// Takes locks of any instrumented kinds in order-key order:
/// `acquire!(a, b, c)` is `Result<AcquiredDyn, LockOrderViolation>`.
/// `acquire!(panic: a, b)` panics on a violation instead.
#[macro_export]
macro_rules! acquire {
    (panic: $($lock:expr),+ $(,)?) => {
        $crate::order::acquire::acquire_dyn(
            &[$(&$lock as &dyn $crate::order::acquire::AcquireDyn),+]
        ).unwrap_or_else(|v| panic!("{v}"))
    };
    ($($lock:expr),+ $(,)?) => {
        $crate::order::acquire::acquire_dyn(
            &[$(&$lock as &dyn $crate::order::acquire::AcquireDyn),+]
        )
    };
}
