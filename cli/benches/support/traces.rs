//! The scale benchmark's two STD traces, generated with a fixed seed:
//!
//! - race-heavy: 8 threads, 64 locks, 20,000 variables, up to 3 locks held,
//!   most accesses unprotected (many races, lost updates and lock-order
//!   cycles); the shape of `gen_synth.py`, which the measurements in
//!   docs/performance.md ("Analyzer at scale") use at full size;
//! - well-synchronized: 8 threads, 64 locks, every variable accessed under
//!   its own lock, locks never nested (no finding); `gen_clean.py`'s block.

use std::io::{self, Write};

/// xorshift64*: a fixed sequence for a fixed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Writes the race-heavy trace of about `n` events; returns the count.
pub fn race_heavy(n: u64, out: impl Write) -> io::Result<u64> {
    const T: u64 = 8;
    const L: u64 = 64;
    const V: u64 = 20_000;
    let mut out = io::BufWriter::new(out);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut held: Vec<Vec<u64>> = vec![Vec::new(); T as usize];
    let mut written = 0;
    for t in 1..T {
        writeln!(out, "T0|fork(T{t})|1")?;
        written += 1;
    }
    while written < n.saturating_sub(2 * T) {
        let t = rng.below(T) as usize;
        let r = rng.unit();
        if !held[t].is_empty() && r < 0.15 {
            let l = held[t].pop().unwrap_or_default();
            writeln!(out, "T{t}|rel(L{l})|{}", 10 + t)?;
        } else if r < 0.25 && held[t].len() < 3 {
            let l = rng.below(L);
            if held.iter().any(|h| h.contains(&l)) {
                continue;
            }
            held[t].push(l);
            writeln!(out, "T{t}|acq(L{l})|{}", 20 + l)?;
        } else {
            let v = rng.below(V);
            let op = if rng.unit() < 0.3 { 'w' } else { 'r' };
            writeln!(out, "T{t}|{op}(V{v})|{}", 100 + v % 500)?;
        }
        written += 1;
    }
    for (t, h) in held.iter().enumerate() {
        for l in h.iter().rev() {
            writeln!(out, "T{t}|rel(L{l})|9")?;
            written += 1;
        }
    }
    for t in 1..T {
        writeln!(out, "T0|join(T{t})|2")?;
        written += 1;
    }
    out.flush()?;
    Ok(written)
}

/// Writes the well-synchronized trace of `n` events; returns the count.
pub fn well_synchronized(n: u64, out: impl Write) -> io::Result<u64> {
    let mut out = io::BufWriter::new(out);
    let mut written = 0;
    for t in 1..=8 {
        writeln!(out, "T0|fork(T{t})|1")?;
        written += 1;
    }
    let mut block = Vec::new();
    for i in 0..1250u64 {
        let t = 1 + i % 8;
        let l = (i * 7) % 64;
        block.push(format!("T{t}|acq(L{l})|{}\n", 10 + l));
        block.push(format!("T{t}|r(V{l})|{}\n", 20 + l));
        block.push(format!("T{t}|w(V{l})|{}\n", 30 + l));
        block.push(format!("T{t}|rel(L{l})|{}\n", 40 + l));
    }
    'out: loop {
        for line in &block {
            if written >= n {
                break 'out;
            }
            out.write_all(line.as_bytes())?;
            written += 1;
        }
    }
    out.flush()?;
    Ok(written)
}
