//! The single-document JSON form of a trace,
//! `{"header": {...}, "declarations": [...], "events": [...]}`, read as a
//! stream (spec: `docs/trace-format.md`).

mod reader;
mod scan;
mod writer;

pub use reader::JsonDocReader;
pub use writer::JsonDocWriter;
