//! What the JSON Lines and JSON document encodings share: the records as
//! serde sees them ([`record`]), a fast scanner for plain event records
//! ([`fast`]), their decoding into the model ([`decode`], [`event`]),
//! positions of errors inside a record ([`pos`], [`keys`]), and the record
//! encoder ([`out`]) with its two framings ([`framing`]).
//!
//! The record types and their fields are specified in
//! `docs/trace-format.md`.

pub(crate) mod decode;
mod event;
pub(crate) mod fast;
pub(crate) mod framing;
pub(crate) mod keys;
pub(crate) mod out;
pub(crate) mod pos;
pub(crate) mod record;
