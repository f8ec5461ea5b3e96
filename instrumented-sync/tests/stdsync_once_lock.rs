//! `stdsync::OnceLock`: the examples of std's `OnceLock` documentation,
//! written against `stdsync` (they run with and without the `record`
//! feature), and the initialisation lock it records and checks.

#[cfg(feature = "record")]
mod common;
#[cfg(feature = "record")]
mod stdsync_support;
#[cfg(feature = "record")]
mod support;

use std::thread;

use lockscope_sync::stdsync::atomic::{AtomicU32, Ordering};
use lockscope_sync::stdsync::OnceLock;

#[test]
fn a_static_cell_written_by_another_thread() {
    static CELL: OnceLock<usize> = OnceLock::new();
    assert!(CELL.get().is_none());
    thread::spawn(|| {
        let value = CELL.get_or_init(|| 12345);
        assert_eq!(value, &12345);
    })
    .join()
    .unwrap();
    assert_eq!(CELL.get(), Some(&12345));
}

/// An append-only list: each node's value is set once, the rest goes to
/// the next node.
struct OnceList<T> {
    data: OnceLock<T>,
    next: OnceLock<Box<OnceList<T>>>,
}

impl<T> OnceList<T> {
    const fn new() -> OnceList<T> {
        OnceList {
            data: OnceLock::new(),
            next: OnceLock::new(),
        }
    }

    fn push(&self, value: T) {
        if let Err(value) = self.data.set(value) {
            let next = self.next.get_or_init(|| Box::new(OnceList::new()));
            next.push(value)
        };
    }

    fn contains(&self, example: &T) -> bool
    where
        T: PartialEq,
    {
        self.data
            .get()
            .map(|item| item == example)
            .filter(|v| *v)
            .unwrap_or_else(|| self.next.get().is_some_and(|next| next.contains(example)))
    }
}

#[test]
fn an_append_only_list_filled_by_every_core() {
    static LIST: OnceList<u32> = OnceList::new();
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    const LEN: u32 = 1000;
    thread::scope(|s| {
        for _ in 0..thread::available_parallelism().unwrap().get().max(2) {
            s.spawn(|| {
                while let i @ 0..LEN = COUNTER.fetch_add(1, Ordering::Relaxed) {
                    LIST.push(i);
                }
            });
        }
    });
    for i in 0..LEN {
        assert!(LIST.contains(&i));
    }
}

#[test]
fn wait_for_a_value_another_thread_sets() {
    let value = OnceLock::new();
    thread::scope(|s| {
        s.spawn(|| value.set(1 + 1));
        let result = value.wait();
        assert_eq!(result, &2);
    });
}

#[test]
fn set_once_then_refuse() {
    static CELL: OnceLock<i32> = OnceLock::new();
    assert!(CELL.get().is_none());
    thread::spawn(|| assert_eq!(CELL.set(92), Ok(())))
        .join()
        .unwrap();
    assert_eq!(CELL.set(62), Err(62));
    assert_eq!(CELL.get(), Some(&92));
}

#[test]
fn get_or_init_runs_the_first_function_only() {
    let cell = OnceLock::new();
    let value = cell.get_or_init(|| 92);
    assert_eq!(value, &92);
    let value = cell.get_or_init(|| unreachable!());
    assert_eq!(value, &92);
}

#[test]
fn a_panicking_initialiser_leaves_the_cell_empty_for_the_next_one() {
    let cell = OnceLock::new();
    let r = std::panic::catch_unwind(|| cell.get_or_init(|| panic!("no value")));
    assert!(r.is_err());
    assert!(cell.get().is_none());
    assert_eq!(cell.get_or_init(|| 7), &7);
}

#[test]
fn into_inner_take_and_get_mut() {
    let cell: OnceLock<String> = OnceLock::new();
    assert_eq!(cell.into_inner(), None);
    let cell = OnceLock::new();
    cell.set("hello".to_string()).unwrap();
    assert_eq!(cell.into_inner(), Some("hello".to_string()));

    let mut cell: OnceLock<String> = OnceLock::new();
    assert_eq!(cell.take(), None);
    cell.set("hello".to_string()).unwrap();
    cell.get_mut().unwrap().push('!');
    assert_eq!(cell.take(), Some("hello!".to_string()));
    assert_eq!(cell.get(), None);
}

#[test]
fn default_from_eq_clone_and_debug_as_std() {
    assert_eq!(OnceLock::<()>::new(), OnceLock::default());
    let a = OnceLock::from(3);
    let b = OnceLock::new();
    b.set(3).unwrap();
    assert_eq!(a, b);
    assert!(OnceLock::<u32>::new() == OnceLock::<u32>::new());
    assert!(a != OnceLock::new());
    assert_eq!(a.clone().get(), Some(&3));
    assert_eq!(format!("{a:?}"), "OnceLock(3)");
    assert_eq!(format!("{:?}", OnceLock::<u8>::new()), "OnceLock(<uninit>)");
}

#[cfg(feature = "record")]
mod recorded {
    use super::{common, stdsync_support, support};
    use lockscope_detector::trace::EventKind;
    use lockscope_sync::policy::{FindingKind, Policy};
    use lockscope_sync::stdsync::{Mutex, OnceLock};

    #[test]
    fn initialising_takes_a_recorded_lock_at_the_callers_line_and_reading_does_not() {
        let cell = OnceLock::new();
        let (lines, t) = support::record(|| {
            let init = line!() + 1;
            cell.get_or_init(|| 1);
            let read = line!() + 1;
            cell.get_or_init(|| 2);
            [init, read]
        });
        let mine = stdsync_support::thread_of_line(&t, lines[0]);
        let acquired: Vec<_> = mine
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Acquired { .. }))
            .map(|e| t.site_line(e))
            .collect();
        assert_eq!(acquired, [Some(lines[0])]);
        assert!(mine.iter().all(|e| t.site_line(e) != Some(lines[1])));
    }

    #[test]
    fn a_wait_for_a_cell_nobody_initialises_yet_is_a_recorded_condvar_wait() {
        // The waiter must be waiting before the value is set: retried with
        // longer head starts on a loaded machine.
        for head_start in [20, 100, 500, 2000] {
            let cell = OnceLock::new();
            let (line, t) = support::record(|| {
                std::thread::scope(|s| {
                    let waiter = s.spawn(|| {
                        let line = line!() + 1;
                        assert_eq!(cell.wait(), &5);
                        line
                    });
                    std::thread::sleep(std::time::Duration::from_millis(head_start));
                    cell.set(5).unwrap();
                    waiter.join().unwrap()
                })
            });
            let waits: Vec<_> = stdsync_support::thread_of_line(&t, line)
                .into_iter()
                .filter(|e| matches!(e.kind, EventKind::CondWait { .. }))
                .map(|e| t.site_line(e))
                .collect();
            if !waits.is_empty() {
                assert!(waits.iter().all(|l| *l == Some(line)), "{waits:?}");
                assert!(t.events.iter().any(|e| e.kind.type_name() == "notify"));
                return;
            }
        }
        panic!("the waiter never waited on the condvar");
    }

    #[test]
    fn an_initialiser_and_a_waiter_taking_a_lock_in_opposite_orders_are_reported() {
        let _s = common::serial();
        let found = common::capture(Policy::default().watchdog(None));
        let mut cell = OnceLock::new();
        let lock = Mutex::new(());
        std::thread::scope(|s| {
            s.spawn(|| cell.get_or_init(|| drop(lock.lock().unwrap())));
        });
        cell.take();
        std::thread::scope(|s| {
            s.spawn(|| {
                let _held = lock.lock().unwrap();
                cell.get_or_init(|| ());
            });
        });
        let found = found.lock().unwrap();
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].kind, FindingKind::PotentialDeadlock);
        let text = common::report(&found[0]);
        assert!(text.contains(file!()), "{text}");
    }

    #[test]
    fn initialising_a_cell_again_from_its_initialiser_is_a_self_deadlock_not_a_hang() {
        let _s = common::serial();
        lockscope_sync::policy::set_policy(Policy::default());
        let cell: OnceLock<u32> = OnceLock::new();
        let r = std::panic::catch_unwind(|| cell.get_or_init(|| *cell.get_or_init(|| 1) + 1));
        let payload = r.unwrap_err();
        let message = payload.downcast_ref::<String>().unwrap();
        assert!(message.contains("self-deadlock"), "{message}");
        assert!(cell.get().is_none());
        assert_eq!(cell.get_or_init(|| 3), &3);
    }
}
