//! Fork/join edges, and the per-trace check that the trace's fork/join
//! operands name the threads they start (see the race module docs).

use crate::analysis::Context;
use crate::clock::VectorClock;
use crate::trace::{Event, EventKind, ThreadId};

/// The parent's clocks at a fork: happens-before and SHB (see `shb`).
#[derive(Clone, Debug, Default)]
pub(super) struct Forked {
    pub(super) hb: VectorClock,
    pub(super) shb: VectorClock,
}

/// What fork and join said about one thread (whether it had events comes
/// from the replay state, [`crate::state::ThreadState`]).
#[derive(Clone, Debug, Default)]
struct Life {
    /// Trace index of the fork that named it.
    forked: Option<u64>,
    joined: bool,
    /// The parent's clock at the fork, until the child's first event.
    pending: Option<Forked>,
}

/// Fork/join bookkeeping of one trace.
#[derive(Debug, Default)]
pub(super) struct ForkJoin {
    threads: Vec<Life>,
    /// Why fork/join stopped being trusted in this trace, and from which
    /// event on.
    distrust: Option<(u64, String)>,
}

impl ForkJoin {
    fn life(&mut self, t: ThreadId) -> &mut Life {
        crate::dense::grow(&mut self.threads, t.index(), Life::default);
        &mut self.threads[t.index()]
    }

    fn trusted(&self, cx: &Context<'_>) -> bool {
        cx.config.trust_fork_join && self.distrust.is_none()
    }

    fn mistrust(&mut self, cx: &Context<'_>, reason: String) {
        if self.distrust.is_none() {
            self.distrust = Some((cx.index, reason));
            self.threads.iter_mut().for_each(|l| l.pending = None);
        }
    }

    /// Called for every event from the first access on, before it is
    /// handled: returns the fork clocks to join into the thread's clocks at
    /// its first event after a fork.
    #[inline]
    pub(super) fn on_thread_event(&mut self, cx: &Context<'_>, ev: &Event) -> Option<Forked> {
        let marker = matches!(ev.kind, EventKind::Begin | EventKind::End);
        let life = self.threads.get_mut(ev.thread.index())?;
        if !marker && life.joined {
            let name = &cx.meta.thread(ev.thread).label;
            self.mistrust(cx, format!("{name} runs after it was joined"));
            return None;
        }
        life.pending.take()
    }

    /// `parent` forks `child` with clocks `vc`.
    pub(super) fn fork(
        &mut self,
        cx: &Context<'_>,
        _parent: ThreadId,
        child: ThreadId,
        vc: Forked,
    ) {
        if !self.trusted(cx) {
            return;
        }
        let name = &cx.meta.thread(child).label;
        let ran = cx.state.thread(child).ran;
        let life = self.life(child);
        let problem = if ran {
            Some(format!("fork({name}) comes after {name} already ran"))
        } else if life.forked.is_some() {
            Some(format!("{name} is forked twice"))
        } else {
            None
        };
        life.forked = Some(cx.index);
        match problem {
            Some(reason) => self.mistrust(cx, reason),
            None => life.pending = Some(vc),
        }
    }

    /// `parent` joins `child`: whether to merge the child's clock.
    pub(super) fn join(&mut self, cx: &Context<'_>, _parent: ThreadId, child: ThreadId) -> bool {
        if !self.trusted(cx) {
            return false;
        }
        self.life(child).joined = true;
        cx.state.thread(child).ran
    }

    /// The end of the trace: a limit line if fork/join was not trusted.
    pub(super) fn end_trace(&mut self, cx: &Context<'_>) -> Option<String> {
        if self.trusted(cx) {
            let never_ran =
                self.threads.iter().enumerate().find(|(t, l)| {
                    l.forked.is_some() && !cx.state.thread(ThreadId(*t as u32)).seen
                });
            if let Some((t, l)) = never_ran {
                let name = &cx.meta.thread(ThreadId(t as u32)).label;
                let at = l.forked.unwrap_or(0);
                let msg = format!(
                    "data_race: {}: fork/join operands do not name the threads they start \
                     (fork({name}) at event {at}, but {name} never runs); no order was taken \
                     from a fork or join of a thread that never runs",
                    cx.trace_name
                );
                self.threads.clear();
                return Some(msg);
            }
        }
        self.threads.clear();
        let (from, reason) = self.distrust.take()?;
        Some(format!(
            "data_race: {}: fork/join operands do not name the threads they start ({reason}); \
             fork/join ordering ignored from event {from} on",
            cx.trace_name
        ))
    }
}
