//! A barrier for a fixed number of threads, with std's `Barrier` API: each
//! `wait` blocks until that many threads have called it; one of them is the
//! leader.
//!
//! Records `barrier_wait` on arrival and `barrier_passed` on release; every
//! arrival happens-before every pass of the same generation, and the trace
//! times say so.

use std::panic::Location;

use lockscope_detector::trace::{EventKind, PrimitiveKind};

use crate::hook::{self as live, Wait};
use crate::meta::PrimitiveMeta;
use crate::primitive::blocking::{self, Condvar, Mutex};
use crate::recorder::{obj_id, ObjRec, Sync};

#[derive(Debug)]
struct State {
    arrived: usize,
    generation: u64,
}

/// Lets `n` threads wait for each other.
#[derive(Debug)]
pub struct Barrier {
    state: Mutex<State>,
    all_arrived: Condvar,
    parties: usize,
    rec: ObjRec,
    meta: PrimitiveMeta,
}

/// What [`Barrier::wait`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for exactly one thread of each generation.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` threads (`0` behaves as `1`, as std's does).
    #[track_caller]
    pub fn new(n: usize) -> Self {
        Self::build(None, n)
    }

    /// A named barrier.
    #[track_caller]
    pub fn named(name: &'static str, n: usize) -> Self {
        Self::build(Some(name), n)
    }

    #[track_caller]
    fn build(name: Option<&'static str>, n: usize) -> Self {
        Barrier {
            state: Mutex::new(State {
                arrived: 0,
                generation: 0,
            }),
            all_arrived: Condvar::new(),
            parties: n,
            rec: ObjRec::with_permits(u32::try_from(n).unwrap_or(u32::MAX - 1)),
            meta: PrimitiveMeta::new(PrimitiveKind::Barrier, name),
        }
    }

    /// The barrier's identity.
    pub fn meta(&self) -> &PrimitiveMeta {
        &self.meta
    }

    /// Blocks until all parties have called `wait`.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let site = Location::caller();
        let obj = obj_id(&self.meta);
        let mut state = blocking::lock(&self.state);
        self.rec.record(
            &self.meta,
            EventKind::BarrierWait { obj },
            Some(site),
            Sync::ReleaseShared,
        );
        state.arrived += 1;
        let leader = state.arrived >= self.parties;
        if leader {
            state.arrived = 0;
            state.generation = state.generation.wrapping_add(1);
            self.all_arrived.notify_all();
        } else {
            let generation = state.generation;
            live::before_block(
                Wait::Barrier {
                    barrier: &self.meta,
                },
                site,
            );
            crate::blocked::sliced(None, |until| {
                while state.generation == generation {
                    if self.all_arrived.wait_deadline(&mut state, until) {
                        return (state.generation != generation).then_some(());
                    }
                }
                Some(())
            });
            live::wait_ended();
        }
        let passed = EventKind::BarrierPassed { obj, leader };
        self.rec
            .record(&self.meta, passed, Some(site), Sync::Acquire);
        BarrierWaitResult(leader)
    }
}

impl Drop for Barrier {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}
