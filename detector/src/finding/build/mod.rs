//! Builders for the findings that both the analyses and the runtime's live
//! checks report: deadlocks (a wait-for cycle, a stall, a self-deadlock)
//! and lock-order inversions. Each builder computes the identity (and so
//! the fingerprint), the steps and the scenario in one place, from plain
//! names and sites, so a finding reported live and one found offline say
//! the same thing the same way.

mod deadlock;
mod order;

pub use deadlock::{deadlock, self_deadlock, Taken, Waiter};
pub use order::{potential_deadlock, SeenEdge};

use super::step::{Role, Step};

/// Where and when something happened: a site, for trace events their index
/// and time, and the backtrace when one was captured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct At {
    pub site: Option<String>,
    pub event: Option<u64>,
    pub time: Option<u64>,
    pub backtrace: Vec<String>,
}

impl At {
    /// At `site`, not a trace event (the runtime's view).
    pub fn site(site: impl Into<String>) -> Self {
        At {
            site: Some(site.into()),
            ..At::default()
        }
    }

    /// `thread` doing `role` here.
    pub fn step(&self, thread: &str, role: Role) -> Step {
        Step {
            site: self.site.clone(),
            event: self.event,
            time: self.time,
            backtrace: self.backtrace.clone(),
            ..Step::new(thread, role)
        }
    }

    /// The site as identities take it: `?` when unknown.
    fn identity(&self) -> String {
        self.site.clone().unwrap_or_else(|| "?".to_owned())
    }
}
