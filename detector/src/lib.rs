//! lockscope's detector: the one definition of the trace format, its readers
//! and writers, replay state, the graphs and cycle finding, every offline
//! analysis and the findings model.
//!
//! # Invariants
//! - No globals, no threads: every function works on values it is handed.
//! - I/O only on streams it is handed ([`std::io::Read`] / [`std::io::Write`]);
//!   opening files by path is a convenience in [`trace::open`].
//! - Readers stream: memory is bounded by the number of threads, primitives,
//!   variables and sites, never by the number of events.
//!
//! Floors, from the ground up: [`trace`] (schema, readers, writers),
//! [`graph`], [`clock`] and [`finding`] (the one finding vocabulary and its
//! wording, usable without a trace); then [`state`] (replay) and
//! [`report`] (what an analysis run returns); then [`analysis`], one module
//! per analysis behind [`analysis::analyze`], and [`timeline`] (holds and
//! waits over time).

pub mod analysis;
pub mod clock;
mod dense;
pub mod finding;
pub mod graph;
mod prefetch;
pub mod report;
pub mod state;
pub mod timeline;
pub mod trace;
