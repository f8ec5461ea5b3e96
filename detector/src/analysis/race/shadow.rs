//! FastTrack shadow state of one tracked variable: the last write as an
//! epoch, the last read as an epoch while reads are totally ordered and as
//! a per-thread vector once two unordered reads exist (read-shared).
//!
//! Each check returns the earlier accesses the current one races with; the
//! caller reports them. The rules are FastTrack's (Flanagan and Freund,
//! PLDI 2009), with the site and trace index of every remembered access
//! kept for the report.

use crate::clock::{Epoch, VectorClock};
use crate::trace::{SiteId, ThreadId};

/// Where an access happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct At {
    pub(super) index: u64,
    pub(super) site: Option<SiteId>,
}

/// A remembered access: its epoch and where it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct Access {
    pub(super) epoch: Epoch,
    pub(super) at: At,
}

/// An earlier access the current one races with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Conflict {
    pub(super) previous: Access,
    pub(super) previous_was_write: bool,
}

/// One variable's shadow state: 48 bytes, no allocation until the
/// variable is read-shared.
#[derive(Clone, Debug, Default)]
pub(super) struct Shadow {
    write: Epoch,
    read: Epoch,
    write_index: u64,
    read_index: u64,
    write_site: u32,
    read_site: u32,
    /// Read-shared mode when present: the last read of each thread,
    /// indexed by thread (clock 0 = no read).
    // A thin pointer: 8 bytes in a per-variable struct instead of 24.
    #[allow(clippy::box_collection)]
    shared: Option<Box<Vec<Access>>>,
}

const NO_SITE: u32 = u32::MAX;

fn pack(site: Option<SiteId>) -> u32 {
    site.map_or(NO_SITE, |s| s.0)
}

fn unpack(site: u32) -> Option<SiteId> {
    (site != NO_SITE).then_some(SiteId(site))
}

impl Shadow {
    fn last_write(&self) -> Access {
        Access {
            epoch: self.write,
            at: At {
                index: self.write_index,
                site: unpack(self.write_site),
            },
        }
    }

    fn last_read(&self) -> Access {
        Access {
            epoch: self.read,
            at: At {
                index: self.read_index,
                site: unpack(self.read_site),
            },
        }
    }

    fn set_read(&mut self, a: Access) {
        self.read = a.epoch;
        self.read_index = a.at.index;
        self.read_site = pack(a.at.site);
    }

    /// A read by `t` whose clock is `vc`; conflicts go to `out`.
    #[inline]
    pub(super) fn read(&mut self, t: ThreadId, vc: &VectorClock, at: At, out: &mut Vec<Conflict>) {
        let now = Access {
            epoch: vc.epoch(t),
            at,
        };
        match &self.shared {
            None if self.read == now.epoch => return, // same epoch: nothing new
            Some(shared) if shared.get(t.index()).map(|a| a.epoch) == Some(now.epoch) => return,
            _ => {}
        }
        if !self.write.happens_before(vc) {
            out.push(Conflict {
                previous: self.last_write(),
                previous_was_write: true,
            });
        }
        if let Some(shared) = &mut self.shared {
            set_shared(shared, t, now);
        } else if self.read.happens_before(vc) {
            self.set_read(now);
        } else {
            let mut shared = Box::default();
            set_shared(&mut shared, self.read.thread_id(), self.last_read());
            set_shared(&mut shared, t, now);
            self.shared = Some(shared);
        }
    }

    /// A write by `t` whose clock is `vc`; conflicts go to `out`.
    #[inline]
    pub(super) fn write(&mut self, t: ThreadId, vc: &VectorClock, at: At, out: &mut Vec<Conflict>) {
        let now = vc.epoch(t);
        if self.write == now {
            return;
        }
        if !self.write.happens_before(vc) {
            out.push(Conflict {
                previous: self.last_write(),
                previous_was_write: true,
            });
        }
        match self.shared.take() {
            None => {
                if !self.read.happens_before(vc) {
                    out.push(Conflict {
                        previous: self.last_read(),
                        previous_was_write: false,
                    });
                }
            }
            Some(shared) => {
                for read in shared.iter().filter(|r| !r.epoch.happens_before(vc)) {
                    out.push(Conflict {
                        previous: *read,
                        previous_was_write: false,
                    });
                }
                // Every read is now ordered before this write (or
                // reported): back to epoch mode with no read.
                self.set_read(Access::default());
            }
        }
        self.write = now;
        self.write_index = at.index;
        self.write_site = pack(at.site);
    }
}

fn set_shared(shared: &mut Vec<Access>, t: ThreadId, a: Access) {
    if shared.len() <= t.index() {
        shared.resize(t.index() + 1, Access::default());
    }
    shared[t.index()] = a;
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: ThreadId = ThreadId(0);
    const T1: ThreadId = ThreadId(1);
    const T2: ThreadId = ThreadId(2);

    fn at(index: u64) -> At {
        At { index, site: None }
    }

    #[test]
    fn shadow_state_stays_small() {
        assert_eq!(std::mem::size_of::<Shadow>(), 48);
    }

    #[test]
    fn unordered_write_after_write_conflicts() {
        let mut s = Shadow::default();
        let mut out = Vec::new();
        s.write(T0, &VectorClock::new_for(T0), at(0), &mut out);
        s.write(T1, &VectorClock::new_for(T1), at(1), &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].previous_was_write);
        assert_eq!(out[0].previous.at.index, 0);
    }

    #[test]
    fn ordered_accesses_do_not_conflict() {
        let mut s = Shadow::default();
        let mut out = Vec::new();
        let c0 = VectorClock::new_for(T0);
        s.write(T0, &c0, at(0), &mut out);
        let mut c1 = VectorClock::new_for(T1);
        c1.join(&c0);
        s.read(T1, &c1, at(1), &mut out);
        s.write(T1, &c1, at(2), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn concurrent_reads_go_shared_and_a_write_sees_both() {
        let mut s = Shadow::default();
        let mut out = Vec::new();
        s.read(T0, &VectorClock::new_for(T0), at(0), &mut out);
        s.read(T1, &VectorClock::new_for(T1), at(1), &mut out);
        assert!(out.is_empty(), "reads never race with reads");
        s.write(T2, &VectorClock::new_for(T2), at(2), &mut out);
        let indices: Vec<_> = out.iter().map(|c| c.previous.at.index).collect();
        assert_eq!(indices, vec![0, 1]);
        assert!(out.iter().all(|c| !c.previous_was_write));
    }
}
