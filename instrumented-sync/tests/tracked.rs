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

/// With no pause between accesses, every `get` is recorded after the `set`
/// whose value it returned and before the next `set`: the trace orders a
/// variable's accesses as they happened. (Recording a read after the
/// variable's lock was released, and a write before it was taken, put
/// reads before the writes they saw.)
#[test]
fn a_read_is_recorded_between_the_write_it_saw_and_the_next() {
    const WRITES: u64 = 20_000;
    let x = Tracked::named("x_ordered", 0u64);
    let (seen, t) = support::record(|| {
        std::thread::scope(|s| {
            s.spawn(|| (1..=WRITES).for_each(|k| x.set(k)));
            s.spawn(|| {
                let mut seen = Vec::new();
                loop {
                    let v = x.get();
                    seen.push(v);
                    if v == WRITES {
                        break seen;
                    }
                }
            })
            .join()
            .unwrap()
        })
    });
    let var = t
        .events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Write { var } => Some(var),
            _ => None,
        })
        .expect("a write");
    // Trace positions of the writes (the k-th sets k) and of the reads, in
    // program order.
    let (mut writes, mut reads) = (vec![0], Vec::new());
    for (i, e) in t.events.iter().enumerate() {
        match e.kind {
            EventKind::Write { var: v } if v == var => writes.push(i),
            EventKind::Read { var: v } if v == var => reads.push(i),
            _ => {}
        }
    }
    assert_eq!(writes.len() as u64, WRITES + 1);
    assert_eq!(reads.len(), seen.len());
    let misplaced: Vec<_> = reads
        .iter()
        .zip(&seen)
        .filter(|&(&at, &v)| {
            let after_its_write = v == 0 || at > writes[v as usize];
            let before_the_next = v == WRITES || at < writes[v as usize + 1];
            !(after_its_write && before_the_next)
        })
        .collect();
    assert!(
        misplaced.is_empty(),
        "{} of {} reads out of place, first: {:?}",
        misplaced.len(),
        seen.len(),
        misplaced.first()
    );
}
