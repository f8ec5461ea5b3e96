//! Graphs the analyses and the runtime share, and cycle finding on them.
//!
//! - [`wait_for`]: the wait-for graph ([`WaitForGraph`]): threads blocked on
//!   primitives, primitives held by threads; its cycles are deadlocks. The
//!   runtime's live watchdog and the offline deadlock analysis both use it.
//! - [`cycles`]: bounded, shortest-first enumeration of elementary cycles on
//!   a dense graph; the lock-order analysis uses it on the lock-order graph.
//!
//! - [`dynamic_order`]: an incremental topological order (Pearce-Kelly)
//!   that the runtime's live lock-order check keeps as edges arrive.
//!
//! Nothing here knows about traces: nodes are plain integers.

pub mod cycles;
pub mod dynamic_order;
pub mod wait_for;

pub use wait_for::{WaitForGraph, WaitNode};
