//! How the trace names a lock without a name: a `const`-made lock outside
//! every `static` is declared with the site of its first recorded
//! operation, and named by its kind and that site, as the analyzer and the
//! live checks name it.

#![cfg(feature = "record")]

mod support;

use lockscope_sync::prelude::*;
use lockscope_sync::{Mutex, RwLock};

#[test]
fn an_unnamed_const_made_lock_is_named_by_its_first_use() {
    let (m, rw) = (Mutex::new(0), RwLock::new(0));
    let ((mutex_line, rwlock_line), t) = support::record(|| {
        let mutex_line = {
            let _g = m.lock();
            line!() - 1
        };
        let rwlock_line = {
            let _g = rw.read();
            line!() - 1
        };
        let _again = m.lock();
        (mutex_line, rwlock_line)
    });
    let name = |id| t.meta.primitive_name(t.obj(id)).into_owned();
    let mutex = name(m.identity().id());
    let rwlock = name(rw.identity().id());
    assert!(
        mutex.starts_with(&format!("mutex@{}:{mutex_line}:", file!())),
        "{mutex}"
    );
    assert!(
        rwlock.starts_with(&format!("rwlock@{}:{rwlock_line}:", file!())),
        "{rwlock}"
    );
}

#[test]
fn a_named_lock_keeps_its_name() {
    let m = Mutex::named("accounts", 0);
    let (_, t) = support::record(|| drop(m.lock()));
    assert_eq!(t.meta.primitive_name(t.obj(m.identity().id())), "accounts");
}
