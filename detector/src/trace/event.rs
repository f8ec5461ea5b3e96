//! The in-memory event model: what every reader produces and every writer
//! consumes.
//!
//! An [`Event`] is small and `Copy`: names, sites, backtraces and primitive
//! kinds live once in the [`TraceMeta`](super::TraceMeta) tables and events
//! refer to them by dense index ([`ThreadId`], [`ObjId`], [`VarId`],
//! [`SiteId`]). Dense indices are assigned by the reader in order of first
//! appearance, starting at 0; the identifiers written in the file (numbers in
//! JSON, names such as `T1` or `L2` in STD) are kept as labels in the meta
//! tables.
//!
//! The wire form of every variant is specified in `docs/trace-format.md`.

use std::fmt;

use super::event_type::EventType;

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as `usize`, for indexing the meta tables.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_id!(
    /// A thread of the traced program.
    ThreadId
);
dense_id!(
    /// A synchronisation primitive: mutex, rwlock, reentrant mutex, condvar,
    /// semaphore, event or barrier. All primitives share one id space.
    ObjId
);
dense_id!(
    /// A tracked shared variable.
    VarId
);
dense_id!(
    /// A source location in the trace's site table.
    SiteId
);
dense_id!(
    /// A symbolized backtrace in the trace's backtrace table.
    BacktraceId
);
dense_id!(
    /// A free-text note (for example a live deadlock report) in the trace.
    NoteId
);

/// How a lock is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockMode {
    /// Mutex, reentrant mutex, rwlock write, semaphore.
    Exclusive,
    /// rwlock read.
    Shared,
    /// rwlock upgradable read: shared with readers, exclusive with other
    /// upgradable readers and writers.
    Upgradable,
}

impl LockMode {
    /// The wire name (`exclusive`, `shared`, `upgradable`).
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::Exclusive => "exclusive",
            LockMode::Shared => "shared",
            LockMode::Upgradable => "upgradable",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "exclusive" => LockMode::Exclusive,
            "shared" => LockMode::Shared,
            "upgradable" => LockMode::Upgradable,
            _ => return None,
        })
    }

    /// Whether two holders in these modes can hold the same lock at once.
    pub fn compatible(self, other: LockMode) -> bool {
        matches!(
            (self, other),
            (LockMode::Shared, LockMode::Shared)
                | (LockMode::Shared, LockMode::Upgradable)
                | (LockMode::Upgradable, LockMode::Shared)
        )
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of primitive an [`ObjId`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrimitiveKind {
    Mutex,
    RwLock,
    ReentrantMutex,
    Condvar,
    Semaphore,
    Event,
    Barrier,
    /// An async mutex (`tokio::sync::Mutex`): a task waiting for it is
    /// pending, its thread free to run other tasks.
    AsyncMutex,
    /// An async rwlock (`tokio::sync::RwLock`).
    AsyncRwLock,
}

impl PrimitiveKind {
    /// Every kind, in wire-spec order.
    pub const ALL: [PrimitiveKind; 9] = [
        PrimitiveKind::Mutex,
        PrimitiveKind::RwLock,
        PrimitiveKind::ReentrantMutex,
        PrimitiveKind::Condvar,
        PrimitiveKind::Semaphore,
        PrimitiveKind::Event,
        PrimitiveKind::Barrier,
        PrimitiveKind::AsyncMutex,
        PrimitiveKind::AsyncRwLock,
    ];

    /// The wire name (`mutex`, `rwlock`, `reentrant_mutex`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PrimitiveKind::Mutex => "mutex",
            PrimitiveKind::RwLock => "rwlock",
            PrimitiveKind::ReentrantMutex => "reentrant_mutex",
            PrimitiveKind::Condvar => "condvar",
            PrimitiveKind::Semaphore => "semaphore",
            PrimitiveKind::Event => "event",
            PrimitiveKind::Barrier => "barrier",
            PrimitiveKind::AsyncMutex => "async_mutex",
            PrimitiveKind::AsyncRwLock => "async_rwlock",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether threads hold this primitive (and so can deadlock on it) in
    /// the lock sense: mutexes, rwlocks, reentrant mutexes, blocking or
    /// async.
    pub fn is_lock(self) -> bool {
        matches!(
            self,
            PrimitiveKind::Mutex
                | PrimitiveKind::RwLock
                | PrimitiveKind::ReentrantMutex
                | PrimitiveKind::AsyncMutex
                | PrimitiveKind::AsyncRwLock
        )
    }

    /// Whether waiting for it suspends a task instead of blocking a thread
    /// (an async lock): holding it across an `.await` is its normal use.
    pub fn is_async(self) -> bool {
        matches!(self, PrimitiveKind::AsyncMutex | PrimitiveKind::AsyncRwLock)
    }

    /// Whether it has read and write modes (an rwlock, blocking or async).
    pub fn is_rwlock(self) -> bool {
        matches!(self, PrimitiveKind::RwLock | PrimitiveKind::AsyncRwLock)
    }

    /// Whether the holder may acquire it again without blocking.
    pub fn is_reentrant(self) -> bool {
        matches!(self, PrimitiveKind::ReentrantMutex)
    }
}

impl fmt::Display for PrimitiveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Monotonically non-decreasing timestamp in the header's clock unit
    /// (nanoseconds since the trace start for lockscope traces; the event's
    /// 0-based position for STD traces, which carry no time).
    pub time: u64,
    /// The thread that performed the event.
    pub thread: ThreadId,
    /// Where in the program it happened, if known.
    pub site: Option<SiteId>,
    /// A symbolized backtrace, when the recorder was asked for them.
    pub backtrace: Option<BacktraceId>,
    /// What happened.
    pub kind: EventKind,
}

/// What an [`Event`] says happened. One variant per wire `"type"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    // ---- threads ----
    /// First event of a thread. `parent` is the spawning thread, if known.
    /// The thread's name and spawn site are in the meta tables.
    ThreadStart { parent: Option<ThreadId> },
    /// Last event of a thread.
    ThreadExit,
    /// The thread started `child` (STD `fork`); happens-before the child's
    /// first event.
    Fork { child: ThreadId },
    /// The thread is about to block joining `child`.
    JoinRequest { child: ThreadId },
    /// The thread joined `child` (STD `join`): everything `child` did
    /// happens-before this event.
    Join { child: ThreadId },

    // ---- locks: mutex, rwlock, reentrant mutex ----
    /// About to block acquiring `obj` (STD `req`). Also used before a
    /// semaphore acquire.
    Request { obj: ObjId, mode: LockMode },
    /// `obj` acquired (STD `acq`). `depth` is the re-entrancy depth after
    /// this acquisition: 1 for a first acquisition, 2 or more for re-entry.
    Acquired {
        obj: ObjId,
        mode: LockMode,
        depth: u32,
    },
    /// A `try_lock` (or timed lock) that did not get `obj`.
    TryFailed { obj: ObjId, mode: LockMode },
    /// `obj` released (STD `rel`); recorded before the real unlock.
    Released { obj: ObjId, mode: LockMode },
    /// An upgradable read of `obj` became a write.
    Upgraded { obj: ObjId },
    /// A write (or upgradable read) of `obj` became `to`.
    Downgraded { obj: ObjId, to: LockMode },

    // ---- condition variables ----
    /// Waiting on `condvar`: `mutex` is released and the thread blocks;
    /// `timed` when the wait has a timeout (it ends by itself).
    CondWait {
        condvar: ObjId,
        mutex: ObjId,
        timed: bool,
    },
    /// Back from a wait on `condvar`, `mutex` re-acquired.
    CondWoken {
        condvar: ObjId,
        mutex: ObjId,
        timed_out: bool,
    },
    /// `notify_one` (`all == false`) or `notify_all`; `woken` threads woke.
    Notify {
        condvar: ObjId,
        all: bool,
        woken: u32,
    },

    // ---- semaphores ----
    /// `permits` acquired from semaphore `obj`.
    SemAcquired { obj: ObjId, permits: u32 },
    /// `permits` released to semaphore `obj`.
    SemReleased { obj: ObjId, permits: u32 },

    // ---- events (Python's threading.Event) ----
    /// Event `obj` set.
    EventSet { obj: ObjId },
    /// Event `obj` cleared.
    EventClear { obj: ObjId },
    /// About to block waiting for event `obj`; `timed` when the wait has a
    /// timeout (it ends by itself).
    EventWait { obj: ObjId, timed: bool },
    /// Back from waiting for event `obj`.
    EventWoken { obj: ObjId, timed_out: bool },

    // ---- barriers ----
    /// About to block at barrier `obj`.
    BarrierWait { obj: ObjId },
    /// Released from barrier `obj`; `leader` for the one leader thread.
    BarrierPassed { obj: ObjId, leader: bool },

    // ---- tracked shared variables ----
    /// Read of `var`.
    Read { var: VarId },
    /// Write of `var`.
    Write { var: VarId },
    /// Read-modify-write of `var` in one step (`Tracked::update`): the
    /// written value is computed from the value read.
    Update { var: VarId },

    // ---- markers ----
    /// STD `begin()`: method or transaction start; no synchronisation.
    Begin,
    /// STD `end()`: method or transaction end; no synchronisation.
    End,
    /// A note written by the runtime, such as a live deadlock report.
    Note { note: NoteId },

    // ---- tasks ----
    /// From this event on, the event's thread runs on OS thread `worker`,
    /// until another thread's `Scheduled` on `worker`: a task (a thread of
    /// the trace) polled by a runtime worker, or `worker` itself back to
    /// its own code. No synchronisation.
    Scheduled { worker: ThreadId },
}

impl EventKind {
    /// The type of this event, without its operands.
    pub fn event_type(&self) -> EventType {
        use EventType as T;
        match self {
            EventKind::ThreadStart { .. } => T::ThreadStart,
            EventKind::ThreadExit => T::ThreadExit,
            EventKind::Fork { .. } => T::Fork,
            EventKind::JoinRequest { .. } => T::JoinRequest,
            EventKind::Join { .. } => T::Join,
            EventKind::Request { .. } => T::Request,
            EventKind::Acquired { .. } => T::Acquired,
            EventKind::TryFailed { .. } => T::TryFailed,
            EventKind::Released { .. } => T::Released,
            EventKind::Upgraded { .. } => T::Upgraded,
            EventKind::Downgraded { .. } => T::Downgraded,
            EventKind::CondWait { .. } => T::CondWait,
            EventKind::CondWoken { .. } => T::CondWoken,
            EventKind::Notify { .. } => T::Notify,
            EventKind::SemAcquired { .. } => T::SemAcquired,
            EventKind::SemReleased { .. } => T::SemReleased,
            EventKind::EventSet { .. } => T::EventSet,
            EventKind::EventClear { .. } => T::EventClear,
            EventKind::EventWait { .. } => T::EventWait,
            EventKind::EventWoken { .. } => T::EventWoken,
            EventKind::BarrierWait { .. } => T::BarrierWait,
            EventKind::BarrierPassed { .. } => T::BarrierPassed,
            EventKind::Read { .. } => T::Read,
            EventKind::Write { .. } => T::Write,
            EventKind::Update { .. } => T::Update,
            EventKind::Begin => T::Begin,
            EventKind::End => T::End,
            EventKind::Note { .. } => T::Note,
            EventKind::Scheduled { .. } => T::Scheduled,
        }
    }

    /// The wire `"type"` of this variant.
    pub fn type_name(&self) -> &'static str {
        self.event_type().name()
    }

    /// Every wire event `"type"`, for error messages ("expected one of").
    pub const TYPE_NAMES: [&'static str; EventType::COUNT] = EventType::NAMES;

    /// The primitive this event is about, if any (for a condvar event, the
    /// condvar).
    pub fn obj(&self) -> Option<ObjId> {
        match *self {
            EventKind::Request { obj, .. }
            | EventKind::Acquired { obj, .. }
            | EventKind::TryFailed { obj, .. }
            | EventKind::Released { obj, .. }
            | EventKind::Upgraded { obj }
            | EventKind::Downgraded { obj, .. }
            | EventKind::SemAcquired { obj, .. }
            | EventKind::SemReleased { obj, .. }
            | EventKind::EventSet { obj }
            | EventKind::EventClear { obj }
            | EventKind::EventWait { obj, .. }
            | EventKind::EventWoken { obj, .. }
            | EventKind::BarrierWait { obj }
            | EventKind::BarrierPassed { obj, .. } => Some(obj),
            EventKind::CondWait { condvar, .. }
            | EventKind::CondWoken { condvar, .. }
            | EventKind::Notify { condvar, .. } => Some(condvar),
            _ => None,
        }
    }

    /// The object of an operation that orders threads without holding a
    /// lock, if it is one: a notify (its condvar), a semaphore permit
    /// taken or given back, an event set, cleared or woken from, a barrier
    /// arrival or passage. Replays keep such operations on one object in
    /// trace order.
    pub fn sync_obj(&self) -> Option<ObjId> {
        match *self {
            EventKind::Notify { condvar: obj, .. }
            | EventKind::SemAcquired { obj, .. }
            | EventKind::SemReleased { obj, .. }
            | EventKind::EventSet { obj }
            | EventKind::EventClear { obj }
            | EventKind::EventWoken { obj, .. }
            | EventKind::BarrierWait { obj }
            | EventKind::BarrierPassed { obj, .. } => Some(obj),
            _ => None,
        }
    }

    /// The tracked variable this event accesses, if any.
    pub fn var(&self) -> Option<VarId> {
        match *self {
            EventKind::Read { var } | EventKind::Write { var } | EventKind::Update { var } => {
                Some(var)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_table_matches_every_variant() {
        let o = ObjId(0);
        let v = VarId(0);
        let t = ThreadId(0);
        let all = [
            EventKind::ThreadStart { parent: None },
            EventKind::ThreadExit,
            EventKind::Fork { child: t },
            EventKind::JoinRequest { child: t },
            EventKind::Join { child: t },
            EventKind::Request {
                obj: o,
                mode: LockMode::Exclusive,
            },
            EventKind::Acquired {
                obj: o,
                mode: LockMode::Exclusive,
                depth: 1,
            },
            EventKind::TryFailed {
                obj: o,
                mode: LockMode::Exclusive,
            },
            EventKind::Released {
                obj: o,
                mode: LockMode::Exclusive,
            },
            EventKind::Upgraded { obj: o },
            EventKind::Downgraded {
                obj: o,
                to: LockMode::Shared,
            },
            EventKind::CondWait {
                condvar: o,
                mutex: o,
                timed: false,
            },
            EventKind::CondWoken {
                condvar: o,
                mutex: o,
                timed_out: false,
            },
            EventKind::Notify {
                condvar: o,
                all: false,
                woken: 0,
            },
            EventKind::SemAcquired { obj: o, permits: 1 },
            EventKind::SemReleased { obj: o, permits: 1 },
            EventKind::EventSet { obj: o },
            EventKind::EventClear { obj: o },
            EventKind::EventWait {
                obj: o,
                timed: false,
            },
            EventKind::EventWoken {
                obj: o,
                timed_out: false,
            },
            EventKind::BarrierWait { obj: o },
            EventKind::BarrierPassed {
                obj: o,
                leader: false,
            },
            EventKind::Read { var: v },
            EventKind::Write { var: v },
            EventKind::Update { var: v },
            EventKind::Begin,
            EventKind::End,
            EventKind::Note { note: NoteId(0) },
            EventKind::Scheduled { worker: t },
        ];
        let types: Vec<_> = all.iter().map(EventKind::event_type).collect();
        assert_eq!(types, EventType::ALL);
    }

    #[test]
    fn primitive_kind_names_round_trip() {
        for k in PrimitiveKind::ALL {
            assert_eq!(PrimitiveKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(PrimitiveKind::parse("spinlock"), None);
    }

    #[test]
    fn shared_modes_are_compatible_exclusive_is_not() {
        assert!(LockMode::Shared.compatible(LockMode::Shared));
        assert!(LockMode::Shared.compatible(LockMode::Upgradable));
        assert!(!LockMode::Upgradable.compatible(LockMode::Upgradable));
        assert!(!LockMode::Exclusive.compatible(LockMode::Shared));
    }
}
