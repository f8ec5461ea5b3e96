//! A synthetic, seeded trace for the analysis benchmark and the peak-RSS
//! example: `threads` threads (T0 forks the others, joins them at the end)
//! take `locks` locks at random; inside a critical section a thread does one
//! to four read-modify-writes of variables guarded by that lock (variable
//! `v` belongs to lock `v % locks`); one step in a thousand is an
//! unprotected access to a random variable (the races). Blocked threads
//! wait for the holder's release, so the trace is a legal schedule.
//!
//! It streams: an [`EventSource`] that generates on demand (memory does not
//! grow with the event count), and [`write_std`] that prints the same
//! events as RAPID STD text.

use std::collections::VecDeque;
use std::io::{self, Write};

use lockscope_detector::trace::{
    ClockUnit, Event, EventKind, EventSource, LockMode, ObjId, PrimitiveInfo, PrimitiveKind, Site,
    SiteId, SourceFormat, ThreadId, ThreadInfo, TraceError, TraceMeta, VarId, VarInfo,
};

/// The shape of the trace.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub threads: u32,
    pub locks: u32,
    pub vars: u32,
    pub events: u64,
    pub seed: u64,
}

impl Params {
    /// The benchmark's trace: 8 threads, 64 locks, 20k variables.
    pub fn benchmark(events: u64) -> Self {
        Params {
            threads: 8,
            locks: 64,
            vars: 20_000,
            events,
            seed: 0x5eed_10c5_c0de,
        }
    }
}

/// SplitMix64: a tiny, well-mixed generator, enough for a fixed-seed
/// workload (no statistical claims rest on it).
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * u64::from(n)) >> 32) as u32
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Blocked(u32),
    Holding { lock: u32, accesses: u32 },
}

/// The generator; see the module docs.
#[derive(Debug)]
pub struct Synth {
    p: Params,
    meta: TraceMeta,
    rng: SplitMix64,
    phases: Vec<Phase>,
    holder: Vec<Option<u32>>,
    queue: VecDeque<EventKind>,
    queue_thread: VecDeque<(u32, u32)>,
    emitted: u64,
    started: bool,
    finished: bool,
}

/// Sites: one per lock for acquire and release, 97 access sites, 1 for
/// unprotected accesses, 1 for fork/join.
const ACCESS_SITES: u32 = 97;

impl Synth {
    pub fn new(p: Params) -> Self {
        let mut meta = TraceMeta::new(SourceFormat::Std);
        meta.header.clock = ClockUnit::Sequence;
        for t in 0..p.threads {
            meta.push_thread(ThreadInfo {
                label: format!("T{t}"),
                ..ThreadInfo::default()
            });
        }
        for l in 0..p.locks {
            meta.push_primitive(PrimitiveInfo {
                label: format!("L{l}"),
                kind: PrimitiveKind::Mutex,
                name: None,
                site: None,
                permits: None,
                rank: None,
                class: None,
            });
        }
        for v in 0..p.vars {
            meta.push_var(VarInfo {
                label: format!("V{v}"),
                ..VarInfo::default()
            });
        }
        for s in 0..2 * p.locks + ACCESS_SITES + 2 {
            meta.push_site(Site::Label(s.to_string()));
        }
        Synth {
            p,
            meta,
            rng: SplitMix64(p.seed),
            phases: vec![Phase::Idle; p.threads as usize],
            holder: vec![None; p.locks as usize],
            queue: VecDeque::new(),
            queue_thread: VecDeque::new(),
            emitted: 0,
            started: false,
            finished: false,
        }
    }

    fn emit(&mut self, t: u32, site: u32, kind: EventKind) {
        self.queue.push_back(kind);
        self.queue_thread.push_back((t, site));
    }

    fn fork_join_site(&self) -> u32 {
        2 * self.p.locks + ACCESS_SITES + 1
    }

    /// Generates at least one event into the queue.
    fn step(&mut self) {
        if !self.started {
            self.started = true;
            for c in 1..self.p.threads {
                self.emit(
                    0,
                    self.fork_join_site(),
                    EventKind::Fork { child: ThreadId(c) },
                );
            }
            return;
        }
        let winding_down = self.emitted + 4 * u64::from(self.p.threads) >= self.p.events;
        if winding_down {
            self.wind_down();
            return;
        }
        loop {
            let t = self.rng.below(self.p.threads);
            if self.advance(t) {
                return;
            }
        }
    }

    /// One step of thread `t`; false when it is blocked.
    fn advance(&mut self, t: u32) -> bool {
        let locks = self.p.locks;
        match self.phases[t as usize] {
            Phase::Idle if self.rng.below(1000) == 0 => {
                let var = VarId(self.rng.below(self.p.vars));
                let kind = if self.rng.below(2) == 0 {
                    EventKind::Read { var }
                } else {
                    EventKind::Write { var }
                };
                self.emit(t, 2 * locks + ACCESS_SITES, kind);
            }
            Phase::Idle => {
                let l = self.rng.below(locks);
                let obj = ObjId(l);
                self.emit(
                    t,
                    l,
                    EventKind::Request {
                        obj,
                        mode: LockMode::Exclusive,
                    },
                );
                self.phases[t as usize] = Phase::Blocked(l);
                self.try_acquire(t, l);
            }
            Phase::Blocked(l) => {
                if self.holder[l as usize].is_some() {
                    return false;
                }
                self.try_acquire(t, l);
            }
            Phase::Holding { lock, accesses: 0 } => self.release(t, lock),
            Phase::Holding { lock, accesses } => {
                let per_lock = (self.p.vars - lock).div_ceil(locks);
                let var = VarId(lock + locks * self.rng.below(per_lock));
                let site = 2 * locks + var.0 % ACCESS_SITES;
                self.emit(t, site, EventKind::Read { var });
                self.emit(t, site, EventKind::Write { var });
                self.phases[t as usize] = Phase::Holding {
                    lock,
                    accesses: accesses - 1,
                };
            }
        }
        true
    }

    fn try_acquire(&mut self, t: u32, l: u32) {
        if self.holder[l as usize].is_none() {
            self.holder[l as usize] = Some(t);
            let kind = EventKind::Acquired {
                obj: ObjId(l),
                mode: LockMode::Exclusive,
                depth: 1,
            };
            self.emit(t, l, kind);
            let accesses = 1 + self.rng.below(4);
            self.phases[t as usize] = Phase::Holding { lock: l, accesses };
        }
    }

    fn release(&mut self, t: u32, l: u32) {
        self.holder[l as usize] = None;
        let kind = EventKind::Released {
            obj: ObjId(l),
            mode: LockMode::Exclusive,
        };
        self.emit(t, self.p.locks + l, kind);
        self.phases[t as usize] = Phase::Idle;
    }

    /// Releases every held lock, drops pending requests' threads' waits by
    /// granting them in turn, then joins: the trace ends clean.
    fn wind_down(&mut self) {
        for t in 0..self.p.threads {
            if let Phase::Holding { lock, .. } = self.phases[t as usize] {
                self.release(t, lock);
                return;
            }
        }
        for t in 0..self.p.threads {
            if let Phase::Blocked(l) = self.phases[t as usize] {
                self.try_acquire(t, l);
                return;
            }
        }
        for c in 1..self.p.threads {
            self.emit(
                0,
                self.fork_join_site(),
                EventKind::Join { child: ThreadId(c) },
            );
        }
        self.finished = true;
    }
}

impl EventSource for Synth {
    fn meta(&self) -> &TraceMeta {
        &self.meta
    }

    fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        while self.queue.is_empty() {
            if self.finished {
                return Ok(None);
            }
            self.step();
        }
        let kind = self.queue.pop_front().expect("queue checked non-empty");
        let (t, site) = self.queue_thread.pop_front().expect("queues move together");
        let ev = Event {
            time: self.emitted,
            thread: ThreadId(t),
            site: Some(SiteId(site)),
            backtrace: None,
            kind,
        };
        self.emitted += 1;
        Ok(Some(ev))
    }
}

/// Writes the trace of `p` as RAPID STD text (`T1|acq(L2)|86`).
pub fn write_std(p: Params, out: impl Write) -> io::Result<u64> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut synth = Synth::new(p);
    let mut n = 0;
    while let Some(ev) = synth.next_event().map_err(io::Error::other)? {
        let t = ev.thread.0;
        let site = ev.site.map_or(0, |s| s.0);
        match ev.kind {
            EventKind::Request { obj, .. } => writeln!(out, "T{t}|req(L{})|{site}", obj.0)?,
            EventKind::Acquired { obj, .. } => writeln!(out, "T{t}|acq(L{})|{site}", obj.0)?,
            EventKind::Released { obj, .. } => writeln!(out, "T{t}|rel(L{})|{site}", obj.0)?,
            EventKind::Read { var } => writeln!(out, "T{t}|r(V{})|{site}", var.0)?,
            EventKind::Write { var } => writeln!(out, "T{t}|w(V{})|{site}", var.0)?,
            EventKind::Fork { child } => writeln!(out, "T{t}|fork(T{})|{site}", child.0)?,
            EventKind::Join { child } => writeln!(out, "T{t}|join(T{})|{site}", child.0)?,
            other => unreachable!("the generator never emits {}", other.type_name()),
        }
        n += 1;
    }
    out.flush()?;
    Ok(n)
}
