//! Handing classified flows to the kernel (XDP bypass): once nDPI's verdict is final and
//! nothing else needs a flow's packets, the kernel counts them and passes them on, and user
//! space folds the kernel's counters back in, so every total stays exact.

use crate::flow::Counters;
use crate::flow_key::FlowKey;

/// Per-direction counters the kernel keeps for an offloaded flow, by key side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OffloadCounters {
    /// Packets sent by the key's `lo` endpoint.
    pub from_lo: Counters,
    /// Packets sent by the key's `hi` endpoint.
    pub from_hi: Counters,
}

/// A kernel flow table (the XDP program's bypass map). Shared by the workers of an interface.
pub trait FlowOffload: Send + Sync {
    /// Starts counting `key` in the kernel; false when the table refuses it (full).
    fn insert(&self, key: &FlowKey) -> bool;
    /// Totals counted in the kernel since `insert`.
    fn read(&self, key: &FlowKey) -> Option<OffloadCounters>;
    /// Stops counting `key` (its packets reach user space again).
    fn remove(&self, key: &FlowKey);
}

/// What a worker remembers of an offloaded flow: the kernel totals already folded in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Folded {
    pub seen: OffloadCounters,
}

impl OffloadCounters {
    /// What grew since `before` (kernel counters only grow while the entry lives).
    pub fn since(&self, before: &OffloadCounters) -> OffloadCounters {
        let d = |a: &Counters, b: &Counters| Counters {
            packets: a.packets.saturating_sub(b.packets),
            bytes: a.bytes.saturating_sub(b.bytes),
        };
        OffloadCounters { from_lo: d(&self.from_lo, &before.from_lo), from_hi: d(&self.from_hi, &before.from_hi) }
    }

    pub fn is_empty(&self) -> bool {
        self.from_lo.packets == 0 && self.from_hi.packets == 0
    }
}
