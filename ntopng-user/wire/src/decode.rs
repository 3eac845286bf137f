//! From a raw frame to the facts the flow engine needs: VLAN, MACs, addresses, ports, flags
//! and where the (innermost) IP header starts.

use crate::ether::{ethertype, linktype, EthernetFrame};
use crate::ip::{skip_ipv6_extensions, Ipv4Header, Ipv6Header, IPV6_HEADER_LEN};
use crate::tunnel::{self, Inner};
use crate::{be16, be32, ipproto, Addr};

/// Decoder switches (ntopng/ndpiReader options).
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions {
    /// Look inside GTP-U, TZSP and CAPWAP (ndpiReader `-t`); IP-in-IP is always decoded.
    pub decode_tunnels: bool,
    /// Key flows on VLAN 0 whatever the tags (ntopng `--ignore-vlans`).
    pub ignore_vlans: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { decode_tunnels: true, ignore_vlans: false }
    }
}

/// An IP packet ready for flow accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketInfo {
    pub vlan: u16,
    /// Outermost Ethernet addresses (zero when the link layer has none).
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    /// Offset of the innermost IP header in the frame; nDPI is given `frame[l3_offset..]`.
    pub l3_offset: usize,
    pub ip_version: u8,
    pub src: Addr,
    pub dst: Addr,
    pub l4_proto: u8,
    /// Ports for TCP/UDP (and SCTP); 0 for everything else.
    pub src_port: u16,
    pub dst_port: u16,
    /// TCP flags (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128).
    pub tcp_flags: u8,
    /// TCP sequence number (0 for everything else).
    pub tcp_seq: u32,
    /// TCP window field, unscaled (0 for everything else: read it only for TCP).
    pub tcp_window: u16,
    /// DiffServ code point of the innermost IP header (IPv4 TOS / IPv6 traffic class >> 2).
    pub dscp: u8,
    /// L4 payload bytes after the TCP/UDP header.
    pub payload_len: u16,
    /// First fragment of a fragmented IP datagram.
    pub first_fragment: bool,
    /// The packet came out of an encapsulation other than VLAN tags (MPLS, PPPoE, IP-in-IP,
    /// GTP-U, TZSP, CAPWAP): the kernel fast path cannot key such flows.
    pub tunneled: bool,
}

/// A frame that is not IP but is still worth accounting (ARP and other EtherTypes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonIp {
    pub ethertype: u16,
    pub vlan: u16,
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    /// Offset of the EtherType's payload in the frame (the ARP header for ARP).
    pub payload_offset: usize,
}

/// Why a frame does not reach the flow table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Drop {
    /// Shorter than the smallest useful IP packet, or cut inside a header.
    TooShort,
    /// The IP header claims more bytes than were captured (snaplen cut).
    Truncated,
    /// A non-first IPv4 or IPv6 fragment: no L4 header to key a flow on.
    NonFirstFragment,
    /// Neither IPv4 nor IPv6 where IP was expected.
    NotIp,
    /// A link type we do not decode.
    UnsupportedLinkType,
    /// Tunnels nested beyond any sane depth.
    TooDeep,
}

impl Drop {
    pub const ALL: [Drop; 6] =
        [Drop::TooShort, Drop::Truncated, Drop::NonFirstFragment, Drop::NotIp, Drop::UnsupportedLinkType, Drop::TooDeep];

    pub fn name(self) -> &'static str {
        match self {
            Drop::TooShort => "too_short",
            Drop::Truncated => "truncated",
            Drop::NonFirstFragment => "non_first_fragment",
            Drop::NotIp => "not_ip",
            Drop::UnsupportedLinkType => "unsupported_link_type",
            Drop::TooDeep => "too_deep",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The result of decoding one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    Ip(PacketInfo),
    NonIp(NonIp),
    Dropped(Drop),
}

/// Smallest frame (after the link header) worth looking at: a minimal IPv4 and UDP header.
const MIN_IP_UDP: usize = 28;
/// Bound on decapsulation steps (tunnels inside tunnels).
const MAX_LAYERS: usize = 8;

/// Decodes one frame of link type `linktype`. Never panics, never allocates.
pub fn decode(linktype: u32, frame: &[u8], opts: DecodeOptions) -> Decoded {
    let mut d = Decoder { frame, opts, vlan: 0, src_mac: [0; 6], dst_mac: [0; 6], tunneled: false };
    d.run(linktype)
}

struct Decoder<'a> {
    frame: &'a [u8],
    opts: DecodeOptions,
    vlan: u16,
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    tunneled: bool,
}

/// Where decoding continues after one step.
enum Next {
    /// A link-layer header at this offset.
    Link(u32, usize),
    /// Payload of this EtherType at this offset.
    EtherType(u16, usize),
    /// An IP header at this offset; the EtherType is kept because IPv4 fragment checks depend on it.
    Ip(u16, usize),
    Done(Decoded),
}

impl<'a> Decoder<'a> {
    fn run(&mut self, linktype: u32) -> Decoded {
        let mut next = Next::Link(linktype, 0);
        for _ in 0..MAX_LAYERS {
            next = match next {
                Next::Link(lt, at) => self.link(lt, at),
                Next::EtherType(t, at) => self.ethertype(t, at),
                Next::Ip(t, at) => self.ip(t, at),
                Next::Done(d) => return d,
            };
        }
        match next {
            Next::Done(d) => d,
            _ => Decoded::Dropped(Drop::TooDeep),
        }
    }

    fn link(&mut self, lt: u32, at: usize) -> Next {
        let f = self.frame;
        if f.len() < at + MIN_IP_UDP {
            return Next::Done(Decoded::Dropped(Drop::TooShort));
        }
        match lt {
            linktype::ETHERNET => {
                let eth = EthernetFrame::new_checked(&f[at..]).expect("length checked above");
                if !self.tunneled {
                    self.src_mac = eth.src();
                    self.dst_mac = eth.dst();
                }
                let t = eth.ethertype();
                let payload = at + 14;
                if t <= 1500 {
                    // 802.3 length field: only LLC/SNAP can carry IP.
                    if f[payload] == 0xaa && f[payload + 1] == 0xaa {
                        return Next::EtherType(be16(f, payload + 6), payload + 8);
                    }
                    return self.ip_or_non_ip(t, payload);
                }
                Next::EtherType(t, payload)
            }
            linktype::NULL | linktype::LOOP => {
                // The address family is in the capturing host's byte order; ndpiReader reads it
                // big-endian and only "2" means IPv4. The IP version nibble decides in the end.
                let family = be32(f, at);
                Next::EtherType(if family == 2 { ethertype::IPV4 } else { ethertype::IPV6 }, at + 4)
            }
            linktype::PPP_HDLC => Next::EtherType(ppp_to_ethertype(be16(f, at + 2)), at + 4),
            linktype::C_HDLC | linktype::PPP => {
                // Cisco HDLC (0x0f/0x8f address) and PPP in HDLC framing (ff 03) carry the
                // protocol after two bytes; bare PPP starts with it.
                if f[at] == 0x0f || f[at] == 0x8f || (f[at] == 0xff && f[at + 1] == 0x03) {
                    Next::EtherType(ppp_to_ethertype(be16(f, at + 2)), at + 4)
                } else {
                    Next::EtherType(ppp_to_ethertype(be16(f, at)), at + 2)
                }
            }
            linktype::LINUX_SLL => Next::EtherType(be16(f, at + 14), at + 16),
            linktype::LINUX_SLL2 => {
                if f.len() < at + 20 + MIN_IP_UDP {
                    return Next::Done(Decoded::Dropped(Drop::TooShort));
                }
                Next::EtherType(be16(f, at), at + 20)
            }
            // Raw IP: no EtherType to go by (so IPv4 fragment checks do not apply, as in ndpiReader).
            linktype::RAW | linktype::RAW_OLD | linktype::RAW_OLD2 => Next::Ip(0, at),
            linktype::IPV4 => Next::Ip(ethertype::IPV4, at),
            linktype::IPV6 => Next::Ip(ethertype::IPV6, at),
            _ => Next::Done(Decoded::Dropped(Drop::UnsupportedLinkType)),
        }
    }

    fn ethertype(&mut self, t: u16, at: usize) -> Next {
        let f = self.frame;
        match t {
            t if ethertype::is_vlan(t) => {
                // One or more 802.1Q/802.1ad tags: the flow is keyed on the innermost VLAN id.
                let mut at = at;
                let mut t = t;
                while ethertype::is_vlan(t) {
                    if f.len() < at + 4 {
                        return Next::Done(Decoded::Dropped(Drop::TooShort));
                    }
                    if !self.opts.ignore_vlans {
                        self.vlan = be16(f, at) & 0x0fff;
                    }
                    t = be16(f, at + 2);
                    at += 4;
                }
                Next::EtherType(t, at)
            }
            ethertype::MPLS_UNICAST | ethertype::MPLS_MULTICAST => {
                // Label stack entries until the bottom-of-stack bit; IP follows.
                self.tunneled = true;
                let mut at = at;
                loop {
                    if f.len() < at + 4 {
                        return Next::Done(Decoded::Dropped(Drop::TooShort));
                    }
                    let bottom = f[at + 2] & 0x01 != 0;
                    at += 4;
                    if bottom {
                        break;
                    }
                }
                Next::Ip(ethertype::IPV4, at)
            }
            ethertype::PPPOE_SESSION => {
                // 6 bytes of PPPoE header and 2 of PPP protocol.
                self.tunneled = true;
                if f.len() < at + 8 {
                    return Next::Done(Decoded::Dropped(Drop::TooShort));
                }
                Next::Ip(ppp_to_ethertype(be16(f, at + 6)), at + 8)
            }
            ethertype::IPV4 | ethertype::IPV6 => Next::Ip(t, at),
            other => self.ip_or_non_ip(other, at),
        }
    }

    /// An EtherType that is not IP. ndpiReader still looks for an IP header there and keeps
    /// the frame when the version nibble says 4 or 6 (fuzzed and odd captures rely on it);
    /// ARP and most others start with a zero nibble and stay non-IP.
    fn ip_or_non_ip(&self, t: u16, at: usize) -> Next {
        match self.frame.get(at).map(|b| b >> 4) {
            Some(4) | Some(6) => Next::Ip(t, at),
            _ => Next::Done(self.non_ip(t, at)),
        }
    }

    fn non_ip(&self, t: u16, at: usize) -> Decoded {
        Decoded::NonIp(NonIp {
            ethertype: t,
            vlan: self.vlan,
            src_mac: self.src_mac,
            dst_mac: self.dst_mac,
            payload_offset: at,
        })
    }

    fn ip(&mut self, t: u16, at: usize) -> Next {
        let f = self.frame;
        let Some(&first) = f.get(at) else {
            return Next::Done(Decoded::Dropped(Drop::TooShort));
        };
        match first >> 4 {
            4 => self.ipv4(t, at),
            6 => self.ipv6(t, at),
            _ => Next::Done(Decoded::Dropped(Drop::NotIp)),
        }
    }

    fn ipv4(&mut self, t: u16, at: usize) -> Next {
        let f = self.frame;
        // nDPI's reader sizes the IP packet as a 16-bit quantity.
        let ipsize = (f.len() - at) as u16 as usize;
        let Some(h) = Ipv4Header::new_checked(&f[at..at + ipsize]) else {
            return Next::Done(Decoded::Dropped(Drop::TooShort));
        };
        let hlen = h.header_len();
        let proto = h.protocol();
        if (proto == ipproto::IPIP || proto == ipproto::IPV6) && hlen > 0 {
            self.tunneled = true;
            return Next::Ip(t, at + hlen);
        }
        // Only frames that said "IPv4" in their EtherType get the fragment check (ndpiReader).
        if t == ethertype::IPV4 && h.frag_offset() != 0 {
            return Next::Done(Decoded::Dropped(Drop::NonFirstFragment));
        }
        let tot = h.total_len() as usize;
        if hlen > ipsize || ipsize < tot {
            return Next::Done(Decoded::Dropped(Drop::Truncated));
        }
        // L4 length as the reader computes it: 16-bit, so a total length below the header
        // length wraps and fails the size check below.
        let l4_len = (h.total_len().wrapping_sub(hlen as u16)) as usize;
        if ipsize < hlen + l4_len {
            return Next::Done(Decoded::Dropped(Drop::Truncated));
        }
        if let Some(n) = self.udp_tunnel(t, at, proto, hlen) {
            return n;
        }
        let first_fragment = h.more_fragments();
        let mut info = self.l4(at, 4, h.src(), h.dst(), proto, hlen, l4_len, first_fragment);
        info.dscp = h.tos() >> 2;
        Next::Done(Decoded::Ip(info))
    }

    fn ipv6(&mut self, t: u16, at: usize) -> Next {
        let f = self.frame;
        let ipsize = (f.len() - at) as u16 as usize;
        let Some(h) = Ipv6Header::new_checked(&f[at..at + ipsize]) else {
            return Next::Done(Decoded::Dropped(Drop::TooShort));
        };
        // The tunnel probe of ndpiReader skips one destination-options header and then looks
        // for UDP right after the payload length; keep its exact arithmetic.
        let mut probe_proto = h.next_header();
        let mut probe_len = h.payload_len() as usize;
        if probe_proto == ipproto::DSTOPTS {
            if let Some(opt) = f.get(at + IPV6_HEADER_LEN..at + IPV6_HEADER_LEN + 2) {
                probe_proto = opt[0];
                probe_len += 8 * (opt[1] as usize + 1);
            }
        }
        if let Some(n) = self.udp_tunnel(t, at, probe_proto, probe_len) {
            return n;
        }
        let after = &f[at + IPV6_HEADER_LEN..at + ipsize];
        let l4 = match skip_ipv6_extensions(after, h.payload_len(), h.next_header()) {
            Ok(l4) => l4,
            Err(crate::ip::ExtHeaderError::NonFirstFragment) => {
                return Next::Done(Decoded::Dropped(Drop::NonFirstFragment))
            }
            Err(_) => return Next::Done(Decoded::Dropped(Drop::Truncated)),
        };
        let l4_offset = IPV6_HEADER_LEN + l4.offset;
        if ipsize < l4_offset + l4.len as usize {
            return Next::Done(Decoded::Dropped(Drop::Truncated));
        }
        if l4.protocol == ipproto::IPIP || l4.protocol == ipproto::IPV6 {
            self.tunneled = true;
            return Next::Ip(t, at + l4_offset);
        }
        let mut info = self.l4(at, 6, h.src(), h.dst(), l4.protocol, l4_offset, l4.len as usize, l4.first_fragment);
        info.dscp = h.traffic_class() >> 2;
        Next::Done(Decoded::Ip(info))
    }

    /// GTP-U, TZSP and CAPWAP probes on a UDP packet whose UDP header is at `at + ip_len`.
    fn udp_tunnel(&mut self, t: u16, at: usize, proto: u8, ip_len: usize) -> Option<Next> {
        if !self.opts.decode_tunnels || proto != ipproto::UDP {
            return None;
        }
        let f = self.frame;
        let udp = at + ip_len;
        if f.len() < udp + 8 {
            // ndpiReader discards a UDP packet too short for its header.
            return Some(Next::Done(Decoded::Dropped(Drop::TooShort)));
        }
        let (sport, dport) = (be16(f, udp), be16(f, udp + 2));
        let is = |p: u16| sport == p || dport == p;
        let inner = if is(tunnel::GTP_U_PORT) {
            tunnel::gtp_u(f, udp + 8).map(Inner::Ip)
        } else if is(tunnel::TZSP_PORT) {
            if f.len() < udp + 12 {
                return Some(Next::Done(Decoded::Dropped(Drop::TooShort)));
            }
            tunnel::tzsp(f, udp + 8).map(Inner::Ethernet)
        } else if is(tunnel::CAPWAP_DATA_PORT) {
            tunnel::capwap(f, udp + 8)
        } else {
            None
        }?;
        self.tunneled = true;
        Some(match inner {
            Inner::Ip(off) => Next::Ip(t, off),
            Inner::Ethernet(off) => Next::Link(linktype::ETHERNET, off),
            Inner::Typed { ethertype, offset } => Next::EtherType(ethertype, offset),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn l4(&self, at: usize, ver: u8, src: Addr, dst: Addr, proto: u8, l4_off: usize, l4_len: usize, frag: bool) -> PacketInfo {
        let f = self.frame;
        let l4 = &f[at + l4_off..];
        let mut info = PacketInfo {
            vlan: self.vlan,
            src_mac: self.src_mac,
            dst_mac: self.dst_mac,
            l3_offset: at,
            ip_version: ver,
            src,
            dst,
            l4_proto: proto,
            src_port: 0,
            dst_port: 0,
            tcp_flags: 0,
            tcp_seq: 0,
            tcp_window: 0,
            dscp: 0,
            payload_len: 0,
            first_fragment: frag,
            tunneled: self.tunneled,
        };
        // The size checks above guarantee `l4_len` bytes are present.
        match proto {
            ipproto::TCP if l4_len >= 20 => {
                info.src_port = be16(l4, 0);
                info.dst_port = be16(l4, 2);
                info.tcp_flags = l4[13];
                info.tcp_seq = be32(l4, 4);
                info.tcp_window = be16(l4, 14);
                let doff = ((l4[12] >> 4) as usize) * 4;
                info.payload_len = l4_len.saturating_sub(doff) as u16;
            }
            ipproto::UDP if l4_len >= 8 => {
                info.src_port = be16(l4, 0);
                info.dst_port = be16(l4, 2);
                info.payload_len = (l4_len - 8) as u16;
            }
            _ => info.payload_len = l4_len as u16,
        }
        info
    }
}

fn ppp_to_ethertype(p: u16) -> u16 {
    match p {
        ethertype::PPP_IPV4 => ethertype::IPV4,
        ethertype::PPP_IPV6 => ethertype::IPV6,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth(ethertype: u16) -> Vec<u8> {
        let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f
    }

    fn ipv4_udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let tot = (20 + 8 + payload.len()) as u16;
        let mut p = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, ipproto::UDP, 0, 0];
        p[2..4].copy_from_slice(&tot.to_be_bytes());
        p.extend_from_slice(&src);
        p.extend_from_slice(&dst);
        p.extend_from_slice(&sport.to_be_bytes());
        p.extend_from_slice(&dport.to_be_bytes());
        p.extend_from_slice(&(8 + payload.len() as u16).to_be_bytes());
        p.extend_from_slice(&[0, 0]);
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn ethernet_qinq_udp() {
        let mut f = eth(ethertype::QINQ);
        f.extend_from_slice(&[0x00, 100, 0x81, 0x00, 0x00, 20, 0x08, 0x00]);
        f.extend(ipv4_udp([198, 18, 0, 1], [198, 18, 0, 2], 1234, 53, b"hello"));
        let Decoded::Ip(p) = decode(linktype::ETHERNET, &f, DecodeOptions::default()) else { panic!() };
        assert_eq!(p.vlan, 20);
        assert_eq!((p.src_port, p.dst_port, p.l4_proto), (1234, 53, ipproto::UDP));
        assert_eq!(p.l3_offset, 22);
        assert_eq!(p.payload_len, 5);
        assert_eq!(p.src.to_string(), "198.18.0.1");
        assert_eq!(p.src_mac, [2, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn non_first_fragment_and_truncation_are_dropped() {
        let mut f = eth(ethertype::IPV4);
        let mut ip = ipv4_udp([198, 18, 0, 1], [198, 18, 0, 2], 1, 2, &[0; 16]);
        ip[6] = 0x00;
        ip[7] = 0x03; // offset 24 bytes
        f.extend(ip.clone());
        assert_eq!(decode(linktype::ETHERNET, &f, DecodeOptions::default()), Decoded::Dropped(Drop::NonFirstFragment));
        let mut f = eth(ethertype::IPV4);
        f.extend(&ipv4_udp([198, 18, 0, 1], [198, 18, 0, 2], 1, 2, &[0; 16])[..40]);
        assert_eq!(decode(linktype::ETHERNET, &f, DecodeOptions::default()), Decoded::Dropped(Drop::Truncated));
    }

    #[test]
    fn arp_is_non_ip() {
        let mut f = eth(ethertype::ARP);
        f.extend_from_slice(&[0; 28]);
        assert!(matches!(decode(linktype::ETHERNET, &f, DecodeOptions::default()),
            Decoded::NonIp(n) if n.ethertype == ethertype::ARP && n.payload_offset == 14));
    }

    #[test]
    fn dscp_and_tcp_sequence() {
        // IPv4 TOS 0xb8 = DSCP 46 (EF), ECN 0; TCP seq 0x01020304, 4 bytes of payload.
        let mut f = eth(ethertype::IPV4);
        let mut ip = vec![0x45, 0xb8, 0, 44, 0, 1, 0, 0, 64, ipproto::TCP, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2];
        ip.extend_from_slice(&[0x9c, 0x40, 0x01, 0xbb, 1, 2, 3, 4, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        ip.extend_from_slice(b"ping");
        f.extend(ip);
        let Decoded::Ip(p) = decode(linktype::ETHERNET, &f, DecodeOptions::default()) else { panic!() };
        assert_eq!((p.dscp, p.tcp_seq, p.payload_len, p.tcp_flags, p.tcp_window), (46, 0x0102_0304, 4, 0x18, 0xffff));
        // IPv6 traffic class 0x28 = DSCP 10 (AF11), UDP.
        let mut f = eth(ethertype::IPV6);
        let mut ip6 = vec![0x62, 0x80, 0, 0, 0, 8, ipproto::UDP, 64];
        ip6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8].iter().chain([0u8; 11].iter()).chain([1u8].iter()).copied().collect::<Vec<_>>());
        ip6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8].iter().chain([0u8; 11].iter()).chain([2u8].iter()).copied().collect::<Vec<_>>());
        ip6.extend_from_slice(&[0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0]);
        f.extend(ip6);
        let Decoded::Ip(p) = decode(linktype::ETHERNET, &f, DecodeOptions::default()) else { panic!() };
        assert_eq!((p.ip_version, p.dscp, p.tcp_seq), (6, 10, 0));
    }

    #[test]
    fn gtp_u_is_decapsulated() {
        let inner = ipv4_udp([198, 18, 1, 1], [198, 18, 1, 2], 5000, 53, b"query");
        let mut gtp = vec![0x30, 0xff];
        gtp.extend_from_slice(&(inner.len() as u16).to_be_bytes());
        gtp.extend_from_slice(&[0, 0, 0, 1]);
        gtp.extend(inner);
        let mut f = eth(ethertype::IPV4);
        f.extend(ipv4_udp([198, 19, 0, 1], [198, 19, 0, 2], 2152, 2152, &gtp));
        let Decoded::Ip(p) = decode(linktype::ETHERNET, &f, DecodeOptions::default()) else { panic!() };
        assert!(p.tunneled);
        assert_eq!(p.src.to_string(), "198.18.1.1");
        assert_eq!(p.dst_port, 53);
        assert_eq!(p.l3_offset, 14 + 28 + 8);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn never_panics(lt in proptest::sample::select(vec![0u32, 1, 9, 50, 101, 104, 113, 228, 229, 276, 7]),
                        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = decode(lt, &bytes, DecodeOptions::default());
        }
    }
}
