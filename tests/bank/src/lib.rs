//! A bank, written against the README: accounts behind named locks, two
//! static locks, a tracked counter.

use lockscope::sync::{prelude::*, Mutex, Tracked};

pub struct Account {
    pub balance: Mutex<i64>,
}

impl Account {
    pub fn named(name: &'static str, balance: i64) -> Self {
        Account {
            balance: Mutex::named(name, balance),
        }
    }
}

/// Moves `amount` from one account to the other, locking `from` first.
pub fn transfer(from: &Account, to: &Account, amount: i64) {
    let mut f = from.balance.lock();
    let mut t = to.balance.lock();
    *f -= amount;
    *t += amount;
}

pub static CHECKING: Mutex<i64> = Mutex::new(100);
pub static SAVINGS: Mutex<i64> = Mutex::new(100);

/// One unit between the two static accounts; `forward` locks CHECKING
/// first.
pub fn transfer_static(forward: bool) {
    let (from, to) = if forward {
        (&CHECKING, &SAVINGS)
    } else {
        (&SAVINGS, &CHECKING)
    };
    let mut f = from.lock();
    let mut t = to.lock();
    *f -= 1;
    *t += 1;
}

pub fn counter() -> Tracked<i64> {
    Tracked::named("counter", 0)
}
