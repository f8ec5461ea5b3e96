//! The class of a lock that lives in a `static`: the static's symbol, an
//! identity that every process of one build shares (lockdep keys its lock
//! classes the same way, by a static's address). The analyzer compares
//! locks of several traces by it (see docs/trace-format.md, `class`).
//!
//! A lock made by a `const` constructor has no creation site worth naming
//! (`lock_api::Mutex::new` is `const`, so `Mutex::new(..)` reaches the raw
//! lock's initialiser), so for an unnamed one the recorder asks the symbol
//! table which static holds its address. A lock on the heap or the stack
//! is in no static and gets no class.
//!
//! # Performance
//! Called once per unnamed `const`-made lock, when it is declared in a
//! trace. The first call loads the symbol tables (about 15-40 ms in a debug
//! build); later ones take microseconds.

use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::Arc;

use crate::raw::Mutex;

/// The class each declared lock got, by lockscope id: the live checks name
/// a lock as the trace does (see [`known`]).
static KNOWN: Mutex<Option<HashMap<u64, Arc<str>>>> = Mutex::new(None);

/// Remembers that lock `id` has class `class`.
pub(crate) fn remember(id: u64, class: &str) {
    KNOWN
        .lock()
        .get_or_insert_with(HashMap::new)
        .insert(id, Arc::from(class));
}

/// The class lock `id` was declared with in a trace, if it got one.
pub fn known(id: u64) -> Option<Arc<str>> {
    KNOWN.lock().as_ref()?.get(&id).cloned()
}

/// The static holding address `addr`, as `path::NAME` (with `+offset` when
/// `addr` is not its first byte); `None` outside every static.
pub(crate) fn of_static(addr: usize) -> Option<String> {
    let name = symbol_at(addr)?;
    // The symbol table gives the name but not always the start: find the
    // first byte that still resolves to it (exponential, then binary
    // search; a few look-ups for a static of any size).
    let same = |back: usize| addr.checked_sub(back).and_then(symbol_at).as_ref() == Some(&name);
    let mut out = 1usize;
    while out <= MAX_STATIC && same(out) {
        out *= 2;
    }
    let (mut inside, mut outside) = (out / 2, out);
    while outside - inside > 1 {
        let mid = inside + (outside - inside) / 2;
        if same(mid) {
            inside = mid;
        } else {
            outside = mid;
        }
    }
    Some(match inside {
        0 => name,
        n => format!("{name}+{n}"),
    })
}

/// Offsets searched for a static's first byte.
const MAX_STATIC: usize = 1 << 24;

/// The name of the symbol at `addr`, without its hash suffix.
fn symbol_at(addr: usize) -> Option<String> {
    let mut name = None;
    // `resolve` takes a return address and looks up the byte before it.
    backtrace::resolve(addr.wrapping_add(1) as *mut c_void, |symbol| {
        if name.is_none() {
            // `{:#}` leaves out the hash suffix.
            name = symbol.name().map(|n| format!("{n:#}"));
        }
    });
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::AtomicU64;

    // Interior mutability keeps them in writable memory, as a lock is.
    static ONE: AtomicU64 = AtomicU64::new(1);
    static PAIR: [AtomicU64; 2] = [AtomicU64::new(1), AtomicU64::new(2)];

    fn at<T>(r: &T) -> usize {
        r as *const T as usize
    }

    #[test]
    fn a_static_resolves_to_its_path_and_the_heap_to_nothing() {
        let one = of_static(at(&ONE)).expect("a static resolves");
        assert!(one.ends_with("class::tests::ONE"), "{one}");
        let second = of_static(at(&PAIR[1])).expect("resolves");
        assert!(second.ends_with("class::tests::PAIR+8"), "{second}");
        let heap = Box::new(AtomicU64::new(7));
        assert_eq!(of_static(at(&*heap)), None);
    }
}
