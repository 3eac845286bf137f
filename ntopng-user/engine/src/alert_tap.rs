//! Flow events that a check wants to see, handed from the workers to the alert writer.
//!
//! A worker looks once per classified flow and once per ended flow (never per packet): a relaxed
//! atomic load of the risk bits whose checks are on (and of the flags user flow checks set), and
//! only a wanted flow is copied into a [`FlowRecord`] and queued. The queue is bounded: live
//! capture never waits on it and counts what did not fit; capture files wait (nothing is lost).

use crate::sink::FlowRecord;
use crossbeam_channel::{Receiver, Sender, TrySendError};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Flows the queue holds before live workers start dropping.
pub const ALERT_QUEUE: usize = 16_384;

/// The moment of a flow's life an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowEventKind {
    /// nDPI's detection is complete (or given up).
    Classified,
    Ended,
}

#[derive(Debug, Clone)]
pub struct FlowEvent {
    pub kind: FlowEventKind,
    pub record: FlowRecord,
}

/// Which flows user checks want beyond those with enabled risks (set by the control plane).
#[derive(Debug, Default)]
pub struct EventWants {
    pub all_classified: AtomicBool,
    pub ended: AtomicBool,
}

pub struct AlertTap {
    /// nDPI risk bits whose check is enabled (owned by the checks configuration).
    risk_mask: Arc<AtomicU64>,
    wants: Arc<EventWants>,
    tx: Sender<FlowEvent>,
    blocking: bool,
    sent: AtomicU64,
    dropped: AtomicU64,
}

impl std::fmt::Debug for AlertTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertTap").field("blocking", &self.blocking).field("dropped", &self.dropped()).finish()
    }
}

impl AlertTap {
    /// A tap over `risk_mask`, and the writer's end of its queue.
    pub fn new(
        risk_mask: Arc<AtomicU64>,
        wants: Arc<EventWants>,
        capacity: usize,
        blocking: bool,
    ) -> (Arc<AlertTap>, Receiver<FlowEvent>) {
        let (tx, rx) = crossbeam_channel::bounded(capacity);
        let tap = AlertTap { risk_mask, wants, tx, blocking, sent: AtomicU64::new(0), dropped: AtomicU64::new(0) };
        (Arc::new(tap), rx)
    }

    /// Whether a classified flow with these risk bits is wanted.
    #[inline]
    pub fn wants(&self, risk: u64) -> bool {
        risk & self.risk_mask.load(Ordering::Relaxed) != 0 || self.wants.all_classified.load(Ordering::Relaxed)
    }

    /// Whether ended flows are wanted.
    #[inline]
    pub fn wants_ended(&self) -> bool {
        self.wants.ended.load(Ordering::Relaxed)
    }

    /// Queues a flow event; counts it as dropped when the queue is full (live) or gone.
    #[cold]
    pub fn offer(&self, kind: FlowEventKind, record: FlowRecord) {
        let ev = FlowEvent { kind, record };
        let sent = if self.blocking {
            self.tx.send(ev).is_ok()
        } else {
            match self.tx.try_send(ev) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => false,
            }
        };
        let counter = if sent { &self.sent } else { &self.dropped };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Flows handed over.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Flows not handed over because the queue was full or closed.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
