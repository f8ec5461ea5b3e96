//! The JSON records of the wire format as serde sees them, and the
//! declaration types' names.
//!
//! One flat [`Record`] covers every record type: every field is optional
//! here and the decoder (`decode`) says which ones each `"type"`
//! requires. Unknown fields are ignored (forward compatibility within a
//! major version). Strings that are usually short and unescaped borrow from
//! the input.
//!
//! # Performance
//! serde's derived field matching, no `Value` tree; one `Record` per line.

use std::borrow::Cow;

use serde::Deserialize;

use crate::trace::event_type::EventType;

/// The record types that are not events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Declaration {
    Header,
    Site,
    Thread,
    Primitive,
    Var,
    Backtrace,
    NoteText,
}

/// Every declaration type and its wire `"type"`.
const DECLARATIONS: [(Declaration, &str); 7] = [
    (Declaration::Header, "header"),
    (Declaration::Site, "site"),
    (Declaration::Thread, "thread"),
    (Declaration::Primitive, "primitive"),
    (Declaration::Var, "var"),
    (Declaration::Backtrace, "backtrace"),
    (Declaration::NoteText, "note_text"),
];

impl Declaration {
    /// The wire `"type"`.
    pub fn name(self) -> &'static str {
        DECLARATIONS[self as usize].1
    }

    /// The declaration with wire `"type"` `name`.
    pub fn parse(name: &str) -> Option<Self> {
        DECLARATIONS
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(d, _)| *d)
    }
}

/// Every record `"type"`: the event types, then the declarations.
pub(crate) const RECORD_TYPES: &[&str] = &record_types();

const fn record_types() -> [&'static str; EventType::COUNT + DECLARATIONS.len()] {
    let mut all = [""; EventType::COUNT + DECLARATIONS.len()];
    let mut i = 0;
    while i < EventType::COUNT {
        all[i] = EventType::NAMES[i];
        i += 1;
    }
    while i < all.len() {
        all[i] = DECLARATIONS[i - EventType::COUNT].1;
        i += 1;
    }
    all
}

/// One JSON record, any type. Field meanings: `docs/trace-format.md`.
/// The header's `test` object.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TestRecord {
    pub binary: String,
    pub name: Option<String>,
    pub run_id: Option<String>,
    pub attempt: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Record<'a> {
    #[serde(rename = "type", borrow)]
    pub ty: Option<Cow<'a, str>>,

    // header
    #[serde(borrow)]
    pub format: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub version: Option<Cow<'a, str>>,
    pub command: Option<Vec<String>>,
    pub pid: Option<u32>,
    pub start_time: Option<String>,
    #[serde(borrow)]
    pub clock: Option<Cow<'a, str>>,
    pub test: Option<TestRecord>,

    // declarations
    pub id: Option<u64>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub label: Option<String>,
    pub name: Option<String>,
    pub parent: Option<u64>,
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    pub permits: Option<u32>,
    pub rank: Option<u64>,
    pub class: Option<String>,
    pub frames: Option<Vec<String>>,
    pub text: Option<String>,

    // events
    pub t: Option<u64>,
    pub thread: Option<u64>,
    pub site: Option<u64>,
    pub bt: Option<u64>,
    pub obj: Option<u64>,
    #[serde(borrow)]
    pub mode: Option<Cow<'a, str>>,
    pub depth: Option<u32>,
    pub condvar: Option<u64>,
    pub mutex: Option<u64>,
    pub timed_out: Option<bool>,
    pub timed: Option<bool>,
    pub all: Option<bool>,
    pub woken: Option<u32>,
    pub var: Option<u64>,
    pub child: Option<u64>,
    pub worker: Option<u64>,
    pub leader: Option<bool>,
    #[serde(borrow)]
    pub to: Option<Cow<'a, str>>,
    pub note: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_types_are_the_event_types_then_the_declarations() {
        assert_eq!(&RECORD_TYPES[..EventType::COUNT], &EventType::NAMES[..]);
        for (i, (d, name)) in DECLARATIONS.iter().enumerate() {
            assert_eq!(d.name(), *name);
            assert_eq!(Declaration::parse(name), Some(*d));
            assert_eq!(RECORD_TYPES[EventType::COUNT + i], *name);
        }
        assert_eq!(Declaration::parse("acquired"), None);
    }
}
