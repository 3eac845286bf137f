//! `fragments`: fragmented IPv4 and IPv6 datagrams. Only the first fragment carries the L4
//! header; following fragments are counted outside flows (see the module docs of
//! [`crate::gen::describe`]).

use super::{BASE_TS_NS, MS, SEC};
use crate::gen::addr::{mac, v4, v6, Mac};
use crate::gen::builder::{ipproto, tcp_flags, Ipv4, Ipv6, Ipv6Ext, Layer, PacketBuilder, Tcp, Udp};
use crate::gen::conv::{Encap, Endpoint, UdpConv};
use crate::gen::describe::{Acct, ClientRule, Description, Dir, FlowId, Recorder};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::IpAddr;

/// One fragmented datagram to send.
struct Datagram<'a> {
    src_mac: Mac,
    dst_mac: Mac,
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    /// L4 header + payload, checksummed over the whole datagram.
    l4: Vec<u8>,
    proto: u8,
    /// L4 header length (to tell payload bytes of the first fragment).
    l4_header: usize,
    /// Sizes of all fragments but the last (multiples of 8).
    cuts: &'a [usize],
    /// IPv6 extension headers placed before the fragment header.
    pre_frag_ext: Vec<Ipv6Ext>,
    /// Send fragments last-to-first.
    reversed: bool,
}

/// The L4 bytes of an unfragmented packet from `src` to `dst`.
fn l4_bytes(src: IpAddr, dst: IpAddr, l4: Layer, payload: &[u8]) -> Vec<u8> {
    let (bytes, offs) = PacketBuilder::new().ip(src, dst).push(l4).payload(payload).build_with_offsets();
    bytes[offs[1]..].to_vec()
}

fn send(rec: &mut Recorder, ts: u64, dg: &Datagram, flow: FlowId, dir: Dir) -> io::Result<u64> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for &c in dg.cuts {
        assert_eq!(c % 8, 0);
        pieces.push((start, start + c));
        start += c;
    }
    pieces.push((start, dg.l4.len()));
    let last = pieces.len() - 1;
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    if dg.reversed {
        order.reverse();
    }
    let mut t = ts;
    for k in order {
        let (s, e) = pieces[k];
        let more = k != last;
        let off = (s / 8) as u16;
        let b = PacketBuilder::ethernet(dg.src_mac, dg.dst_mac);
        let b = match (dg.src, dg.dst) {
            (IpAddr::V4(a), IpAddr::V4(z)) => {
                b.ipv4(Ipv4::new(a, z).id(dg.id as u16).fragment(off, more).protocol(dg.proto))
            }
            (IpAddr::V6(a), IpAddr::V6(z)) => {
                let mut h = Ipv6::new(a, z).next_header(dg.proto);
                h.ext = dg.pre_frag_ext.clone();
                h.ext.push(Ipv6Ext::Fragment { offset: off, more, id: dg.id });
                b.ipv6(h)
            }
            _ => unreachable!(),
        };
        let frame = b.payload(&dg.l4[s..e]).build();
        if s == 0 {
            let payload = (e - s).saturating_sub(dg.l4_header);
            rec.annotate_next(&format!(
                "first fragment (bytes {s}..{e} of {}) of datagram id {:#x}",
                dg.l4.len(),
                dg.id
            ));
            rec.frame(t, &frame, Acct::Flow { id: flow, dir, payload })?;
        } else {
            rec.annotate_next(&format!(
                "non-first fragment (bytes {s}..{e}, offset {off}) of datagram id {:#x}: no L4 header, no flow",
                dg.id
            ));
            rec.frame(t, &frame, Acct::NoFlow)?;
        }
        t += 100_000;
    }
    Ok(t)
}

fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// Writes the `fragments` scenario:
/// 1. IPv4 UDP, 3000-byte payload in 3 fragments (1480 + 1480 + 48), then an unfragmented reply;
/// 2. IPv4 UDP, 2000-byte payload in 2 fragments;
/// 3. IPv4 UDP in 3 fragments sent in reverse order (last fragment first);
/// 4. IPv4 UDP with a tiny first fragment of 8 bytes (the UDP header alone);
/// 5. IPv4 TCP with a tiny first fragment of 8 bytes (ports and sequence number only: the
///    TCP header is incomplete, so that fragment is accounted as no-flow and annotated);
/// 6. IPv6 UDP, 3000-byte payload in 3 fragments (fragment header only);
/// 7. IPv6 UDP in 2 fragments with a hop-by-hop header before the fragment header.
///
/// First fragments (offset 0) are flow packets of the datagram's 5-tuple when they hold the
/// whole L4 header; every other fragment is a no-flow record.
pub fn fragments(sink: &mut dyn RecordSink) -> io::Result<Description> {
    let mut rec = Recorder::new("fragments", sink, true);
    rec.note("only first fragments (offset 0) that hold the whole L4 header are accounted to flows; later fragments are non_flow_packets");
    rec.note("flow bytes of a fragmented datagram are therefore the first fragment's frame length (no reassembly)");
    let (cm, sm) = (mac(0x31), mac(0x32));
    let (c4, s4) = (IpAddr::V4(v4(0x31)), IpAddr::V4(v4(0x32)));
    let (c6, s6) = (IpAddr::V6(v6(0x31)), IpAddr::V6(v6(0x32)));
    let mut ts = BASE_TS_NS;

    let udp_case = |rec: &mut Recorder,
                    ts: u64,
                    src: IpAddr,
                    dst: IpAddr,
                    sport: u16,
                    size: usize,
                    cuts: &[usize],
                    id: u32,
                    reversed: bool,
                    ext: Vec<Ipv6Ext>|
     -> io::Result<u64> {
        let mut conv = UdpConv::new(Endpoint::new(cm, src, sport), Endpoint::new(sm, dst, 7000), Encap::none());
        let flow = conv.sides.open(rec, ClientRule::FirstPacket, None);
        let l4 = l4_bytes(src, dst, Layer::Udp(Udp::new(sport, 7000)), &pattern(size, id as u8));
        let dg = Datagram {
            src_mac: cm,
            dst_mac: sm,
            src,
            dst,
            id,
            l4,
            proto: ipproto::UDP,
            l4_header: 8,
            cuts,
            pre_frag_ext: ext,
            reversed,
        };
        let t = send(rec, ts, &dg, flow, Dir::C2S)?;
        conv.send(rec, t + MS, Dir::S2C, b"reply")?;
        Ok(t + SEC / 10)
    };

    ts = udp_case(&mut rec, ts, c4, s4, 41001, 3000, &[1480, 1480], 0x1001, false, vec![])?;
    ts = udp_case(&mut rec, ts, c4, s4, 41002, 2000, &[1480], 0x1002, false, vec![])?;
    ts = udp_case(&mut rec, ts, c4, s4, 41003, 3000, &[1480, 1480], 0x1003, true, vec![])?;
    ts = udp_case(&mut rec, ts, c4, s4, 41004, 1000, &[8], 0x1004, false, vec![])?;

    // Tiny TCP first fragment: 8 bytes = ports + sequence number, no flags, no data offset.
    {
        let (src, dst) = (v4(0x31), v4(0x32));
        let tcp = Tcp::new(41005, 8080).flags(tcp_flags::PSH | tcp_flags::ACK).seq(1).ack(1);
        let l4 = l4_bytes(IpAddr::V4(src), IpAddr::V4(dst), Layer::Tcp(tcp), &pattern(200, 5));
        let frag = |off: u16, more: bool, bytes: &[u8]| {
            PacketBuilder::ethernet(cm, sm)
                .ipv4(Ipv4::new(src, dst).id(0x1005).fragment(off, more).protocol(ipproto::TCP))
                .payload(bytes)
                .build()
        };
        rec.annotate_next("malformed: tiny first TCP fragment (8 bytes, TCP header incomplete); an engine may count it as malformed or as a flow packet");
        rec.frame(ts, &frag(0, true, &l4[..8]), Acct::NoFlow)?;
        rec.annotate_next("non-first fragment (offset 1) completing the tiny TCP fragment: no flow");
        rec.frame(ts + MS, &frag(1, false, &l4[8..]), Acct::NoFlow)?;
        ts += SEC / 10;
    }

    ts = udp_case(&mut rec, ts, c6, s6, 41006, 3000, &[1448, 1448], 0x6001, false, vec![])?;
    udp_case(&mut rec, ts, c6, s6, 41007, 1600, &[1440], 0x6002, false, vec![Ipv6Ext::router_alert()])?;
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::checksum;
    use crate::gen::scenarios::Capture;

    #[test]
    fn fragments_reassemble_to_valid_datagrams() {
        let c = Capture::of(fragments);
        let d = &c.description;
        assert_eq!(d.flows.len(), 6);
        // Non-first fragments: 2 + 1 + 2 + 1 (UDP v4) + 2 (tiny TCP, both) + 2 + 1 (v6).
        assert_eq!(d.non_flow_packets, 11);
        // Case 1: first fragment is 14 + 20 + 1480 bytes, with MF, offset 0; UDP length 3008.
        let f0 = &c.records[0].data;
        assert_eq!(f0.len(), 14 + 20 + 1480);
        assert_eq!(&f0[20..22], &[0x20, 0x00]);
        assert_eq!(&f0[34 + 4..34 + 6], &3008u16.to_be_bytes());
        // Reassemble case 1 and check the UDP checksum over the whole datagram.
        let mut dg = Vec::new();
        for r in &c.records[0..3] {
            dg.extend_from_slice(&r.data[34..]);
        }
        let mut ph = vec![198, 18, 0, 0x31, 198, 18, 0, 0x32, 0, 17];
        ph.extend_from_slice(&(dg.len() as u16).to_be_bytes());
        ph.extend_from_slice(&dg);
        assert_eq!(checksum::internet_checksum(&ph), 0);
        let last = &c.records[2].data;
        assert_eq!(u16::from_be_bytes([last[20], last[21]]), 2960 / 8);
        // The flow counts only the first fragment and the reply.
        assert_eq!(d.flows[0].c2s.packets, 1);
        assert_eq!(d.flows[0].c2s.bytes, 1514);
        assert_eq!(d.flows[0].s2c.packets, 1);
        // Reversed case: its first record is the last fragment (offset 370, no MF).
        let rev = c.records.iter().find(|r| r.data.len() > 20 && r.data[18..20] == [0x10, 0x03]).unwrap();
        assert_eq!(&rev.data[20..22], &(2960u16 / 8).to_be_bytes());
        // IPv6: the fragment header follows the fixed header.
        let v6first = c.records.iter().find(|r| r.data[12..14] == [0x86, 0xdd]).unwrap();
        assert_eq!(v6first.data[14 + 6], 44);
        assert_eq!(&v6first.data[54..56], &[17, 0]);
        assert_eq!(&v6first.data[56..58], &[0, 1]);
    }
}
