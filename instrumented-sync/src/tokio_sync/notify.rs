//! `Notify`: `tokio::sync::Notify` with its API, recorded as an `event`
//! primitive: a notification is `event_set`, a task that waits is
//! `event_wait` then `event_woken` (a notified future ready at its first
//! poll records only `event_woken`), and a wait given up (the future
//! dropped while pending) is `event_woken` with `timed_out`, so no wait is
//! left behind. A wake-up follows the notifications before it.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use lockscope_detector::trace::{EventKind, PrimitiveKind};

use super::recorded::Recorded;
use crate::meta::PrimitiveMeta;
use crate::recorder::Sync;

/// Notifies one or all waiting tasks: `tokio::sync::Notify`, recorded.
#[derive(Debug)]
pub struct Notify {
    lock: Recorded,
    inner: tokio::sync::Notify,
}

pin_project_lite::pin_project! {
    /// A wait for a notification ([`Notify::notified`]).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Notified<'a> {
        #[pin]
        inner: tokio::sync::futures::Notified<'a>,
        notify: &'a Notify,
        site: &'static Location<'static>,
        waiting: bool,
    }

    impl<'a> PinnedDrop for Notified<'a> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if *this.waiting {
                this.notify.woken(true, this.site);
            }
        }
    }
}

impl Notify {
    /// A notify, created here.
    #[track_caller]
    pub fn new() -> Self {
        Notify {
            lock: Recorded::new(PrimitiveKind::Event, None),
            inner: tokio::sync::Notify::new(),
        }
    }

    /// A notify called `name` (shown in reports).
    #[track_caller]
    pub fn named(name: &'static str) -> Self {
        Notify {
            lock: Recorded::new(PrimitiveKind::Event, Some(name)),
            inner: tokio::sync::Notify::new(),
        }
    }

    /// A notify in a `const` context (a `static`).
    pub const fn const_new() -> Self {
        Notify {
            lock: Recorded::new_const(PrimitiveKind::Event),
            inner: tokio::sync::Notify::const_new(),
        }
    }

    /// The notify's identity (id, name, creation site).
    pub fn meta(&self) -> &PrimitiveMeta {
        self.lock.meta()
    }

    /// A future that completes at the next notification.
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            inner: self.inner.notified(),
            notify: self,
            site: Location::caller(),
            waiting: false,
        }
    }

    /// Wakes one waiting task, or lets the next wait complete at once.
    #[track_caller]
    pub fn notify_one(&self) {
        self.set(Location::caller());
        self.inner.notify_one();
    }

    /// Wakes the most recent waiting task, or lets the next wait complete.
    #[track_caller]
    pub fn notify_last(&self) {
        self.set(Location::caller());
        self.inner.notify_last();
    }

    /// Wakes every task waiting now.
    #[track_caller]
    pub fn notify_waiters(&self) {
        self.set(Location::caller());
        self.inner.notify_waiters();
    }

    fn set(&self, site: &'static Location<'static>) {
        self.lock.record(
            |obj| EventKind::EventSet { obj },
            Some(site),
            Sync::ReleaseShared,
        );
    }

    fn woken(&self, timed_out: bool, site: &'static Location<'static>) {
        let sync = if timed_out { Sync::None } else { Sync::Acquire };
        self.lock.record(
            |obj| EventKind::EventWoken { obj, timed_out },
            Some(site),
            sync,
        );
    }
}

impl Default for Notify {
    #[track_caller]
    fn default() -> Self {
        Notify::new()
    }
}

impl Notified<'_> {
    /// Registers the wait now (as tokio's `Notified::enable`); true if a
    /// notification is already there.
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.project().inner.enable()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(()) => {
                *this.waiting = false;
                this.notify.woken(false, this.site);
                Poll::Ready(())
            }
            Poll::Pending => {
                if !*this.waiting {
                    *this.waiting = true;
                    crate::recorder::tick();
                    this.notify.lock.record(
                        |obj| EventKind::EventWait { obj, timed: false },
                        Some(this.site),
                        Sync::None,
                    );
                }
                Poll::Pending
            }
        }
    }
}
