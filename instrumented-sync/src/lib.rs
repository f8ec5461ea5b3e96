//! Drop-in instrumented locks and primitives that record a lockscope trace.

pub mod live;
pub mod meta;
pub mod thread_id;
