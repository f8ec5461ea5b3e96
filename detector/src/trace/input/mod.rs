//! Byte-level input shared by the readers: a line splitter for the
//! line-based encodings ([`lines`]) and decompression whose errors give a
//! byte offset ([`decompress`]).

pub(crate) mod decompress;
pub(crate) mod lines;
