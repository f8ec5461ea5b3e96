//! The one finding vocabulary, shared by every analysis, every renderer and
//! the runtime's live checks.
//!
//! A [`Finding`] is data: its [`FindingKind`] (with wire names), a
//! [`Detail`] saying what it is about (names, sites, numbers), the
//! [`Step`]s that prove it (each a structured [`Role`] with its operands,
//! never a sentence), for deadlocks a [`Scenario`] (lockdep's table as
//! data), a [`Grade`] for predicted findings, and a stable
//! [`fingerprint`]. Findings are aggregated by fingerprint where they are
//! collected ([`Findings`]): one entry per distinct bug with its number of
//! occurrences.
//!
//! [`wording`] turns all of it into English; [`build`] makes the findings
//! that the analyses and the runtime both report (deadlocks, lock-order
//! inversions) from plain names and sites.
//!
//! Floors: `kind`, `step`, `scenario`, `detail`, `tuple` < `fingerprint` <
//! `model` < `collect`, `build`, `wording`.

pub mod build;
mod collect;
mod detail;
mod fingerprint;
mod kind;
mod model;
mod scenario;
mod stable;
mod step;
mod tuple;
pub mod wording;

pub use collect::{FindingId, Findings};
pub use detail::{Detail, Distrust, End, Link, OrderEdge, Unwakeable};
pub use fingerprint::fingerprint;
pub use kind::{FindingKind, Grade, Severity};
pub use model::{Finding, Origin, EXAMPLES};
pub use scenario::{Op, Row, Scenario};
pub use stable::{stabilize, SourceLines};
pub use step::{Access, Duration, Mode, Role, Step, TimeUnit, WaitOn, Waited};
pub use tuple::{site_hash, site_tuple, tuple_of};
