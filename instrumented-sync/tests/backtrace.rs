//! Backtraces are opt-in (`LOCKSCOPE_BACKTRACE=1` or
//! `recorder::config::set_backtraces`): with them, events that have a call
//! site carry a symbolized backtrace from the trace's backtrace table.

#![cfg(feature = "record")]

mod support;

use lockscope_sync::prelude::*;
use lockscope_sync::recorder::config;
use lockscope_sync::Mutex;

#[test]
fn backtraces_are_recorded_only_when_asked_for() {
    let m = Mutex::named("bt", 0);
    let id = m.identity().id();
    let (_, without) = support::record(|| *m.lock() += 1);
    assert!(without.meta.backtraces.is_empty());

    config::set_backtraces(true);
    let (_, with) = support::record(|| *m.lock() += 1);
    config::set_backtraces(false);
    let obj = with.obj(id);
    let acq = with
        .events
        .iter()
        .find(|e| matches!(e.kind, lockscope_detector::trace::EventKind::Acquired { obj: o, .. } if o == obj))
        .unwrap();
    let frames = with.meta.backtrace(acq.backtrace.expect("a backtrace id"));
    assert!(
        frames
            .iter()
            .any(|f| f.contains("backtraces_are_recorded_only_when_asked_for")),
        "{frames:#?}"
    );
}
