//! FastTrack shadow state of one tracked variable: the last write as an
//! epoch, the last read as an epoch while reads are totally ordered and as
//! a per-slot list once two unordered reads exist (read-shared).
//!
//! Each check returns the earlier accesses the current one races with; the
//! caller reports them. The rules are FastTrack's (Flanagan and Freund,
//! PLDI 2009), with the thread, site and trace index of every remembered
//! access kept for the report. Epochs are over clock slots (see
//! [`crate::clock`]): a read-shared list has at most one entry per slot,
//! so it is bounded by the threads alive at once.

use crate::clock::{Epoch, Slot, VectorClock};
use crate::trace::{SiteId, ThreadId};

/// Where an access happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct At {
    pub(super) index: u64,
    pub(super) site: Option<SiteId>,
}

/// A remembered access: its epoch, its thread and where it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Access {
    pub(super) epoch: Epoch,
    pub(super) thread: ThreadId,
    pub(super) at: At,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            epoch: Epoch::NONE,
            thread: ThreadId(NO_THREAD),
            at: At::default(),
        }
    }
}

/// An earlier access the current one races with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Conflict {
    pub(super) previous: Access,
    pub(super) previous_was_write: bool,
}

/// One variable's shadow state: 56 bytes, no allocation until the
/// variable is read-shared.
#[derive(Clone, Debug)]
pub(super) struct Shadow {
    write: Epoch,
    read: Epoch,
    write_index: u64,
    read_index: u64,
    write_site: u32,
    read_site: u32,
    write_thread: u32,
    read_thread: u32,
    /// Read-shared mode when present: the last read of each slot, one
    /// entry per slot that read.
    // A thin pointer: 8 bytes in a per-variable struct instead of 24.
    #[allow(clippy::box_collection)]
    shared: Option<Box<Vec<Access>>>,
}

impl Default for Shadow {
    fn default() -> Self {
        Shadow {
            write: Epoch::NONE,
            read: Epoch::NONE,
            write_index: 0,
            read_index: 0,
            write_site: NO_SITE,
            read_site: NO_SITE,
            write_thread: NO_THREAD,
            read_thread: NO_THREAD,
            shared: None,
        }
    }
}

const NO_SITE: u32 = u32::MAX;
const NO_THREAD: u32 = u32::MAX;

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
            thread: ThreadId(self.write_thread),
            at: At {
                index: self.write_index,
                site: unpack(self.write_site),
            },
        }
    }

    fn last_read(&self) -> Access {
        Access {
            epoch: self.read,
            thread: ThreadId(self.read_thread),
            at: At {
                index: self.read_index,
                site: unpack(self.read_site),
            },
        }
    }

    fn set_read(&mut self, a: Access) {
        self.read = a.epoch;
        self.read_thread = a.thread.0;
        self.read_index = a.at.index;
        self.read_site = pack(a.at.site);
    }

    /// A read by `t`, owner of slot `s`, whose clock is `vc`; conflicts go
    /// to `out`.
    #[inline]
    pub(super) fn read(
        &mut self,
        (t, s): (ThreadId, Slot),
        vc: &VectorClock,
        at: At,
        out: &mut Vec<Conflict>,
    ) {
        let now = Access {
            epoch: vc.epoch(s),
            thread: t,
            at,
        };
        match &self.shared {
            None if self.read == now.epoch => return, // same epoch: nothing new
            Some(shared) if shared.iter().any(|a| a.epoch == now.epoch) => return,
            _ => {}
        }
        if !self.write.happens_before(vc) {
            out.push(Conflict {
                previous: self.last_write(),
                previous_was_write: true,
            });
        }
        if let Some(shared) = &mut self.shared {
            set_shared(shared, now);
        } else if self.read.happens_before(vc) {
            self.set_read(now);
        } else {
            let mut shared = Box::default();
            set_shared(&mut shared, self.last_read());
            set_shared(&mut shared, now);
            self.shared = Some(shared);
        }
    }

    /// A write by `t`, owner of slot `s`, whose clock is `vc`; conflicts go
    /// to `out`.
    #[inline]
    pub(super) fn write(
        &mut self,
        (t, s): (ThreadId, Slot),
        vc: &VectorClock,
        at: At,
        out: &mut Vec<Conflict>,
    ) {
        let now = vc.epoch(s);
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
        self.write_thread = t.0;
        self.write_index = at.index;
        self.write_site = pack(at.site);
    }
}

/// Records `a` as its slot's last read (a slot's later owner replaces its
/// earlier one, whose end it knows or which [`crate::clock::Slots`] counts
/// as a cut).
fn set_shared(shared: &mut Vec<Access>, a: Access) {
    match shared.iter_mut().find(|r| r.epoch.slot == a.epoch.slot) {
        Some(r) => *r = a,
        None => shared.push(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: (ThreadId, Slot) = (ThreadId(0), Slot(0));
    const T1: (ThreadId, Slot) = (ThreadId(1), Slot(1));
    const T2: (ThreadId, Slot) = (ThreadId(2), Slot(2));

    fn at(index: u64) -> At {
        At { index, site: None }
    }

    #[test]
    fn shadow_state_stays_small() {
        assert_eq!(std::mem::size_of::<Shadow>(), 56);
    }

    #[test]
    fn unordered_write_after_write_conflicts() {
        let mut s = Shadow::default();
        let mut out = Vec::new();
        s.write(T0, &VectorClock::new_for(T0.1), at(0), &mut out);
        s.write(T1, &VectorClock::new_for(T1.1), at(1), &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].previous_was_write);
        assert_eq!(out[0].previous.at.index, 0);
    }

    #[test]
    fn ordered_accesses_do_not_conflict() {
        let mut s = Shadow::default();
        let mut out = Vec::new();
        let c0 = VectorClock::new_for(T0.1);
        s.write(T0, &c0, at(0), &mut out);
        let mut c1 = VectorClock::new_for(T1.1);
        c1.join(&c0);
        s.read(T1, &c1, at(1), &mut out);
        s.write(T1, &c1, at(2), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn concurrent_reads_go_shared_and_a_write_sees_both() {
        let mut s = Shadow::default();
        let mut out = Vec::new();
        s.read(T0, &VectorClock::new_for(T0.1), at(0), &mut out);
        s.read(T1, &VectorClock::new_for(T1.1), at(1), &mut out);
        assert!(out.is_empty(), "reads never race with reads");
        s.write(T2, &VectorClock::new_for(T2.1), at(2), &mut out);
        let indices: Vec<_> = out.iter().map(|c| c.previous.at.index).collect();
        assert_eq!(indices, vec![0, 1]);
        assert!(out.iter().all(|c| !c.previous_was_write));
    }
}
