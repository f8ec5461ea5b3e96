//! Ground truth for predicted deadlocks and races: a seeded generator of
//! small traces (`generate`), an exhaustive search of their correct
//! reorderings (`explore`), exact happens-before and schedulable
//! happens-before race pairs by definition (`hb`), and the scoring of
//! lockscope's findings against them (`score`).
#![allow(dead_code)] // each test file uses a different part of it

pub mod explore;
pub mod generate;
pub mod hb;
pub mod score;
