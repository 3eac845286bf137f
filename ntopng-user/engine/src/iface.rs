//! Interface-wide counters, kept per worker and summed on read.

use crate::flow::Counters;
use crate::tcp_seq::TcpStats;
use ntopng_wire::Drop;

/// One figure per traffic direction class (ntopng's `localstats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LocalTraffic {
    pub local2local: u64,
    pub local2remote: u64,
    pub remote2local: u64,
    pub remote2remote: u64,
}

impl LocalTraffic {
    #[inline]
    fn get_mut(&mut self, sender_local: bool, receiver_local: bool) -> &mut u64 {
        match (sender_local, receiver_local) {
            (true, true) => &mut self.local2local,
            (true, false) => &mut self.local2remote,
            (false, true) => &mut self.remote2local,
            (false, false) => &mut self.remote2remote,
        }
    }

    fn merge(&mut self, o: &LocalTraffic) {
        self.local2local += o.local2local;
        self.local2remote += o.local2remote;
        self.remote2local += o.remote2local;
        self.remote2remote += o.remote2remote;
    }
}

/// Bytes and packets by whether the sender and the receiver host are local.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LocalStats {
    pub bytes: LocalTraffic,
    pub packets: LocalTraffic,
}

impl LocalStats {
    #[inline]
    pub fn add(&mut self, sender_local: bool, receiver_local: bool, c: &Counters) {
        *self.bytes.get_mut(sender_local, receiver_local) += c.bytes;
        *self.packets.get_mut(sender_local, receiver_local) += c.packets;
    }

    /// Takes back what [`LocalStats::add`] counted (a flow changing sides).
    pub fn sub(&mut self, sender_local: bool, receiver_local: bool, c: &Counters) {
        *self.bytes.get_mut(sender_local, receiver_local) -= c.bytes;
        *self.packets.get_mut(sender_local, receiver_local) -= c.packets;
    }

    pub fn merge(&mut self, o: &LocalStats) {
        self.bytes.merge(&o.bytes);
        self.packets.merge(&o.packets);
    }
}

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
    /// Per DSCP of each IP packet.
    #[serde(skip)]
    pub dscp: Box<[Counters; 64]>,
    /// TCP sequence problems of every flow (ended and active).
    pub tcp: TcpStats,
    pub localstats: LocalStats,
    /// Flows created, and flows refused because the flow table was full.
    pub flows_created: u64,
    pub flow_overflow: u64,
    pub host_overflow: u64,
    /// Ended flows that a full sink queue could not take.
    pub sink_drops: u64,
    /// Packets the capture source lost before the worker saw them (kernel ring full, AF_XDP
    /// fill ring empty), as the source reports them.
    pub capture_drops: u64,
    /// Time of the newest packet (ns): a capture file's clock. Filled when a view is taken.
    pub last_packet_ns: u64,
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
            dscp: Box::new([Counters::default(); 64]),
            tcp: TcpStats::default(),
            localstats: LocalStats::default(),
            flows_created: 0,
            flow_overflow: 0,
            host_overflow: 0,
            sink_drops: 0,
            capture_drops: 0,
            last_packet_ns: 0,
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
        for (a, b) in self.dscp.iter_mut().zip(o.dscp.iter()) {
            a.merge(b);
        }
        self.tcp.merge(&o.tcp);
        self.localstats.merge(&o.localstats);
        self.flows_created += o.flows_created;
        self.flow_overflow += o.flow_overflow;
        self.host_overflow += o.host_overflow;
        self.sink_drops += o.sink_drops;
        self.capture_drops += o.capture_drops;
        self.last_packet_ns = self.last_packet_ns.max(o.last_packet_ns);
    }

    pub fn decode_drops_total(&self) -> u64 {
        self.decode_drops.iter().sum()
    }
}
