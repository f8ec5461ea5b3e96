//! RAPID's STD text format (`T1|acq(L2)|86`, one event per line), the
//! format of the deadlock-prediction benchmark traces: the line syntax
//! ([`line`]), a streaming reader ([`StdReader`]) and a writer of what STD
//! can express ([`writer`]). Spec: `docs/trace-format.md`.

mod intern;
pub(crate) mod line;
mod reader;
pub(crate) mod writer;

pub use reader::StdReader;
