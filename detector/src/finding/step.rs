//! A finding's proof, step by step: who did what ([`Role`], with its
//! operands), where and when. No step stores a sentence; the wording module
//! words them.

use serde::{Deserialize, Serialize};

/// One event that is part of a finding's proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The display name of the thread that did it.
    pub thread: String,
    /// What it did.
    #[serde(flatten)]
    pub role: Role,
    /// `file:line:col` (or `loc N` for STD), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// 0-based index of the event in its trace, if it is a trace event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<u64>,
    /// The event's time in nanoseconds since the trace started, when the
    /// trace has a clock and the analysis kept the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u64>,
    /// Symbolized frames, if the trace had them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backtrace: Vec<String>,
}

impl Step {
    /// A step of `thread` doing `role`, with no site, event or time yet.
    pub fn new(thread: impl Into<String>, role: Role) -> Self {
        Step {
            thread: thread.into(),
            role,
            site: None,
            event: None,
            time: None,
            backtrace: Vec::new(),
        }
    }

    /// The same step at `site`.
    pub fn at(mut self, site: Option<String>) -> Self {
        self.site = site;
        self
    }
}

/// What a thread did in a step. A closed set: every analysis and the
/// runtime's live checks speak in these terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// Took `lock` (its outermost acquisition), after waiting as `waited`
    /// says when that is the point.
    Acquired {
        lock: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        waited: Option<Waited>,
    },
    /// Asked for `lock` while holding `holding` (the held locks that matter
    /// to the finding, not necessarily all).
    Requested {
        lock: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        holding: Vec<String>,
    },
    /// Asked again for a lock it holds.
    RequestedAgain {
        lock: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
    },
    /// Blocked waiting for `on`.
    Blocked { on: WaitOn },
    /// Released `lock` (a lock, or permits of a semaphore), after holding
    /// it for `held` when that is the point.
    Released {
        lock: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        held: Option<Duration>,
    },
    /// The thread ended.
    Exited,
    /// Read tracked variable `var`.
    Read { var: String },
    /// Wrote `var`; `unseen_by` names the thread whose later write is
    /// computed from a read before this one.
    Wrote {
        var: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unseen_by: Option<String>,
    },
    /// Wrote `var` with a value computed from its own earlier read,
    /// overwriting `lost`'s update.
    Overwrote { var: String, lost: String },
    /// The earlier of two conflicting accesses to `var`.
    PreviousAccess { var: String, access: Access },
    /// The thread was created (at the step's site).
    Created,
    /// The runtime's live check `check` reported what the finding says.
    Reported { check: String },
    /// A task's poll ended (it yielded) while it held `holding`; the
    /// step's site is the task's last event before it.
    Yielded {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        holding: Vec<String>,
    },
    /// Ran on OS thread `worker` (a task scheduled there, or the worker's
    /// own code again).
    RanOn { worker: String },
}

/// How a lock is held or asked for, where the lock has modes (an rwlock);
/// a plain mutex has no mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Read,
    Write,
    Upgradable,
}

/// A read or a write of a tracked variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

/// What a blocked thread waits for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "wait", rename_all = "snake_case")]
pub enum WaitOn {
    /// A lock, in `mode` when the lock has modes.
    Lock {
        lock: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
    },
    /// A permit of a semaphore.
    Permit { semaphore: String },
    /// A notification on a condition variable.
    Notify { condvar: String },
    /// An event to be set.
    Event { event: String },
    /// The other parties of a barrier.
    Barrier { barrier: String },
    /// A thread to exit.
    Join { thread: String },
}

impl WaitOn {
    /// A wait for `lock` with no mode.
    pub fn lock(lock: impl Into<String>) -> Self {
        WaitOn::Lock {
            lock: lock.into(),
            mode: None,
        }
    }

    /// The primitive waited on, if it is one (a join waits for a thread).
    pub fn primitive(&self) -> Option<&str> {
        match self {
            WaitOn::Lock { lock, .. } => Some(lock),
            WaitOn::Permit { semaphore } => Some(semaphore),
            WaitOn::Notify { condvar } => Some(condvar),
            WaitOn::Event { event } => Some(event),
            WaitOn::Barrier { barrier } => Some(barrier),
            WaitOn::Join { .. } => None,
        }
    }
}

/// How long a thread waited for a lock it finally got, when that is the
/// finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Waited {
    /// Threads that asked later took the lock first, `times` times.
    Bypassed { times: u64 },
    /// One wait lasted `time`.
    Long { time: Duration },
}

/// An amount of time in a trace's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duration {
    pub amount: u64,
    pub unit: TimeUnit,
}

/// The unit of a [`Duration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Nanoseconds.
    #[serde(rename = "ns")]
    Nanoseconds,
    /// Events: the trace has no clock (STD), times are positions.
    Events,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_serialize_flat_and_read_back() {
        let mut step = Step::new(
            "T1",
            Role::Requested {
                lock: "B".into(),
                mode: None,
                holding: vec!["A".into()],
            },
        )
        .at(Some("a.rs:1:2".into()));
        step.event = Some(7);
        let json = serde_json::to_value(&step).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"thread": "T1", "role": "requested", "lock": "B",
                               "holding": ["A"], "site": "a.rs:1:2", "event": 7})
        );
        // A reader ignores fields it does not know (the JSON report adds `text`).
        let mut with_text = json;
        with_text["text"] = "requested B while holding A".into();
        assert_eq!(serde_json::from_value::<Step>(with_text).unwrap(), step);
    }
}
