//! Byte-level input shared by the readers: a line splitter for the
//! line-based encodings ([`lines`]).

pub(crate) mod lines;
