//! One thread's pending reads (reads not yet followed by a write of the
//! same thread to the same variable), by variable: a hash map while they
//! are few, a vector indexed by variable once they cover a quarter of the
//! variable ids up to the highest.
//!
//! # Performance
//! A look-up is a hash probe (sparse) or one index (dense). Dense storage
//! takes at most four times the entries it holds (16 bytes per variable id
//! up to the highest, for at least a quarter of them held); a read of a
//! variable far past the others turns it back into a map.

use hashbrown::HashMap;

/// A read: its trace index and site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Read {
    pub(super) index: u64,
    pub(super) site: u32,
}

impl Read {
    const NONE: Read = Read {
        index: u64::MAX,
        site: u32::MAX,
    };

    fn is_none(self) -> bool {
        self.index == u64::MAX
    }
}

/// Reads held sparse until this many.
const DENSE_FROM: usize = 64;

/// A thread's pending reads.
#[derive(Clone, Debug)]
pub(super) enum Reads {
    Sparse {
        by_var: HashMap<u32, Read>,
        /// The highest variable id it ever held.
        highest: u32,
    },
    Dense {
        by_var: Vec<Read>,
        len: usize,
    },
}

impl Default for Reads {
    fn default() -> Self {
        Reads::Sparse {
            by_var: HashMap::default(),
            highest: 0,
        }
    }
}

impl Reads {
    /// Asks for the memory of `var`'s entry when it is at a known place
    /// (dense storage; see [`crate::prefetch`]).
    pub(super) fn prefetch(&self, var: u32) {
        if let Reads::Dense { by_var, .. } = self {
            if let Some(r) = by_var.get(var as usize) {
                crate::prefetch::value(r);
            }
        }
    }

    /// Records `read` as the pending read of `var`.
    pub(super) fn insert(&mut self, var: u32, read: Read) {
        let v = var as usize;
        match self {
            Reads::Sparse { by_var, highest } => {
                by_var.insert(var, read);
                *highest = (*highest).max(var);
                let top = *highest as usize;
                if by_var.len() >= DENSE_FROM && 4 * by_var.len() > top {
                    let mut dense = vec![Read::NONE; top + 1];
                    for (&k, &r) in by_var.iter() {
                        dense[k as usize] = r;
                    }
                    *self = Reads::Dense {
                        len: by_var.len(),
                        by_var: dense,
                    };
                }
            }
            Reads::Dense { by_var, len } => {
                if v >= by_var.len() {
                    if v + 1 > 4 * (*len + 1) {
                        let sparse = by_var
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| !r.is_none())
                            .map(|(k, r)| (k as u32, *r))
                            .collect();
                        *self = Reads::Sparse {
                            by_var: sparse,
                            highest: by_var.len().saturating_sub(1) as u32,
                        };
                        return self.insert(var, read);
                    }
                    by_var.resize(v + 1, Read::NONE);
                }
                *len += usize::from(by_var[v].is_none());
                by_var[v] = read;
            }
        }
    }

    /// Removes and returns the pending read of `var`.
    pub(super) fn take(&mut self, var: u32) -> Option<Read> {
        match self {
            Reads::Sparse { by_var, .. } => by_var.remove(&var),
            Reads::Dense { by_var, len } => {
                let slot = by_var.get_mut(var as usize)?;
                let read = std::mem::replace(slot, Read::NONE);
                if read.is_none() {
                    return None;
                }
                *len -= 1;
                Some(read)
            }
        }
    }

    /// How many reads are pending.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        match self {
            Reads::Sparse { by_var, .. } => by_var.len(),
            Reads::Dense { len, .. } => *len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(i: u64) -> Read {
        Read { index: i, site: 0 }
    }

    #[test]
    fn many_reads_go_dense_and_a_far_one_goes_back_to_a_map() {
        let mut r = Reads::default();
        for v in 0..100 {
            r.insert(v, read(u64::from(v)));
        }
        assert!(matches!(r, Reads::Dense { .. }));
        assert_eq!(r.take(7), Some(read(7)));
        assert_eq!(r.take(7), None);
        assert_eq!(r.len(), 99);
        r.insert(1_000_000, read(5));
        assert!(matches!(r, Reads::Sparse { .. }));
        assert_eq!(r.len(), 100);
        assert_eq!(r.take(1_000_000), Some(read(5)));
        assert_eq!(r.take(42), Some(read(42)));
    }
}
