//! `stdsync::LazyLock`: the examples of std's `LazyLock` documentation,
//! written against `stdsync` (they run with and without the `record`
//! feature), std's poisoning, and the initialisation it records.

#[cfg(feature = "record")]
mod stdsync_support;
#[cfg(feature = "record")]
mod support;

use std::panic::{self, AssertUnwindSafe};
use std::thread;

use lockscope_sync::stdsync::LazyLock;

fn great_question() -> String {
    (6 * 7).to_string()
}

#[test]
fn a_static_is_built_on_first_access() {
    static DEEP_THOUGHT: LazyLock<String> = LazyLock::new(great_question);
    assert_eq!(LazyLock::get(&DEEP_THOUGHT), None);
    let answer: &String = &DEEP_THOUGHT;
    assert_eq!(answer, "42");
    assert_eq!(LazyLock::get(&DEEP_THOUGHT).map(String::as_str), Some("42"));
}

#[derive(Debug)]
struct UseCellLock {
    number: LazyLock<u32>,
}

#[test]
fn a_lazy_field_of_a_struct() {
    let lock: LazyLock<u32> = LazyLock::new(|| 0u32);
    let data = UseCellLock { number: lock };
    assert_eq!(
        format!("{data:?}"),
        "UseCellLock { number: LazyLock(<uninit>) }"
    );
    assert_eq!(*data.number, 0);
    assert_eq!(format!("{data:?}"), "UseCellLock { number: LazyLock(0) }");
}

#[test]
fn a_closure_capturing_its_input() {
    let hello = "Hello, World!".to_string();
    let lazy = LazyLock::new(|| hello.to_uppercase());
    assert_eq!(&*lazy, "HELLO, WORLD!");
}

#[test]
fn force_and_deref_give_the_same_value() {
    let lazy = LazyLock::new(|| 92);
    assert_eq!(LazyLock::force(&lazy), &92);
    assert_eq!(&*lazy, &92);
}

#[test]
fn force_mut_get_mut_and_deref_mut() {
    let mut lazy = LazyLock::new(|| 92);
    assert_eq!(LazyLock::get_mut(&mut lazy), None);
    let p = LazyLock::force_mut(&mut lazy);
    assert_eq!(*p, 92);
    *p = 44;
    assert_eq!(*lazy, 44);
    *LazyLock::get_mut(&mut lazy).unwrap() += 1;
    *lazy += 1;
    assert_eq!(*lazy, 46);
}

#[test]
fn many_threads_see_one_initialisation() {
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    static SHARED: LazyLock<u32> = LazyLock::new(|| {
        CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        thread::sleep(std::time::Duration::from_millis(10));
        7
    });
    thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| assert_eq!(*SHARED, 7));
        }
    });
    assert_eq!(CALLS.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn a_panicking_initialiser_poisons_every_later_access() {
    let lazy: LazyLock<u32> = LazyLock::new(|| panic!("no value"));
    assert!(panic::catch_unwind(AssertUnwindSafe(|| *lazy)).is_err());
    let again = panic::catch_unwind(AssertUnwindSafe(|| *lazy)).unwrap_err();
    assert_eq!(
        again.downcast_ref::<&str>().copied(),
        Some("LazyLock instance has previously been poisoned")
    );
    assert_eq!(LazyLock::get(&lazy), None);
    let mut lazy = lazy;
    assert!(panic::catch_unwind(AssertUnwindSafe(|| *LazyLock::force_mut(&mut lazy))).is_err());
}

#[test]
fn default_uses_the_types_default() {
    let lazy: LazyLock<Vec<u8>> = LazyLock::default();
    assert!(lazy.is_empty());
}

#[cfg(feature = "record")]
mod recorded {
    use super::{stdsync_support, support};
    use lockscope_detector::trace::EventKind;
    use lockscope_sync::stdsync::LazyLock;

    #[test]
    fn the_first_dereference_takes_the_recorded_lock_at_its_line() {
        let lazy = LazyLock::new(|| 5);
        let (lines, t) = support::record(|| {
            let first = line!() + 1;
            let a = *lazy;
            let second = line!() + 1;
            let b = *lazy;
            assert_eq!(a + b, 10);
            [first, second]
        });
        let mine = stdsync_support::thread_of_line(&t, lines[0]);
        let acquired: Vec<_> = mine
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Acquired { .. }))
            .map(|e| t.site_line(e))
            .collect();
        assert_eq!(acquired, [Some(lines[0])]);
    }
}
