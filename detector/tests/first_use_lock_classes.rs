//! Locks whose trace site is their first use, not their creation: quick_cache
//! 0.6.24's shard and placeholder-state locks, made by the `const fn` of its
//! own `RwLock` wrapper (`src/rw_lock.rs`), each declared at the wrapper line
//! that first locked it: `src/rw_lock.rs:101:24` (`read`) or
//! `src/rw_lock.rs:168:24` (`write`).
//!
//! A class by that site would join every lock declared at it, so a shard
//! lock first read and a placeholder-state lock first written would land in
//! two classes that say nothing about what the locks are; the class
//! analysis (`analysis/lock_order/class.rs::of`) gives a lock declared at
//! its first acquisition a class of its own instead. The test below is the
//! pair of paths that, with such classes, made a false potential deadlock
//! of quick_cache's library tests:
//! - `drop_uninserted_slow` (`src/sync_placeholder.rs:475-476`) write-locks
//!   a shard, then that shard's placeholder state;
//! - `sync::tests::test_try_remove_contended` (`src/sync.rs:1720-1722`)
//!   inserts into one shard of its own cache, then read-locks every shard in
//!   index order.
//!
//! The two paths share no lock, and no code of quick_cache takes a
//! placeholder state before a shard: there is no inversion, of locks or of
//! real lock kinds.

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::FindingKind;
use lockscope_detector::report::Report;
use lockscope_detector::trace::{
    Event, EventKind, LockMode, MemorySource, ObjId, PrimitiveInfo, PrimitiveKind, Site, SiteId,
    SourceFormat, ThreadId, ThreadInfo, TraceMeta,
};

/// A lockscope trace whose rwlocks are declared at the site of their first
/// acquisition, as the recorder declares a `const`-made lock.
struct Trace {
    meta: TraceMeta,
    events: Vec<Event>,
    read_site: SiteId,
    write_site: SiteId,
}

impl Trace {
    fn new() -> Self {
        let mut meta = TraceMeta::new(SourceFormat::JsonLines);
        let mut wrapper_line = |line| {
            meta.push_site(Site::Source {
                file: "src/rw_lock.rs".into(),
                line,
                column: 24,
            })
        };
        let (read_site, write_site) = (wrapper_line(101), wrapper_line(168));
        Trace {
            meta,
            events: Vec::new(),
            read_site,
            write_site,
        }
    }

    fn thread(&mut self, name: &str) -> ThreadId {
        self.meta.push_thread(ThreadInfo {
            label: name.to_owned(),
            ..ThreadInfo::default()
        })
    }

    /// An unnamed rwlock first locked in `mode`: declared at that lock's
    /// wrapper line.
    fn rwlock(&mut self, label: &str, first: LockMode) -> ObjId {
        let site = Some(self.site(first));
        self.meta.push_primitive(PrimitiveInfo {
            label: label.to_owned(),
            kind: PrimitiveKind::RwLock,
            name: None,
            site,
            permits: None,
            rank: None,
            class: None,
        })
    }

    fn site(&self, mode: LockMode) -> SiteId {
        match mode {
            LockMode::Shared => self.read_site,
            _ => self.write_site,
        }
    }

    fn push(&mut self, thread: ThreadId, site: Option<SiteId>, kind: EventKind) -> &mut Self {
        self.events.push(Event {
            time: self.events.len() as u64 + 1,
            thread,
            site,
            backtrace: None,
            kind,
        });
        self
    }

    /// An uncontended `read()` or `write()` through the wrapper.
    fn lock(&mut self, t: ThreadId, obj: ObjId, mode: LockMode) -> &mut Self {
        let site = Some(self.site(mode));
        self.push(t, site, EventKind::Request { obj, mode });
        self.push(
            t,
            site,
            EventKind::Acquired {
                obj,
                mode,
                depth: 1,
            },
        )
    }

    fn unlock(&mut self, t: ThreadId, obj: ObjId, mode: LockMode) -> &mut Self {
        self.push(t, None, EventKind::Released { obj, mode })
    }

    fn analyze(&self) -> Report {
        let input = Input {
            name: "quick_cache".to_owned(),
            source: Box::new(MemorySource::new(self.meta.clone(), self.events.clone())),
        };
        analyze(vec![input], &Config::default()).expect("an in-memory trace always reads")
    }
}

#[test]
fn first_use_sites_are_not_lock_classes() {
    use LockMode::{Exclusive as W, Shared as R};
    let mut trace = Trace::new();
    let (loader, contended) = (trace.thread("loader"), trace.thread("contended"));
    // Cache A: its shard is first read (`get` misses), its placeholder's
    // state first written (`start_loading`'s debug assertion).
    let shard_a = trace.rwlock("shard_a", R);
    let state_a = trace.rwlock("state_a", W);
    // Cache B: `insert(1, 10)` writes shard 0 first; shard 1 is first read
    // by the test's loop of `read()`s.
    let shard_b0 = trace.rwlock("shard_b0", W);
    let shard_b1 = trace.rwlock("shard_b1", R);

    // get_or_insert_async: the miss, the placeholder, the loader's guard
    // dropped uninserted (drop_uninserted_slow's slow path).
    trace.lock(loader, shard_a, R).unlock(loader, shard_a, R);
    trace.lock(loader, shard_a, W).unlock(loader, shard_a, W);
    trace.lock(loader, state_a, W).unlock(loader, state_a, W);
    trace.lock(loader, shard_a, W).lock(loader, state_a, W);
    trace.unlock(loader, state_a, W).unlock(loader, shard_a, W);

    // test_try_remove_contended: insert, then read-lock every shard.
    trace
        .lock(contended, shard_b0, W)
        .unlock(contended, shard_b0, W);
    trace
        .lock(contended, shard_b0, R)
        .lock(contended, shard_b1, R);
    trace
        .unlock(contended, shard_b1, R)
        .unlock(contended, shard_b0, R);

    let report = trace.analyze();
    let found: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::PotentialDeadlock)
        .map(|f| f.title())
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}
