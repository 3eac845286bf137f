//! Flow events that a check wants to see, handed from the workers to the alert writer.
//!
//! A worker looks once per classified flow and once per ended flow (never per packet): a relaxed
//! atomic load of the risk bits whose checks are on (and of the filters the flow checks set: every
//! flow, or flows of some protocols or categories, or ended flows past a duration, a byte count or
//! with TCP sequence issues), and only a wanted flow is copied into a [`FlowRecord`] and queued. The queue is bounded: live
//! capture never waits on it and counts what did not fit; capture files wait (nothing is lost).

use crate::flow::{marks, tcp_flags, Flow};
use crate::sink::FlowRecord;
use ntopng_wire::Addr;
use crossbeam_channel::{Receiver, Sender, TrySendError};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// Flows the queue holds before live workers start dropping.
pub const ALERT_QUEUE: usize = 16_384;

/// The moment of a flow's life an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowEventKind {
    /// nDPI's detection is complete (or given up).
    Classified,
    /// The flow is alive and a period (ntopng's 60 s of wall time) has passed since its previous
    /// periodic event (or its start): ntopng's `periodicUpdate` hook. Sent only while
    /// [`EventWants::periodic_s`] is set (see [`crate::periodic`]).
    Periodic,
    Ended,
}

#[derive(Debug, Clone)]
pub struct FlowEvent {
    pub kind: FlowEventKind,
    pub record: FlowRecord,
}

/// 64-bit words of the protocol filter: nDPI ids below 1024 (4.2 has 282, custom ones follow).
pub const PROTOCOL_WORDS: usize = 16;
/// 64-bit words of the category filter (4.2 has 106 categories).
pub const CATEGORY_WORDS: usize = 2;

/// A set of addresses the workers test a classified flow's peers against (a blacklist).
pub trait AddressFilter: Send + Sync + std::fmt::Debug {
    fn contains(&self, a: &Addr) -> bool;
}

/// Which flows the flow checks want beyond those with enabled risks (set by the control plane).
#[derive(Debug, Default)]
pub struct EventWants {
    /// Every classified flow.
    pub all_classified: AtomicBool,
    /// Every ended flow.
    pub ended: AtomicBool,
    /// Any of `protocols`/`categories` is set.
    pub some_classified: AtomicBool,
    /// Classified flows whose master or application protocol id has its bit set.
    pub protocols: [AtomicU64; PROTOCOL_WORDS],
    /// Classified flows whose category id has its bit set.
    pub categories: [AtomicU64; CATEGORY_WORDS],
    /// Classified flows with a peer in `address_filter` (while it is set).
    pub some_addresses: AtomicBool,
    /// Installed once, when the interface's flow checks know their addresses.
    pub address_filter: std::sync::OnceLock<Arc<dyn AddressFilter>>,
    /// Any of the `ended_*` filters is set.
    pub some_ended: AtomicBool,
    /// Ended TCP flows with retransmissions, out-of-order or lost segments.
    pub ended_tcp_issues: AtomicBool,
    /// Ended TCP flows closed by a RST and no FIN.
    pub ended_tcp_reset: AtomicBool,
    /// Ended TCP flows with a handshake, more than 3 packets and at most 60 % payload bytes.
    pub ended_low_goodput: AtomicBool,
    /// Ended TCP flows with no payload byte either way.
    pub ended_no_data: AtomicBool,
    /// Ended TCP flows that announced a zero window.
    pub ended_zero_window: AtomicBool,
    /// Ended flows that lasted longer than this (first to last packet, ns); 0: off.
    pub ended_min_duration_ns: AtomicU64,
    /// Ended flows that carried more than this in one direction (bytes); 0: off.
    pub ended_min_bytes: AtomicU64,
    /// Periodic events of live flows every this many seconds of wall time; 0: nobody wants them (the
    /// workers then do nothing for them).
    pub periodic_s: AtomicU32,
    /// Every due live flow is wanted periodically (the user's Lua flow checks); otherwise only those past
    /// the `ended_*` filters (this build's checks that run periodically are end checks).
    pub periodic_all: AtomicBool,
}

#[inline]
fn has_bit(words: &[AtomicU64], id: usize) -> bool {
    words.get(id / 64).is_some_and(|w| w.load(Ordering::Relaxed) & 1 << (id % 64) != 0)
}

pub struct AlertTap {
    /// nDPI risk bits whose check is enabled (owned by the checks configuration).
    risk_mask: Arc<AtomicU64>,
    wants: Arc<EventWants>,
    tx: Sender<FlowEvent>,
    blocking: bool,
    sent: AtomicU64,
    dropped: AtomicU64,
    periodic: AtomicU64,
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
        let tap = AlertTap { risk_mask, wants, tx, blocking, sent: AtomicU64::new(0), dropped: AtomicU64::new(0), periodic: AtomicU64::new(0) };
        (Arc::new(tap), rx)
    }

    /// Whether a classified flow with these risk bits is wanted.
    #[inline]
    pub fn wants(&self, risk: u64) -> bool {
        risk & self.risk_mask.load(Ordering::Relaxed) != 0 || self.wants.all_classified.load(Ordering::Relaxed)
    }

    /// Whether classified flow `f` is wanted: its risks, or the checks' protocol, category and
    /// address filters.
    #[inline]
    pub fn wants_classified(&self, c: &ndpi::Classification, f: &Flow) -> bool {
        self.wants(c.risk)
            || (self.wants.some_classified.load(Ordering::Relaxed) && self.filter_classified(c))
            || (self.wants.some_addresses.load(Ordering::Relaxed) && self.filter_addresses(&f.client().0, &f.server().0))
    }

    #[cold]
    fn filter_classified(&self, c: &ndpi::Classification) -> bool {
        let w = &self.wants;
        (c.master_protocol != 0 && has_bit(&w.protocols, c.master_protocol as usize))
            || (c.app_protocol != 0 && has_bit(&w.protocols, c.app_protocol as usize))
            || has_bit(&w.categories, c.category as usize)
    }

    #[cold]
    fn filter_addresses(&self, cli: &Addr, srv: &Addr) -> bool {
        self.wants.address_filter.get().is_some_and(|f| f.contains(cli) || f.contains(srv))
    }

    /// Whether every ended flow is wanted.
    #[inline]
    pub fn wants_ended(&self) -> bool {
        self.wants.ended.load(Ordering::Relaxed)
    }

    /// Whether ended flow `f` is wanted: all are, or it passes one of the checks' filters.
    #[inline]
    pub fn wants_ended_flow(&self, f: &Flow) -> bool {
        self.wants_ended() || (self.wants.some_ended.load(Ordering::Relaxed) && self.filter_ended(f))
    }

    #[cold]
    fn filter_ended(&self, f: &Flow) -> bool {
        let w = &self.wants;
        let min_duration = w.ended_min_duration_ns.load(Ordering::Relaxed);
        if min_duration != 0 && f.last_seen_ns.saturating_sub(f.first_seen_ns) > min_duration {
            return true;
        }
        let min_bytes = w.ended_min_bytes.load(Ordering::Relaxed);
        if min_bytes != 0 && f.cli2srv.bytes.max(f.srv2cli.bytes) > min_bytes {
            return true;
        }
        if w.ended_tcp_reset.load(Ordering::Relaxed) && f.key.l4_proto == 6 {
            let flags = f.cli2srv_flags | f.srv2cli_flags;
            if flags & tcp_flags::RST != 0 && flags & tcp_flags::FIN == 0 {
                return true;
            }
        }
        if f.key.l4_proto == 6 && self.filter_ended_tcp(f) {
            return true;
        }
        if w.ended_tcp_issues.load(Ordering::Relaxed) {
            let (a, b) = f.tcp_stats();
            let issues = |t: &crate::tcp_seq::TcpStats| t.retransmissions + t.out_of_order + t.lost != 0;
            return issues(&a) || issues(&b);
        }
        false
    }

    /// The payload and window filters of an ended TCP flow (the checks decide; this only narrows).
    fn filter_ended_tcp(&self, f: &Flow) -> bool {
        let w = &self.wants;
        if w.ended_zero_window.load(Ordering::Relaxed) && f.marks & marks::ZERO_WINDOW != 0 {
            return true;
        }
        if f.marks & marks::PAYLOAD_PARTIAL != 0 {
            return false;
        }
        let goodput = f.goodput_bytes();
        if w.ended_no_data.load(Ordering::Relaxed) && goodput == 0 {
            return true;
        }
        let syn_ack = tcp_flags::SYN | tcp_flags::ACK;
        w.ended_low_goodput.load(Ordering::Relaxed)
            && f.packets() > 3
            && f.cli2srv_flags & syn_ack == syn_ack
            && f.srv2cli_flags & syn_ack == syn_ack
            && goodput * 100 <= f.bytes() * 60
    }

    /// The period of periodic flow events in seconds; 0 while nobody wants them.
    #[inline]
    pub fn periodic_s(&self) -> u32 {
        self.wants.periodic_s.load(Ordering::Relaxed)
    }

    /// Whether live flow `f`, due for its periodic event, is wanted.
    #[inline]
    pub fn wants_periodic_flow(&self, f: &Flow) -> bool {
        self.wants.periodic_all.load(Ordering::Relaxed) || (self.wants.some_ended.load(Ordering::Relaxed) && self.filter_ended(f))
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
        if sent && kind == FlowEventKind::Periodic {
            self.periodic.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Periodic flow events handed over.
    pub fn periodic(&self) -> u64 {
        self.periodic.load(Ordering::Relaxed)
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
