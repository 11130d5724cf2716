//! The in-memory audit queue: events wait here until the sink accepts them, in order, with
//! retry; the most recent ones are also kept for the training-mode panel. Nothing is ever
//! spilled to disk: at exit [`AuditTrail::flush`] tries until a deadline and reports what
//! could not be sent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{AuditEvent, AuditSink};

/// How many recent events the training panel can show.
const RECENT_LIMIT: usize = 500;
/// How many undelivered events are kept before the oldest are dropped (and counted).
const QUEUE_LIMIT: usize = 10_000;

/// What a flush achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushReport {
    /// Events delivered during the flush.
    pub sent: usize,
    /// Events still undelivered when it gave up.
    pub unsent: usize,
    /// Events dropped earlier because the queue was full.
    pub dropped: usize,
}

/// The session's audit trail.
pub struct AuditTrail {
    sink: Option<Arc<dyn AuditSink>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<AuditEvent>,
    recent: VecDeque<AuditEvent>,
    dropped: usize,
}

impl AuditTrail {
    /// A trail delivering to `sink`; `None` keeps events for the panel only (training).
    pub fn new(sink: Option<Arc<dyn AuditSink>>) -> Self {
        Self {
            sink,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an event.
    pub fn record(&self, event: AuditEvent) {
        tracing::info!(action = ?event.action, outcome = ?event.outcome, "audit");
        let mut state = self.state();
        if state.recent.len() == RECENT_LIMIT {
            state.recent.pop_front();
        }
        state.recent.push_back(event.clone());
        if self.sink.is_some() {
            if state.queue.len() == QUEUE_LIMIT {
                state.queue.pop_front();
                state.dropped += 1;
            }
            state.queue.push_back(event);
        }
    }

    /// The most recent events, oldest first (for the training panel and tests).
    pub fn recent(&self) -> Vec<AuditEvent> {
        self.state().recent.iter().cloned().collect()
    }

    /// Drops the patient from the copies kept for the training panel, so that closing a
    /// patient leaves their NHS number only in events still waiting for delivery. The
    /// copies are rebuilt into a new buffer so the old one is freed (and, under the zeroing
    /// allocator, overwritten) rather than left holding the number in moved-from slots.
    pub fn forget_patient_in_recent(&self) {
        let mut state = self.state();
        let kept: VecDeque<AuditEvent> = state
            .recent
            .drain(..)
            .map(|mut event| {
                event.patient = None;
                event
            })
            .collect();
        state.recent = kept;
    }

    /// Events waiting for delivery.
    pub fn pending(&self) -> usize {
        self.state().queue.len()
    }

    /// Tries to deliver queued events in order; stops at the first failure.
    pub async fn deliver_pending(&self) -> usize {
        let Some(sink) = &self.sink else { return 0 };
        let mut sent = 0;
        loop {
            let Some(next) = self.state().queue.front().cloned() else {
                break;
            };
            match sink.send(&next).await {
                Ok(()) => {
                    let mut state = self.state();
                    if state.queue.front().map(|e| &e.id) == Some(&next.id) {
                        state.queue.pop_front();
                    }
                    sent += 1;
                }
                Err(error) => {
                    tracing::warn!(%error, "audit delivery failed; will retry");
                    break;
                }
            }
        }
        sent
    }

    /// Delivers until the queue is empty or `deadline` passes, backing off between tries.
    pub async fn flush(&self, deadline: Duration) -> FlushReport {
        let start = tokio::time::Instant::now();
        let mut sent = 0;
        let mut pause = Duration::from_millis(100);
        loop {
            sent += self.deliver_pending().await;
            if self.pending() == 0 || start.elapsed() + pause > deadline {
                break;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
        FlushReport {
            sent,
            unsent: self.pending(),
            dropped: self.state().dropped,
        }
    }

    /// Delivers in the background every `interval` until the trail is dropped.
    pub fn spawn_delivery(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let Some(trail) = weak.upgrade() else { break };
                trail.deliver_pending().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::sink::{SendFuture, SinkError};
    use crate::audit::{Action, Outcome};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Fails the first `failures` sends, then accepts and remembers the event ids.
    struct FlakySink {
        failures: AtomicUsize,
        delivered: Mutex<Vec<String>>,
    }

    impl AuditSink for FlakySink {
        fn send<'a>(&'a self, event: &'a AuditEvent) -> SendFuture<'a> {
            Box::pin(async move {
                if self.failures.load(Ordering::SeqCst) > 0 {
                    self.failures.fetch_sub(1, Ordering::SeqCst);
                    return Err(SinkError::Delivery("unreachable".into()));
                }
                self.delivered.lock().unwrap().push(event.id.clone());
                Ok(())
            })
        }
    }

    fn event() -> AuditEvent {
        AuditEvent::new(Action::View, Outcome::Success, "c")
    }

    #[tokio::test]
    async fn retries_in_order_until_the_sink_accepts() {
        let sink = Arc::new(FlakySink {
            failures: AtomicUsize::new(2),
            delivered: Mutex::new(vec![]),
        });
        let trail = AuditTrail::new(Some(sink.clone()));
        let (a, b) = (event(), event());
        trail.record(a.clone());
        trail.record(b.clone());
        let report = trail.flush(Duration::from_secs(5)).await;
        assert_eq!(
            report,
            FlushReport {
                sent: 2,
                unsent: 0,
                dropped: 0
            }
        );
        assert_eq!(*sink.delivered.lock().unwrap(), vec![a.id, b.id]);
    }

    #[tokio::test]
    async fn reports_what_could_not_be_sent_by_the_deadline() {
        let sink = Arc::new(FlakySink {
            failures: AtomicUsize::new(usize::MAX),
            delivered: Mutex::new(vec![]),
        });
        let trail = AuditTrail::new(Some(sink));
        trail.record(event());
        let report = trail.flush(Duration::from_millis(300)).await;
        assert_eq!(report.unsent, 1);
        assert_eq!(report.sent, 0);
    }

    #[tokio::test]
    async fn training_keeps_events_for_the_panel_only() {
        let trail = AuditTrail::new(None);
        trail.record(event());
        assert_eq!(trail.recent().len(), 1);
        assert_eq!(trail.pending(), 0);
        assert_eq!(trail.flush(Duration::from_millis(10)).await.unsent, 0);
    }

    #[tokio::test]
    async fn closing_a_patient_drops_them_from_the_panel_but_not_from_delivery() {
        let sink = Arc::new(FlakySink {
            failures: AtomicUsize::new(usize::MAX),
            delivered: Mutex::new(vec![]),
        });
        let trail = AuditTrail::new(Some(sink));
        let nhs = crate::nhs_number::NhsNumber::parse("9912003888").unwrap();
        trail.record(event().about(&nhs));
        trail.forget_patient_in_recent();
        let recent = trail.recent();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].patient, None);
        assert_eq!(trail.pending(), 1);
        assert_eq!(trail.state().queue[0].patient, Some(nhs));
    }
}
