//! Address rewriting of captured frames, for [`super::replicate()`]: every IPv4 address goes
//! into 198.18.0.0/15, every IPv6 address into 2001:db8::/32 and every unicast MAC becomes
//! locally administered, with a different mapping per copy, while ports and payloads stay
//! as they were (so nDPI classifies the copies like the originals).
//!
//! Kept unchanged on purpose: unspecified, broadcast and multicast addresses (they name no
//! host, and protocols such as mDNS or SSDP are recognised by them). IPv4 header checksums
//! are recomputed when the whole header was captured; L4 checksums (TCP, UDP, ICMPv6) and
//! ICMP checksums over embedded headers are updated incrementally (RFC 1624), so a valid
//! checksum stays valid and an offloaded (garbage) one stays garbage.
//!
//! Tunnels are followed (up to 4 levels) so inner flows differ per copy too, as engines that
//! decapsulate key flows by inner addresses: IP-in-IP (4, 41), GRE version 0 (IP or
//! Ethernet inside), GTPv1-U G-PDUs (UDP 2152), VXLAN (UDP 4789), and the headers quoted by
//! ICMP/ICMPv6 errors; enclosing checksums are adjusted for the inner changes.
//!
//! Not rewritten: addresses inside application payloads (DNS answers, SIP, FTP...), other
//! tunnels (PPTP GRE, CAPWAP, TZSP...), routing-header segment lists; frames of a non-IP
//! protocol keep their payload (only MACs change).

use super::addr::{v4, Mac};
use super::checksum;
use super::prng::mix64;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Per-copy address mappings. IPv4 addresses are handed out in order across all copies
/// (wrapping after the 131072 addresses of the /15, after which copies may share
/// addresses); IPv6 ones are `2001:db8:<copy>::<n>`, always distinct per copy.
#[derive(Debug, Default)]
pub struct AddressMap {
    copy: u32,
    v4: HashMap<Ipv4Addr, Ipv4Addr>,
    v6: HashMap<Ipv6Addr, Ipv6Addr>,
    next_v4: u64,
    next_v6: u64,
}

impl AddressMap {
    pub fn new() -> AddressMap {
        AddressMap::default()
    }

    /// Starts copy `copy`: addresses seen from now on get new mappings.
    pub fn start_copy(&mut self, copy: u32) {
        self.copy = copy;
        self.v4.clear();
        self.v6.clear();
        self.next_v6 = 0;
    }

    /// Number of IPv4 mappings made so far (across copies).
    pub fn v4_allocated(&self) -> u64 {
        self.next_v4
    }

    pub fn map_v4(&mut self, a: Ipv4Addr) -> Ipv4Addr {
        if a.is_unspecified() || a.is_broadcast() || a.is_multicast() {
            return a;
        }
        let next = &mut self.next_v4;
        *self.v4.entry(a).or_insert_with(|| {
            let n = *next;
            *next += 1;
            v4((n % super::addr::V4_POOL as u64) as u32)
        })
    }

    pub fn map_v6(&mut self, a: Ipv6Addr) -> Ipv6Addr {
        if a.is_unspecified() || a.is_multicast() {
            return a;
        }
        let copy = self.copy;
        let next = &mut self.next_v6;
        *self.v6.entry(a).or_insert_with(|| {
            *next += 1;
            Ipv6Addr::from((0x2001_0db8u128 << 96) | ((copy as u128 & 0xffff_ffff) << 64) | *next as u128)
        })
    }

    /// Group (broadcast/multicast) and all-zero MACs are kept; unicast ones become
    /// `02:<copy>:<hash of the original>`.
    pub fn map_mac(&self, m: Mac) -> Mac {
        if m[0] & 1 == 1 || m == [0; 6] {
            return m;
        }
        let mut v = [0u8; 8];
        v[2..].copy_from_slice(&m);
        let h = (mix64(u64::from_be_bytes(v)) as u32).to_be_bytes();
        [0x02, self.copy as u8, h[0], h[1], h[2], h[3]]
    }
}

/// Counters of what was rewritten.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RewriteStats {
    pub ipv4_headers: u64,
    pub ipv6_headers: u64,
    pub arp: u64,
    /// TCP/UDP/ICMP(v6) checksums updated.
    pub l4_checksums: u64,
    /// Frames of a supported link type that carry no IP or ARP (written with MACs rewritten).
    pub not_ip: u64,
}

/// Link types whose frames can be rewritten.
pub fn supported_linktype(linktype: u32) -> bool {
    matches!(linktype, 0 | 1 | 9 | 12 | 14 | 50 | 101 | 104 | 108 | 113 | 228 | 229 | 276)
}

/// What follows a link-layer header.
#[derive(Clone, Copy)]
enum Net {
    V4,
    V6,
    Arp,
    /// Guess from the IP version nibble.
    Ip,
}

fn be16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(off)?, *b.get(off + 1)?]))
}

/// Rewrites one frame in place. Returns false when the link type is not supported (frame
/// untouched). Truncated frames are rewritten as far as they go.
pub fn rewrite_frame(linktype: u32, frame: &mut [u8], map: &mut AddressMap, stats: &mut RewriteStats) -> bool {
    let found = match linktype {
        1 => ethernet(frame, map),
        12 | 14 | 101 => Some((0, Net::Ip)),
        228 => Some((0, Net::V4)),
        229 => Some((0, Net::V6)),
        0 | 108 => frame.get(0..4).and_then(|f| {
            let fam = [u32::from_le_bytes([f[0], f[1], f[2], f[3]]), u32::from_be_bytes([f[0], f[1], f[2], f[3]])];
            fam.iter().find_map(|&x| match x {
                2 => Some((4, Net::V4)),
                24 | 28 | 30 => Some((4, Net::V6)),
                _ => None,
            })
        }),
        113 => {
            if frame.len() >= 16 && be16(frame, 4) == Some(6) {
                let m: Mac = frame[6..12].try_into().expect("6 bytes");
                frame[6..12].copy_from_slice(&map.map_mac(m));
            }
            be16(frame, 14).and_then(ethertype_net).map(|n| (16, n))
        }
        276 => {
            if frame.len() >= 20 && frame[11] == 6 {
                let m: Mac = frame[12..18].try_into().expect("6 bytes");
                frame[12..18].copy_from_slice(&map.map_mac(m));
            }
            be16(frame, 0).and_then(ethertype_net).map(|n| (20, n))
        }
        104 => be16(frame, 2).and_then(ethertype_net).map(|n| (4, n)),
        // Wireshark-style: PPP frames that start with a Cisco HDLC address byte are C-HDLC.
        9 | 50 if matches!(frame.first(), Some(0x0f | 0x8f)) => be16(frame, 2).and_then(ethertype_net).map(|n| (4, n)),
        9 | 50 => {
            let skip = if frame.starts_with(&[0xff, 0x03]) { 2 } else { 0 };
            match be16(frame, skip) {
                Some(0x0021) => Some((skip + 2, Net::V4)),
                Some(0x0057) => Some((skip + 2, Net::V6)),
                _ => None,
            }
        }
        _ => return false,
    };
    match found {
        Some((off, net)) => {
            let start = off.min(frame.len());
            dispatch(&mut frame[start..], net, map, stats, 0);
        }
        None => stats.not_ip += 1,
    }
    true
}

/// Rewrites the network layer `net` at the start of `l3`.
fn dispatch(l3: &mut [u8], net: Net, map: &mut AddressMap, stats: &mut RewriteStats, depth: u32) {
    let net = match net {
        Net::Ip => match l3.first().map(|b| b >> 4) {
            Some(4) => Net::V4,
            Some(6) => Net::V6,
            _ => {
                stats.not_ip += (depth == 0) as u64;
                return;
            }
        },
        n => n,
    };
    match net {
        Net::V4 => ipv4(l3, map, stats, depth),
        Net::V6 => ipv6(l3, map, stats, depth),
        Net::Arp => arp(l3, map, stats),
        Net::Ip => unreachable!("resolved above"),
    }
}

fn ethertype_net(et: u16) -> Option<Net> {
    match et {
        0x0800 => Some(Net::V4),
        0x86dd => Some(Net::V6),
        0x0806 => Some(Net::Arp),
        _ => None,
    }
}

/// Rewrites the MACs and finds the network layer behind VLAN tags, MPLS labels, PPPoE or
/// Cisco FabricPath.
fn ethernet(f: &mut [u8], map: &AddressMap) -> Option<(usize, Net)> {
    if f.len() < 14 {
        return None;
    }
    for range in [0..6, 6..12] {
        let m: Mac = f[range.clone()].try_into().expect("6 bytes");
        f[range].copy_from_slice(&map.map_mac(m));
    }
    let mut et = be16(f, 12)?;
    let mut off = 14;
    loop {
        match et {
            0x8100 | 0x88a8 | 0x9100 | 0x9200 => {
                et = be16(f, off + 2)?;
                off += 4;
            }
            0x8847 | 0x8848 => {
                loop {
                    let bos = f.get(off + 2)? & 1;
                    off += 4;
                    if bos == 1 {
                        break;
                    }
                }
                return Some((off, Net::Ip));
            }
            // Cisco FabricPath: a 16-byte outer header, then a whole Ethernet frame.
            0x8903 if off == 14 => {
                let (o, net) = ethernet(f.get_mut(16..)?, map)?;
                return Some((16 + o, net));
            }
            0x8864 => {
                let proto = be16(f, off + 6)?;
                off += 8;
                return match proto {
                    0x0021 => Some((off, Net::V4)),
                    0x0057 => Some((off, Net::V6)),
                    _ => None,
                };
            }
            other => return ethertype_net(other).map(|n| (off, n)),
        }
    }
}

fn arp(p: &mut [u8], map: &mut AddressMap, stats: &mut RewriteStats) {
    if p.len() < 28 || p[0..6] != [0, 1, 8, 0, 6, 4] {
        stats.not_ip += 1;
        return;
    }
    for (m, a) in [(8, 14), (18, 24)] {
        let mac: Mac = p[m..m + 6].try_into().expect("6 bytes");
        p[m..m + 6].copy_from_slice(&map.map_mac(mac));
        let ip = Ipv4Addr::new(p[a], p[a + 1], p[a + 2], p[a + 3]);
        p[a..a + 4].copy_from_slice(&map.map_v4(ip).octets());
    }
    stats.arp += 1;
}

/// Updates the 16-bit checksum at `at` (when captured) for a change from `old` to `new`.
fn fix_checksum(p: &mut [u8], at: usize, old: &[u8], new: &[u8], stats: &mut RewriteStats) {
    if let Some(c) = be16(p, at) {
        let n = checksum::update(c, old, new);
        p[at..at + 2].copy_from_slice(&n.to_be_bytes());
        stats.l4_checksums += 1;
    }
}

const MAX_DEPTH: u32 = 4;

fn ipv4(p: &mut [u8], map: &mut AddressMap, stats: &mut RewriteStats, depth: u32) {
    if p.len() < 20 || p[0] >> 4 != 4 {
        stats.not_ip += (depth == 0) as u64;
        return;
    }
    let ihl = (p[0] & 0x0f) as usize * 4;
    let old: [u8; 8] = p[12..20].try_into().expect("8 bytes");
    let src = map.map_v4(Ipv4Addr::new(old[0], old[1], old[2], old[3]));
    let dst = map.map_v4(Ipv4Addr::new(old[4], old[5], old[6], old[7]));
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    let new: [u8; 8] = p[12..20].try_into().expect("8 bytes");
    if ihl >= 20 && p.len() >= ihl {
        p[10..12].fill(0);
        let c = checksum::internet_checksum(&p[..ihl]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
    } else {
        let c = checksum::update(u16::from_be_bytes([p[10], p[11]]), &old, &new);
        p[10..12].copy_from_slice(&c.to_be_bytes());
    }
    stats.ipv4_headers += 1;
    let first_fragment = u16::from_be_bytes([p[6], p[7]]) & 0x1fff == 0;
    if ihl < 20 || p.len() <= ihl || !first_fragment {
        return;
    }
    let proto = p[9];
    let l4 = &mut p[ihl..];
    upper(proto, l4, &old, &new, false, map, stats, depth);
}

fn ipv6(p: &mut [u8], map: &mut AddressMap, stats: &mut RewriteStats, depth: u32) {
    if p.len() < 40 || p[0] >> 4 != 6 {
        stats.not_ip += (depth == 0) as u64;
        return;
    }
    let old: [u8; 32] = p[8..40].try_into().expect("32 bytes");
    let s: [u8; 16] = old[..16].try_into().expect("16");
    let d: [u8; 16] = old[16..].try_into().expect("16");
    p[8..24].copy_from_slice(&map.map_v6(Ipv6Addr::from(s)).octets());
    p[24..40].copy_from_slice(&map.map_v6(Ipv6Addr::from(d)).octets());
    let new: [u8; 32] = p[8..40].try_into().expect("32 bytes");
    stats.ipv6_headers += 1;
    let mut nh = p[6];
    let mut off = 40;
    loop {
        match nh {
            0 | 43 | 60 => {
                let (Some(&n), Some(&l)) = (p.get(off), p.get(off + 1)) else { return };
                nh = n;
                off += (l as usize + 1) * 8;
            }
            51 => {
                let (Some(&n), Some(&l)) = (p.get(off), p.get(off + 1)) else { return };
                nh = n;
                off += (l as usize + 2) * 4;
            }
            44 => {
                let (Some(&n), Some(fo)) = (p.get(off), be16(p, off + 2)) else { return };
                if fo >> 3 != 0 {
                    return; // non-first fragment: no L4 header
                }
                nh = n;
                off += 8;
            }
            _ => break,
        }
    }
    if off >= p.len() {
        return;
    }
    upper(nh, &mut p[off..], &old, &new, true, map, stats, depth);
}

/// Fixes the L4 checksum for the address change and descends into IP-in-IP and into the
/// headers quoted by ICMP errors.
#[allow(clippy::too_many_arguments)]
fn upper(
    proto: u8,
    l4: &mut [u8],
    old: &[u8],
    new: &[u8],
    v6: bool,
    map: &mut AddressMap,
    stats: &mut RewriteStats,
    depth: u32,
) {
    match proto {
        6 => fix_checksum(l4, 16, old, new, stats),
        17 => {
            // UDP over IPv4 may carry no checksum (0): leave it so.
            let checksummed = be16(l4, 6).is_some_and(|c| c != 0);
            if checksummed {
                fix_checksum(l4, 6, old, new, stats);
            }
            let ports = [be16(l4, 0), be16(l4, 2)];
            let inner = if ports.contains(&Some(2152)) {
                l4.get(8..).and_then(gtp_u_payload).map(|o| (8 + o, Inner::Ip))
            } else if ports.contains(&Some(4789)) {
                Some((16, Inner::Ethernet))
            } else {
                None
            };
            if let Some((off, kind)) = inner {
                encapsulated(l4, off, kind, checksummed.then_some(6), map, stats, depth);
            }
        }
        47 => {
            if let Some((off, kind, csum)) = gre_payload(l4) {
                encapsulated(l4, off, kind, csum, map, stats, depth);
            }
        }
        1 | 58 => {
            let is_v6 = proto == 58;
            if is_v6 && v6 {
                fix_checksum(l4, 2, old, new, stats);
            }
            let error =
                if is_v6 { matches!(l4.first(), Some(1..=4)) } else { matches!(l4.first(), Some(3 | 4 | 5 | 11 | 12)) };
            if error {
                // The quoted header is rewritten like the outer one; the ICMP checksum covers it.
                encapsulated(l4, 8, if is_v6 { Inner::V6 } else { Inner::V4 }, Some(2), map, stats, depth);
            }
        }
        4 if depth < MAX_DEPTH => ipv4(l4, map, stats, depth + 1),
        41 if depth < MAX_DEPTH => ipv6(l4, map, stats, depth + 1),
        _ => {}
    }
}

/// What an encapsulation carries.
#[derive(Clone, Copy)]
enum Inner {
    V4,
    V6,
    /// IPv4 or IPv6 by version nibble.
    Ip,
    Ethernet,
}

/// Rewrites the packet carried at `seg[off..]` and, when the enclosing header has a
/// checksum at `seg[csum_at..]` covering those bytes, adjusts it (RFC 1624) for the bytes
/// that changed. `off` is even, so 16-bit words line up.
#[allow(clippy::too_many_arguments)]
fn encapsulated(
    seg: &mut [u8],
    off: usize,
    kind: Inner,
    csum_at: Option<usize>,
    map: &mut AddressMap,
    stats: &mut RewriteStats,
    depth: u32,
) {
    if depth >= MAX_DEPTH || off >= seg.len() {
        return;
    }
    debug_assert_eq!(off % 2, 0);
    let before = seg[off..].to_vec();
    let inner = &mut seg[off..];
    match kind {
        Inner::V4 => ipv4(inner, map, stats, depth + 1),
        Inner::V6 => ipv6(inner, map, stats, depth + 1),
        Inner::Ip => dispatch(inner, Net::Ip, map, stats, depth + 1),
        Inner::Ethernet => {
            if let Some((o, net)) = ethernet(inner, map) {
                let o = o.min(inner.len());
                dispatch(&mut inner[o..], net, map, stats, depth + 1);
            }
        }
    }
    let Some(at) = csum_at else { return };
    let Some(c) = be16(seg, at) else { return };
    let after = &seg[off..];
    let even = before.len() & !1;
    let mut c = checksum::update(c, &before[..even], &after[..even]);
    if before.len() % 2 == 1 {
        let i = before.len() - 1;
        c = checksum::update(c, &[before[i], 0], &[after[i], 0]);
    }
    seg[at..at + 2].copy_from_slice(&c.to_be_bytes());
}

/// Offset of the T-PDU inside a GTPv1-U message (after optional fields and extension
/// headers), when the message is a G-PDU.
fn gtp_u_payload(g: &[u8]) -> Option<usize> {
    let flags = *g.first()?;
    if flags >> 5 != 1 || flags & 0x10 == 0 || *g.get(1)? != 0xff {
        return None;
    }
    if flags & 0x07 == 0 {
        return Some(8);
    }
    let mut off = 12;
    let mut next = *g.get(11)?;
    while flags & 0x04 != 0 && next != 0 {
        let len = *g.get(off)? as usize * 4;
        if len == 0 {
            return None;
        }
        next = *g.get(off + len - 1)?;
        off += len;
    }
    Some(off)
}

/// Payload offset, kind and checksum position of a GRE (version 0) packet carrying IP or
/// Ethernet (transparent Ethernet bridging, 0x6558).
fn gre_payload(g: &[u8]) -> Option<(usize, Inner, Option<usize>)> {
    let flags = be16(g, 0)?;
    if flags & 0x0007 != 0 {
        return None; // version 1 (PPTP) and others
    }
    let kind = match be16(g, 2)? {
        0x0800 => Inner::V4,
        0x86dd => Inner::V6,
        0x6558 => Inner::Ethernet,
        _ => return None,
    };
    let c = flags & 0x8000 != 0;
    let off = 4 + 4 * (c as usize + (flags & 0x2000 != 0) as usize + (flags & 0x1000 != 0) as usize);
    Some((off, kind, c.then_some(4)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::addr::{is_bench_v4, is_bench_v6};
    use crate::gen::builder::{Icmp, Ipv4, Ipv6, Ipv6Ext, PacketBuilder, Tcp, Udp};

    fn l4_ok_v4(f: &[u8], off: usize, proto: u8) -> bool {
        let ip = &f[off..];
        let ihl = (ip[0] & 15) as usize * 4;
        let seg = &ip[ihl..];
        let mut ph = ip[12..20].to_vec();
        ph.extend_from_slice(&[0, proto]);
        ph.extend_from_slice(&(seg.len() as u16).to_be_bytes());
        ph.extend_from_slice(seg);
        checksum::internet_checksum(&ph) == 0
    }

    #[test]
    fn ipv4_tcp_behind_qinq_is_rewritten_with_valid_checksums() {
        let src = Ipv4Addr::new(10, 1, 2, 3);
        let dst = Ipv4Addr::new(93, 184, 216, 34);
        let mut f = PacketBuilder::ethernet([0, 0x11, 0x22, 0x33, 0x44, 0x55], [0xff; 6])
            .qinq(5, 6)
            .ipv4(Ipv4::new(src, dst))
            .tcp(Tcp::new(1234, 443))
            .payload(b"payload stays")
            .build();
        let orig = f.clone();
        let mut map = AddressMap::new();
        map.start_copy(3);
        let mut st = RewriteStats::default();
        assert!(rewrite_frame(1, &mut f, &mut map, &mut st));
        assert_eq!(f[0..6], [0xff; 6], "broadcast destination kept");
        assert_eq!(f[6..8], [0x02, 3], "source MAC: locally administered, copy 3");
        let ip = &f[22..];
        let (s, d) = (Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]), Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]));
        assert!(is_bench_v4(s) && is_bench_v4(d) && s != d);
        assert_eq!(checksum::internet_checksum(&ip[..20]), 0);
        assert!(l4_ok_v4(&f, 22, 6));
        assert_eq!(&f[42..58], &orig[42..58], "ports, seq, ack, flags unchanged");
        assert_eq!(&f[62..], &orig[62..], "payload unchanged");
        assert_eq!((st.ipv4_headers, st.l4_checksums), (1, 1));
        // Same address, same copy: same mapping; next copy: different.
        assert_eq!(map.map_v4(src), s);
        map.start_copy(4);
        assert_ne!(map.map_v4(src), s);
        // Multicast and broadcast stay.
        assert_eq!(map.map_v4(Ipv4Addr::new(224, 0, 0, 251)), Ipv4Addr::new(224, 0, 0, 251));
        assert_eq!(map.map_v4(Ipv4Addr::BROADCAST), Ipv4Addr::BROADCAST);
    }

    #[test]
    fn ipv6_udp_behind_extensions_and_raw_linktype() {
        let s: Ipv6Addr = "fe80::1".parse().unwrap();
        let d: Ipv6Addr = "2a00:1450::5".parse().unwrap();
        let mut f = PacketBuilder::new()
            .ipv6(Ipv6::new(s, d).ext(Ipv6Ext::router_alert()).ext(Ipv6Ext::experimental_dest_opt(1)))
            .udp(Udp::new(5353, 53))
            .payload(b"q")
            .build();
        let mut map = AddressMap::new();
        let mut st = RewriteStats::default();
        assert!(rewrite_frame(101, &mut f, &mut map, &mut st));
        let ns = Ipv6Addr::from(<[u8; 16]>::try_from(&f[8..24]).unwrap());
        let nd = Ipv6Addr::from(<[u8; 16]>::try_from(&f[24..40]).unwrap());
        assert!(is_bench_v6(ns) && is_bench_v6(nd) && ns != nd);
        let udp = &f[56..];
        let mut ph = f[8..40].to_vec();
        ph.extend_from_slice(&[0, 0, 0, udp.len() as u8, 0, 0, 0, 17]);
        ph.extend_from_slice(udp);
        assert_eq!(checksum::internet_checksum(&ph), 0);
        assert_eq!(st.l4_checksums, 1);
    }

    #[test]
    fn icmp_error_quotes_and_ip_in_ip_are_rewritten() {
        let a = Ipv4Addr::new(10, 0, 0, 1);
        let b = Ipv4Addr::new(10, 0, 0, 2);
        let quoted = PacketBuilder::new().ipv4(Ipv4::new(a, b)).udp(Udp::new(1, 2)).build();
        let mut f =
            PacketBuilder::new().ipv4(Ipv4::new(b, a)).icmp(Icmp::new(3, 3, [0; 4])).payload(&quoted[..28]).build();
        let mut map = AddressMap::new();
        let mut st = RewriteStats::default();
        rewrite_frame(228, &mut f, &mut map, &mut st);
        assert_eq!(checksum::internet_checksum(&f[20..]), 0, "ICMP checksum still valid");
        let inner = &f[28..];
        assert_eq!(&inner[12..16], &f[16..20], "quoted source = outer destination, mapped alike");
        assert_eq!(checksum::internet_checksum(&inner[..20]), 0);

        let mut t = PacketBuilder::new()
            .ipv4(Ipv4::new(a, b))
            .ipv4(Ipv4::new(Ipv4Addr::new(172, 16, 0, 1), b))
            .tcp(Tcp::new(1, 2))
            .build();
        rewrite_frame(228, &mut t, &mut map, &mut st);
        assert!(is_bench_v4(Ipv4Addr::new(t[32], t[33], t[34], t[35])));
        assert!(l4_ok_v4(&t, 20, 6));
    }

    #[test]
    fn unsupported_and_truncated_frames() {
        let mut map = AddressMap::new();
        let mut st = RewriteStats::default();
        let mut f = vec![1, 2, 3];
        assert!(!rewrite_frame(127, &mut f, &mut map, &mut st));
        assert_eq!(f, vec![1, 2, 3]);
        // An IPv4 header cut at 24 bytes of a 60-byte IHL: addresses still rewritten.
        let mut g = PacketBuilder::ethernet([2; 6], [4; 6])
            .ipv4(Ipv4::new(Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2)).options(&[1; 40]))
            .build();
        g.truncate(14 + 24);
        assert!(rewrite_frame(1, &mut g, &mut map, &mut st));
        assert!(is_bench_v4(Ipv4Addr::new(g[26], g[27], g[28], g[29])));
        for len in 0..14 {
            let mut h = vec![0u8; len];
            rewrite_frame(1, &mut h, &mut map, &mut st);
            rewrite_frame(113, &mut h, &mut map, &mut st);
            rewrite_frame(276, &mut h, &mut map, &mut st);
        }
    }

    #[test]
    fn tunnels_are_followed_and_outer_checksums_kept_valid() {
        let (o1, o2) = (Ipv4Addr::new(10, 9, 0, 1), Ipv4Addr::new(10, 9, 0, 2));
        let (i1, i2) = (Ipv4Addr::new(172, 20, 0, 1), Ipv4Addr::new(8, 8, 8, 8));
        let inner =
            PacketBuilder::new().ipv4(Ipv4::new(i1, i2)).tcp(Tcp::new(40000, 443)).payload(b"inner data").build();
        let check = |f: &[u8], inner_at: usize| {
            assert!(is_bench_v4(Ipv4Addr::new(f[26], f[27], f[28], f[29])));
            let ip = &f[inner_at..];
            assert!(is_bench_v4(Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15])), "inner source rewritten");
            assert!(is_bench_v4(Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19])), "inner destination rewritten");
            assert!(l4_ok_v4(f, inner_at, 6), "inner TCP checksum valid");
        };
        let mut map = AddressMap::new();
        let mut st = RewriteStats::default();

        // GTPv1-U with a sequence number and one extension header (PDU session container).
        let mut gtp = vec![0x36, 0xff, 0, 0, 0, 0, 0, 1, 0, 7, 0, 0x85, 1, 0x10, 0x01, 0];
        let glen = (gtp.len() - 8 + inner.len()) as u16;
        gtp[2..4].copy_from_slice(&glen.to_be_bytes());
        gtp.extend_from_slice(&inner);
        let mut f = PacketBuilder::ethernet([2; 6], [4; 6])
            .ipv4(Ipv4::new(o1, o2))
            .udp(Udp::new(2152, 2152))
            .payload(&gtp)
            .build();
        assert!(rewrite_frame(1, &mut f, &mut map, &mut st));
        check(&f, 14 + 20 + 8 + 16);
        assert!(l4_ok_v4(&f, 14, 17), "outer UDP checksum valid");

        // GRE with checksum and key, IPv4 inside.
        let mut gre = vec![0xa0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 42];
        gre.extend_from_slice(&inner);
        let c = checksum::internet_checksum(&gre);
        gre[4..6].copy_from_slice(&c.to_be_bytes());
        let mut f = PacketBuilder::ethernet([2; 6], [4; 6]).ipv4(Ipv4::new(o1, o2).protocol(47)).payload(&gre).build();
        assert!(rewrite_frame(1, &mut f, &mut map, &mut st));
        check(&f, 14 + 20 + 12);
        assert_eq!(checksum::internet_checksum(&f[34..]), 0, "GRE checksum valid");

        // VXLAN: Ethernet inside UDP 4789.
        let mut vx = vec![0x08, 0, 0, 0, 0, 0, 0x2a, 0];
        vx.extend_from_slice(&PacketBuilder::ethernet([0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 6]).build()[..12]);
        vx.extend_from_slice(&[0x08, 0x00]);
        vx.extend_from_slice(&inner);
        let mut f = PacketBuilder::ethernet([2; 6], [4; 6])
            .ipv4(Ipv4::new(o1, o2))
            .udp(Udp::new(50000, 4789))
            .payload(&vx)
            .build();
        assert!(rewrite_frame(1, &mut f, &mut map, &mut st));
        check(&f, 14 + 20 + 8 + 8 + 14);
        assert_eq!(f[42 + 8 + 6], 0x02, "inner source MAC rewritten");
        assert!(l4_ok_v4(&f, 14, 17));
    }

    #[test]
    fn ppp_with_cisco_hdlc_framing() {
        let mut f = vec![0x0f, 0x00, 0x08, 0x00];
        f.extend_from_slice(
            &PacketBuilder::new().ipv4(Ipv4::new(Ipv4Addr::new(100, 16, 1, 1), Ipv4Addr::new(100, 16, 1, 2))).build(),
        );
        let mut map = AddressMap::new();
        let mut st = RewriteStats::default();
        assert!(rewrite_frame(9, &mut f, &mut map, &mut st));
        assert!(is_bench_v4(Ipv4Addr::new(f[16], f[17], f[18], f[19])));
    }
}
