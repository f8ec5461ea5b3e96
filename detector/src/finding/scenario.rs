//! lockdep's "possible unsafe locking scenario" as data: one column per
//! thread and the operations each takes, top to bottom. The table ends in
//! the deadlock by definition; the wording module draws it
//! ([`wording::scenario`](super::wording::scenario)).

use serde::{Deserialize, Serialize};

use super::step::{Mode, WaitOn};

/// One column per thread; rows read top to bottom.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// Column headers: thread names.
    pub threads: Vec<String>,
    pub rows: Vec<Row>,
}

/// The operation thread `column` takes at this point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub column: usize,
    #[serde(flatten)]
    pub op: Op,
}

/// A scenario operation: `lock(L)`, `rlock(L)`, `acquire(S)`, `wait(cv)`,
/// `join(T)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Lock {
        lock: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
    },
    Acquire {
        semaphore: String,
    },
    /// A condvar, event or barrier wait.
    Wait {
        on: String,
    },
    Join {
        thread: String,
    },
}

impl Op {
    /// Taking `lock` with no mode.
    pub fn lock(lock: impl Into<String>) -> Self {
        Op::Lock {
            lock: lock.into(),
            mode: None,
        }
    }

    /// The operation that blocks on `on`.
    pub fn waiting(on: &WaitOn) -> Self {
        match on {
            WaitOn::Lock { lock, mode } => Op::Lock {
                lock: lock.clone(),
                mode: *mode,
            },
            WaitOn::Permit { semaphore } => Op::Acquire {
                semaphore: semaphore.clone(),
            },
            WaitOn::Notify { condvar: on }
            | WaitOn::Event { event: on }
            | WaitOn::Barrier { barrier: on } => Op::Wait { on: on.clone() },
            WaitOn::Join { thread } => Op::Join {
                thread: thread.clone(),
            },
        }
    }
}

impl Scenario {
    /// A scenario over `threads` with no rows yet.
    pub fn new(threads: Vec<String>) -> Self {
        Scenario {
            threads,
            rows: Vec::new(),
        }
    }

    /// Appends `op` in `column`.
    pub fn push(&mut self, column: usize, op: Op) {
        self.rows.push(Row { column, op });
    }
}
