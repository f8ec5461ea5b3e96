//! A thread's event buffer: a single-producer single-consumer ring.
//!
//! The owning thread pushes without any lock; the sink, under its own
//! mutex, reads published events at any time (periodic flush, a deadlock
//! report, exit). That is what lets the sink drain a thread that is blocked
//! or sleeping, and take consistent snapshots across threads.
//!
//! # Performance
//! Events are stored as [`Raw`], 32 bytes each (the thread is the ring's,
//! the call site a pointer the consumer interns).
//! A push is a relaxed load of `tail`, a compare with the consumer's
//! position as the producer last saw it (`head_seen`, on the producer's own
//! cache line; `head` itself is read only when the ring looks full), a
//! 32-byte copy and a release store of `tail`: a few ns, no
//! read-modify-write, no access to the consumer's cache line. The capacity
//! is a power of two, so a slot index is a mask, not a division.

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU32, Ordering};

use std::panic::Location;

use lockscope_detector::trace::{EventKind, ThreadId};

use crate::primitive::{AtomicBool, AtomicU64, AtomicUsize, UnsafeCell};

/// Events a ring holds before its owner drains it.
pub const CAPACITY: usize = 4096;

#[repr(align(64))]
#[derive(Debug)]
struct Padded(AtomicUsize);

/// The producer's cache line: the published end, and the consumer's
/// position as the producer last saw it, so a push reads the consumer's
/// line only when the ring looks full.
#[repr(align(64))]
#[derive(Debug)]
struct Producer {
    tail: AtomicUsize,
    /// A past value of `head` (never ahead of it). Producer only.
    head_seen: UnsafeCell<usize>,
    /// The time of an event the producer has published to an object clock
    /// but not pushed yet (0: none); see [`Ring::announce`].
    announced: AtomicU64,
}

/// An event as a thread's ring holds it: 32 bytes, against an [`Event`]'s
/// 48. The thread is implied (the ring's own, or the one the latest switch
/// named: see [`Ring::event`]), and the call site is the `Location`
/// itself, interned by the consumer (the sink) when it collects the ring,
/// so the recording thread neither looks it up nor writes an id. Events
/// with a backtrace bypass the ring (see `local`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw {
    pub time: u64,
    pub kind: EventKind,
    pub site: Option<&'static Location<'static>>,
}

/// One thread's events. Positions grow forever; slot = position % capacity.
#[derive(Debug)]
pub struct Ring {
    /// The thread whose events these are.
    thread: ThreadId,
    slots: Box<[UnsafeCell<MaybeUninit<Raw>>]>,
    /// `slots.len() - 1` (the length is a power of two).
    mask: usize,
    /// Next position the consumer reads. Written only by the consumer.
    head: Padded,
    /// Next position the producer writes (`tail`), written only by the
    /// producer.
    producer: Producer,
    /// The owning thread has exited: no more pushes.
    closed: AtomicBool,
    /// The thread the consumer assigns the next event to: the ring's own
    /// until a switch names another (see [`Ring::event`]). Consumer only.
    belongs: AtomicU32,
}

// SAFETY: slot `p % CAPACITY` is written only by the single producer while
// `head <= p < head + CAPACITY` and `p >= tail` (not yet published), and read
// only by the single consumer while `head <= p < tail` (published with a
// release store of `tail`, read after an acquire load); the two ranges never
// overlap, so no slot is accessed by both at once. `head_seen` is a past
// value of `head` (head only grows), so `tail - head_seen <= mask` implies
// `tail - head <= mask`; only the producer reads or writes it.
unsafe impl Sync for Ring {}
// SAFETY: see `Sync`; a `Raw` is plain data (`Location`s are `'static`
// and `Sync`).
unsafe impl Send for Ring {}

impl Ring {
    /// The ring of `thread`'s events.
    pub fn new(thread: ThreadId) -> Self {
        Self::with_capacity(thread, CAPACITY)
    }

    /// A ring of `capacity` events (small ones for the loom models).
    ///
    /// # Panics
    /// If `capacity` is not a power of two.
    pub fn with_capacity(thread: ThreadId, capacity: usize) -> Self {
        assert!(
            capacity.is_power_of_two(),
            "a ring's capacity must be a power of two, not {capacity}"
        );
        Ring {
            thread,
            mask: capacity - 1,
            slots: (0..capacity)
                .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
                .collect(),
            head: Padded(AtomicUsize::new(0)),
            producer: Producer {
                tail: AtomicUsize::new(0),
                head_seen: UnsafeCell::new(0),
                announced: AtomicU64::new(0),
            },
            closed: AtomicBool::new(false),
            belongs: AtomicU32::new(thread.0),
        }
    }

    /// Appends `ev`, or gives it back if the ring is full.
    ///
    /// # Safety
    /// Only one thread (the producer) may ever call `push` or
    /// [`push_with`](Self::push_with) on a ring.
    #[inline(always)]
    pub unsafe fn push(&self, ev: Raw) -> Result<(), Raw> {
        // SAFETY: the caller's contract.
        unsafe { self.push_with(|| ev) }.map_err(|make| make())
    }

    /// Appends the event `make` builds, or gives `make` back unused if the
    /// ring is full. Built in place: an event built first and then pushed
    /// was written to the stack field by field and copied into the slot with
    /// wider loads, which stall (store forwarding fails) on every event.
    ///
    /// # Safety
    /// As for [`push`](Self::push).
    #[inline(always)]
    pub unsafe fn push_with<F: FnOnce() -> Raw>(&self, make: F) -> Result<(), F> {
        let tail = self.producer.tail.load(Ordering::Relaxed);
        // SAFETY: only the producer (the caller's contract) touches
        // `head_seen`.
        let seen = self.producer.head_seen.with(|h| unsafe { *h });
        if tail.wrapping_sub(seen) > self.mask {
            // Looks full from the producer's last look: look again.
            let head = self.head.0.load(Ordering::Acquire);
            // SAFETY: as above.
            self.producer.head_seen.with_mut(|h| unsafe { *h = head });
            if tail.wrapping_sub(head) > self.mask {
                return Err(make);
            }
        }
        self.slot(tail).with_mut(|slot| {
            // SAFETY: `tail` is not published and is within CAPACITY of
            // `head`, so the consumer does not read this slot (see `Sync`).
            unsafe { (*slot).write(make()) };
        });
        self.producer
            .tail
            .store(tail.wrapping_add(1), Ordering::Release);
        Ok(())
    }

    /// The producer is about to publish `time` to an object clock before
    /// the event at that time is in the ring (a notify is timed before the
    /// wake-ups it causes, which are timed after it): until
    /// [`withdraw`](Self::withdraw), a [`cut`] writes no event at or after
    /// `time`, so a wake-up cannot reach the trace before its notify.
    ///
    /// # Safety
    /// Only the producer may call this (one announcement at a time).
    pub unsafe fn announce(&self, time: u64) {
        self.producer.announced.store(time, Ordering::Release);
    }

    /// The announced event is pushed (or handed to the sink): see
    /// [`announce`](Self::announce).
    ///
    /// # Safety
    /// Only the producer may call this.
    pub unsafe fn withdraw(&self) {
        self.producer.announced.store(0, Ordering::Release);
    }

    /// The announced time, if any (0: none).
    fn announced(&self) -> u64 {
        self.producer.announced.load(Ordering::Acquire)
    }

    /// The cell of position `pos`.
    #[inline]
    fn slot(&self, pos: usize) -> &UnsafeCell<MaybeUninit<Raw>> {
        // SAFETY: `mask == slots.len() - 1`, so `pos & mask < slots.len()`.
        unsafe { self.slots.get_unchecked(pos & self.mask) }
    }

    /// The published end: events at positions below it may be read.
    pub fn tail(&self) -> usize {
        self.producer.tail.load(Ordering::Acquire)
    }

    /// The event at published position `pos`.
    ///
    /// # Safety
    /// Only the consumer may call this, with `head <= pos < tail()`.
    pub unsafe fn peek(&self, pos: usize) -> Raw {
        self.slot(pos).with(|slot| {
            // SAFETY: published (pos < tail, acquire-loaded by the caller)
            // and not yet consumed, so the producer does not write it.
            unsafe { (*slot).assume_init_read() }
        })
    }

    /// Moves the events from `head` up to `upto` into `out`.
    ///
    /// # Safety
    /// Only one consumer at a time, with `upto` a value `tail()` returned.
    pub unsafe fn consume_to(&self, upto: usize, out: &mut Vec<Raw>) {
        let mut pos = self.head.0.load(Ordering::Relaxed);
        while pos != upto {
            // SAFETY: head <= pos < upto <= tail, per the caller's contract.
            out.push(unsafe { self.peek(pos) });
            pos = pos.wrapping_add(1);
        }
        self.head.0.store(upto, Ordering::Release);
    }

    /// Whether every pushed event has been consumed.
    pub fn is_drained(&self) -> bool {
        self.head.0.load(Ordering::Acquire) == self.tail()
    }

    /// The trace event of consumed event `ev`, with the thread it belongs
    /// to. A `Scheduled` event in a ring is a *switch*: its `worker` names
    /// the thread this ring's following events belong to (a task, or the
    /// ring's own thread again; see `recorder::task`); it becomes that
    /// thread's `scheduled` on the ring's own thread. Only the consumer
    /// calls this, in the order the events were pushed.
    pub fn event(&self, ev: Raw) -> (ThreadId, Raw) {
        if let EventKind::Scheduled { worker: to } = ev.kind {
            self.belongs.store(to.0, Ordering::Relaxed);
            let kind = EventKind::Scheduled {
                worker: self.thread,
            };
            return (to, Raw { kind, ..ev });
        }
        (ThreadId(self.belongs.load(Ordering::Relaxed)), ev)
    }

    /// The consumer forgets the switches it saw (a new recording: the
    /// producer starts it on its own thread).
    pub fn reset_belongs(&self) {
        self.belongs.store(self.thread.0, Ordering::Relaxed);
    }

    /// Marks the owner gone (and withdraws an announcement its exit cut
    /// short: it will push nothing more).
    pub fn close(&self) {
        self.producer.announced.store(0, Ordering::Release);
        self.closed.store(true, Ordering::Release);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

/// A consistent cut across `rings` (see the sink's docs): the published
/// end of each ring, and a time bound: only snapshotted events with a time
/// below the bound may be written now.
///
/// # Safety
/// Only the single consumer may call this.
pub unsafe fn cut(rings: &[&Ring]) -> (Vec<usize>, u64) {
    let snapshot: Vec<usize> = rings.iter().map(|r| r.tail()).collect();
    let mut bound = u64::MAX;
    for (r, &pos) in rings.iter().zip(&snapshot) {
        // Between the two looks at the tail: an event that follows an
        // announced one and is in the snapshot was pushed after the
        // announcement, so this load sees it, unless the announced event
        // was pushed since, which the second look at the tail sees.
        let announced = r.announced();
        if announced != 0 {
            bound = bound.min(announced);
        }
        if r.tail() != pos {
            // SAFETY: the consumer (caller's contract); `pos` was published
            // (the tail moved past it) and is not consumed.
            bound = bound.min(unsafe { r.peek(pos) }.time);
        }
    }
    (snapshot, bound)
}

#[cfg(all(test, not(lockscope_loom)))]
mod tests {
    use super::*;

    fn ev(time: u64) -> Raw {
        Raw {
            time,
            kind: EventKind::Begin,
            site: None,
        }
    }

    #[test]
    fn a_raw_event_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Raw>(), 32);
    }

    #[test]
    fn an_event_comes_out_as_it_went_in() {
        let r = Ring::new(ThreadId(7));
        let full = Raw {
            time: 42,
            kind: EventKind::Acquired {
                obj: lockscope_detector::trace::ObjId(9),
                mode: lockscope_detector::trace::LockMode::Shared,
                depth: 2,
            },
            site: Some(Location::caller()),
        };
        // SAFETY: this test is the only producer.
        unsafe {
            r.push(full).unwrap();
            r.push(ev(43)).unwrap();
        }
        let mut out = Vec::new();
        // SAFETY: single consumer, upto = tail().
        unsafe { r.consume_to(r.tail(), &mut out) };
        assert_eq!(out, vec![full, ev(43)]);
        assert_eq!(r.event(full), (ThreadId(7), full));
    }

    #[test]
    fn a_switch_names_the_thread_of_the_following_events() {
        let r = Ring::new(ThreadId(7));
        let switch = |to| Raw {
            kind: EventKind::Scheduled {
                worker: ThreadId(to),
            },
            ..ev(1)
        };
        let scheduled_on_7 = EventKind::Scheduled {
            worker: ThreadId(7),
        };
        assert_eq!(r.event(ev(0)).0, ThreadId(7));
        let (thread, sw) = r.event(switch(12));
        assert_eq!((thread, sw.kind), (ThreadId(12), scheduled_on_7));
        assert_eq!(r.event(ev(2)).0, ThreadId(12));
        assert_eq!(r.event(switch(7)).0, ThreadId(7));
        assert_eq!(r.event(ev(3)).0, ThreadId(7));
        r.event(switch(12));
        r.reset_belongs();
        assert_eq!(r.event(ev(4)).0, ThreadId(7));
    }

    #[test]
    fn fills_refuses_then_accepts_after_consume() {
        let r = Ring::new(ThreadId(0));
        for t in 0..CAPACITY as u64 {
            // SAFETY: this test is the only producer.
            unsafe { r.push(ev(t)).unwrap() };
        }
        // SAFETY: as above.
        assert!(unsafe { r.push(ev(9)) }.is_err());
        let mut out = Vec::new();
        // SAFETY: single consumer, upto = tail().
        unsafe { r.consume_to(r.tail(), &mut out) };
        assert_eq!(out.len(), CAPACITY);
        assert_eq!(out[17].time, 17);
        assert!(r.is_drained());
        // SAFETY: only producer.
        unsafe { r.push(ev(1)).unwrap() };
        assert!(!r.is_drained());
    }
}
