//! How the live checks name threads, locks and sites in their findings:
//! exactly as the trace names them (docs/trace-format.md), so that the
//! analyzer recognises a live finding the trace's own events also show,
//! and a fingerprint is the same whichever found it.
//!
//! A thread is its name, else `thread-N` (what the recorder declares); a
//! lock is its name, else the class the recorder declared it with (a
//! static's symbol), else its id; a site is `file:line:column`.

use std::panic::Location;

use lockscope_detector::finding::build::At;
use lockscope_detector::finding::Mode;
use lockscope_detector::trace::{LockMode, PrimitiveKind};

use crate::thread_state::LockInfo;

/// Thread `id` named `name`.
pub fn thread(id: u64, name: Option<&str>) -> String {
    name.map_or_else(|| format!("thread-{id}"), str::to_owned)
}

/// A lock.
pub fn lock(info: &LockInfo) -> String {
    match info.name {
        Some(n) => n.to_owned(),
        None => crate::recorder::class::known(info.id)
            .map_or_else(|| info.id.to_string(), |c| c.to_string()),
    }
}

/// `mode` on a primitive of `kind`, where that kind has modes (a rwlock).
pub fn mode(kind: PrimitiveKind, mode: LockMode) -> Option<Mode> {
    (kind == PrimitiveKind::RwLock).then_some(match mode {
        LockMode::Exclusive => Mode::Write,
        LockMode::Shared => Mode::Read,
        LockMode::Upgradable => Mode::Upgradable,
    })
}

/// At `site`, not a trace event.
pub fn at(site: &Location<'_>) -> At {
    At::site(site.to_string())
}
