//! Step sentences (`acquired L1`, `requested L2 while holding L1`), what a
//! wait waits for, and scenario operations (`lock(L1);`).

use crate::finding::scenario::Op;
use crate::finding::step::{Access, Mode, Role, Step, WaitOn, Waited};

use super::units::duration;

/// What the step's thread did, as a sentence without its subject.
pub fn step(s: &Step) -> String {
    role(&s.role)
}

fn role(r: &Role) -> String {
    match r {
        Role::Acquired { lock, mode, waited } => {
            let verb = match mode {
                Some(Mode::Read) => format!("read-locked {lock}"),
                Some(Mode::Write) => format!("write-locked {lock}"),
                Some(Mode::Upgradable) => format!("acquired {lock} (upgradable)"),
                None => format!("acquired {lock}"),
            };
            match waited {
                Some(w) => format!("{verb}: {}", waited_words(w)),
                None => verb,
            }
        }
        Role::Requested {
            lock,
            mode,
            holding,
        } => {
            let mut s = format!("requested {lock}{}", mode_words(*mode));
            if !holding.is_empty() {
                s.push_str(&format!(" while holding {}", holding.join(", ")));
            }
            s
        }
        Role::RequestedAgain { lock, mode } => {
            format!("requested {lock}{} again", mode_words(*mode))
        }
        Role::Blocked { on } => format!("blocked waiting for {}", wait_target(on)),
        Role::Released { lock, held } => match held {
            Some(d) => format!("released {lock} after {}", duration(*d)),
            None => format!("released {lock}"),
        },
        Role::Exited => "exited".to_owned(),
        Role::Read { var } => format!("read {var}"),
        Role::Wrote { var, unseen_by } => match unseen_by {
            Some(t) => format!("wrote {var} ({t} does not see it)"),
            None => format!("wrote {var}"),
        },
        Role::Overwrote { var, lost } => {
            format!("wrote {var} computed from its read: {lost}'s update is lost")
        }
        Role::PreviousAccess { var, access } => match access {
            Access::Read => format!("previously read {var}"),
            Access::Write => format!("previously wrote {var}"),
        },
        Role::Created => "was created here".to_owned(),
        Role::Reported { check } => format!("the runtime's live check wrote a {check} report"),
        Role::Yielded { holding } if holding.is_empty() => "yielded".to_owned(),
        Role::Yielded { holding } => format!("yielded holding {}", holding.join(", ")),
        Role::RanOn { worker } => format!("ran on {worker}"),
    }
}

/// ` for read`, ` for write`, ` (upgradable)`, or nothing.
fn mode_words(mode: Option<Mode>) -> &'static str {
    match mode {
        Some(Mode::Read) => " for read",
        Some(Mode::Write) => " for write",
        Some(Mode::Upgradable) => " (upgradable)",
        None => "",
    }
}

/// `bypassed 20 times`, `waited 150.00 ms`.
pub fn waited_words(w: &Waited) -> String {
    match w {
        Waited::Bypassed { times } => format!("bypassed {times} times"),
        Waited::Long { time } => format!("waited {}", duration(*time)),
    }
}

/// What a blocked thread waits for: `L2`, `a permit of S`, `a notification
/// on cv`, `event E to be set`, `barrier B`, `thread T2 to exit`.
pub fn wait_target(on: &WaitOn) -> String {
    match on {
        WaitOn::Lock { lock, .. } => lock.clone(),
        WaitOn::Permit { semaphore } => format!("a permit of {semaphore}"),
        WaitOn::Notify { condvar } => format!("a notification on {condvar}"),
        WaitOn::Event { event } => format!("event {event} to be set"),
        WaitOn::Barrier { barrier } => format!("barrier {barrier}"),
        WaitOn::Join { thread } => format!("thread {thread} to exit"),
    }
}

/// A scenario operation as lockdep writes it: `lock(L1);`, `rlock(L1);`,
/// `acquire(S);`, `wait(cv);`, `join(T2);`.
pub fn op(op: &Op) -> String {
    match op {
        Op::Lock {
            lock,
            mode: Some(Mode::Read),
        } => format!("rlock({lock});"),
        Op::Lock { lock, .. } => format!("lock({lock});"),
        Op::Acquire { semaphore } => format!("acquire({semaphore});"),
        Op::Wait { on } => format!("wait({on});"),
        Op::Join { thread } => format!("join({thread});"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_as_sentences() {
        let s = |role| step(&Step::new("T1", role));
        assert_eq!(
            s(Role::Requested {
                lock: "B".into(),
                mode: None,
                holding: vec!["A".into()]
            }),
            "requested B while holding A"
        );
        assert_eq!(
            s(Role::Blocked {
                on: WaitOn::Notify {
                    condvar: "cv".into()
                }
            }),
            "blocked waiting for a notification on cv"
        );
        assert_eq!(
            s(Role::RequestedAgain {
                lock: "R".into(),
                mode: Some(Mode::Read)
            }),
            "requested R for read again"
        );
        assert_eq!(
            op(&Op::waiting(&WaitOn::Permit {
                semaphore: "S".into()
            })),
            "acquire(S);"
        );
    }
}
