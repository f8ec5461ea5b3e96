//! Checks that start from ladder rungs give the verdicts of checks that
//! scan everything, and cost less.

use proptest::prelude::*;

use super::known::Known;
use super::{Checks, Loc, Recorder, Verdict};
use crate::analysis::testkit::event;
use crate::state::Replay;
use crate::trace::{EventKind, LockMode, ObjId, ThreadId, VarId};

/// Checks whose ladders have a rung every `spacing` positions, looked for
/// after every `look_every` events scanned, and built once a check has
/// scanned `climb_after` events.
fn tuned(rec: &Recorder, spacing: u32, look_every: u64, climb_after: u64) -> Checks<'_> {
    Checks::new(rec, Known::with_spacing(spacing, look_every), climb_after)
}

/// Records `kind` on thread `t`, returning its position.
fn record(rec: &mut Recorder, index: &mut u64, t: u32, kind: EventKind) -> Loc {
    let here = Loc {
        thread: t,
        pos: rec.next_pos(ThreadId(t)),
    };
    rec.on_event(*index, &event(t, kind), false);
    *index += 1;
    here
}

/// A window recorded from a random schedule of two to four threads over
/// three locks (nested at most two deep) and three variables, and every
/// position recorded.
fn window(choices: &[u8]) -> (Recorder, Vec<Loc>) {
    let mut rec = Recorder::new();
    rec.start(&Replay::new(), 1 << 20);
    let threads = 2 + u32::from(choices.first().copied().unwrap_or(0) % 3);
    let mut held: Vec<Vec<u32>> = vec![Vec::new(); threads as usize];
    let mut owner = [None::<u32>; 3];
    let mut index = 0;
    let mut at = Vec::new();
    let mode = LockMode::Exclusive;
    for pair in choices.chunks(2) {
        let (c, d) = (u32::from(pair[0]), u32::from(*pair.get(1).unwrap_or(&0)));
        let t = c % threads;
        let h = &mut held[t as usize];
        let kind = match (c / threads) % 5 {
            0 | 1 => {
                let l = d % 3;
                if owner[l as usize].is_some() || h.len() == 2 {
                    continue;
                }
                owner[l as usize] = Some(t);
                h.push(l);
                EventKind::Acquired {
                    obj: ObjId(l),
                    mode,
                    depth: 1,
                }
            }
            2 => {
                let Some(l) = h.pop() else { continue };
                owner[l as usize] = None;
                EventKind::Released {
                    obj: ObjId(l),
                    mode,
                }
            }
            3 => EventKind::Write { var: VarId(d % 3) },
            _ => EventKind::Read { var: VarId(d % 3) },
        };
        at.push(record(&mut rec, &mut index, t, kind));
    }
    (rec, at)
}

/// Pairs of recorded positions on distinct threads, at most `n`.
fn patterns(at: &[Loc], n: usize) -> Vec<[Loc; 2]> {
    let mut out = Vec::new();
    for (i, a) in at.iter().enumerate() {
        for b in &at[i + 1..] {
            if a.thread != b.thread && out.len() < n {
                out.push([*a, *b]);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ladders_change_no_verdict(
        choices in proptest::collection::vec(any::<u8>(), 40..600),
        spacing in 1u32..8,
        climb_after in 0u64..64,
    ) {
        let (rec, at) = window(&choices);
        let mut laddered = tuned(&rec, spacing, 1 + climb_after / 8, climb_after);
        for pattern in patterns(&at, 300) {
            let (mut b1, mut b2) = (u64::MAX, u64::MAX);
            let alone = rec.checks().sync_preserving(&pattern, &mut b1);
            let from_rungs = laddered.sync_preserving(&pattern, &mut b2);
            prop_assert_eq!(alone, from_rungs, "pattern {:?}", pattern);
        }
    }
}

#[test]
fn a_ladder_makes_later_feasible_checks_short() {
    // T1 and T2 pass a counter back and forth; after every 1,000 passes,
    // T1 takes A then B and T2 then takes B then A. Each round's two
    // requests are a feasible pattern whose closure is the whole trace
    // before it.
    let mut rec = Recorder::new();
    rec.start(&Replay::new(), 1 << 24);
    let (mut index, mode) = (0, LockMode::Exclusive);
    let (counter, a, b) = (VarId(0), ObjId(0), ObjId(1));
    let acquired = |obj| EventKind::Acquired {
        obj,
        mode,
        depth: 1,
    };
    let mut rounds = Vec::new();
    for _ in 0..100 {
        for _ in 0..1000 {
            record(&mut rec, &mut index, 1, EventKind::Update { var: counter });
            record(&mut rec, &mut index, 2, EventKind::Update { var: counter });
        }
        let mut requests = [Loc::default(); 2];
        for (request, (t, first, second)) in requests.iter_mut().zip([(1, a, b), (2, b, a)]) {
            record(&mut rec, &mut index, t, acquired(first));
            *request = record(
                &mut rec,
                &mut index,
                t,
                EventKind::Request { obj: second, mode },
            );
            record(&mut rec, &mut index, t, acquired(second));
            record(
                &mut rec,
                &mut index,
                t,
                EventKind::Released { obj: second, mode },
            );
            record(
                &mut rec,
                &mut index,
                t,
                EventKind::Released { obj: first, mode },
            );
        }
        rounds.push(requests);
    }
    let (late, later) = (rounds[97], rounds[99]);
    let scanned = |checks: &mut Checks<'_>, pattern: &[Loc; 2]| {
        let mut budget = u64::MAX;
        assert_eq!(
            checks.sync_preserving(pattern, &mut budget),
            Verdict::Feasible
        );
        u64::MAX - budget
    };
    let alone = scanned(&mut tuned(&rec, 1024, 1024, u64::MAX), &later);
    let mut checks = tuned(&rec, 1024, 1024, 0);
    scanned(&mut checks, &late);
    let after_ladder = scanned(&mut checks, &later);
    assert!(alone > 190_000, "{alone} events scanned alone");
    assert!(
        after_ladder * 20 < alone,
        "{after_ladder} events scanned from the ladder, {alone} alone"
    );
}
