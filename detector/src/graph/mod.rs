//! Graphs over primitive and thread ids: the lock-order and wait-for graphs
//! and their cycle finding.

pub mod dynamic_order;
