//! The `lockscope` command's library: argument definitions, the CI gate,
//! `lockscope.toml`, baselines, input expansion and the report renderers.
//! `main.rs` only calls [`main`].

pub mod args;
pub mod baseline;
pub mod config_file;
pub mod error;
pub mod gate;
pub mod inputs;
pub mod render;
pub mod sites;
