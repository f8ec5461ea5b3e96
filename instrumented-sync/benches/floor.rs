//! The floor under `benches/locks.rs`: the least work a lock with
//! lockscope's guarantees can do per acquisition and release on this
//! machine, as a model measured next to parking_lot and lockscope in one
//! run.
//!
//! `cargo bench -p lockscope-sync --bench floor`
//!
//! The model (`FloorMutex`) is not a usable lock. It keeps exactly what
//! lockscope's recorder and live checks must keep, in the cheapest layout
//! we know, and nothing else:
//! - the recording switch: one global session compared with the thread's
//!   and the lock's;
//! - the live order check: a held list (id, site, chain hash) and a probe
//!   of a 64-entry cache of checked chains for a nested acquisition;
//! - the event: a hybrid-clock time after the thread's last event and the
//!   lock's last release, written as a 32-byte slot to a ring a consumer
//!   could read (a release-store of the ring's tail), the release's time
//!   published to the lock.
//!
//! All of it is `const`-initialised thread-local state, reached without a
//! pointer or an initialisation check; the held list is inline; a release
//! of the oldest held lock (guards dropped in acquisition order, as the
//! rows below do) is as cheap as one of the newest. What the model leaves
//! out is what makes lockscope a tool: declarations, the watchdog, reports,
//! backtraces, re-entrancy, overflow and every other slow path.
//!
//! `floor_model_via_pointers` is the same model with its state reached as
//! lockscope's is: a thread-local pointer checked for null, then the held
//! entries behind a second pointer. It tests whether those dependent loads
//! are what makes lockscope's fast path slower than the model's.
//!
//! Three ablations add to that variant, one `--cfg` each, what else
//! lockscope's fast path does that the model does not:
//! - `floor_wide_entry`: 24 more bytes stored per acquisition (lockscope's
//!   held entry is 48 bytes, the model's 24), into a parallel array;
//! - `floor_more_checks`: lockscope's other gates (the thread's blocked
//!   flag, the stale-chain mark, the backtrace switch, a second look at
//!   the lock's declaration);
//! - `floor_saved_registers`: four callee-saved registers saved and
//!   restored in each out-of-line function, as the compiler does in
//!   lockscope's.
//!
//! `RUSTFLAGS='--cfg floor_wide_entry' cargo bench -p lockscope-sync --bench floor`
//!
//! Two more lower the model itself, to ask what a cheaper trace would buy:
//! `floor_narrow_event` writes 16-byte events (the time as a 32-bit step
//! from the thread's previous event, with a 24-bit lock id and an 8-bit
//! kind, and the site) instead of 32-byte ones; `floor_no_events` writes
//! none (the live checks and the clock only: what the checks alone cost).
//!
//! Rows use the same loops as `benches/locks.rs` (`lockscope_rec` is that
//! file's row: a trace open, batches of at most 3 000 events flushed
//! outside the timed region; the model's ring is emptied the same way).

use std::cell::{Cell, UnsafeCell};
use std::hint::black_box;
use std::panic::Location;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use lock_api::RawMutex as _;

/// The open recording (0: none); the model's recording is always open.
static SESSION: AtomicU32 = AtomicU32::new(1);
/// The coarse physical clock (raised by a background thread in lockscope).
static COARSE: AtomicU64 = AtomicU64::new(0);
/// The backtrace switch of the `floor_more_checks` ablation.
static BACKTRACES_OFF: AtomicU32 = AtomicU32::new(1);

const RING_SLOTS: usize = 4096;
/// Words per event: 4, or 2 with `floor_narrow_event`.
const WORDS: usize = if cfg!(floor_narrow_event) { 2 } else { 4 };
const HELD_MAX: usize = 32;

/// A single-producer ring of 32-byte events: the producer's tail is
/// published with a release store, as lockscope's is.
struct Ring {
    tail: AtomicUsize,
    /// The consumer's position as the producer last saw it.
    seen: Cell<usize>,
    slots: Box<[UnsafeCell<[u64; WORDS]>]>,
}

impl Ring {
    fn new() -> Self {
        Ring {
            tail: AtomicUsize::new(0),
            seen: Cell::new(0),
            slots: (0..RING_SLOTS)
                .map(|_| UnsafeCell::new([0; WORDS]))
                .collect(),
        }
    }

    #[inline(always)]
    fn push(&self, ev: [u64; WORDS]) -> bool {
        let tail = self.tail.load(Ordering::Relaxed);
        if tail.wrapping_sub(self.seen.get()) >= RING_SLOTS {
            return false;
        }
        let slot = &self.slots[tail % RING_SLOTS];
        // SAFETY: only this thread writes the ring, and slot `tail` is not
        // published (the tail store below publishes it).
        unsafe { *slot.get() = ev };
        self.tail.store(tail + 1, Ordering::Release);
        true
    }

    /// The consumer caught up (lockscope's flush between batches).
    fn drain(&self) {
        self.seen.set(self.tail.load(Ordering::Acquire));
    }
}

#[derive(Clone, Copy)]
struct Entry {
    id: u64,
    /// Where the lock was taken: written for reports, which the model has
    /// none of.
    #[allow(dead_code)]
    site: *const Location<'static>,
    chain: u64,
}

const NO_ENTRY: Entry = Entry {
    id: 0,
    site: std::ptr::null(),
    chain: 0,
};

/// The thread's state: no destructor and a `const` initialiser, so every
/// field is one thread-pointer-relative access.
struct Thread {
    /// The session this thread records in (0: none).
    armed: Cell<u32>,
    last: Cell<u64>,
    ring: Cell<*const Ring>,
    len: Cell<usize>,
    /// Released entries at the bottom of `held` (oldest first releases).
    dead: Cell<usize>,
    held: [Cell<Entry>; HELD_MAX],
    /// The held entries of the `VIA_POINTERS` variant: a separate
    /// allocation, as lockscope's `Vec` is.
    held_elsewhere: Cell<*const [Cell<Entry>; HELD_MAX]>,
    checked: [Cell<u64>; 64],
    /// The `floor_more_checks` ablation's per-thread gates.
    blocked: Cell<bool>,
    stale: Cell<usize>,
    /// The `floor_wide_entry` ablation's other 24 bytes per entry.
    wide: [Cell<[u64; 3]>; HELD_MAX],
}

type HeldArray = [Cell<Entry>; HELD_MAX];

const fn new_thread() -> Thread {
    Thread {
        armed: Cell::new(0),
        last: Cell::new(0),
        ring: Cell::new(std::ptr::null()),
        len: Cell::new(0),
        dead: Cell::new(0),
        held: [const { Cell::new(NO_ENTRY) }; HELD_MAX],
        held_elsewhere: Cell::new(std::ptr::null()),
        checked: [const { Cell::new(0) }; 64],
        blocked: Cell::new(false),
        stale: Cell::new(usize::MAX),
        wide: [const { Cell::new([0; 3]) }; HELD_MAX],
    }
}

/// What the ablations add, at the top of the variant's out-of-line
/// functions: false when a gate says to take the general path.
#[inline(always)]
fn ablations<const VIA_POINTERS: bool>(t: &Thread, declared: &AtomicU32) -> bool {
    if VIA_POINTERS && cfg!(floor_saved_registers) {
        // SAFETY: an empty asm block that only declares these registers
        // clobbered, so the function saves and restores them.
        unsafe {
            std::arch::asm!(
                "",
                out("r12") _,
                out("r13") _,
                out("r14") _,
                out("r15") _,
                options(nomem, nostack, preserves_flags)
            );
        }
    }
    !(VIA_POINTERS
        && cfg!(floor_more_checks)
        && (t.blocked.get()
            || t.stale.get() != usize::MAX
            || BACKTRACES_OFF.load(Ordering::Relaxed) != 1
            || declared.load(Ordering::Relaxed) == 0))
}

thread_local! {
    static THREAD: Thread = const { new_thread() };
    /// The `VIA_POINTERS` variant's state: a heap copy reached through a
    /// pointer that is null until the thread is armed, as lockscope's
    /// state is reached through pointers published once initialised.
    static THREAD_PTR: Cell<*const Thread> = const { Cell::new(std::ptr::null()) };
}

/// The calling thread's state (`None` only in the `VIA_POINTERS` variant
/// before the thread is armed). `LocalKey::with` around a whole fast path
/// is not inlined (a call through a pointer to find the state); around
/// these one-line closures it is.
#[inline(always)]
fn thread<const VIA_POINTERS: bool>() -> Option<&'static Thread> {
    let t = if VIA_POINTERS {
        THREAD_PTR.with(Cell::get)
    } else {
        THREAD.with(|t| t as *const Thread)
    };
    // SAFETY: `THREAD` has no destructor, so it lives as long as the
    // thread; `THREAD_PTR` is null or a leaked allocation. The reference
    // is used only within the caller's call on this thread (it is never
    // stored or sent).
    unsafe { t.as_ref() }
}

/// The thread's held entries: inline, or behind a second pointer in the
/// `VIA_POINTERS` variant.
#[inline(always)]
fn held<const VIA_POINTERS: bool>(t: &'static Thread) -> &'static HeldArray {
    if VIA_POINTERS {
        // SAFETY: `arm` sets it to a leaked allocation before the variant's
        // state pointer is published.
        unsafe { &*t.held_elsewhere.get() }
    } else {
        &t.held
    }
}

/// Pushes the event of `kind` on lock `id` at `time` (the thread's previous
/// event was at `last`) from `site` to `ring`: 32 bytes, 16 with
/// `floor_narrow_event`, none with `floor_no_events`. False when the ring
/// is full or, narrow, the step from `last` or the id does not fit: the
/// general path's cases.
#[inline(always)]
fn push(ring: &Ring, last: u64, time: u64, id: u64, kind: u64, site: u64) -> bool {
    if cfg!(floor_no_events) {
        return true;
    }
    let mut ev = [0; WORDS];
    if cfg!(floor_narrow_event) {
        let step = time - last;
        if step >> 32 != 0 || id >> 24 != 0 {
            return false;
        }
        ev[0] = step << 32 | id << 8 | kind;
        ev[1] = site;
    } else {
        ev[0] = time;
        ev[1] = site;
        ev[2] = id << 8 | kind;
    }
    ring.push(ev)
}

fn chain_step(prev: u64, id: u64) -> u64 {
    (prev.rotate_left(7) ^ id).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Arms the calling thread with a ring for the rest of the process.
fn arm() -> &'static Ring {
    // Written, as lockscope's are, so the compiler cannot fold them away.
    SESSION.store(1, Ordering::Relaxed);
    COARSE.fetch_max(1, Ordering::Relaxed);
    let ring: &'static Ring = Box::leak(Box::new(Ring::new()));
    THREAD.with(|t| {
        t.ring.set(ring);
        t.armed.set(SESSION.load(Ordering::Relaxed));
    });
    let elsewhere: &'static Thread = Box::leak(Box::new(new_thread()));
    let held: &'static HeldArray = Box::leak(Box::new([const { Cell::new(NO_ENTRY) }; HELD_MAX]));
    elsewhere.held_elsewhere.set(held);
    elsewhere.ring.set(ring);
    elsewhere.armed.set(SESSION.load(Ordering::Relaxed));
    THREAD_PTR.with(|p| p.set(elsewhere));
    ring
}

/// `VIA_POINTERS`: the same model with its state reached as lockscope's
/// is, through a thread-local pointer checked for null, then the held
/// entries through a second pointer.
struct FloorMutex<const VIA_POINTERS: bool> {
    id: u64,
    declared: AtomicU32,
    clock: AtomicU64,
    raw: parking_lot::RawMutex,
    /// The protected value (the rows add to it as the parking_lot rows do).
    data: UnsafeCell<u64>,
}

type InnerGuard = <parking_lot::RawMutex as lock_api::RawMutex>::Guard;

struct FloorGuard<'a, const P: bool>(&'a FloorMutex<P>, Option<InnerGuard>);

impl<const VIA_POINTERS: bool> FloorMutex<VIA_POINTERS> {
    fn new(id: u64) -> Self {
        FloorMutex {
            id,
            declared: AtomicU32::new(1),
            clock: AtomicU64::new(0),
            raw: parking_lot::RawMutex::INIT,
            data: UnsafeCell::new(0),
        }
    }

    #[track_caller]
    #[inline]
    fn lock(&self) -> FloorGuard<'_, VIA_POINTERS> {
        let site = Location::caller();
        // The model's slow path is lockscope's general path: never taken
        // once the chain is checked.
        let inner = self.raw.lock();
        if !self.acquired(site) {
            self.acquired_slow(site);
        }
        FloorGuard(self, Some(inner))
    }

    /// The thread's state and held entries if this event may take the fast
    /// path: the thread and the lock are armed in the open session (and
    /// the ablations' gates pass).
    #[inline(always)]
    fn gate(&self) -> Option<(&'static Thread, &'static HeldArray)> {
        let t = thread::<VIA_POINTERS>()?;
        let held = held::<VIA_POINTERS>(t);
        if !ablations::<VIA_POINTERS>(t, &self.declared) {
            return None;
        }
        let session = SESSION.load(Ordering::Relaxed);
        if session != t.armed.get() || session != self.declared.load(Ordering::Relaxed) {
            return None;
        }
        Some((t, held))
    }

    #[inline(never)]
    fn acquired(&self, site: &'static Location<'static>) -> bool {
        let Some((t, held)) = self.gate() else {
            return false;
        };
        let n = t.len.get();
        if n == HELD_MAX || t.dead.get() != 0 {
            return false;
        }
        let chain = if n == 0 {
            chain_step(0, self.id)
        } else {
            let c = chain_step(held[n - 1].get().chain, self.id);
            if t.checked[(c >> 58) as usize].get() != c {
                return false;
            }
            c
        };
        let time = (t.last.get() + 1)
            .max(self.clock.load(Ordering::Relaxed) + 1)
            .max(COARSE.load(Ordering::Relaxed));
        // SAFETY: `arm` set a leaked ring before any lock was taken.
        let ring = unsafe { &*t.ring.get() };
        if !push(
            ring,
            t.last.get(),
            time,
            self.id,
            1,
            site as *const _ as u64,
        ) {
            return false;
        }
        held[n].set(Entry {
            id: self.id,
            site,
            chain,
        });
        if VIA_POINTERS && cfg!(floor_wide_entry) {
            t.wide[n].set([self.id, site as *const _ as u64, n as u64]);
        }
        t.len.set(n + 1);
        t.last.set(time);
        true
    }

    /// A chain not checked yet: checked (the model knows no order to
    /// break), then the fast path again.
    #[cold]
    #[inline(never)]
    fn acquired_slow(&self, site: &'static Location<'static>) {
        let t = thread::<VIA_POINTERS>().expect("the model's threads are armed");
        let n = t.len.get();
        if n > 0 {
            let c = chain_step(held::<VIA_POINTERS>(t)[n - 1].get().chain, self.id);
            t.checked[(c >> 58) as usize].set(c);
        }
        assert!(
            self.acquired(site),
            "the model's fast path takes a checked chain"
        );
    }

    #[inline(never)]
    fn released(&self) -> bool {
        let Some((t, held)) = self.gate() else {
            return false;
        };
        let n = t.len.get();
        let dead = t.dead.get();
        // The held list after this release: the newest entry goes (with
        // the oldest-first releases below it), or the oldest is marked.
        let (len, dead) = if n == 0 {
            return false;
        } else if held[n - 1].get().id == self.id {
            if dead == n - 1 {
                (0, 0)
            } else {
                (n - 1, dead)
            }
        } else if held[dead].get().id == self.id {
            (n, dead + 1)
        } else {
            return false;
        };
        let time = (t.last.get() + 1).max(COARSE.load(Ordering::Relaxed));
        // SAFETY: as in `acquired`.
        let ring = unsafe { &*t.ring.get() };
        if !push(ring, t.last.get(), time, self.id, 2, 0) {
            return false;
        }
        t.len.set(len);
        t.dead.set(dead);
        t.last.set(time);
        self.clock.store(time, Ordering::Relaxed);
        true
    }
}

impl<const P: bool> FloorGuard<'_, P> {
    fn add(&mut self, v: u64) {
        // SAFETY: this guard holds the lock, so no other access to the
        // value is live.
        unsafe { *self.0.data.get() += v };
    }
}

impl<const P: bool> Drop for FloorGuard<'_, P> {
    fn drop(&mut self) {
        let released = self.0.released();
        assert!(released, "the model releases in the orders these rows use");
        if let Some(inner) = self.1.take() {
            // SAFETY: `inner` is the state of this guard's own lock().
            unsafe { self.0.raw.unlock(inner) };
        }
    }
}

/// Times `op` (`events` events each) in batches of at most 3 000 events,
/// `drain` between them outside the timed region.
fn timed(iters: u64, events: u64, drain: impl Fn(), mut op: impl FnMut()) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(3_000 / events);
        let start = Instant::now();
        for _ in 0..n {
            op();
        }
        total += start.elapsed();
        drain();
        left -= n;
    }
    total
}

/// The row of one variant of the model over `locks` (see [`rows`]).
fn model_row<const P: bool>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    locks: &[FloorMutex<P>],
    ring: &Ring,
) {
    let events = 2 * locks.len() as u64;
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                events,
                || ring.drain(),
                || {
                    if let [one] = locks {
                        one.lock().add(1);
                    } else {
                        let gs: Vec<_> = locks.iter().map(|m| m.lock()).collect();
                        black_box(gs);
                    }
                },
            )
        })
    });
}

/// `depth` locks taken in order and their guards dropped in the same
/// order (a `Vec` of guards), as `benches/locks.rs` does; one lock is taken
/// and released as that file's uncontended row does.
fn rows(c: &mut Criterion, depth: usize, name: &str) {
    let ring = arm();
    let mut g = c.benchmark_group(name);
    let events = 2 * depth as u64;
    let pl: Vec<_> = (0..depth).map(|_| parking_lot::Mutex::new(0u64)).collect();
    let model: Vec<FloorMutex<false>> = (1..=depth as u64).map(FloorMutex::new).collect();
    let via_pointers: Vec<FloorMutex<true>> = (1..=depth as u64).map(FloorMutex::new).collect();
    let ls: Vec<_> = (0..depth)
        .map(|_| lockscope_sync::Mutex::new(0u64))
        .collect();
    if depth == 1 {
        g.bench_function("parking_lot", |b| b.iter(|| *pl[0].lock() += 1));
    } else {
        g.bench_function("parking_lot", |b| {
            b.iter(|| {
                let gs: Vec<_> = pl.iter().map(|m| m.lock()).collect();
                black_box(gs);
            })
        });
    }
    model_row(&mut g, "floor_model", &model, ring);
    model_row(&mut g, "floor_model_via_pointers", &via_pointers, ring);
    g.bench_function("lockscope_rec", |b| {
        let _rec = lockscope_sync::record_to("/dev/null").expect("record to /dev/null");
        let flush = || lockscope_sync::flush().expect("flush");
        b.iter_custom(|iters| {
            timed(iters, events, flush, || {
                if depth == 1 {
                    *ls[0].lock() += 1;
                } else {
                    let gs: Vec<_> = ls.iter().map(|m| m.lock()).collect();
                    black_box(gs);
                }
            })
        })
    });
    g.finish();
}

/// The rings of the two-thread row: thread `k` pushes to ring `k`.
struct RingPair([Ring; 2]);

// SAFETY: ring `k` is used by one thread at a time: thread `k` during a
// batch, then the bench thread draining it between batches (the barriers
// that end and start a batch order the two).
unsafe impl Sync for RingPair {}

impl RingPair {
    fn ring(&self, k: usize) -> &Ring {
        &self.0[k]
    }
}

// SAFETY: `data` is accessed only through a `FloorGuard`, which holds the
// raw lock; every other field is atomic or immutable.
unsafe impl<const P: bool> Sync for FloorMutex<P> {}

#[path = "support/two_threads.rs"]
mod support;
use support::{two_threads, OnLine};

/// The contended row, in `benches/locks.rs`'s loop: the model's threads
/// arm themselves with their ring first.
fn contended(c: &mut Criterion) {
    arm();
    let mut g = c.benchmark_group("floor/two_threads_one_mutex");
    let no_setup = |_| ();
    let pl = OnLine::<0, _>::new(parking_lot::Mutex::new(0u64));
    g.bench_function("parking_lot", |b| {
        b.iter_custom(|i| two_threads(i, &no_setup, &|| *pl.lock() += 1, &|| ()))
    });
    let rings = RingPair([Ring::new(), Ring::new()]);
    let model = OnLine::<0, _>::new(FloorMutex::<false>::new(1));
    let arm_thread = |k: usize| {
        THREAD.with(|t| {
            t.ring.set(rings.ring(k));
            t.armed.set(SESSION.load(Ordering::Relaxed));
        })
    };
    g.bench_function("floor_model", |b| {
        b.iter_custom(|i| {
            two_threads(i, &arm_thread, &|| model.lock().add(1), &|| {
                rings.0.iter().for_each(Ring::drain)
            })
        })
    });
    let ls = OnLine::<0, _>::new(lockscope_sync::Mutex::new(0u64));
    g.bench_function("lockscope_rec", |b| {
        let _rec = lockscope_sync::record_to("/dev/null").expect("record to /dev/null");
        let flush = || lockscope_sync::flush().expect("flush");
        b.iter_custom(|i| two_threads(i, &no_setup, &|| *ls.lock() += 1, &flush))
    });
    g.finish();
}

fn floor(c: &mut Criterion) {
    rows(c, 1, "floor/uncontended_lock_unlock");
    rows(c, 2, "floor/nested_pair");
    rows(c, 8, "floor/chain_of_8");
    contended(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = floor
}
criterion_main!(benches);
