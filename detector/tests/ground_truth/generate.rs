//! Seeded random traces of small lock-based programs, recorded by a random
//! scheduler, in the STD model: `acq`, `rel`, `req` (only for threads left
//! blocked at the end), `r`, `w`, `fork`, `join`.
//!
//! A trace has 3 to 7 threads and up to 8 locks. Thread `T0` forks the
//! others (one of them may fork the last thread itself) and joins some of
//! them at the end. Every thread runs a sequence of *blocks* drawn from a
//! pool the threads share, the way several threads run the same function:
//! a block nests one to three critical sections, sometimes re-acquires a
//! lock it holds (locks are re-entrant, as Java monitors are), and reads
//! and writes a few shared variables inside and between its sections. The
//! sites of a block are the same wherever it runs, so a lock-order edge
//! recurs with the same sites, in one thread and across threads.
//!
//! The scheduler runs one enabled thread at a time, often staying with the
//! one it ran last. When every unfinished thread is blocked it writes a
//! `req` for each thread waiting for a lock and ends the trace: the trace
//! ends in a deadlock.

use proptest::prelude::RngExt;
use proptest::test_runner::{RngAlgorithm, TestRng};

/// One operation of a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Acq(u32),
    Rel(u32),
    /// A request left blocked at the end of the trace.
    Req(u32),
    Read(u32),
    Write(u32),
    Fork(u32),
    Join(u32),
}

/// One event of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ev {
    pub thread: u32,
    pub op: Op,
    pub site: u32,
}

/// A recorded execution.
#[derive(Clone, Debug)]
pub struct Trace {
    pub seed: u64,
    pub threads: usize,
    pub locks: usize,
    pub vars: usize,
    pub events: Vec<Ev>,
}

impl Trace {
    /// The trace in RAPID's STD text format.
    pub fn to_std(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            let op = match e.op {
                Op::Acq(l) => format!("acq(L{l})"),
                Op::Rel(l) => format!("rel(L{l})"),
                Op::Req(l) => format!("req(L{l})"),
                Op::Read(v) => format!("r(V{v})"),
                Op::Write(v) => format!("w(V{v})"),
                Op::Fork(t) => format!("fork(T{t})"),
                Op::Join(t) => format!("join(T{t})"),
            };
            out.push_str(&format!("T{}|{op}|{}\n", e.thread, e.site));
        }
        out
    }
}

/// How large the generated traces are.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Blocks each worker runs, at most.
    pub blocks: usize,
    /// Distinct blocks in the shared pool, per thread.
    pub pool_per_thread: usize,
}

impl Size {
    /// The sizes a run cycles through, smallest first.
    pub const LADDER: [Size; 3] = [
        Size {
            blocks: 2,
            pool_per_thread: 1,
        },
        Size {
            blocks: 3,
            pool_per_thread: 1,
        },
        Size {
            blocks: 4,
            pool_per_thread: 2,
        },
    ];
}

struct Gen {
    rng: TestRng,
    locks: u32,
    vars: u32,
    next_site: u32,
}

impl Gen {
    fn site(&mut self) -> u32 {
        self.next_site += 1;
        self.next_site
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// Zero to two accesses of shared variables.
    fn accesses(&mut self, out: &mut Vec<(Op, u32)>, p: f64) {
        for _ in 0..2 {
            if self.chance(p) {
                let v = self.rng.random_range(0..self.vars);
                let op = if self.chance(0.4) {
                    Op::Write(v)
                } else {
                    Op::Read(v)
                };
                out.push((op, self.site()));
            }
        }
    }

    /// One block: nested critical sections with accesses.
    fn block(&mut self) -> Vec<(Op, u32)> {
        let depth = match self.rng.random_range(0..20) {
            0..=6 => 1,
            7..=16 => 2,
            _ => 3,
        }
        .min(self.locks as usize);
        let mut locks: Vec<u32> = Vec::new();
        while locks.len() < depth {
            let l = self.rng.random_range(0..self.locks);
            if !locks.contains(&l) {
                locks.push(l);
            }
        }
        let mut out = Vec::new();
        self.accesses(&mut out, 0.3);
        for (i, &l) in locks.iter().enumerate() {
            out.push((Op::Acq(l), self.site()));
            self.accesses(&mut out, 0.35);
            if self.chance(0.12) {
                let again = locks[self.rng.random_range(0..=i)];
                out.push((Op::Acq(again), self.site()));
                self.accesses(&mut out, 0.3);
                out.push((Op::Rel(again), self.site()));
            }
        }
        for &l in locks.iter().rev() {
            self.accesses(&mut out, 0.3);
            out.push((Op::Rel(l), self.site()));
        }
        out
    }
}

/// The trace of seed `seed` at size `size`.
pub fn generate(seed: u64, size: Size) -> Trace {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let threads = rng.random_range(3..=7usize);
    let locks = rng.random_range(2..=8u32);
    let vars = rng.random_range(1..=4u32);
    let mut g = Gen {
        rng,
        locks,
        vars,
        next_site: 0,
    };
    let pool: Vec<Vec<(Op, u32)>> = (0..threads * size.pool_per_thread)
        .map(|_| g.block())
        .collect();
    let programs = programs(&mut g, threads, &pool, size);
    let events = schedule(&mut g, &programs);
    Trace {
        seed,
        threads,
        locks: locks as usize,
        vars: vars as usize,
        events,
    }
}

/// Each thread's program: `T0` forks, works and joins; workers run blocks.
fn programs(
    g: &mut Gen,
    threads: usize,
    pool: &[Vec<(Op, u32)>],
    size: Size,
) -> Vec<Vec<(Op, u32)>> {
    let mut progs: Vec<Vec<(Op, u32)>> = vec![Vec::new(); threads];
    // The last thread may be forked by T1 instead of T0.
    let nested = threads > 3 && g.chance(0.3);
    for t in 1..threads as u32 {
        let parent = if nested && t as usize == threads - 1 {
            1
        } else {
            0
        };
        let site = g.site();
        progs[parent].push((Op::Fork(t), site));
        if parent == 0 && g.chance(0.2) {
            let b = g.rng.random_range(0..pool.len());
            progs[0].extend_from_slice(&pool[b]);
        }
    }
    for (t, prog) in progs.iter_mut().enumerate().skip(1) {
        let n = g.rng.random_range(1..=size.blocks);
        for _ in 0..n {
            let b = g.rng.random_range(0..pool.len());
            prog.extend_from_slice(&pool[b]);
        }
        if t == 1 && nested {
            let site = g.site();
            prog.push((Op::Join(threads as u32 - 1), site));
        }
    }
    for t in 1..threads as u32 {
        let forked_by_main = !(nested && t as usize == threads - 1);
        if forked_by_main && g.chance(0.6) {
            let site = g.site();
            progs[0].push((Op::Join(t), site));
        }
    }
    progs
}

/// Runs the programs under a random scheduler and records the events.
fn schedule(g: &mut Gen, progs: &[Vec<(Op, u32)>]) -> Vec<Ev> {
    let n = progs.len();
    let mut pos = vec![0usize; n];
    let mut started = vec![false; n];
    started[0] = true;
    let mut owner: Vec<Option<(u32, u32)>> = vec![None; g.locks as usize];
    let mut events = Vec::new();
    let mut last: Option<usize> = None;
    let done = |t: usize, pos: &[usize]| pos[t] >= progs[t].len();
    loop {
        let enabled: Vec<usize> = (0..n)
            .filter(|&t| started[t] && !done(t, &pos))
            .filter(|&t| match progs[t][pos[t]].0 {
                Op::Acq(l) => owner[l as usize].is_none_or(|(o, _)| o as usize == t),
                Op::Join(c) => done(c as usize, &pos),
                _ => true,
            })
            .collect();
        if enabled.is_empty() {
            break;
        }
        let t = match last {
            Some(t) if enabled.contains(&t) && g.chance(0.6) => t,
            _ => enabled[g.rng.random_range(0..enabled.len())],
        };
        last = Some(t);
        let (op, site) = progs[t][pos[t]];
        pos[t] += 1;
        match op {
            Op::Acq(l) => {
                let o = &mut owner[l as usize];
                *o = Some((t as u32, o.map_or(1, |(_, d)| d + 1)));
            }
            Op::Rel(l) => {
                let o = &mut owner[l as usize];
                *o = o.and_then(|(u, d)| (d > 1).then_some((u, d - 1)));
            }
            Op::Fork(c) => started[c as usize] = true,
            _ => {}
        }
        events.push(Ev {
            thread: t as u32,
            op,
            site,
        });
    }
    // Threads left waiting for a lock record their request.
    for t in 0..n {
        if started[t] && !done(t, &pos) {
            if let (Op::Acq(l), site) = progs[t][pos[t]] {
                events.push(Ev {
                    thread: t as u32,
                    op: Op::Req(l),
                    site,
                });
            }
        }
    }
    events
}
