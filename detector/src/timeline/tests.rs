use super::*;
use crate::analysis::testkit::TraceBuilder;
use crate::state::WaitTarget;
use crate::trace::{EventKind, LockMode, ObjId, ThreadId};

fn built(b: &TraceBuilder, windows: &[Window]) -> Timelines {
    build(&mut b.source(), windows, Limits::default()).expect("in memory")
}

/// T1 takes A, T2 takes B, each then requests the other's lock.
fn opposite_order() -> TraceBuilder {
    let mut b = TraceBuilder::std();
    b.acq("T1", "A", "1")
        .acq("T2", "B", "2")
        .req("T1", "B", "3")
        .req("T2", "A", "4");
    b
}

fn ids(b: &mut TraceBuilder) -> (ThreadId, ThreadId, ObjId, ObjId) {
    (b.thread("T1"), b.thread("T2"), b.obj("A"), b.obj("B"))
}

#[test]
fn a_deadlock_is_two_open_holds_and_two_waits_on_each_other() {
    let mut b = opposite_order();
    let (t1, t2, a, bl) = ids(&mut b);
    let tl = built(&b, &[Window::All]);
    assert_eq!((tl.events, tl.first_time, tl.last_time), (4, 0, 3));
    let view = &tl.views[0];
    assert_eq!((view.first, view.end, view.events.len()), (0, 4, 4));
    let wait = view.waiting_before(t1, 4).expect("T1 waits");
    assert_eq!(
        wait.kind,
        SpanKind::Wait {
            on: WaitTarget::Lock {
                obj: bl,
                mode: LockMode::Exclusive
            }
        }
    );
    assert_eq!((wait.start.index, wait.end, wait.outcome), (2, None, None));
    assert_eq!(
        (wait.held.clone(), wait.blocked_by.clone()),
        (vec![a], vec![t2])
    );
    let other = view.waiting_before(t2, 4).expect("T2 waits");
    assert_eq!(
        (other.held.clone(), other.blocked_by.clone()),
        (vec![bl], vec![t1])
    );
    let held: Vec<_> = view.held_before(t2, 4).iter().map(|s| s.obj()).collect();
    assert_eq!(held, [Some(bl)]);
    assert_eq!(view.threads(), [t1, t2]);
    assert_eq!(view.started_at(2).count(), 1);
}

#[test]
fn a_window_shows_holds_and_waits_begun_before_it() {
    let mut b = opposite_order();
    let (t1, _, a, _) = ids(&mut b);
    b.acq("T3", "C", "5");
    let tl = built(&b, &[Window::Events { from: 3, to: 10 }]);
    let view = &tl.views[0];
    assert_eq!((view.first, view.end), (3, 5));
    assert_eq!(
        view.events.iter().map(|e| e.index).collect::<Vec<_>>(),
        [3, 4]
    );
    let hold = view.held_before(t1, 3)[0];
    assert_eq!((hold.obj(), hold.start.index), (Some(a), 0));
    assert!(hold.start.index < view.first);
    // Spans open at the start come first, then those the window began.
    let starts: Vec<u64> = view.spans.iter().map(|s| s.start.index).collect();
    assert_eq!(starts, [0, 2, 1, 3, 4]);
    assert_eq!(view.start_time(), Some(0));
}

#[test]
fn waits_end_granted_given_up_or_timed_out() {
    let mut b = TraceBuilder::std();
    b.lock("T1", "A", "1")
        .req("T2", "A", "2")
        .on("T2", "A", |obj| EventKind::TryFailed {
            obj,
            mode: LockMode::Exclusive,
        })
        .rel("T1", "A")
        .lock("T2", "A", "3");
    b.declare("cv", crate::trace::PrimitiveKind::Condvar, None, None);
    let (cv, mutex) = (b.obj("cv"), b.obj("A"));
    b.push(
        "T2",
        "",
        EventKind::CondWait {
            condvar: cv,
            mutex,
            timed: false,
        },
    )
    .push(
        "T2",
        "",
        EventKind::CondWoken {
            condvar: cv,
            mutex,
            timed_out: true,
        },
    );
    let tl = built(&b, &[Window::All]);
    let waits: Vec<_> = tl.views[0]
        .spans
        .iter()
        .filter(|s| !s.is_hold())
        .map(|s| (s.start.index, s.end.map(|e| e.index), s.outcome))
        .collect();
    assert_eq!(
        waits,
        [
            (0, Some(1), Some(WaitEnd::Granted)),
            (2, Some(3), Some(WaitEnd::GaveUp)),
            (5, Some(6), Some(WaitEnd::Granted)),
            (7, Some(8), Some(WaitEnd::TimedOut)),
        ]
    );
    // The condvar wait ended the mutex hold; waking began a new one.
    let holds: Vec<_> = tl.views[0]
        .spans
        .iter()
        .filter(|s| s.is_hold() && s.thread == b.thread("T2"))
        .map(|s| (s.start.index, s.end.map(|e| e.index)))
        .collect();
    assert_eq!(holds, [(6, Some(7)), (8, None)]);
}

#[test]
fn several_windows_in_one_pass_equal_separate_passes() {
    let b = TraceBuilder::bundled("DiningPhil");
    let windows = [
        Window::Events { from: 10, to: 60 },
        Window::Time { from: 62, to: 120 },
        Window::around(200, 5),
    ];
    let together = built(&b, &windows);
    for (i, w) in windows.iter().enumerate() {
        let alone = built(&b, std::slice::from_ref(w));
        assert_eq!(together.views[i], alone.views[0], "window {w:?}");
    }
    let time = &together.views[1];
    assert_eq!((time.first, time.end), (62, 121));
    assert!(time.spans.iter().any(|s| s.start.index < 62));
}

#[test]
fn a_window_past_the_end_is_empty_there() {
    let b = opposite_order();
    let tl = built(&b, &[Window::Events { from: 9, to: 12 }]);
    let view = &tl.views[0];
    assert_eq!((view.first, view.end), (4, 4));
    assert!(view.events.is_empty() && view.spans.is_empty());
    assert!(!view.covers(4));
}

#[test]
fn the_size_limit_cuts_every_open_window_at_one_event() {
    let b = TraceBuilder::bundled("DiningPhil");
    let windows = [Window::All, Window::Events { from: 5, to: 400 }];
    let tl = build(&mut b.source(), &windows, Limits { max_items: 100 }).unwrap();
    let (all, part) = (&tl.views[0], &tl.views[1]);
    assert!(all.truncated && part.truncated);
    assert_eq!(all.end, part.end);
    assert!(all.events.len() + all.spans.len() + part.events.len() + part.spans.len() <= 100);
    assert!(all.events.iter().all(|e| e.index < all.end));
    assert!(all
        .spans
        .iter()
        .all(|s| s.end.is_none_or(|e| e.index < all.end)));
    assert_eq!(tl.events, b.events().len() as u64);
}
