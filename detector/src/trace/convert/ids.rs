//! File ids for [`TraceOut`](super::declare::TraceOut): a thread, primitive
//! or variable whose label is a canonical unsigned integer keeps it as its
//! file id (so a trace of lockscope's own converts to itself); any other
//! label (STD's `T1`) gets a fresh id. Sites, backtraces and notes use
//! their dense ids.

use std::collections::HashSet;

use crate::trace::encode::FileIds;
use crate::trace::event::{BacktraceId, NoteId, ObjId, SiteId, ThreadId, VarId};

/// Gives labels file ids: canonical integers keep theirs.
#[derive(Debug, Default)]
pub(crate) struct IdAlloc {
    used: HashSet<u64>,
    next: u64,
}

impl IdAlloc {
    /// The file id for `label`, and whether the label was not kept as it.
    pub fn assign(&mut self, label: &str) -> (u64, bool) {
        let own = label.parse::<u64>().ok().filter(|n| n.to_string() == label);
        if let Some(id) = own.filter(|id| self.used.insert(*id)) {
            return (id, false);
        }
        while !self.used.insert(self.next) {
            self.next += 1;
        }
        (self.next, true)
    }
}

/// File ids assigned so far (index: dense id), and whether each entry's
/// label was replaced (then the label becomes its name, if it has none).
#[derive(Debug, Default)]
pub(crate) struct Assigned {
    pub threads: Vec<(u64, bool)>,
    pub prims: Vec<(u64, bool)>,
    pub vars: Vec<(u64, bool)>,
}

impl FileIds for Assigned {
    fn thread(&self, id: ThreadId) -> u64 {
        self.threads[id.index()].0
    }
    fn obj(&self, id: ObjId) -> u64 {
        self.prims[id.index()].0
    }
    fn var(&self, id: VarId) -> u64 {
        self.vars[id.index()].0
    }
    fn site(&self, id: SiteId) -> u64 {
        id.0.into()
    }
    fn backtrace(&self, id: BacktraceId) -> u64 {
        id.0.into()
    }
    fn note(&self, id: NoteId) -> u64 {
        id.0.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integer_labels_keep_their_ids() {
        let mut ids = IdAlloc::default();
        assert_eq!(ids.assign("7"), (7, false));
        assert_eq!(ids.assign("T1"), (0, true));
        assert_eq!(ids.assign("007"), (1, true));
        assert_eq!(ids.assign("7"), (2, true));
        assert_eq!(ids.assign("1"), (3, true));
    }
}
