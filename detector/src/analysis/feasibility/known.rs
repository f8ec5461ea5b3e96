//! Closures of single-thread prefixes, kept per thread at regular
//! positions (a *ladder*), for checks to start from.
//!
//! Closures are monotone: the closure of a thread's prefix before
//! position `c` is part of the closure of every set that holds that
//! prefix, in particular of every pattern whose event on that thread lies
//! at or after `c`. A check may take such a closed set whole instead of
//! scanning it (see `Closure::jump`), and it may do so as soon as its own
//! set holds the prefix, whichever thread it is on. On a trace whose
//! threads depend on each other all the time, the closure of a pattern
//! is most of the trace before it, and every feasible pattern would cost
//! a scan of it; with the ladders, a check scans what lies between the
//! rung below its pattern and the pattern. A ladder is built rung by rung,
//! each from the one below, so building a thread's whole ladder costs one
//! closure of its whole prefix.
//!
//! # Performance
//! At most [`RUNGS`] rungs per thread, each one position per window
//! thread, and [`MAX_STORED`] positions in all (16 MiB); a window of more
//! than [`MAX_THREADS`] threads builds none, and its checks scan as they
//! would without. Finding the rung to start from is one division per
//! thread with a ladder, deciding whether to take it one look at each
//! window thread, every [`LOOK_EVERY`] events a check scans.

use hashbrown::HashMap;

/// Rungs per thread at most: the rung spacing is a thread's window length
/// over this (and at least [`Known::min_spacing`]).
const RUNGS: u32 = 64;
/// Positions between two rungs at least.
const MIN_SPACING: u32 = 1024;
/// Events a check scans between two looks for a rung to take.
const LOOK_EVERY: u64 = 1024;
/// Positions stored in all rungs at most.
const MAX_STORED: usize = 1 << 22;
/// Window threads above which no ladder is built: a rung is one position
/// per window thread, and deciding whether to take one looks at each.
const MAX_THREADS: usize = 4096;

/// One thread's rungs: rung `j` is the closure of the thread's prefix
/// before position `first + (j + 1) * spacing`, as a prefix length per
/// window thread, with its size (the sum of the lengths).
#[derive(Clone, Debug)]
struct Ladder {
    first: u32,
    spacing: u32,
    rungs: Vec<(Vec<u32>, u64)>,
}

impl Ladder {
    /// Position of rung `j`.
    fn at(&self, j: usize) -> u32 {
        self.first + (j as u32 + 1) * self.spacing
    }

    /// Number of rungs at or below position `pos`, built or not.
    fn below(&self, pos: u32) -> usize {
        (pos.saturating_sub(self.first) / self.spacing) as usize
    }
}

/// The ladders of one recorder's window (which grading does not change),
/// by window thread.
#[derive(Clone, Debug)]
pub(super) struct Known {
    ladders: HashMap<u32, Ladder>,
    stored: usize,
    /// Positions between two rungs at least.
    min_spacing: u32,
    /// Events a check scans between two looks for a rung to take.
    pub(super) look_every: u64,
}

impl Default for Known {
    fn default() -> Self {
        Known::with_spacing(MIN_SPACING, LOOK_EVERY)
    }
}

impl Known {
    /// Ladders with rungs at least `min_spacing` positions apart, looked
    /// at every `look_every` events scanned (small values test them on
    /// small traces).
    pub(super) fn with_spacing(min_spacing: u32, look_every: u64) -> Self {
        Known {
            ladders: HashMap::new(),
            stored: 0,
            min_spacing,
            look_every,
        }
    }

    /// The position of the next rung of `thread`'s ladder (window thread
    /// `thread`, whose window starts at `first` and holds `len` events)
    /// at or below `pos`, if it has one to build and there is room.
    pub(super) fn next_rung(
        &mut self,
        thread: u32,
        first: u32,
        len: u32,
        pos: u32,
        threads: usize,
    ) -> Option<u32> {
        if threads > MAX_THREADS || self.stored + threads > MAX_STORED {
            return None;
        }
        let ladder = self.ladders.entry(thread).or_insert_with(|| Ladder {
            first,
            spacing: len.div_ceil(RUNGS).max(self.min_spacing),
            rungs: Vec::new(),
        });
        let built = ladder.rungs.len();
        (built < ladder.below(pos)).then(|| ladder.at(built))
    }

    /// Keeps `closed`, the closure of `thread`'s prefix before the rung
    /// position [`Known::next_rung`] gave.
    pub(super) fn add_rung(&mut self, thread: u32, closed: Vec<u32>) {
        if let Some(ladder) = self.ladders.get_mut(&thread) {
            let size = closed.iter().map(|&p| u64::from(p)).sum();
            self.stored += closed.len();
            ladder.rungs.push((closed, size));
        }
    }

    /// The largest rung a set with prefixes `frontier` holds the prefix
    /// of, so is contained in the closure of; of two as large, the one of
    /// the lower thread (the map's order varies from run to run, and the
    /// rung taken decides the work a check does, so the budget's cuts).
    pub(super) fn best(&self, frontier: &[u32]) -> Option<&[u32]> {
        self.ladders
            .iter()
            .filter_map(|(&t, ladder)| {
                let j = ladder.below(frontier[t as usize]).min(ladder.rungs.len());
                j.checked_sub(1).map(|j| (t, &ladder.rungs[j]))
            })
            .max_by_key(|&(t, (_, size))| (*size, std::cmp::Reverse(t)))
            .map(|(_, (closed, _))| closed.as_slice())
    }
}
