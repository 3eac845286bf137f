//! Hand-made packets, layer by layer.
//!
//! A [`PacketBuilder`] is a stack of [`Layer`]s, outermost first. Each layer only states what
//! is specific to it; everything that depends on the layers inside it (EtherTypes, IP protocol
//! numbers, IPv6 next-header chains, length fields, checksums) is derived when the packet is
//! built, unless a field is explicitly overridden — overrides exist precisely so tests can
//! produce packets that lie (bad lengths, bad IHL, wrong checksums).
//!
//! ```
//! use ntopng_bench::gen::builder::{PacketBuilder, Ipv4, Udp};
//! use ntopng_bench::gen::addr::{mac, v4};
//! let frame = PacketBuilder::ethernet(mac(1), mac(2))
//!     .vlan(10)
//!     .ipv4(Ipv4::new(v4(1), v4(2)))
//!     .udp(Udp::new(40000, 53))
//!     .payload(b"hello")
//!     .build();
//! assert_eq!(frame.len(), 14 + 4 + 20 + 8 + 5);
//! ```

use super::addr::Mac;
use super::checksum;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// EtherType values used by the generator.
pub mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const VLAN: u16 = 0x8100;
    pub const QINQ: u16 = 0x88a8;
    pub const IPV6: u16 = 0x86dd;
    /// IEEE 802 "local experimental EtherType 1": used for opaque payloads.
    pub const EXPERIMENTAL: u16 = 0x88b5;
}

/// IP protocol / IPv6 next-header numbers used by the generator.
pub mod ipproto {
    pub const HOPOPTS: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const IPIP: u8 = 4;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const IPV6: u8 = 41;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const ICMPV6: u8 = 58;
    pub const NONXT: u8 = 59;
    pub const DSTOPTS: u8 = 60;
    pub const SCTP: u8 = 132;
    /// RFC 3692 experimentation value: IPv4 protocol of an opaque payload.
    pub const EXPERIMENT: u8 = 253;
}

/// TCP flag bits (low byte of the flags field).
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// Ethernet II header. `ethertype: None` derives it from the next layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ethernet {
    pub dst: Mac,
    pub src: Mac,
    pub ethertype: Option<u16>,
}

/// One VLAN tag. `tpid` is this tag's own TPID (written by the layer before it);
/// `ethertype: None` derives the EtherType that follows the tag from the next layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vlan {
    pub tpid: u16,
    pub pcp: u8,
    pub dei: bool,
    pub vid: u16,
    pub ethertype: Option<u16>,
}

impl Vlan {
    /// An 802.1Q (0x8100) tag.
    pub fn dot1q(vid: u16) -> Vlan {
        Vlan { tpid: ethertype::VLAN, pcp: 0, dei: false, vid, ethertype: None }
    }
    /// An 802.1ad service tag (0x88a8), the outer tag of QinQ.
    pub fn service(vid: u16) -> Vlan {
        Vlan { tpid: ethertype::QINQ, ..Vlan::dot1q(vid) }
    }
}

/// IPv4 header. Every `Option` field is derived when `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4 {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub tos: u8,
    pub id: u16,
    pub ttl: u8,
    pub df: bool,
    pub mf: bool,
    /// Fragment offset in 8-byte units (13 bits).
    pub frag_offset: u16,
    /// Raw option bytes, padded with EOL (0) to a multiple of 4.
    pub options: Vec<u8>,
    pub protocol: Option<u8>,
    /// IHL nibble to write instead of the real header length / 4 (bytes written are unchanged).
    pub ihl: Option<u8>,
    pub total_len: Option<u16>,
    pub checksum: Option<u16>,
}

impl Ipv4 {
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr) -> Ipv4 {
        Ipv4 {
            src,
            dst,
            tos: 0,
            id: 0,
            ttl: 64,
            df: false,
            mf: false,
            frag_offset: 0,
            options: Vec::new(),
            protocol: None,
            ihl: None,
            total_len: None,
            checksum: None,
        }
    }
    pub fn id(mut self, id: u16) -> Ipv4 {
        self.id = id;
        self
    }
    pub fn ttl(mut self, ttl: u8) -> Ipv4 {
        self.ttl = ttl;
        self
    }
    pub fn df(mut self) -> Ipv4 {
        self.df = true;
        self
    }
    /// Marks a fragment: offset in 8-byte units, and whether more fragments follow.
    pub fn fragment(mut self, offset_units: u16, more: bool) -> Ipv4 {
        self.frag_offset = offset_units;
        self.mf = more;
        self
    }
    pub fn options(mut self, options: &[u8]) -> Ipv4 {
        self.options = options.to_vec();
        self
    }
    pub fn protocol(mut self, p: u8) -> Ipv4 {
        self.protocol = Some(p);
        self
    }
    pub fn ihl(mut self, ihl: u8) -> Ipv4 {
        self.ihl = Some(ihl);
        self
    }
    pub fn total_len(mut self, len: u16) -> Ipv4 {
        self.total_len = Some(len);
        self
    }
    fn header_len(&self) -> usize {
        20 + self.options.len().div_ceil(4) * 4
    }
}

/// One IPv6 extension header. Option areas are padded with Pad1/PadN to a multiple of 8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ipv6Ext {
    /// Hop-by-hop options (raw option TLVs).
    HopByHop(Vec<u8>),
    /// Destination options (raw option TLVs).
    DestOpts(Vec<u8>),
    /// Routing header: type, segments left, and the type-specific data after the first 4 bytes
    /// (zero-padded to a multiple of 8).
    Routing { routing_type: u8, segments_left: u8, data: Vec<u8> },
    /// Fragment header: offset in 8-byte units, M flag, identification.
    Fragment { offset: u16, more: bool, id: u32 },
}

impl Ipv6Ext {
    /// Hop-by-hop header with a Router Alert option (RFC 2711, value 0 = MLD), as MLD uses it.
    pub fn router_alert() -> Ipv6Ext {
        Ipv6Ext::HopByHop(vec![0x05, 0x02, 0x00, 0x00])
    }
    /// Destination options with one RFC 4727 experimental option (type 0x1e: "skip if
    /// unknown") carrying 4 bytes, so receivers must walk and ignore it.
    pub fn experimental_dest_opt(value: u32) -> Ipv6Ext {
        let v = value.to_be_bytes();
        Ipv6Ext::DestOpts(vec![0x1e, 0x04, v[0], v[1], v[2], v[3]])
    }
    /// A segment routing header (RFC 8754, type 4) listing `segments` with `segments_left`.
    pub fn segment_routing(segments: &[Ipv6Addr], segments_left: u8) -> Ipv6Ext {
        let mut data = vec![segments.len().saturating_sub(1) as u8, 0, 0, 0];
        for s in segments {
            data.extend_from_slice(&s.octets());
        }
        Ipv6Ext::Routing { routing_type: 4, segments_left, data }
    }
    fn header_type(&self) -> u8 {
        match self {
            Ipv6Ext::HopByHop(_) => ipproto::HOPOPTS,
            Ipv6Ext::DestOpts(_) => ipproto::DSTOPTS,
            Ipv6Ext::Routing { .. } => ipproto::ROUTING,
            Ipv6Ext::Fragment { .. } => ipproto::FRAGMENT,
        }
    }
    fn write(&self, next: u8, out: &mut Vec<u8>) {
        let start = out.len();
        match self {
            Ipv6Ext::HopByHop(opts) | Ipv6Ext::DestOpts(opts) => {
                out.extend_from_slice(&[next, 0]);
                out.extend_from_slice(opts);
                let pad = (8 - (out.len() - start) % 8) % 8;
                match pad {
                    0 => {}
                    1 => out.push(0), // Pad1
                    n => {
                        out.extend_from_slice(&[1, (n - 2) as u8]); // PadN
                        out.resize(out.len() + n - 2, 0);
                    }
                }
            }
            Ipv6Ext::Routing { routing_type, segments_left, data } => {
                out.extend_from_slice(&[next, 0, *routing_type, *segments_left]);
                out.extend_from_slice(data);
                let pad = (8 - (out.len() - start) % 8) % 8;
                out.resize(out.len() + pad, 0);
            }
            Ipv6Ext::Fragment { offset, more, id } => {
                out.extend_from_slice(&[next, 0]);
                out.extend_from_slice(&((offset << 3) | *more as u16).to_be_bytes());
                out.extend_from_slice(&id.to_be_bytes());
            }
        }
        if !matches!(self, Ipv6Ext::Fragment { .. }) {
            out[start + 1] = ((out.len() - start) / 8 - 1) as u8;
        }
    }
}

/// IPv6 header plus its extension-header chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6 {
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub traffic_class: u8,
    pub flow_label: u32,
    pub hop_limit: u8,
    pub ext: Vec<Ipv6Ext>,
    /// Protocol announced after the last extension header (derived when `None`).
    pub next_header: Option<u8>,
    pub payload_len: Option<u16>,
}

impl Ipv6 {
    pub fn new(src: Ipv6Addr, dst: Ipv6Addr) -> Ipv6 {
        Ipv6 {
            src,
            dst,
            traffic_class: 0,
            flow_label: 0,
            hop_limit: 64,
            ext: Vec::new(),
            next_header: None,
            payload_len: None,
        }
    }
    pub fn ext(mut self, e: Ipv6Ext) -> Ipv6 {
        self.ext.push(e);
        self
    }
    pub fn next_header(mut self, nh: u8) -> Ipv6 {
        self.next_header = Some(nh);
        self
    }
    pub fn payload_len(mut self, len: u16) -> Ipv6 {
        self.payload_len = Some(len);
        self
    }
}

/// ARP for Ethernet/IPv4 (op 1 = request, 2 = reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arp {
    pub op: u16,
    pub sha: Mac,
    pub spa: Ipv4Addr,
    pub tha: Mac,
    pub tpa: Ipv4Addr,
}

/// TCP header. Options are padded with EOL to a multiple of 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tcp {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub urgent: u16,
    pub options: Vec<u8>,
    /// Data-offset nibble to write instead of the real header length / 4.
    pub data_offset: Option<u8>,
    pub checksum: Option<u16>,
}

impl Tcp {
    pub fn new(sport: u16, dport: u16) -> Tcp {
        Tcp {
            sport,
            dport,
            seq: 0,
            ack: 0,
            flags: tcp_flags::ACK,
            window: 65535,
            urgent: 0,
            options: Vec::new(),
            data_offset: None,
            checksum: None,
        }
    }
    pub fn flags(mut self, flags: u8) -> Tcp {
        self.flags = flags;
        self
    }
    pub fn seq(mut self, seq: u32) -> Tcp {
        self.seq = seq;
        self
    }
    pub fn ack(mut self, ack: u32) -> Tcp {
        self.ack = ack;
        self
    }
    pub fn options(mut self, options: &[u8]) -> Tcp {
        self.options = options.to_vec();
        self
    }
    /// The options a typical SYN carries: MSS, SACK-permitted, window scale.
    pub fn syn_options(mss: u16) -> Vec<u8> {
        let m = mss.to_be_bytes();
        vec![2, 4, m[0], m[1], 4, 2, 1, 3, 3, 7]
    }
    fn header_len(&self) -> usize {
        20 + self.options.len().div_ceil(4) * 4
    }
}

/// UDP header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Udp {
    pub sport: u16,
    pub dport: u16,
    pub length: Option<u16>,
    pub checksum: Option<u16>,
}

impl Udp {
    pub fn new(sport: u16, dport: u16) -> Udp {
        Udp { sport, dport, length: None, checksum: None }
    }
}

/// ICMP (v4) or ICMPv6 header: type, code and the 4 "rest of header" bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmp {
    pub icmp_type: u8,
    pub code: u8,
    pub rest: [u8; 4],
    pub checksum: Option<u16>,
}

impl Icmp {
    pub fn new(icmp_type: u8, code: u8, rest: [u8; 4]) -> Icmp {
        Icmp { icmp_type, code, rest, checksum: None }
    }
    fn echo(t: u8, id: u16, seq: u16) -> Icmp {
        let (i, s) = (id.to_be_bytes(), seq.to_be_bytes());
        Icmp::new(t, 0, [i[0], i[1], s[0], s[1]])
    }
    pub fn echo_request(id: u16, seq: u16) -> Icmp {
        Icmp::echo(8, id, seq)
    }
    pub fn echo_reply(id: u16, seq: u16) -> Icmp {
        Icmp::echo(0, id, seq)
    }
    /// ICMPv6 echo request (type 128); use with [`PacketBuilder::icmpv6`].
    pub fn echo_request_v6(id: u16, seq: u16) -> Icmp {
        Icmp::echo(128, id, seq)
    }
    /// ICMPv6 echo reply (type 129).
    pub fn echo_reply_v6(id: u16, seq: u16) -> Icmp {
        Icmp::echo(129, id, seq)
    }
}

/// SCTP common header; chunks go in the payload (see [`Sctp::data_chunk`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sctp {
    pub sport: u16,
    pub dport: u16,
    pub verification_tag: u32,
    pub checksum: Option<u32>,
}

impl Sctp {
    pub fn new(sport: u16, dport: u16, verification_tag: u32) -> Sctp {
        Sctp { sport, dport, verification_tag, checksum: None }
    }
    /// A DATA chunk (type 0, flags B|E: one unfragmented user message), padded to 4 bytes.
    pub fn data_chunk(tsn: u32, stream: u16, seq: u16, ppid: u32, data: &[u8]) -> Vec<u8> {
        let len = 16 + data.len();
        let mut c = vec![0, 0x03];
        c.extend_from_slice(&(len as u16).to_be_bytes());
        c.extend_from_slice(&tsn.to_be_bytes());
        c.extend_from_slice(&stream.to_be_bytes());
        c.extend_from_slice(&seq.to_be_bytes());
        c.extend_from_slice(&ppid.to_be_bytes());
        c.extend_from_slice(data);
        c.resize(len.div_ceil(4) * 4, 0);
        c
    }
    /// An INIT chunk (type 1) without optional parameters.
    pub fn init_chunk(initiate_tag: u32, a_rwnd: u32, streams: u16, initial_tsn: u32) -> Vec<u8> {
        let mut c = vec![1, 0, 0, 20];
        c.extend_from_slice(&initiate_tag.to_be_bytes());
        c.extend_from_slice(&a_rwnd.to_be_bytes());
        c.extend_from_slice(&streams.to_be_bytes());
        c.extend_from_slice(&streams.to_be_bytes());
        c.extend_from_slice(&initial_tsn.to_be_bytes());
        c
    }
}

/// One layer of a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    Ethernet(Ethernet),
    Vlan(Vlan),
    Ipv4(Ipv4),
    Ipv6(Ipv6),
    Arp(Arp),
    Tcp(Tcp),
    Udp(Udp),
    Icmp(Icmp),
    Icmpv6(Icmp),
    Sctp(Sctp),
    /// Opaque bytes (application payload, or a pre-built upper-layer fragment).
    Raw(Vec<u8>),
}

impl Layer {
    fn ethertype(&self) -> u16 {
        match self {
            Layer::Vlan(v) => v.tpid,
            Layer::Ipv4(_) => ethertype::IPV4,
            Layer::Ipv6(_) => ethertype::IPV6,
            Layer::Arp(_) => ethertype::ARP,
            _ => ethertype::EXPERIMENTAL,
        }
    }
    fn ipproto(&self) -> Option<u8> {
        Some(match self {
            Layer::Ipv4(_) => ipproto::IPIP,
            Layer::Ipv6(_) => ipproto::IPV6,
            Layer::Tcp(_) => ipproto::TCP,
            Layer::Udp(_) => ipproto::UDP,
            Layer::Icmp(_) => ipproto::ICMP,
            Layer::Icmpv6(_) => ipproto::ICMPV6,
            Layer::Sctp(_) => ipproto::SCTP,
            _ => return None,
        })
    }
}

/// A packet as a stack of layers, outermost first. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacketBuilder {
    pub layers: Vec<Layer>,
}

impl PacketBuilder {
    /// An empty stack (e.g. to build a LINKTYPE_RAW packet starting at IP).
    pub fn new() -> PacketBuilder {
        PacketBuilder { layers: Vec::with_capacity(6) }
    }
    /// Starts with an Ethernet II header.
    pub fn ethernet(src: Mac, dst: Mac) -> PacketBuilder {
        PacketBuilder::new().push(Layer::Ethernet(Ethernet { dst, src, ethertype: None }))
    }
    pub fn push(mut self, layer: Layer) -> PacketBuilder {
        self.layers.push(layer);
        self
    }
    /// Adds an 802.1Q tag.
    pub fn vlan(self, vid: u16) -> PacketBuilder {
        self.push(Layer::Vlan(Vlan::dot1q(vid)))
    }
    /// Adds QinQ: an 802.1ad (0x88a8) outer tag then an 802.1Q (0x8100) inner tag.
    pub fn qinq(self, outer: u16, inner: u16) -> PacketBuilder {
        self.push(Layer::Vlan(Vlan::service(outer))).push(Layer::Vlan(Vlan::dot1q(inner)))
    }
    pub fn ipv4(self, h: Ipv4) -> PacketBuilder {
        self.push(Layer::Ipv4(h))
    }
    pub fn ipv6(self, h: Ipv6) -> PacketBuilder {
        self.push(Layer::Ipv6(h))
    }
    /// IPv4 or IPv6 with default fields, depending on the address family (both must match).
    pub fn ip(self, src: IpAddr, dst: IpAddr) -> PacketBuilder {
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => self.ipv4(Ipv4::new(s, d)),
            (IpAddr::V6(s), IpAddr::V6(d)) => self.ipv6(Ipv6::new(s, d)),
            _ => panic!("mixed address families {src} / {dst}"),
        }
    }
    pub fn arp(self, h: Arp) -> PacketBuilder {
        self.push(Layer::Arp(h))
    }
    pub fn tcp(self, h: Tcp) -> PacketBuilder {
        self.push(Layer::Tcp(h))
    }
    pub fn udp(self, h: Udp) -> PacketBuilder {
        self.push(Layer::Udp(h))
    }
    pub fn icmp(self, h: Icmp) -> PacketBuilder {
        self.push(Layer::Icmp(h))
    }
    pub fn icmpv6(self, h: Icmp) -> PacketBuilder {
        self.push(Layer::Icmpv6(h))
    }
    pub fn sctp(self, h: Sctp) -> PacketBuilder {
        self.push(Layer::Sctp(h))
    }
    /// Appends opaque bytes (an empty slice adds nothing).
    pub fn payload(self, bytes: &[u8]) -> PacketBuilder {
        if bytes.is_empty() {
            return self;
        }
        self.push(Layer::Raw(bytes.to_vec()))
    }

    /// The frame bytes.
    pub fn build(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        self.build_into(&mut out);
        out
    }

    /// The frame bytes and the offset at which each layer starts (one per layer).
    pub fn build_with_offsets(&self) -> (Vec<u8>, Vec<usize>) {
        let mut out = Vec::with_capacity(128);
        let offsets = self.build_into(&mut out);
        (out, offsets)
    }

    /// Builds into `out` (cleared first, so a buffer can be reused across packets) and returns
    /// the start offset of each layer.
    pub fn build_into(&self, out: &mut Vec<u8>) -> Vec<usize> {
        out.clear();
        let n = self.layers.len();
        let mut offsets = Vec::with_capacity(n);
        // Forward: headers with placeholder lengths and checksums.
        for (i, layer) in self.layers.iter().enumerate() {
            offsets.push(out.len());
            let next = self.layers.get(i + 1);
            write_layer(layer, next, out);
        }
        // Backward: lengths and checksums, innermost first, so an outer checksum covers
        // finished inner bytes.
        let end = out.len();
        for i in (0..n).rev() {
            let off = offsets[i];
            match &self.layers[i] {
                Layer::Ipv4(h) => {
                    let tot = h.total_len.unwrap_or((end - off) as u16);
                    out[off + 2..off + 4].copy_from_slice(&tot.to_be_bytes());
                    let hl = h.header_len();
                    let c = h.checksum.unwrap_or_else(|| checksum::internet_checksum(&out[off..off + hl]));
                    out[off + 10..off + 12].copy_from_slice(&c.to_be_bytes());
                }
                Layer::Ipv6(h) => {
                    let pl = h.payload_len.unwrap_or((end - off - 40) as u16);
                    out[off + 4..off + 6].copy_from_slice(&pl.to_be_bytes());
                }
                Layer::Udp(h) => {
                    let len = h.length.unwrap_or((end - off) as u16);
                    out[off + 4..off + 6].copy_from_slice(&len.to_be_bytes());
                    let c = h.checksum.unwrap_or_else(|| {
                        let c = self.l4_checksum(i, ipproto::UDP, &out[off..]);
                        if c == 0 {
                            0xffff
                        } else {
                            c
                        }
                    });
                    out[off + 6..off + 8].copy_from_slice(&c.to_be_bytes());
                }
                Layer::Tcp(h) => {
                    let c = h.checksum.unwrap_or_else(|| self.l4_checksum(i, ipproto::TCP, &out[off..]));
                    out[off + 16..off + 18].copy_from_slice(&c.to_be_bytes());
                }
                Layer::Icmp(h) => {
                    let c = h.checksum.unwrap_or_else(|| checksum::internet_checksum(&out[off..]));
                    out[off + 2..off + 4].copy_from_slice(&c.to_be_bytes());
                }
                Layer::Icmpv6(h) => {
                    let c = h.checksum.unwrap_or_else(|| self.l4_checksum(i, ipproto::ICMPV6, &out[off..]));
                    out[off + 2..off + 4].copy_from_slice(&c.to_be_bytes());
                }
                Layer::Sctp(h) => {
                    let c = h.checksum.unwrap_or_else(|| checksum::crc32c(&out[off..]));
                    // RFC 4960 appendix B stores the CRC least significant byte first.
                    out[off + 8..off + 12].copy_from_slice(&c.to_le_bytes());
                }
                _ => {}
            }
        }
        offsets
    }

    /// Checksum of an upper-layer segment with the pseudo-header of the nearest enclosing IP
    /// layer (RFC 793 / RFC 8200 section 8.1); plain checksum when there is none.
    fn l4_checksum(&self, l4_index: usize, proto: u8, segment: &[u8]) -> u16 {
        let ip = self.layers[..l4_index].iter().rev().find(|l| matches!(l, Layer::Ipv4(_) | Layer::Ipv6(_)));
        let len = segment.len();
        let acc = match ip {
            Some(Layer::Ipv4(h)) => {
                let mut ph = [0u8; 12];
                ph[0..4].copy_from_slice(&h.src.octets());
                ph[4..8].copy_from_slice(&h.dst.octets());
                ph[9] = proto;
                ph[10..12].copy_from_slice(&(len as u16).to_be_bytes());
                checksum::sum16(&ph, 0)
            }
            Some(Layer::Ipv6(h)) => {
                let mut ph = [0u8; 40];
                ph[0..16].copy_from_slice(&h.src.octets());
                ph[16..32].copy_from_slice(&h.dst.octets());
                ph[32..36].copy_from_slice(&(len as u32).to_be_bytes());
                ph[39] = proto;
                checksum::sum16(&ph, 0)
            }
            _ => 0,
        };
        checksum::finish(checksum::sum16(segment, acc))
    }
}

/// Writes one layer's header (lengths and checksums zero; filled by the backward pass).
fn write_layer(layer: &Layer, next: Option<&Layer>, out: &mut Vec<u8>) {
    match layer {
        Layer::Ethernet(h) => {
            out.extend_from_slice(&h.dst);
            out.extend_from_slice(&h.src);
            let et = h.ethertype.or(next.map(Layer::ethertype)).unwrap_or(ethertype::EXPERIMENTAL);
            out.extend_from_slice(&et.to_be_bytes());
        }
        Layer::Vlan(v) => {
            let tci = ((v.pcp as u16 & 7) << 13) | ((v.dei as u16) << 12) | (v.vid & 0x0fff);
            out.extend_from_slice(&tci.to_be_bytes());
            let et = v.ethertype.or(next.map(Layer::ethertype)).unwrap_or(ethertype::EXPERIMENTAL);
            out.extend_from_slice(&et.to_be_bytes());
        }
        Layer::Ipv4(h) => {
            let hl = h.header_len();
            let ihl = h.ihl.unwrap_or((hl / 4) as u8);
            out.push(0x40 | (ihl & 0x0f));
            out.push(h.tos);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&h.id.to_be_bytes());
            let ff = ((h.df as u16) << 14) | ((h.mf as u16) << 13) | (h.frag_offset & 0x1fff);
            out.extend_from_slice(&ff.to_be_bytes());
            out.push(h.ttl);
            out.push(h.protocol.or(next.and_then(Layer::ipproto)).unwrap_or(ipproto::EXPERIMENT));
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&h.src.octets());
            out.extend_from_slice(&h.dst.octets());
            out.extend_from_slice(&h.options);
            out.resize(out.len() + (hl - 20 - h.options.len()), 0);
        }
        Layer::Ipv6(h) => {
            let vtf = (6u32 << 28) | ((h.traffic_class as u32) << 20) | (h.flow_label & 0xfffff);
            out.extend_from_slice(&vtf.to_be_bytes());
            out.extend_from_slice(&[0, 0]);
            let last = h.next_header.or(next.and_then(Layer::ipproto)).unwrap_or(ipproto::NONXT);
            out.push(h.ext.first().map(Ipv6Ext::header_type).unwrap_or(last));
            out.push(h.hop_limit);
            out.extend_from_slice(&h.src.octets());
            out.extend_from_slice(&h.dst.octets());
            for (k, e) in h.ext.iter().enumerate() {
                let nh = h.ext.get(k + 1).map(Ipv6Ext::header_type).unwrap_or(last);
                e.write(nh, out);
            }
        }
        Layer::Arp(a) => {
            out.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4]);
            out.extend_from_slice(&a.op.to_be_bytes());
            out.extend_from_slice(&a.sha);
            out.extend_from_slice(&a.spa.octets());
            out.extend_from_slice(&a.tha);
            out.extend_from_slice(&a.tpa.octets());
        }
        Layer::Tcp(h) => {
            let hl = h.header_len();
            out.extend_from_slice(&h.sport.to_be_bytes());
            out.extend_from_slice(&h.dport.to_be_bytes());
            out.extend_from_slice(&h.seq.to_be_bytes());
            out.extend_from_slice(&h.ack.to_be_bytes());
            out.push(h.data_offset.unwrap_or((hl / 4) as u8) << 4);
            out.push(h.flags);
            out.extend_from_slice(&h.window.to_be_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&h.urgent.to_be_bytes());
            out.extend_from_slice(&h.options);
            out.resize(out.len() + (hl - 20 - h.options.len()), 0);
        }
        Layer::Udp(h) => {
            out.extend_from_slice(&h.sport.to_be_bytes());
            out.extend_from_slice(&h.dport.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
        }
        Layer::Icmp(h) | Layer::Icmpv6(h) => {
            out.extend_from_slice(&[h.icmp_type, h.code, 0, 0]);
            out.extend_from_slice(&h.rest);
        }
        Layer::Sctp(h) => {
            out.extend_from_slice(&h.sport.to_be_bytes());
            out.extend_from_slice(&h.dport.to_be_bytes());
            out.extend_from_slice(&h.verification_tag.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
        }
        Layer::Raw(b) => out.extend_from_slice(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Mac = [0x02, 0, 0, 0, 0, 0x01];
    const B: Mac = [0x02, 0, 0, 0, 0, 0x02];

    #[test]
    fn ipv4_udp_byte_by_byte() {
        let f = PacketBuilder::ethernet(A, B)
            .ipv4(Ipv4::new(Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 18, 0, 2)).id(1).df())
            .udp(Udp::new(1234, 53))
            .payload(b"ab")
            .build();
        // IPv4 header words: 4500 001e 0001 4000 4011 [csum] c612 0001 c612 0002
        // sum = 4500+001e+0001+4000+4011+c612+0001+c612+0002 = 0x25157
        //     -> fold 0x5159 -> checksum !0x5159 = 0xaea6.
        // UDP checksum: pseudo c612 0001 c612 0002 0011 000a, header 04d2 0035 000a,
        // data 6162: sum = 0x1f2b5 -> fold 0xf2b6 -> !0xf2b6 = 0x0d49.
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
            0x45, 0x00, 0x00, 0x1e, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0xae, 0xa6,
            198, 18, 0, 1, 198, 18, 0, 2,
            0x04, 0xd2, 0x00, 0x35, 0x00, 0x0a, 0x0d, 0x49,
            b'a', b'b',
        ];
        assert_eq!(f, want);
    }

    #[test]
    fn qinq_tcp_syn_with_options_byte_by_byte() {
        let f = PacketBuilder::ethernet(A, B)
            .qinq(100, 20)
            .ipv4(
                Ipv4::new(Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 19, 0, 1))
                    .ttl(1)
                    .options(&[0x94, 0x04, 0, 0]),
            )
            .tcp(Tcp::new(40000, 80).flags(tcp_flags::SYN).seq(0x01020304).options(&[2, 4, 0x05, 0xb4]))
            .build();
        assert_eq!(&f[12..14], &[0x88, 0xa8]); // outer TPID
        assert_eq!(&f[14..18], &[0x00, 100, 0x81, 0x00]); // outer TCI, inner TPID
        assert_eq!(&f[18..22], &[0x00, 20, 0x08, 0x00]); // inner TCI, IPv4
        let ip = &f[22..46];
        // IHL 6 (router alert option), total 24 + 24 = 48, TTL 1, proto 6.
        // words: 4600 0030 0000 0000 0106 [c] c612 0001 c613 0001 9404 0000
        // sum = 4600+0030+0106+c612+0001+c613+0001+9404 = 0x26761 -> 0x6763 -> !0x6763 = 0x989c
        assert_eq!(ip, &[0x46, 0, 0, 0x30, 0, 0, 0, 0, 1, 6, 0x98, 0x9c, 198, 18, 0, 1, 198, 19, 0, 1, 0x94, 4, 0, 0]);
        let tcp = &f[46..];
        assert_eq!(tcp.len(), 24);
        assert_eq!(&tcp[..4], &[0x9c, 0x40, 0, 80]);
        assert_eq!(&tcp[4..8], &[1, 2, 3, 4]);
        assert_eq!(tcp[12], 6 << 4);
        assert_eq!(tcp[13], tcp_flags::SYN);
        assert_eq!(&tcp[20..], &[2, 4, 0x05, 0xb4]);
        // Verify the TCP checksum independently: pseudo-header + segment sums to 0xffff.
        let mut ph = vec![198, 18, 0, 1, 198, 19, 0, 1, 0, 6, 0, 24];
        ph.extend_from_slice(tcp);
        assert_eq!(checksum::internet_checksum(&ph), 0);
    }

    #[test]
    fn ipv4_fragment_flags_and_overrides() {
        let f = PacketBuilder::new()
            .ipv4(
                Ipv4::new(Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 18, 0, 2))
                    .fragment(185, true)
                    .protocol(17)
                    .total_len(9999),
            )
            .payload(&[0u8; 8])
            .build();
        // flags/offset word: MF (0x2000) | 185 = 0x20b9.
        assert_eq!(&f[6..8], &[0x20, 0xb9]);
        assert_eq!(f[9], 17);
        assert_eq!(&f[2..4], &9999u16.to_be_bytes());
        assert_eq!(checksum::internet_checksum(&f[..20]), 0);
    }

    #[test]
    fn ipv6_extension_chain_byte_by_byte() {
        let s: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let d: Ipv6Addr = "2001:db8::2".parse().unwrap();
        let (f, offs) = PacketBuilder::ethernet(A, B)
            .ipv6(
                Ipv6::new(s, d)
                    .ext(Ipv6Ext::router_alert())
                    .ext(Ipv6Ext::experimental_dest_opt(0xdeadbeef))
                    .ext(Ipv6Ext::segment_routing(&[d], 0))
                    .ext(Ipv6Ext::Fragment { offset: 0, more: true, id: 7 }),
            )
            .udp(Udp::new(5000, 5001))
            .payload(b"x")
            .build_with_offsets();
        let ip = &f[offs[1]..];
        assert_eq!(ip[6], ipproto::HOPOPTS);
        // payload length = 8 (HBH) + 8 (DO) + 24 (SRH) + 8 (frag) + 9 (UDP) = 57
        assert_eq!(&ip[4..6], &[0, 57]);
        let e = &ip[40..];
        // HBH: next = DSTOPTS, len 0, router alert 05 02 0000, PadN 01 00.
        assert_eq!(&e[0..8], &[60, 0, 5, 2, 0, 0, 1, 0]);
        // DO: next = ROUTING, len 0, option 1e 04 deadbeef (exactly 8 bytes, no padding).
        assert_eq!(&e[8..16], &[43, 0, 0x1e, 4, 0xde, 0xad, 0xbe, 0xef]);
        // SRH: next = FRAGMENT, len 2, type 4, segleft 0, last entry 0, flags, tag, segment.
        assert_eq!(&e[16..24], &[44, 2, 4, 0, 0, 0, 0, 0]);
        assert_eq!(&e[24..40], &d.octets());
        // Fragment: next = UDP, reserved, offset 0 | M, id 7.
        assert_eq!(&e[40..48], &[17, 0, 0, 1, 0, 0, 0, 7]);
        assert_eq!(offs[2] - offs[1], 40 + 48);
        // UDP checksum verifies with the IPv6 pseudo-header.
        let udp = &f[offs[2]..];
        let mut ph = Vec::new();
        ph.extend_from_slice(&s.octets());
        ph.extend_from_slice(&d.octets());
        ph.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 17]);
        ph.extend_from_slice(udp);
        assert_eq!(checksum::internet_checksum(&ph), 0);
    }

    #[test]
    fn icmp_echo_byte_by_byte() {
        let f = PacketBuilder::new()
            .ipv4(Ipv4::new(Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 18, 0, 2)))
            .icmp(Icmp::echo_request(0x1234, 1))
            .build();
        // ICMP words 0800 [c] 1234 0001: sum 0x1a35 -> checksum 0xe5ca.
        assert_eq!(&f[20..], &[8, 0, 0xe5, 0xca, 0x12, 0x34, 0, 1]);
    }

    #[test]
    fn arp_and_sctp() {
        let f = PacketBuilder::ethernet(A, crate::gen::addr::BROADCAST)
            .arp(Arp {
                op: 1,
                sha: A,
                spa: Ipv4Addr::new(198, 18, 0, 1),
                tha: [0; 6],
                tpa: Ipv4Addr::new(198, 18, 0, 2),
            })
            .build();
        assert_eq!(&f[12..14], &[0x08, 0x06]);
        assert_eq!(f.len(), 14 + 28);
        assert_eq!(&f[14..22], &[0, 1, 8, 0, 6, 4, 0, 1]);

        let s = PacketBuilder::new()
            .ipv4(Ipv4::new(Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 18, 0, 2)))
            .sctp(Sctp::new(2905, 2905, 0))
            .payload(&Sctp::init_chunk(1, 65536, 10, 1))
            .build();
        assert_eq!(s[9], ipproto::SCTP);
        let sctp = &s[20..];
        let stored = u32::from_le_bytes(sctp[8..12].try_into().unwrap());
        let mut zeroed = sctp.to_vec();
        zeroed[8..12].fill(0);
        assert_eq!(stored, checksum::crc32c(&zeroed));
    }
}
