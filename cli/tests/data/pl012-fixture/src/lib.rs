//! Two accounts and transfers between them, each transfer taking both
//! locks: `to_savings` in one order, `to_checking` in the other.

use parking_lot::Mutex;

/// Two accounts, each behind its own lock.
#[derive(Default)]
pub struct Bank {
    pub checking: Mutex<u64>,
    pub savings: Mutex<u64>,
}

impl Bank {
    /// Moves `n` from checking to savings (checking's lock first).
    pub fn to_savings(&self, n: u64) {
        let mut from = self.checking.lock();
        let mut to = self.savings.lock();
        *from -= n;
        *to += n;
    }

    /// Moves `n` from savings to checking (savings' lock first).
    pub fn to_checking(&self, n: u64) {
        let mut from = self.savings.lock();
        let mut to = self.checking.lock();
        *from -= n;
        *to += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;

    #[test]
    fn transfers_both_ways() {
        let bank = &Bank::default();
        *bank.checking.lock() = 100;
        let (done, first_done) = mpsc::channel();
        thread::scope(|s| {
            s.spawn(move || {
                bank.to_savings(30);
                done.send(()).unwrap();
            });
            s.spawn(move || {
                // A channel lockscope does not see orders the two transfers
                // in this run; nothing in the program does.
                first_done.recv().unwrap();
                bank.to_checking(10);
            });
        });
        assert_eq!((*bank.checking.lock(), *bank.savings.lock()), (80, 20));
    }
}
