//! `Barrier`: one leader per generation; every arrival precedes every pass.

#![cfg(feature = "record")]

mod support;

use lockscope_detector::trace::EventKind;
use lockscope_sync::Barrier;

#[test]
fn one_leader_and_arrivals_precede_passes() {
    let b = Barrier::named("start_line", 4);
    let id = b.meta().id();
    let (leaders, t) = support::record(|| {
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..4).map(|_| s.spawn(|| b.wait().is_leader())).collect();
            hs.into_iter()
                .map(|h| h.join().unwrap())
                .filter(|l| *l)
                .count()
        })
    });
    assert_eq!(leaders, 1);
    let obj = t.obj(id);
    let k = t.of(obj);
    let last_wait = k
        .iter()
        .rposition(|x| matches!(x, EventKind::BarrierWait { .. }))
        .unwrap();
    let first_pass = k
        .iter()
        .position(|x| matches!(x, EventKind::BarrierPassed { .. }))
        .unwrap();
    assert_eq!(last_wait, 3);
    assert_eq!(first_pass, 4);
    assert_eq!(t.meta.primitive(obj).permits, Some(4));
}
