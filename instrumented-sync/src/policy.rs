//! What lockscope does when a live check finds something: the one place
//! that configures it.
//!
//! Every finding has a [`FindingKind`] and the policy maps each kind to an
//! [`Action`]. The policy comes from the environment on first use and can be
//! replaced in code with [`set_policy`]:
//!
//! | variable | values | default |
//! |---|---|---|
//! | `LOCKSCOPE_ON_LOCK_ORDER` | `panic`, `log`, `abort`, `ignore` | `log` |
//! | `LOCKSCOPE_ON_DEADLOCK` | same | `panic` |
//! | `LOCKSCOPE_ON_SELF_DEADLOCK` | same | `panic` |
//! | `LOCKSCOPE_ON_TASK_DEADLOCK` | same | `log` |
//! | `LOCKSCOPE_ON_HELD_ACROSS_AWAIT` | same | `log` |
//! | `LOCKSCOPE_WATCHDOG` | `off`, or a scan interval in milliseconds | `100` |
//! | `LOCKSCOPE_STALL` | `process` or `registered` (see [`StallScope`]) | `process` |
//! | `LOCKSCOPE_BACKTRACE` | `1` (or anything but `0`, `off`, `false`, empty) to capture a backtrace at every blocking wait, for deadlock reports, and with every recorded event | off |
//!
//! Every finding is a [`Finding`] (the analyzer's own type): the live checks
//! build it with the detector's builders, print it in the detector's words
//! and write it into the trace as a note whose kind is its
//! [`FindingKind`] wire name and whose text is its JSON.
//!
//! `LOCKSCOPE_ON_LOCK_ORDER` covers potential deadlocks (lock-order
//! inversions) and the recursive-read hazard; `LOCKSCOPE_ON_DEADLOCK` the
//! watchdog's deadlocks, `LOCKSCOPE_ON_SELF_DEADLOCK` a thread blocking on
//! a lock it holds (a deadlock of one thread); `LOCKSCOPE_ON_TASK_DEADLOCK`
//! a cycle of tasks pending on async locks (nothing is blocked at the OS
//! level, so by default the program goes on; `panic` panics in the
//! tasks), `LOCKSCOPE_ON_HELD_ACROSS_AWAIT` a task that yielded holding a
//! blocking lock (feature `tokio`). An invalid value is reported
//! on stderr (naming the variable and the accepted values) and the default
//! is used.
//!
//! ```
//! use lockscope_sync::policy::{self, Action, Policy};
//!
//! policy::set_policy(
//!     Policy::default()
//!         .on_lock_order(Action::Panic)
//!         .on_deadlock(Action::callback(|f| eprintln!("{}", f.title()))),
//! );
//! # policy::set_policy(Policy::default());
//! ```
//!
//! Whatever the action, every finding is also written to stderr (except
//! `ignore`) and into the trace as a note, when a trace is being recorded.
//!
//! This module is where the live checks' findings are acted on: the checks
//! below it ([`crate::live`], the lock-order checks, the watchdog) build
//! findings and hand them up; the watchdog gets its deadlock action from
//! here when the policy starts it.
//!
//! # Performance
//! The policy is read only when something is found, and by the watchdog
//! when it starts.

use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use lockscope_detector::finding::{wording, Detail};

use crate::watchdog::registry::Slot;
use crate::{live_config, service_threads, trace_sink, watchdog};

pub use lockscope_detector::finding::{Finding, FindingKind};

/// A user callback for [`Action::Callback`]: it gets the finding, the
/// same [`Finding`] the analyzer reports (its words come from
/// `lockscope_detector::finding::wording`).
pub type Callback = Arc<dyn Fn(&Finding) + Send + Sync>;

/// What to do on a finding.
#[derive(Clone, Default)]
pub enum Action {
    /// Panic with the report: in the thread that made the finding, or for a
    /// deadlock in every deadlocked thread (they wake up to panic).
    Panic,
    /// Print the report to stderr and continue.
    #[default]
    Log,
    /// Print the report and abort the process.
    Abort,
    /// Print the report and call a user function (from the detecting
    /// thread: the watchdog for deadlocks).
    Callback(Callback),
    /// Do nothing (the finding is still written into the trace).
    Ignore,
}

impl Action {
    /// [`Action::Callback`] from a closure.
    pub fn callback(f: impl Fn(&Finding) + Send + Sync + 'static) -> Self {
        Action::Callback(Arc::new(f))
    }

    /// Parses an environment value (`panic`, `log`, `abort`, `ignore`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "panic" => Action::Panic,
            "log" => Action::Log,
            "abort" => Action::Abort,
            "ignore" | "off" => Action::Ignore,
            _ => return None,
        })
    }
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Panic => "Panic",
            Action::Log => "Log",
            Action::Abort => "Abort",
            Action::Callback(_) => "Callback",
            Action::Ignore => "Ignore",
        })
    }
}

/// Which threads must all be blocked before the watchdog calls a stall
/// (nobody left to set an event, notify a condvar, release a semaphore or
/// reach a barrier) a deadlock. Wait-for cycles of locks need no such rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StallScope {
    /// Every thread of the process but the watchdog must be a lockscope
    /// thread (one that used a primitive) and blocked. Read from
    /// `/proc/self/task`; where that is missing, stalls are not reported.
    /// Never wrong, but a test harness's own threads prevent any report.
    #[default]
    Process,
    /// Only the lockscope threads count: reports stalls in test harnesses
    /// too, but wrongly if a thread that never used lockscope would still
    /// have woken the others.
    Registered,
}

/// The live checks' configuration. Build with the methods, install with
/// [`set_policy`].
#[derive(Clone, Debug)]
pub struct Policy {
    lock_order: Action,
    deadlock: Action,
    self_deadlock: Action,
    task_deadlock: Action,
    held_across_await: Action,
    watchdog: Option<Duration>,
    stall: StallScope,
    backtraces: bool,
}

impl Default for Policy {
    /// `log` lock-order findings, `panic` on deadlocks, watchdog every 100 ms.
    fn default() -> Self {
        Policy {
            lock_order: Action::Log,
            deadlock: Action::Panic,
            self_deadlock: Action::Panic,
            task_deadlock: Action::Log,
            held_across_await: Action::Log,
            watchdog: Some(Duration::from_millis(100)),
            stall: StallScope::Process,
            backtraces: false,
        }
    }
}

impl Policy {
    /// The defaults overridden by the `LOCKSCOPE_*` variables; invalid values
    /// are returned as messages and the default is kept for them.
    pub fn from_env() -> (Self, Vec<String>) {
        let mut p = Policy::default();
        let mut errors = Vec::new();
        for (var, slot) in [
            ("LOCKSCOPE_ON_LOCK_ORDER", &mut p.lock_order),
            ("LOCKSCOPE_ON_DEADLOCK", &mut p.deadlock),
            ("LOCKSCOPE_ON_SELF_DEADLOCK", &mut p.self_deadlock),
            ("LOCKSCOPE_ON_TASK_DEADLOCK", &mut p.task_deadlock),
            ("LOCKSCOPE_ON_HELD_ACROSS_AWAIT", &mut p.held_across_await),
        ] {
            if let Ok(v) = std::env::var(var) {
                match Action::parse(&v) {
                    Some(a) => *slot = a,
                    None => errors.push(format!(
                        "{var}={v:?} is not an action; use panic, log, abort or ignore"
                    )),
                }
            }
        }
        if let Ok(v) = std::env::var("LOCKSCOPE_WATCHDOG") {
            match v.trim() {
                "off" | "0" => p.watchdog = None,
                ms => match ms.parse::<u64>() {
                    Ok(ms) => p.watchdog = Some(Duration::from_millis(ms)),
                    Err(_) => errors.push(format!(
                        "LOCKSCOPE_WATCHDOG={v:?} is not `off` or an interval in milliseconds"
                    )),
                },
            }
        }
        if let Ok(v) = std::env::var("LOCKSCOPE_STALL") {
            match v.trim() {
                "process" => p.stall = StallScope::Process,
                "registered" => p.stall = StallScope::Registered,
                _ => errors.push(format!(
                    "LOCKSCOPE_STALL={v:?} is not a stall scope; use process or registered"
                )),
            }
        }
        if let Some(on) = crate::recorder::config::backtrace_env() {
            p.backtraces = on;
        }
        (p, errors)
    }

    /// The action for lock-order inversions and recursive-read hazards.
    pub fn on_lock_order(mut self, action: Action) -> Self {
        self.lock_order = action;
        self
    }

    /// The action for deadlocks found by the watchdog.
    pub fn on_deadlock(mut self, action: Action) -> Self {
        self.deadlock = action;
        self
    }

    /// The action for a thread blocking on a lock it holds.
    pub fn on_self_deadlock(mut self, action: Action) -> Self {
        self.self_deadlock = action;
        self
    }

    /// The action for a cycle of tasks pending on async locks.
    pub fn on_task_deadlock(mut self, action: Action) -> Self {
        self.task_deadlock = action;
        self
    }

    /// The action for a task that yielded holding a blocking lock.
    pub fn on_held_across_await(mut self, action: Action) -> Self {
        self.held_across_await = action;
        self
    }

    /// The action for a cycle of tasks pending on async locks.
    pub fn task_deadlock_action(&self) -> &Action {
        &self.task_deadlock
    }

    /// The watchdog's scan interval; `None` turns it off. A deadlock is
    /// reported within about two intervals.
    pub fn watchdog(mut self, interval: Option<Duration>) -> Self {
        self.watchdog = interval;
        self
    }

    /// Whether to capture a backtrace whenever a thread blocks, so deadlock
    /// reports show one per thread (costs microseconds per blocking wait).
    pub fn backtraces(mut self, on: bool) -> Self {
        self.backtraces = on;
        self
    }

    /// Which threads must be blocked for a stall to be a deadlock.
    pub fn stall_scope(mut self, scope: StallScope) -> Self {
        self.stall = scope;
        self
    }

    /// The stall scope in force.
    pub fn stall(&self) -> StallScope {
        self.stall
    }

    /// The watchdog's scan interval, if it is on.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    /// The action for findings of `kind`: potential deadlocks, the
    /// recursive-read hazard and the `acquire` helper's order rule take the
    /// lock-order action, deadlocks the deadlock action, a blocking lock
    /// held across an await the `held_across_await` action.
    pub fn action(&self, kind: FindingKind) -> &Action {
        match kind {
            FindingKind::Deadlock => &self.deadlock,
            FindingKind::HeldAcrossAwait => &self.held_across_await,
            _ => &self.lock_order,
        }
    }

    /// The action for finding `f`: [`action`](Policy::action) of its kind,
    /// except that a self-deadlock (a deadlock of one thread on a lock it
    /// holds) takes the self-deadlock action.
    pub fn action_for(&self, f: &Finding) -> &Action {
        if is_self_deadlock(f) {
            &self.self_deadlock
        } else {
            self.action(f.kind)
        }
    }
}

/// Whether `f` is one thread waiting for a lock it holds.
fn is_self_deadlock(f: &Finding) -> bool {
    match &f.detail {
        Detail::Deadlock { links, .. } => {
            links.len() == 1 && links[0].holds.as_deref() == links[0].waits_for.primitive()
        }
        _ => false,
    }
}

fn global() -> &'static RwLock<Arc<Policy>> {
    static POLICY: OnceLock<RwLock<Arc<Policy>>> = OnceLock::new();
    POLICY.get_or_init(|| {
        let (p, errors) = Policy::from_env();
        for e in errors {
            eprintln!("lockscope: {e}");
        }
        publish(&p);
        RwLock::new(Arc::new(p))
    })
}

/// Publishes `p`'s settings to the checks that read them lock-free.
fn publish(p: &Policy) {
    let registered = p.stall == StallScope::Registered;
    live_config::set(p.watchdog, registered, p.backtraces);
}

/// Whether the policy wants a watchdog (cheap to ask).
pub(crate) fn watchdog_on() -> bool {
    global();
    live_config::watchdog_interval().is_some()
}

/// Reads the policy from the environment if that has not happened yet, so
/// the settings the checks read lock-free are the policy's.
#[inline]
pub(crate) fn init() {
    global();
}

/// The policy in force.
pub fn policy() -> Arc<Policy> {
    global().read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Replaces the policy. The watchdog picks up a new interval at its next
/// scan; turning it on starts it.
pub fn set_policy(policy: Policy) {
    // The environment's policy first (if it was never read), so that it
    // never overwrites this one's published settings.
    let slot = global();
    let mut current = slot.write().unwrap_or_else(|e| e.into_inner());
    publish(&policy);
    *current = Arc::new(policy);
    drop(current);
    ensure_watchdog();
}

/// Starts the watchdog, with [`act_on_deadlock`] as its action, if the
/// policy wants one and it is not running.
#[inline]
pub(crate) fn ensure_watchdog() {
    watchdog::ensure_running(act_on_deadlock);
}

/// The OS id (Linux) of the watchdog thread, once it runs.
pub fn watchdog_os_thread_id() -> Option<u64> {
    watchdog::os_thread_id()
}

/// Declares the calling thread one of the program's service threads: it
/// never wakes a thread blocked on a lockscope primitive, so it does not
/// keep the watchdog from calling a stall of every other thread a deadlock
/// (see [`StallScope::Process`]). Call it once, first thing in such a
/// thread. lockscope's own threads are declared so.
pub fn internal_thread() {
    service_threads::mark_internal();
}

/// The finding as the runtime prints it: lockdep's layout, in the
/// detector's words.
pub(crate) fn report_text(f: &Finding) -> String {
    wording::report(f, &wording::Words::PLAIN)
}

/// Runs the policy's action on finding `f` (already written into the
/// trace); `panic` is what `Action::Panic` does, given the report.
fn act(f: &Finding, panic: impl FnOnce(&str)) {
    act_with(policy().action_for(f).clone(), f, panic);
}

/// Runs `action` on finding `f` (already written into the trace): `log`
/// and `callback` print lockdep's report, `abort` prints it and aborts
/// after the trace is finished; `panic` is what `Action::Panic` does,
/// given the report.
pub(crate) fn act_with(action: Action, f: &Finding, panic: impl FnOnce(&str)) {
    let report = report_text(f);
    match action {
        Action::Ignore => {}
        Action::Log => eprintln!("{report}"),
        Action::Abort => {
            eprintln!("{report}");
            trace_sink::finish();
            std::process::abort();
        }
        Action::Callback(cb) => {
            eprintln!("{report}");
            cb(f);
        }
        Action::Panic => panic(&report),
    }
}

/// Reports a finding made in the calling thread and runs its action
/// (`panic`: the calling thread panics with the report).
pub(crate) fn dispatch(f: Finding) {
    trace_sink::note_finding(&f);
    act(&f, |report| {
        trace_sink::flush();
        panic!("{report}");
    });
}

/// Reports the findings the checks left pending in the calling thread.
#[cold]
#[inline(never)]
pub(crate) fn dispatch_pending() {
    for f in crate::live::take_pending() {
        dispatch(f);
    }
}

/// The watchdog's action: reports deadlock `f` and runs the deadlock action
/// for the threads in `slots` (`panic`: they wake up to panic).
fn act_on_deadlock(f: Finding, slots: &[Arc<Slot>]) {
    trace_sink::note_finding(&f);
    trace_sink::flush();
    act(&f, |report| {
        eprintln!("{report}");
        for s in slots {
            s.doom_if_blocked(report);
        }
        for s in slots {
            s.wake_condvar_wait();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse_case_insensitively_and_reject_the_unknown() {
        assert!(matches!(Action::parse("PANIC"), Some(Action::Panic)));
        assert!(matches!(Action::parse(" log "), Some(Action::Log)));
        assert!(matches!(Action::parse("ignore"), Some(Action::Ignore)));
        assert!(Action::parse("explode").is_none());
    }

    #[test]
    fn builder_sets_each_kind() {
        use lockscope_detector::finding::build::{self, At, Taken};
        use lockscope_detector::finding::End;
        let p = Policy::default()
            .on_lock_order(Action::Abort)
            .on_self_deadlock(Action::Ignore)
            .watchdog(None);
        assert!(matches!(
            p.action(FindingKind::PotentialDeadlock),
            Action::Abort
        ));
        assert!(matches!(
            p.action(FindingKind::RecursiveRead),
            Action::Abort
        ));
        assert!(matches!(p.action(FindingKind::Deadlock), Action::Panic));
        let held = Taken {
            lock: "m".into(),
            mode: None,
            at: At::site("a.rs:1:1"),
        };
        let selfd = build::self_deadlock("main", held, None, At::site("a.rs:2:1"), End::Hung);
        assert!(matches!(p.action_for(&selfd), Action::Ignore));
        assert_eq!(p.watchdog_interval(), None);
    }
}
