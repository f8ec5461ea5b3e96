//! The first byte of every binary record (its tag) and an event's options
//! byte: the bit layout both the encoder and the decoder follow.
//!
//! A tag's low 5 bits are the record kind: an [`EventType`] code (0-27), or
//! [`RECORD`] (31) for a record that is not an event; 28-30 are reserved.
//! For an event the high 3 bits are flags ([`SAME_THREAD`], [`HAS_SITE`],
//! [`HAS_OPTIONS`]); for any other record they say which record it is
//! ([`Record`]).

use crate::trace::event::LockMode;
use crate::trace::event_type::EventType;

/// The low 5 bits of a tag.
pub(crate) const KIND_MASK: u8 = 0x1F;
/// Tag kind of a record that is not an event.
pub(crate) const RECORD: u8 = 0x1F;
/// Event flag: the event's thread is the previous event's (no thread id).
pub(crate) const SAME_THREAD: u8 = 0x20;
/// Event flag: a site id follows the operands.
pub(crate) const HAS_SITE: u8 = 0x40;
/// Event flag: an options byte follows the tag.
pub(crate) const HAS_OPTIONS: u8 = 0x80;

/// Option: a backtrace id follows the site.
pub(crate) const OPT_BACKTRACE: u8 = 0x01;
/// Options: the lock mode (bits 1-2; 0 exclusive, 1 shared, 2 upgradable).
pub(crate) const OPT_MODE_SHIFT: u8 = 1;
pub(crate) const OPT_MODE_MASK: u8 = 0x06;
/// Option: the event's flag (`timed_out`, `all`, `leader`) is true.
pub(crate) const OPT_FLAG: u8 = 0x08;
/// Option: the event's value (`depth`, `permits`, `woken`, `parent`)
/// follows its operands.
pub(crate) const OPT_VALUE: u8 = 0x10;
/// Options bits a reader of this version refuses.
pub(crate) const OPT_RESERVED: u8 = 0xE0;

/// A record that is not an event, by its tag's high 3 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Record {
    End = 0,
    Site = 1,
    Thread = 2,
    Primitive = 3,
    Var = 4,
    Backtrace = 5,
    NoteText = 6,
}

impl Record {
    const ALL: [Record; 7] = [
        Record::End,
        Record::Site,
        Record::Thread,
        Record::Primitive,
        Record::Var,
        Record::Backtrace,
        Record::NoteText,
    ];

    /// The record's tag byte.
    pub const fn tag(self) -> u8 {
        RECORD | ((self as u8) << 5)
    }

    /// The record a non-event tag names (`None`: reserved).
    pub fn from_tag(tag: u8) -> Option<Self> {
        Self::ALL.get(usize::from(tag >> 5)).copied()
    }
}

/// What a tag starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    Event(EventType),
    Record(Record),
    /// A reserved kind or record number.
    Reserved,
}

/// Decodes a tag's kind.
#[inline]
pub(crate) fn kind(tag: u8) -> Tag {
    match tag & KIND_MASK {
        RECORD => Record::from_tag(tag).map_or(Tag::Reserved, Tag::Record),
        code => EventType::from_code(code).map_or(Tag::Reserved, Tag::Event),
    }
}

/// A lock mode's option bits.
#[inline]
pub(crate) fn mode_bits(mode: LockMode) -> u8 {
    let n = match mode {
        LockMode::Exclusive => 0,
        LockMode::Shared => 1,
        LockMode::Upgradable => 2,
    };
    n << OPT_MODE_SHIFT
}

/// The lock mode of an options byte (`None`: the reserved value 3).
#[inline]
pub(crate) fn mode_of(options: u8) -> Option<LockMode> {
    match (options & OPT_MODE_MASK) >> OPT_MODE_SHIFT {
        0 => Some(LockMode::Exclusive),
        1 => Some(LockMode::Shared),
        2 => Some(LockMode::Upgradable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_decodes_to_one_meaning() {
        for tag in 0..=u8::MAX {
            match kind(tag) {
                Tag::Event(ty) => assert_eq!(ty.code(), tag & KIND_MASK),
                Tag::Record(r) => assert_eq!(r.tag(), tag),
                Tag::Reserved => {
                    let low = tag & KIND_MASK;
                    assert!((28..31).contains(&low) || tag == 0xFF, "{tag:#04x}");
                }
            }
        }
        assert_eq!(Record::End.tag(), 0x1F);
        assert_eq!(Record::NoteText.tag(), 0xDF);
    }

    #[test]
    fn modes_round_trip_through_options() {
        for mode in [LockMode::Exclusive, LockMode::Shared, LockMode::Upgradable] {
            assert_eq!(mode_of(mode_bits(mode) | OPT_FLAG), Some(mode));
        }
        assert_eq!(mode_of(OPT_MODE_MASK), None);
    }
}
