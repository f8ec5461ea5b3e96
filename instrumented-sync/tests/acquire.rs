//! The seeds' sorted-id `acquire` helper (scenario 6).

mod common;
#[cfg(feature = "record")]
mod support;

use std::sync::Arc;
use std::thread;

use common::{capture, serial, within, TMutex, TRwLock};
use lockscope_sync::acquire;
use lockscope_sync::order::acquire::{acquire, acquire_or_panic, ViolationKind};
use lockscope_sync::policy::Policy;

#[test]
fn locks_are_taken_in_id_order_and_released_in_reverse() {
    let (x, y) = (TMutex::new("x"), TMutex::new("y"));
    let guards = acquire(&[&y, &x]).unwrap();
    // Both held: y was requested first but x (older) was locked first.
    assert!(x.try_lock().is_none() && y.try_lock().is_none());
    drop(guards);
    assert!(x.try_lock().is_some() && y.try_lock().is_some());
}

#[test]
fn holding_a_later_lock_is_a_violation_naming_both_sites() {
    let (x, y) = (TMutex::new("x"), TMutex::new("y"));
    let (_held, held_line) = (y.lock(), line!());
    let (err, call_line) = (acquire(&[&x]).unwrap_err(), line!());
    let ViolationKind::HeldNotBefore { held } = &err.kind else {
        panic!("{err}");
    };
    assert_eq!(held[0].0.name, Some("y"));
    assert_eq!(held[0].1.line(), held_line);
    assert_eq!(err.site.line(), call_line);
    let text = err.to_string();
    assert!(text.starts_with("Lock Order Violation"), "{text}");
    assert!(text.contains("`x`") && text.contains("`y`"), "{text}");
    // Nothing was locked.
    assert!(x.try_lock().is_some());
}

#[test]
fn the_panicking_variant_raises_lock_order_violation() {
    let (x, y) = (Arc::new(TMutex::new("x")), Arc::new(TMutex::new("y")));
    let err = thread::spawn(move || {
        let _g = acquire_or_panic(&[&*y]);
        let _h = acquire_or_panic(&[&*x]);
    })
    .join()
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.starts_with("Lock Order Violation"), "{msg}");
}

#[test]
fn a_lock_requested_twice_is_a_violation() {
    let x = TMutex::new("x");
    let err = acquire(&[&x, &x]).unwrap_err();
    assert!(matches!(err.kind, ViolationKind::Duplicate(l) if l.name == Some("x")));
}

#[test]
fn explicit_ranks_override_creation_order() {
    let late = TMutex::ranked("late", 1);
    let early = TMutex::ranked("early", 2);
    let _l = late.lock();
    // `early` was created after `late` but ranks after it: allowed.
    assert!(acquire(&[&early]).is_ok());
}

#[test]
fn helpers_nest_in_order() {
    let (a, b, c) = (TMutex::new("a"), TMutex::new("b"), TMutex::new("c"));
    let _ab = acquire(&[&b, &a]).unwrap();
    let _c = acquire(&[&c]).unwrap();
    assert!(acquire(&[&a]).is_err());
}

#[test]
fn mixed_kinds_through_the_macro() {
    let (m, rw) = (TMutex::new("m"), TRwLock::new("rw"));
    let both = acquire!(rw, m).unwrap();
    assert!(m.try_lock().is_none());
    drop(both);
    assert!(m.try_lock().is_some());
    let _hold = rw.write();
    let err = acquire!(m).unwrap_err();
    assert!(err.to_string().contains("`rw`"));
}

#[test]
fn opposite_requests_never_deadlock_under_stress() {
    let _s = serial();
    let found = capture(Policy::default());
    let x = Arc::new(TMutex::new("x"));
    let y = Arc::new(TMutex::new("y"));
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    within(60, move || {
        let workers: Vec<_> = [false, true]
            .into_iter()
            .map(|flip| {
                let (x, y, counter) = (x.clone(), y.clone(), counter.clone());
                thread::spawn(move || {
                    for _ in 0..20_000 {
                        let g = if flip {
                            acquire(&[&*y, &*x])
                        } else {
                            acquire(&[&*x, &*y])
                        };
                        let _g = g.unwrap();
                        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(counter.load(std::sync::atomic::Ordering::Relaxed), 40_000);
    });
    assert!(found.lock().unwrap().is_empty());
}

/// The helper's acquisitions are recorded at the caller's line, not at a
/// line inside lockscope.
#[cfg(feature = "record")]
#[test]
fn acquisitions_are_recorded_at_the_callers_site() {
    use lockscope_detector::trace::EventKind;
    use lockscope_sync::prelude::*;
    let (m, rw) = (
        lockscope_sync::Mutex::named("m", ()),
        lockscope_sync::RwLock::named("rw", ()),
    );
    let (lines, t) = support::record(|| {
        let (both, mixed) = (acquire(&[&m]).unwrap(), line!());
        drop(both);
        let (dyn_both, macro_line) = (acquire!(m, rw).unwrap(), line!());
        drop(dyn_both);
        [mixed, macro_line]
    });
    let acquired: Vec<(Option<u32>, String)> = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Acquired { .. }))
        .map(|e| {
            let file = e
                .site
                .map(|s| t.meta.site(s).to_string())
                .unwrap_or_default();
            (t.site_line(e), file)
        })
        .collect();
    assert_eq!(acquired.len(), 3, "{acquired:?}");
    for (line, file) in &acquired {
        assert!(file.starts_with(file!()), "{file}");
        assert!(lines.contains(&line.unwrap()), "{acquired:?} vs {lines:?}");
    }
}
