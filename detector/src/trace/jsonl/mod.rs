//! lockscope JSON Lines: one JSON record per line, the header first (the
//! encoding people and other tools read; spec: `docs/trace-format.md`).

mod reader;
mod writer;

pub use reader::JsonLinesReader;
pub use writer::JsonLinesWriter;
