//! One bidirectional flow as a worker keeps it.

use crate::flow_key::{FlowKey, Side};
use crate::offload::Folded;
use crate::tcp_seq::{SeqTracker, TcpStats};
use ndpi::{Classification, Dissection};
use ntopng_wire::{ipproto, Addr};

/// Packets and bytes in one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
}

impl Counters {
    #[inline]
    pub fn add(&mut self, bytes: u32) {
        self.packets += 1;
        self.bytes += bytes as u64;
    }
    pub fn merge(&mut self, o: &Counters) {
        self.packets += o.packets;
        self.bytes += o.bytes;
    }
}

/// TCP flag bits as ntopng reports them.
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const ACK: u8 = 0x10;
}

/// Per-flow marks set by the worker (`Flow::marks`, `FlowRecord::marks`).
pub mod marks {
    /// The client sent a TCP segment with window 0 (not carrying RST or FIN).
    pub const ZERO_WINDOW_CLI2SRV: u8 = 0x01;
    /// The server did.
    pub const ZERO_WINDOW_SRV2CLI: u8 = 0x02;
    /// Some packets were counted by the kernel (XDP bypass), which does not count payload bytes:
    /// the goodput counters cover only what user space saw.
    pub const PAYLOAD_PARTIAL: u8 = 0x04;
    /// Both zero-window bits.
    pub const ZERO_WINDOW: u8 = ZERO_WINDOW_CLI2SRV | ZERO_WINDOW_SRV2CLI;
}

/// Index of a host or MAC in its worker's table; `NONE` when the table was full.
pub type Slot = u32;
pub const NONE: Slot = u32::MAX;

/// Where a flow is in its nDPI life.
pub enum Detection {
    /// nDPI still sees its packets.
    InProgress(Dissection),
    /// Final: nDPI's state has been freed.
    Done(Classification),
    /// DPI is off.
    Disabled,
}

pub struct Flow {
    pub key: FlowKey,
    /// The key side that is the client.
    pub client: Side,
    /// ntopng's peer-swap heuristic asked for a swap; it happens on the next reverse packet.
    pub swap_pending: bool,
    pub swapped: bool,
    pub cli2srv: Counters,
    pub srv2cli: Counters,
    pub cli2srv_flags: u8,
    pub srv2cli_flags: u8,
    /// [`marks`] bits.
    pub marks: u8,
    /// L4 payload ("goodput") bytes per direction: TCP and UDP payload after their header, the
    /// whole L4 message for other protocols. Stay where they were counted on a swap, as the counters.
    pub cli2srv_goodput: u64,
    pub srv2cli_goodput: u64,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
    pub cli_mac: [u8; 6],
    pub srv_mac: [u8; 6],
    pub cli_host: Slot,
    pub srv_host: Slot,
    pub cli_mac_slot: Slot,
    pub srv_mac_slot: Slot,
    pub detection: Detection,
    /// DSCP of the latest packet of each direction (ntopng keeps the last one seen).
    pub cli2srv_dscp: u8,
    pub srv2cli_dscp: u8,
    /// TCP sequence state per direction (sender side).
    pub cli2srv_seq: SeqTracker,
    pub srv2cli_seq: SeqTracker,
    /// Creation number on the interface (see [`Flow::hash_id`]).
    pub serial: u32,
    /// What only some flows need, allocated on first use (once per flow, never per packet).
    pub extra: Option<Box<FlowExtra>>,
    /// Set once, at classification, from the risks whose check is on.
    pub score: FlowScore,
}

/// A flow's score split between its client and server (ntopng's `cli_score`/`srv_score`): the sum of the
/// scores of its alerts, each side capped at ntopng's SCORE_MAX_VALUE.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowScore {
    pub client: u16,
    pub server: u16,
}

/// ntopng caps each side of a flow's score.
pub const SCORE_MAX_VALUE: u32 = 250;

impl FlowScore {
    /// The score of the risk alerts raised by `risks` (nDPI's per-risk client/server split).
    pub fn of_risks(risks: u64) -> FlowScore {
        let (mut client, mut server) = (0u32, 0u32);
        let mut bits = risks;
        while bits != 0 {
            let bit = bits.trailing_zeros();
            bits &= bits - 1;
            let s = ndpi::risk_score(bit);
            client += s.client as u32;
            server += s.server as u32;
        }
        FlowScore { client: client.min(SCORE_MAX_VALUE) as u16, server: server.min(SCORE_MAX_VALUE) as u16 }
    }

    pub fn total(&self) -> u32 {
        self.client as u32 + self.server as u32
    }
}

/// The rare parts of a flow, kept out of line so that the record stays small.
#[derive(Debug, Default)]
pub struct FlowExtra {
    /// Set while the kernel counts this flow's packets (XDP bypass).
    pub offloaded: Option<Folded>,
    /// Sequence problems per direction (client to server, server to client).
    pub cli2srv_tcp: TcpStats,
    pub srv2cli_tcp: TcpStats,
    /// After ntopng's swap: what the two directions had counted before it, sent by today's server
    /// (then the client-to-server direction) and by today's client. The counters stay where they were
    /// counted; the hosts' tables need who sent what.
    pub before_swap: Option<(Counters, Counters)>,
}

impl Flow {
    pub fn client(&self) -> (Addr, u16) {
        self.key.endpoint(self.client)
    }

    pub fn server(&self) -> (Addr, u16) {
        self.key.endpoint(other(self.client))
    }

    pub fn packets(&self) -> u64 {
        self.cli2srv.packets + self.srv2cli.packets
    }

    pub fn bytes(&self) -> u64 {
        self.cli2srv.bytes + self.srv2cli.bytes
    }

    /// L4 payload bytes, both directions.
    pub fn goodput_bytes(&self) -> u64 {
        self.cli2srv_goodput + self.srv2cli_goodput
    }

    pub fn offloaded(&self) -> Option<&Folded> {
        self.extra.as_ref().and_then(|e| e.offloaded.as_ref())
    }

    pub fn extra_mut(&mut self) -> &mut FlowExtra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Sequence problems (client to server, server to client).
    pub fn tcp_stats(&self) -> (TcpStats, TcpStats) {
        self.extra.as_ref().map_or_else(Default::default, |e| (e.cli2srv_tcp, e.srv2cli_tcp))
    }

    /// ntopng's `hash_id`: the flow's creation number on its interface, from 0.
    pub fn hash_id(&self, _worker: usize) -> u64 {
        self.serial as u64
    }

    /// The flow's share of its client's and server's L7 and DSCP tables ("sent" for the client
    /// is client to server), under counted protocol `protocol`.
    pub fn host_shares(&self, protocol: u16) -> [(Slot, crate::host::FlowShare); 2] {
        let share = |dscp, sent, rcvd| crate::host::FlowShare {
            protocol,
            dscp,
            sent,
            rcvd,
            first_seen_ns: self.first_seen_ns,
            last_seen_ns: self.last_seen_ns,
        };
        let (cli_sent, srv_sent) = self.sent_by_peers();
        [
            (self.cli_host, share(self.cli2srv_dscp, cli_sent, srv_sent)),
            (self.srv_host, share(self.srv2cli_dscp, srv_sent, cli_sent)),
        ]
    }

    /// What the client and the server sent: the direction counters, corrected for what was counted
    /// before a swap.
    pub fn sent_by_peers(&self) -> (Counters, Counters) {
        match self.extra.as_ref().and_then(|e| e.before_swap) {
            None => (self.cli2srv, self.srv2cli),
            Some((by_server, by_client)) => {
                let moved = |total: Counters, out: Counters, back: Counters| Counters {
                    packets: total.packets - out.packets + back.packets,
                    bytes: total.bytes - out.bytes + back.bytes,
                };
                (moved(self.cli2srv, by_server, by_client), moved(self.srv2cli, by_client, by_server))
            }
        }
    }

    /// nDPI has named the flow's protocol, on some packet so far (ntopng swaps a flow only then).
    pub fn protocol_known(&self) -> bool {
        match &self.detection {
            Detection::Done(c) => c.app_protocol != 0 || c.master_protocol != 0,
            Detection::InProgress(d) => d.protocol_known(),
            Detection::Disabled => false,
        }
    }

    pub fn classification(&self) -> Option<&Classification> {
        match &self.detection {
            Detection::Done(c) => Some(c),
            _ => None,
        }
    }

    /// ntopng's swap heuristic, evaluated on a flow's first packet: a TCP flow that did not
    /// start with a SYN, whose client port is lower than its server port, is probably seen
    /// from the wrong side. UDP is never swapped; port 0 or a unicast-to-broadcast flow neither.
    pub fn wants_swap(&self, first_flags: u8) -> bool {
        if self.key.l4_proto != ipproto::TCP || first_flags & tcp_flags::SYN != 0 {
            return false;
        }
        let (c, cp) = self.client();
        let (s, sp) = self.server();
        if cp == 0 || sp == 0 || (!c.is_broad_multicast() && s.is_broad_multicast()) {
            return false;
        }
        cp < sp
    }

    /// Performs a pending swap: endpoints, MACs, hosts and flags change sides; the counters
    /// stay where they were counted (as ntopng does).
    pub fn swap(&mut self) {
        let before = (self.cli2srv, self.srv2cli);
        self.extra_mut().before_swap = Some(before);
        self.client = other(self.client);
        std::mem::swap(&mut self.cli_mac, &mut self.srv_mac);
        std::mem::swap(&mut self.cli_host, &mut self.srv_host);
        std::mem::swap(&mut self.cli_mac_slot, &mut self.srv_mac_slot);
        std::mem::swap(&mut self.cli2srv_flags, &mut self.srv2cli_flags);
        let zw = self.marks & marks::ZERO_WINDOW;
        self.marks = (self.marks & !marks::ZERO_WINDOW) | (zw & 1) << 1 | zw >> 1;
        // ntopng's swap copies the opener's sequence state to both directions (the new client's
        // own state is lost), so the new client's first segment is checked against the other
        // side's sequence space: test_01.pcap's e2e figures (one out-of-order) depend on it.
        self.srv2cli_seq = self.cli2srv_seq;
        self.swap_pending = false;
        self.swapped = true;
    }

    /// Both sides sent FIN, or someone sent RST.
    pub fn tcp_closed(&self) -> bool {
        self.key.l4_proto == ipproto::TCP
            && ((self.cli2srv_flags & self.srv2cli_flags & tcp_flags::FIN != 0)
                || (self.cli2srv_flags | self.srv2cli_flags) & tcp_flags::RST != 0)
    }
}

#[inline]
pub fn other(s: Side) -> Side {
    match s {
        Side::Lo => Side::Hi,
        Side::Hi => Side::Lo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classified flow must stay a few hundred bytes (doc/performance.md): guard the record.
    #[test]
    fn flow_record_stays_small() {
        let size = std::mem::size_of::<Option<Flow>>();
        eprintln!("Flow record: {size} bytes");
        assert!(size <= 208, "Flow grew to {size} bytes");
    }
}
