//! [`StdWriter`]: writes events as RAPID STD text, what STD can express,
//! and says which events it cannot.
//!
//! `acquired` -> `acq`, `released` -> `rel`, `request` -> `req`, `read` ->
//! `r`, `write` -> `w`, `update` -> `r` then `w` (two lines), `fork`/`join`
//! -> `fork`/`join`, `begin`/`end` -> `begin()`/`end()`. Every other event
//! kind is dropped (the caller counts it: [`WriteSummary::dropped`]). Lost on the
//! way: times (STD time is the line index), lock modes (every lock is
//! exclusive), primitive kinds, backtraces, notes and thread parents.
//!
//! Names: a thread, lock or variable is written as its name, else its
//! label, with whitespace, `|`, `(` and `)` replaced by `_`; when two
//! entries of one table would get the same name, the later one gets its
//! label (then its dense index) appended. The location is a
//! [`Site::Label`] as is, a source site as `file:line:column`, and `0`
//! when the event has no site (RAPID expects a location on every line).
//!
//! [`WriteSummary::dropped`]: crate::trace::WriteSummary::dropped
//!
//! # Performance
//! Names are computed once per table entry; an event is a few
//! `write_all` calls into the caller's buffer.

use std::collections::HashSet;
use std::io::{self, Write};

use crate::trace::event::{Event, EventKind};
use crate::trace::meta::{Site, TraceMeta};

/// Turns arbitrary names into unique STD tokens, per table.
#[derive(Debug, Default)]
struct Names {
    names: Vec<Option<Box<[u8]>>>,
    used: HashSet<Box<[u8]>>,
}

impl Names {
    /// Gives entry `index` its unique token, once.
    fn ensure(&mut self, index: usize, name: &str, label: &str) {
        crate::dense::grow(&mut self.names, index, || None);
        if self.names[index].is_some() {
            return;
        }
        let base = token(name);
        let candidates = [
            base.clone(),
            [base.as_slice(), b"_", &token(label)].concat(),
            [base.as_slice(), b"_", index.to_string().as_bytes()].concat(),
        ];
        let fallback = candidates[2].clone();
        let chosen = candidates
            .into_iter()
            .find(|c| !self.used.contains(c.as_slice()))
            .unwrap_or(fallback);
        self.used.insert(chosen.clone().into());
        self.names[index] = Some(chosen.into());
    }

    /// The token of an entry [`ensure`](Names::ensure)d before.
    fn name(&self, index: usize) -> &[u8] {
        self.names[index].as_deref().unwrap_or(b"_")
    }
}

/// `text` with bytes STD cannot hold in a name replaced by `_`.
fn token(text: &str) -> Vec<u8> {
    if text.is_empty() {
        return b"_".to_vec();
    }
    text.bytes()
        .map(|b| match b {
            b'|' | b'(' | b')' => b'_',
            b if b.is_ascii_whitespace() => b'_',
            b => b,
        })
        .collect()
}

/// Writes events as STD lines. The caller buffers `out`.
#[derive(Debug, Default)]
pub(crate) struct StdWriter {
    threads: Names,
    locks: Names,
    vars: Names,
    sites: Vec<Option<Box<[u8]>>>,
}

/// What an event becomes in STD: the operations and the operand's table.
enum Operand {
    Lock(usize),
    Var(usize),
    Thread(usize),
    None,
}

impl StdWriter {
    fn ensure_location(&mut self, meta: &TraceMeta, ev: &Event) {
        let Some(site) = ev.site else {
            return;
        };
        crate::dense::grow(&mut self.sites, site.index(), || None);
        self.sites[site.index()].get_or_insert_with(|| match meta.site(site) {
            Site::Label(label) => token(label).into(),
            Site::Source { file, line, column } => token(&format!("{file}:{line}:{column}")).into(),
        });
    }

    fn location(&self, ev: &Event) -> &[u8] {
        ev.site
            .and_then(|s| self.sites[s.index()].as_deref())
            .unwrap_or(b"0")
    }

    /// Writes `ev`; returns how many STD lines it became (0: STD cannot
    /// express it, and nothing was written).
    pub fn event(&mut self, meta: &TraceMeta, ev: &Event, out: &mut impl Write) -> io::Result<u32> {
        use Operand as O;
        let (ops, operand): (&[&[u8]], Operand) = match ev.kind {
            EventKind::Acquired { obj, .. } => (&[b"acq"], O::Lock(obj.index())),
            EventKind::Released { obj, .. } => (&[b"rel"], O::Lock(obj.index())),
            EventKind::Request { obj, .. } => (&[b"req"], O::Lock(obj.index())),
            EventKind::Read { var } => (&[b"r"], O::Var(var.index())),
            EventKind::Write { var } => (&[b"w"], O::Var(var.index())),
            EventKind::Update { var } => (&[b"r", b"w"], O::Var(var.index())),
            EventKind::Fork { child } => (&[b"fork"], O::Thread(child.index())),
            EventKind::Join { child } => (&[b"join"], O::Thread(child.index())),
            EventKind::Begin => (&[b"begin"], O::None),
            EventKind::End => (&[b"end"], O::None),
            _ => return Ok(0),
        };
        let thread = ev.thread.index();
        self.ensure_thread(meta, thread);
        self.ensure_location(meta, ev);
        let operand: &[u8] = match operand {
            O::Lock(i) => {
                let info = &meta.primitives[i];
                self.locks.ensure(i, info.display_name(), &info.label);
                self.locks.name(i)
            }
            O::Var(i) => {
                let info = &meta.vars[i];
                self.vars.ensure(i, info.display_name(), &info.label);
                self.vars.name(i)
            }
            O::Thread(i) => {
                self.ensure_thread(meta, i);
                self.threads.name(i)
            }
            O::None => b"",
        };
        let (thread, location) = (self.threads.name(thread), self.location(ev));
        for op in ops {
            for part in [thread, b"|", op, b"(", operand, b")|", location, b"\n"] {
                out.write_all(part)?;
            }
        }
        Ok(ops.len() as u32)
    }

    fn ensure_thread(&mut self, meta: &TraceMeta, i: usize) {
        let info = &meta.threads[i];
        self.threads.ensure(i, info.display_name(), &info.label);
    }
}
