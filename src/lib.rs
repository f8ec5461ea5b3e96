//! lockscope: a deadlock and race detector for Rust with a lock-order checker.
//!
//! This facade re-exports the two libraries so a program under test adds one
//! dependency:
//!
//! - [`sync`]: drop-in instrumented locks and primitives that record a trace
//!   and check lock order live (`lockscope-sync`).
//! - [`detector`]: the trace format, its readers and writers, and every
//!   offline analysis (`lockscope-detector`).
//!
//! The `lockscope` command-line tool (crate `lockscope-cli`) analyzes traces.

pub use lockscope_detector as detector;
pub use lockscope_sync as sync;
