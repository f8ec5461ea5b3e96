//! Drop-in instrumented locks and primitives that record a lockscope trace.
//!
//! Live checks: [`order`] (the sorted-id [`acquire`](order::acquire) helper
//! and the learned lock order), [`watchdog`] (actual deadlocks), configured
//! in one place, [`policy`].

pub mod live;
pub mod meta;
pub mod order;
pub mod policy;
pub mod thread_id;
pub mod thread_state;
pub mod watchdog;
