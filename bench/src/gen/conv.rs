//! Conversations: endpoints, their encapsulation, and TCP/UDP/ICMP exchanges that keep
//! sequence numbers consistent and account every packet to its flow.
//!
//! Scenarios describe traffic as "client sends this, server answers that"; this module turns
//! it into frames with correct seq/ack numbers (nDPI ignores TCP payload it considers
//! out of order, so sloppy numbers would silently break classification) and records each
//! frame in the [`Recorder`] with the right direction.

use super::addr::Mac;
use super::builder::{tcp_flags, Icmp, Ipv4, Ipv6, Ipv6Ext, Layer, PacketBuilder, Tcp, Udp, Vlan};
use super::describe::{Acct, ClientRule, Dir, FlowEnd, FlowId, FlowKey, Recorder};
use std::io;
use std::net::IpAddr;

/// One side of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub mac: Mac,
    pub ip: IpAddr,
    pub port: u16,
}

impl Endpoint {
    pub fn new(mac: Mac, ip: IpAddr, port: u16) -> Endpoint {
        Endpoint { mac, ip, port }
    }
}

/// What wraps every packet of a conversation: VLAN tags (outermost first) and, for IPv6,
/// extension headers placed before the L4 header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encap {
    pub vlans: Vec<Vlan>,
    pub ipv6_ext: Vec<Ipv6Ext>,
}

impl Encap {
    pub fn none() -> Encap {
        Encap::default()
    }
    pub fn dot1q(vid: u16) -> Encap {
        Encap { vlans: vec![Vlan::dot1q(vid)], ..Encap::default() }
    }
    /// 802.1ad outer tag + 802.1Q inner tag.
    pub fn qinq(outer: u16, inner: u16) -> Encap {
        Encap { vlans: vec![Vlan::service(outer), Vlan::dot1q(inner)], ..Encap::default() }
    }
    pub fn with_ipv6_ext(mut self, ext: Vec<Ipv6Ext>) -> Encap {
        self.ipv6_ext = ext;
        self
    }
    /// The VLAN id a flow is keyed by: the innermost tag, 0 when untagged.
    ///
    /// Assumption: like ntopng, which strips every tag and keeps the id of the last (inner)
    /// one it parsed, a QinQ frame belongs to the inner VLAN.
    pub fn flow_vlan(&self) -> u16 {
        self.vlans.last().map(|v| v.vid).unwrap_or(0)
    }
    /// Ethernet, tags and IP header from `src` to `dst`; L4 and payload are pushed by the caller.
    pub fn ip_stack(&self, src: &Endpoint, dst: &Endpoint) -> PacketBuilder {
        let mut b = PacketBuilder::ethernet(src.mac, dst.mac);
        for v in &self.vlans {
            b = b.push(Layer::Vlan(v.clone()));
        }
        match (src.ip, dst.ip) {
            (IpAddr::V4(s), IpAddr::V4(d)) => b.ipv4(Ipv4::new(s, d)),
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let mut h = Ipv6::new(s, d);
                h.ext = self.ipv6_ext.clone();
                b.ipv6(h)
            }
            _ => panic!("mixed address families {} / {}", src.ip, dst.ip),
        }
    }
}

/// Shared part of every conversation: who talks, how it is wrapped, which flow it feeds.
#[derive(Debug, Clone)]
pub struct Sides {
    pub client: Endpoint,
    pub server: Endpoint,
    pub encap: Encap,
    pub proto: u8,
    /// The flow packets are accounted to (`None`: packets belong to no flow).
    pub flow: Option<FlowId>,
    /// The flow's key names the server as client (first packet came from the server).
    pub swapped: bool,
    /// [`ClientRule::SwapAwaitsProtocol`]: packets after the first count client-to-server.
    pub swap_pending: bool,
    /// Packets sent in the current flow.
    pub sent: u64,
}

impl Sides {
    fn new(client: Endpoint, server: Endpoint, encap: Encap, proto: u8) -> Sides {
        Sides { client, server, encap, proto, flow: None, swapped: false, swap_pending: false, sent: 0 }
    }
    /// The key with the real client as client.
    pub fn key(&self) -> FlowKey {
        let icmp = matches!(self.proto, 1 | 58);
        FlowKey {
            vlan: self.encap.flow_vlan(),
            proto: self.proto,
            client: self.client.ip,
            client_port: if icmp { 0 } else { self.client.port },
            server: self.server.ip,
            server_port: if icmp { 0 } else { self.server.port },
        }
    }
    /// Opens a new flow instance for the following packets.
    pub fn open(&mut self, rec: &mut Recorder, rule: ClientRule, l7: Option<&str>) -> FlowId {
        self.swapped = false;
        self.swap_pending = false;
        self.sent = 0;
        let id = rec.open_flow(self.key(), rule, l7);
        self.flow = Some(id);
        id
    }
    /// Opens a flow whose key has the sides swapped: the server is expected to be seen as
    /// client because it sent the first packet (capture started mid-flow).
    pub fn open_swapped(&mut self, rec: &mut Recorder, rule: ClientRule) -> FlowId {
        let k = self.key();
        let key =
            FlowKey { client: k.server, client_port: k.server_port, server: k.client, server_port: k.client_port, ..k };
        let id = rec.open_flow(key, rule, None);
        self.flow = Some(id);
        self.swapped = true;
        self.swap_pending = rule == ClientRule::SwapAwaitsProtocol;
        self.sent = 0;
        id
    }
    pub fn close(&mut self, rec: &mut Recorder, end: FlowEnd) {
        if let Some(id) = self.flow {
            rec.close_flow(id, end);
        }
    }
    fn ends(&self, dir: Dir) -> (&Endpoint, &Endpoint) {
        match dir {
            Dir::C2S => (&self.client, &self.server),
            Dir::S2C => (&self.server, &self.client),
        }
    }
    fn acct(&mut self, dir: Dir, payload: usize) -> Acct {
        self.sent += 1;
        if self.swap_pending && self.sent > 1 {
            // Either side's packet, counted as the key's client-to-server direction.
            let dir = if self.swapped { Dir::S2C } else { Dir::C2S };
            return self.acct_as(dir, payload);
        }
        self.acct_as(dir, payload)
    }

    fn acct_as(&self, dir: Dir, payload: usize) -> Acct {
        match self.flow {
            None => Acct::NoFlow,
            Some(id) => {
                let dir = match (dir, self.swapped) {
                    (d, false) => d,
                    (Dir::C2S, true) => Dir::S2C,
                    (Dir::S2C, true) => Dir::C2S,
                };
                Acct::Flow { id, dir, payload }
            }
        }
    }
}

/// A TCP connection with per-side next sequence numbers.
#[derive(Debug, Clone)]
pub struct TcpConv {
    pub sides: Sides,
    /// Next sequence number of the client (`[0]`) and of the server (`[1]`).
    pub next_seq: [u32; 2],
    pub window: u16,
}

impl TcpConv {
    pub fn new(client: Endpoint, server: Endpoint, encap: Encap, client_isn: u32, server_isn: u32) -> TcpConv {
        TcpConv { sides: Sides::new(client, server, encap, 6), next_seq: [client_isn, server_isn], window: 64240 }
    }

    /// Builds the next segment from `dir`: seq is the sender's next, ack (when the ACK flag is
    /// set) the peer's next; the sender's next advances by the payload, SYN and FIN.
    pub fn frame(&mut self, dir: Dir, flags: u8, payload: &[u8]) -> Vec<u8> {
        let (me, peer) = match dir {
            Dir::C2S => (0, 1),
            Dir::S2C => (1, 0),
        };
        let mut tcp = Tcp::new(0, 0).flags(flags).seq(self.next_seq[me]);
        tcp.window = self.window;
        if flags & tcp_flags::ACK != 0 {
            tcp.ack = self.next_seq[peer];
        }
        if flags & tcp_flags::SYN != 0 {
            tcp.options = Tcp::syn_options(1460);
        }
        let (src, dst) = self.sides.ends(dir);
        tcp.sport = src.port;
        tcp.dport = dst.port;
        let frame = self.sides.encap.ip_stack(src, dst).tcp(tcp).payload(payload).build();
        let adv = payload.len() as u32 + (flags & tcp_flags::SYN != 0) as u32 + (flags & tcp_flags::FIN != 0) as u32;
        self.next_seq[me] = self.next_seq[me].wrapping_add(adv);
        frame
    }

    /// Builds and records one segment at `ts_ns`.
    pub fn send(&mut self, rec: &mut Recorder, ts_ns: u64, dir: Dir, flags: u8, payload: &[u8]) -> io::Result<()> {
        let f = self.frame(dir, flags, payload);
        let acct = self.sides.acct(dir, payload.len());
        rec.frame(ts_ns, &f, acct)
    }

    /// SYN, SYN+ACK, ACK, `rtt_ns / 2` apart; returns the time of the last one.
    pub fn handshake(&mut self, rec: &mut Recorder, ts_ns: u64, rtt_ns: u64) -> io::Result<u64> {
        use tcp_flags::*;
        self.send(rec, ts_ns, Dir::C2S, SYN, &[])?;
        self.send(rec, ts_ns + rtt_ns / 2, Dir::S2C, SYN | ACK, &[])?;
        self.send(rec, ts_ns + rtt_ns, Dir::C2S, ACK, &[])?;
        Ok(ts_ns + rtt_ns)
    }

    /// Client request then server response (PSH+ACK each, then a bare ACK from the client).
    pub fn exchange(
        &mut self,
        rec: &mut Recorder,
        ts_ns: u64,
        rtt_ns: u64,
        request: &[u8],
        response: &[u8],
    ) -> io::Result<u64> {
        use tcp_flags::*;
        self.send(rec, ts_ns, Dir::C2S, PSH | ACK, request)?;
        self.send(rec, ts_ns + rtt_ns / 2, Dir::S2C, PSH | ACK, response)?;
        self.send(rec, ts_ns + rtt_ns, Dir::C2S, ACK, &[])?;
        Ok(ts_ns + rtt_ns)
    }

    /// FIN+ACK from `first`, FIN+ACK back, last ACK; marks the flow closed by FIN.
    pub fn close_fin(&mut self, rec: &mut Recorder, ts_ns: u64, rtt_ns: u64, first: Dir) -> io::Result<u64> {
        use tcp_flags::*;
        let other = if first == Dir::C2S { Dir::S2C } else { Dir::C2S };
        self.send(rec, ts_ns, first, FIN | ACK, &[])?;
        self.send(rec, ts_ns + rtt_ns / 2, other, FIN | ACK, &[])?;
        self.send(rec, ts_ns + rtt_ns, first, ACK, &[])?;
        self.sides.close(rec, FlowEnd::Fin);
        Ok(ts_ns + rtt_ns)
    }
}

/// A UDP exchange.
#[derive(Debug, Clone)]
pub struct UdpConv {
    pub sides: Sides,
}

impl UdpConv {
    pub fn new(client: Endpoint, server: Endpoint, encap: Encap) -> UdpConv {
        UdpConv { sides: Sides::new(client, server, encap, 17) }
    }
    pub fn frame(&self, dir: Dir, payload: &[u8]) -> Vec<u8> {
        let (src, dst) = self.sides.ends(dir);
        self.sides.encap.ip_stack(src, dst).udp(Udp::new(src.port, dst.port)).payload(payload).build()
    }
    pub fn send(&mut self, rec: &mut Recorder, ts_ns: u64, dir: Dir, payload: &[u8]) -> io::Result<()> {
        let f = self.frame(dir, payload);
        let acct = self.sides.acct(dir, payload.len());
        rec.frame(ts_ns, &f, acct)
    }
}

/// An ICMP (IPv4) or ICMPv6 echo exchange; the ICMP id is the client endpoint's `port`.
#[derive(Debug, Clone)]
pub struct EchoConv {
    pub sides: Sides,
    pub seq: u16,
}

impl EchoConv {
    pub fn new(client: Endpoint, server: Endpoint, encap: Encap) -> EchoConv {
        let proto = if client.ip.is_ipv4() { 1 } else { 58 };
        EchoConv { sides: Sides::new(client, server, encap, proto), seq: 0 }
    }
    /// Request (C2S) or reply (S2C) with the current sequence number; a reply advances it.
    pub fn frame(&mut self, dir: Dir, payload: &[u8]) -> Vec<u8> {
        let id = self.sides.client.port;
        let v4 = self.sides.proto == 1;
        let (src, dst) = self.sides.ends(dir);
        let b = self.sides.encap.ip_stack(src, dst);
        let b = match (dir, v4) {
            (Dir::C2S, true) => b.icmp(Icmp::echo_request(id, self.seq)),
            (Dir::S2C, true) => b.icmp(Icmp::echo_reply(id, self.seq)),
            (Dir::C2S, false) => b.icmpv6(Icmp::echo_request_v6(id, self.seq)),
            (Dir::S2C, false) => b.icmpv6(Icmp::echo_reply_v6(id, self.seq)),
        };
        if dir == Dir::S2C {
            self.seq = self.seq.wrapping_add(1);
        }
        b.payload(payload).build()
    }
    pub fn send(&mut self, rec: &mut Recorder, ts_ns: u64, dir: Dir, payload: &[u8]) -> io::Result<()> {
        let f = self.frame(dir, payload);
        let acct = self.sides.acct(dir, payload.len());
        rec.frame(ts_ns, &f, acct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::addr::{mac, v4};
    use crate::gen::pcap_writer::MemorySink;

    #[test]
    fn tcp_sequence_numbers_follow_the_data() {
        let c = Endpoint::new(mac(1), IpAddr::V4(v4(1)), 40000);
        let s = Endpoint::new(mac(2), IpAddr::V4(v4(2)), 80);
        let mut t = TcpConv::new(c, s, Encap::dot1q(10), 1000, 5000);
        let mut sink = MemorySink::default();
        let mut rec = Recorder::new("t", &mut sink, true);
        t.sides.open(&mut rec, ClientRule::SynSender, None);
        let ts = t.handshake(&mut rec, 0, 100).unwrap();
        t.exchange(&mut rec, ts, 100, b"GET", b"200 OK").unwrap();
        let d = rec.finish().unwrap();
        let seq_ack = |r: &crate::gen::pcap_writer::Record| {
            let tcp = &r.data[14 + 4 + 20..];
            (u32::from_be_bytes(tcp[4..8].try_into().unwrap()), u32::from_be_bytes(tcp[8..12].try_into().unwrap()))
        };
        let got: Vec<_> = sink.records.iter().map(seq_ack).collect();
        assert_eq!(got, vec![(1000, 0), (5000, 1001), (1001, 5001), (1001, 5001), (5001, 1004), (1004, 5007)]);
        assert_eq!(d.flows[0].key.vlan, 10);
        assert_eq!((d.flows[0].c2s.packets, d.flows[0].s2c.packets), (4, 2));
        assert_eq!((d.flows[0].c2s.payload_bytes, d.flows[0].s2c.payload_bytes), (3, 6));
    }
}
