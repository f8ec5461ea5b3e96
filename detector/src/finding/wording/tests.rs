//! Live reports as the runtime prints them: findings built from plain names
//! and `file:line:col` sites, with no trace behind them.

use super::*;
use crate::finding::build::{self, At, SeenEdge, Taken, Waiter};
use crate::finding::{End, OrderEdge, WaitOn};

fn edge(thread: &str, from: &str, to: &str, sites: (&str, &str)) -> SeenEdge {
    SeenEdge {
        edge: OrderEdge {
            thread: thread.into(),
            from: from.into(),
            to: to.into(),
            site_from: Some(sites.0.into()),
            site_to: Some(sites.1.into()),
            mode_from: None,
            mode_to: None,
            count: 1,
        },
        acquired: None,
        requested: None,
    }
}

#[test]
fn learned_inversion_between_two_threads() {
    let f = build::potential_deadlock(vec![
        edge(
            "task2",
            "chopsticks",
            "plate",
            ("src/dine.rs:18:20", "src/dine.rs:20:21"),
        ),
        edge(
            "task1",
            "plate",
            "chopsticks",
            ("src/dine.rs:8:20", "src/dine.rs:10:21"),
        ),
    ]);
    assert_eq!(
        report(&f, &Words::PLAIN),
        "\
lockscope: potential deadlock: chopsticks -> plate -> chopsticks (task2 at src/dine.rs:18:20 -> src/dine.rs:20:21, task1 at src/dine.rs:8:20 -> src/dine.rs:10:21)
  note: lock cycle: chopsticks -> plate -> chopsticks
  note: acquisition sites: (src/dine.rs:18:20, src/dine.rs:20:21), (src/dine.rs:8:20, src/dine.rs:10:21)
  note: task2 acquired plate at src/dine.rs:20:21 while holding chopsticks (acquired at src/dine.rs:18:20), 1 time
  note: task1 acquired chopsticks at src/dine.rs:10:21 while holding plate (acquired at src/dine.rs:8:20), 1 time

  task2: acquired chopsticks
      at src/dine.rs:18:20
  task2: requested plate while holding chopsticks
      at src/dine.rs:20:21
  task1: acquired plate
      at src/dine.rs:8:20
  task1: requested chopsticks while holding plate
      at src/dine.rs:10:21

  Possible unsafe locking scenario:

       task2                task1
       -----                -----
       lock(chopsticks);
                            lock(plate);
       lock(plate);
                            lock(chopsticks);

   *** DEADLOCK ***
"
    );
}

#[test]
fn self_deadlock_on_one_thread() {
    let held = Taken {
        lock: "state".into(),
        mode: None,
        at: At::site("src/app.rs:10:5"),
    };
    let f = build::self_deadlock("main", held, None, At::site("src/app.rs:12:9"), End::Hung);
    assert_eq!(
        report(&f, &Words::PLAIN),
        "\
lockscope: deadlock: main holds state and waits for state (self-deadlock)
  note: a thread requested a lock it already holds, and the lock is not reentrant

  main: acquired state
      at src/app.rs:10:5
  main: requested state again
      at src/app.rs:12:9

  Possible unsafe locking scenario:

       main
       ----
       lock(state);
       lock(state);

   *** DEADLOCK ***
"
    );
}

#[test]
fn watchdog_deadlock_of_two_threads() {
    let waiter = |thread: &str, holds: &str, wants: &str, line: u32| Waiter {
        thread: thread.into(),
        holds: Some(Taken {
            lock: holds.into(),
            mode: None,
            at: At::site(format!("src/bank.rs:{line}:9")),
        }),
        waits_for: WaitOn::lock(wants),
        blocked: At::site(format!("src/bank.rs:{}:9", line + 1)),
    };
    let f = build::deadlock(
        vec![waiter("alice", "a", "b", 10), waiter("bob", "b", "a", 20)],
        End::Hung,
    );
    let text = report(&f, &Words::PLAIN);
    assert_eq!(
        text,
        "\
lockscope: deadlock: alice holds a and waits for b; bob holds b and waits for a

  alice: acquired a
      at src/bank.rs:10:9
  alice: blocked waiting for b
      at src/bank.rs:11:9
  bob: acquired b
      at src/bank.rs:20:9
  bob: blocked waiting for a
      at src/bank.rs:21:9

  Possible unsafe locking scenario:

       alice               bob
       -----               ----
       lock(a);
                           lock(b);
                           lock(a);
       lock(b);

   *** DEADLOCK ***
"
    );
    // Sites shown as a renderer wants them, with backtraces when asked.
    let short = |s: &str| s.trim_start_matches("src/").to_owned();
    let words = Words::with_sites(&short);
    assert!(report(&f, &words).contains("      at bank.rs:10:9\n"));
    let mut f = f;
    f.steps[1].backtrace = vec!["bank::transfer".into(), "bank::main".into()];
    assert!(!report(&f, &Words::PLAIN).contains("bank::transfer"));
    assert!(report(&f, &Words::PLAIN.backtraces(true)).contains(
        "  alice: blocked waiting for b\n      at src/bank.rs:11:9\n        #0 bank::transfer\n        #1 bank::main\n"
    ));
}
