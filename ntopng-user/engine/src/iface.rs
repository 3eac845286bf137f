//! Interface-wide counters, kept per worker and summed on read.

use crate::flow::Counters;
use ntopng_wire::Drop;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IfaceCounters {
    /// Every frame handed to the engine (captured bytes).
    pub total: Counters,
    /// Sum of on-the-wire lengths (differs from `total.bytes` only for snaplen-cut files).
    pub wire_bytes: u64,
    pub ip: Counters,
    pub ipv4: Counters,
    pub ipv6: Counters,
    pub non_ip: Counters,
    pub arp: Counters,
    /// Frames refused by the decoder, per reason (see [`Drop::ALL`]).
    pub decode_drops: [u64; Drop::ALL.len()],
    /// Per IP protocol number.
    #[serde(skip)]
    pub l4: Box<[Counters; 256]>,
    /// Flows created, and flows refused because the flow table was full.
    pub flows_created: u64,
    pub flow_overflow: u64,
    pub host_overflow: u64,
    /// Ended flows that a full sink queue could not take.
    pub sink_drops: u64,
    /// Packets the capture source lost before the worker saw them (kernel ring full, AF_XDP
    /// fill ring empty), as the source reports them.
    pub capture_drops: u64,
}

impl Default for IfaceCounters {
    fn default() -> Self {
        IfaceCounters {
            total: Counters::default(),
            wire_bytes: 0,
            ip: Counters::default(),
            ipv4: Counters::default(),
            ipv6: Counters::default(),
            non_ip: Counters::default(),
            arp: Counters::default(),
            decode_drops: [0; Drop::ALL.len()],
            l4: Box::new([Counters::default(); 256]),
            flows_created: 0,
            flow_overflow: 0,
            host_overflow: 0,
            sink_drops: 0,
            capture_drops: 0,
        }
    }
}

impl IfaceCounters {
    pub fn merge(&mut self, o: &IfaceCounters) {
        self.total.merge(&o.total);
        self.wire_bytes += o.wire_bytes;
        self.ip.merge(&o.ip);
        self.ipv4.merge(&o.ipv4);
        self.ipv6.merge(&o.ipv6);
        self.non_ip.merge(&o.non_ip);
        self.arp.merge(&o.arp);
        for (a, b) in self.decode_drops.iter_mut().zip(o.decode_drops.iter()) {
            *a += b;
        }
        for (a, b) in self.l4.iter_mut().zip(o.l4.iter()) {
            a.merge(b);
        }
        self.flows_created += o.flows_created;
        self.flow_overflow += o.flow_overflow;
        self.host_overflow += o.host_overflow;
        self.sink_drops += o.sink_drops;
        self.capture_drops += o.capture_drops;
    }

    pub fn decode_drops_total(&self) -> u64 {
        self.decode_drops.iter().sum()
    }
}
