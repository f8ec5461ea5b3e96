//! `Tracked<T>`: get/set/update record read, write and update events.

#![cfg(feature = "record")]

mod support;

use lockscope_detector::trace::EventKind;
use lockscope_sync::Tracked;

#[test]
fn the_seed_read_sleep_write_is_expressible_and_recorded() {
    let x = Tracked::named("x", 100);
    let (_, t) = support::record(|| {
        let temp = x.get();
        std::thread::sleep(std::time::Duration::from_millis(1));
        x.set(temp - 1);
        x.update(|v| *v -= 1);
    });
    assert_eq!(x.get(), 98);
    let kinds: Vec<_> = t
        .events
        .iter()
        .filter(|e| e.kind.var().is_some())
        .map(|e| e.kind)
        .collect();
    let v = match kinds[0] {
        EventKind::Read { var } => var,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        kinds,
        vec![
            EventKind::Read { var: v },
            EventKind::Write { var: v },
            EventKind::Update { var: v }
        ]
    );
    assert_eq!(t.meta.var(v).name.as_deref(), Some("x"));
    assert!(t.meta.var(v).site.is_some());
}
