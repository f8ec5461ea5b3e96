//! Which critical sections a schedule moves: a section that runs before a
//! section of the same lock that comes earlier in the trace.

use super::log::{Section, View, NO_EVENT};

/// A critical section that runs before `before`, an earlier section (in
/// the trace) of the same lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moved {
    pub lock: u32,
    pub section: Section,
    pub before: Section,
}

/// The sections `schedule` (trace indexes) moves, per moved section the
/// earliest (in the trace) section it runs before; in schedule order.
pub fn moves(view: &View<'_>, schedule: &[u32]) -> Vec<Moved> {
    let mut per_lock: Vec<(u32, Vec<Section>)> = Vec::new();
    for &e in schedule {
        let s = view.opens[e as usize];
        if s == NO_EVENT {
            continue;
        }
        let lock = match view.events[e as usize].op() {
            super::log::Op::Acquire { lock, .. } => lock,
            _ => continue,
        };
        let section = view.sections[s as usize];
        match per_lock.iter_mut().find(|(l, _)| *l == lock) {
            Some((_, v)) => v.push(section),
            None => per_lock.push((lock, vec![section])),
        }
    }
    let mut out: Vec<(u32, Moved)> = Vec::new();
    for (lock, sections) in per_lock {
        // The earliest section (in the trace) from each point on.
        let mut earliest: Vec<Section> = sections.clone();
        for i in (0..sections.len().saturating_sub(1)).rev() {
            if earliest[i + 1].acq < earliest[i].acq {
                earliest[i] = earliest[i + 1];
            }
        }
        for (i, &s) in sections.iter().enumerate() {
            if let Some(&b) = earliest.get(i + 1) {
                if b.acq < s.acq {
                    let moved = Moved {
                        lock,
                        section: s,
                        before: b,
                    };
                    out.push((s.acq, moved));
                }
            }
        }
    }
    let position = |acq: u32| schedule.iter().position(|&e| e == acq).unwrap_or(0);
    out.sort_by_key(|(acq, _)| position(*acq));
    out.into_iter().map(|(_, m)| m).collect()
}
